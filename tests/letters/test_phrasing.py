"""The reader on wording written by a second reader (tests/letters/phrasing.py): floors a little
under today's figures, so that a change that loses what clinicians write is seen, and a check that
no sentence of the set was taken from a development letter."""

from __future__ import annotations

import pytest
from phrasing import HELD_OUT_DIR, PHRASING_DIR, Reading, load_phrasings, read_all, shares

from engine.letters.text import read_letter_text
from engine.paths import LETTERS_DIR

# eight sets, at 7482c8c: present 87.6%, stated absent 77.0%, silent 99.2%, 12 misread of 1,712 (13 when
# the eighth joined; the sixth read at first 69.1%, 69.0%, 95.8%, 8 misread of 200; the seventh, at
# 685a175, 67.0%, 57.6%, 93.7%, 14 misread of 217; the eighth, at 2070e21, 49.0%, 32.9%, 97.6%, and
# 75.5%, 57.9%, 100%, 4 misread of 216 when it joined). The misread bound grew with the sets, from 13
# of 1,496 sentences to 14 of 1,712.
FLOORS = {"present": 0.85, "false": 0.76, "silent": 0.97}
MOST_MISREAD = 14
# the held-out sets, at 7b57187: present 80.2%, stated absent 74.5%, silent 96.3%, 27 misread of 1,014;
# at 7482c8c: 80.9%, 74.5%, 96.7%, 26 misread
# (the fourth set, first read at 851b843, its header dates then counted: 67.4%, 64.4%, 91.8%, 9 misread
# of 199; the fifth, first read at 0f447c3: 63.2%, 72.9%, 89.7%, 9 misread of 212)
HELD_OUT_FLOORS = {"present": 0.74, "false": 0.70, "silent": 0.94}
HELD_OUT_MOST_MISREAD = 29


@pytest.fixture(scope="module")
def readings() -> list[Reading]:
    return read_all()


@pytest.fixture(scope="module")
def held_out() -> list[Reading]:
    return read_all(HELD_OUT_DIR)


@pytest.mark.parametrize("kind", sorted(FLOORS))
def test_each_class_is_read_at_its_floor(readings: list[Reading], kind: str) -> None:
    right, total = shares(readings)[kind]  # type: ignore[index]
    assert total >= 150
    assert right / total >= FLOORS[kind], f"{kind}: {right}/{total}"


@pytest.mark.parametrize("kind", sorted(HELD_OUT_FLOORS))
def test_the_held_out_set_is_read_at_its_floor(held_out: list[Reading], kind: str) -> None:
    right, total = shares(held_out)[kind]  # type: ignore[index]
    assert total >= 50
    assert right / total >= HELD_OUT_FLOORS[kind], f"{kind}: {right}/{total}"
    assert sum(r.misread for r in held_out) <= HELD_OUT_MOST_MISREAD


def test_few_sentences_are_read_as_what_they_do_not_say(readings: list[Reading]) -> None:
    misread = [r for r in readings if r.misread]
    assert len(misread) <= MOST_MISREAD, [(r.phrasing.source, r.phrasing.fact, r.read) for r in misread]


def test_hypotheses_and_other_peoples_conditions_are_silent(readings: list[Reading]) -> None:
    # the context layer's clause hedges, other-person scopes and the finding's own words
    wanted = {
        "It is possible that the patient's burning pain and discoloration represent early reflex"
        " sympathetic dystrophy.",
        "A lumbar MRI is requested to evaluate for disc herniation and nerve root impingement.",
    }
    found = {r.phrasing.sentence: r for r in readings if r.phrasing.sentence in wanted}
    assert set(found) == wanted
    assert all(r.read is None for r in found.values())


def test_no_sentence_comes_from_a_development_letter() -> None:
    letters = [
        " ".join(read_letter_text(p).text.split()).lower()
        for p in sorted(LETTERS_DIR.glob("**/*"))
        if p.suffix.lower() in (".pdf", ".txt")
    ]
    assert len(letters) >= 79
    copied = [
        p.source
        for directory in (PHRASING_DIR, HELD_OUT_DIR)
        for p in load_phrasings(directory)
        if any(" ".join(p.sentence.split()).lower()[:-1] in text for text in letters)
    ]
    assert copied == []
