"""The diagnoses a case summary lists ("The diagnoses include cervical strain, lumbar
radiculopathy and ..."), by the list patterns of the cue files (`diagnoses`)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from engine.letters.cues import CueBook
from engine.letters.sentences import Sentence
from engine.vocab import Vocabulary

_LIST_SPLIT = re.compile(r"\s*;\s*|,\s*(?:and\s+|or\s+)?|\s+and\s+(?=[^,]*$)")


def read_diagnoses(sentences: Sequence[Sentence], cues: CueBook, vocab: Vocabulary) -> list[str]:
    """The diagnoses the summary lists ("The diagnoses include ..."), each once, in their order."""
    found: list[str] = []
    seen: set[str] = set()
    for sentence in sentences:
        if sentence.section != "summary":
            continue
        for pattern in cues.diagnoses:
            match = pattern.search(sentence.text)
            if match is None:
                continue
            for part in _diagnosis_list(match.group("list"), vocab):
                if part.lower() not in seen:
                    seen.add(part.lower())
                    found.append(part)
            break
    return found


def _diagnosis_list(written: str, vocab: Vocabulary) -> list[str]:
    """The diagnoses of a list; a part that is only a body region or a side ("cervical, thoracic
    and lumbar strain") belongs with the part after it."""
    parts = _split_list(written)
    joined: list[str] = []
    pending: list[str] = []
    for part in parts:
        words = part.split()
        if len(words) == 1 and (
            vocab.region_words.exact(part) is not None or vocab.side_words.exact(part) is not None
        ):
            pending.append(part)
            continue
        joined.append(", ".join([*pending, part]) if pending else part)
        pending = []
    return joined + pending


def _split_list(written: str) -> list[str]:
    text = written.strip().rstrip(".").strip()
    parts = _LIST_SPLIT.split(text) if ("," in text or ";" in text) else [text]
    return [" ".join(p.strip(" \"'").split()) for p in parts if p and len(p.strip(" \"'")) > 1]
