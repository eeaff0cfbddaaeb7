"""Sentences and their spans (engine/letters/sentences.py)."""

from __future__ import annotations

from engine.letters.sentences import split_sentences


def test_sentences_carry_their_spans() -> None:
    text = (
        "Intro. The patient (Dr. Smith's) takes Norco 10/325 mg, e.g. daily. Pain is 5/10.Work status: TTD."
        "\nNext line"
    )
    sentences = split_sentences(text, 7, len(text), "summary")
    assert [s.text for s in sentences] == [
        "The patient (Dr. Smith's) takes Norco 10/325 mg, e.g. daily.",
        "Pain is 5/10.",
        "Work status: TTD.",
        "Next line",
    ]
    assert all(text[s.start : s.end] == s.text for s in sentences)


def test_a_sentence_may_end_on_an_abbreviation_like_word() -> None:
    text = "The patient has had prior PT. There is no report. See No. 5 below."
    assert [s.text for s in split_sentences(text, 0, len(text), "rationale")] == [
        "The patient has had prior PT.",
        "There is no report.",
        "See No. 5 below.",
    ]


def test_a_quotation_is_told_by_the_shape_of_its_marks() -> None:
    text = (
        'ODG states "Patients should be assessed after a "six-visit clinical trial" to see. '
        'Then continue." Function" means a reduction in work restrictions. '
        "The records reveal a “reduction” in restrictions. He was seen."
    )
    sentences = split_sentences(text, 0, len(text), "rationale")
    assert [(s.opens_quote, s.closes_quote) for s in sentences] == [
        (True, False),  # the inner quotation closes, the outer stays open
        (False, True),
        # a lost opening mark: the closing one after a word closes, it opens nothing
        (False, True),
        (False, False),
        (False, False),
    ]
