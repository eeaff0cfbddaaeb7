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
