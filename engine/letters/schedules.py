"""The dosing and schedules the case summary writes for the requested treatments: a drug's doses a
day ("Norco 10/325 mg every 6 hours": doses_per_day, frequency_specified) and a therapy's planned
visits a week and weeks ("physical therapy 3 times a week for 4 weeks": visits_per_week,
weeks_requested, frequency_specified). The latest mention wins."""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence

from engine.facts import Documented, Evidence
from engine.letters.cue_numbers import plain_number
from engine.letters.item_model import Frequency
from engine.letters.items import normalize_item
from engine.letters.scope import ItemTarget, Namer
from engine.letters.sentences import Sentence
from engine.vocab import Vocabulary

_I = re.IGNORECASE
_FREQUENCY_HINT = re.compile(
    r"\b(?:daily|times|b\.?i\.?d|t\.?i\.?d|q\.?i\.?d|q\.?d|q\s*\d+\s*h|every|per\s+day|a\s+day|nightly|bedtime|"
    r"q\.?h\.?s|once|twice|thrice|\d+\s*x\s*\d+)\b",
    _I,
)
_PLAN = re.compile(
    r"\b(?:plan|recommend(?:s|ed|ing)?|request(?:s|ed|ing)?|prescrib(?:e|es|ed|ing)|order(?:s|ed)?|authoriz\w+|"
    r"RFA|propos(?:e|es|ed)|would\s+like|referr?(?:al|ed)?)\b",
    _I,
)
# Where a prescription written after a drug's name ends: the next clause, or a sentence going on
# about the patient ("Norco, with which she is able to perform her activities of daily living").
_PRESCRIPTION_END = re.compile(
    r"[;:]|\b(?:and|while|but|which)\s+(?:he|she|the|was|is|were|has|had)\b"
    r"|\b(?:is|are|was|were|has|have|had|she|he|her|his|they|patient|worker|applicant|able|reports?|reported|"
    r"states?|stated|with)\b",
    _I,
)


def read_schedules(
    sentences: Sequence[Sentence], targets: Sequence[ItemTarget], namer: Namer, vocab: Vocabulary
) -> dict[str, dict[str, Documented]]:
    """What the summary says of each requested drug's dosing ("Norco 10/325 mg every 6 hours":
    doses_per_day, frequency_specified) and of a requested therapy's planned schedule ("physical
    therapy 3 times a week for 4 weeks": visits_per_week, weeks_requested, frequency_specified);
    the latest mention wins."""
    found: dict[str, dict[str, Documented]] = {}
    drug_targets = [t for t in targets if t.generic is not None]
    therapy_kinds = {t.kind for t in targets if vocab.kinds[t.kind].visit_based}
    if not drug_targets and not therapy_kinds:
        return found
    for sentence in sentences:
        if sentence.section != "summary" or _FREQUENCY_HINT.search(sentence.text) is None:
            continue
        text = sentence.text
        drugs = namer.drugs(text) if drug_targets and namer.may_name_drugs(sentence, 1) else []
        treatments = (
            [p for p in vocab.treatment_words.find(text) if p.payload is not None and not p.payload.weak]
            if therapy_kinds and _PLAN.search(text)
            else []
        )
        starts = sorted([start for start, _, _ in drugs] + [p.start for p in treatments])
        evidence = [Evidence(quote=text, section="summary", span=[sentence.start, sentence.end])]
        for start, _, generic in drugs:
            items = [t.item_id for t in drug_targets if t.generic == generic]
            frequency = _frequency_after(text, start, starts, vocab) if items else None
            per_day = frequency.per_day_high or frequency.per_day_low if frequency is not None else None
            if per_day is None:
                continue
            for item_id in items:
                facts = found.setdefault(item_id, {})
                facts["frequency_specified"] = Documented(value=True, evidence=evidence)
                facts["doses_per_day"] = Documented(value=plain_number(per_day), evidence=evidence)
        for phrase in treatments:
            kind = phrase.payload.kind if phrase.payload is not None else None
            family = vocab.kinds[kind].family_id if kind is not None else None
            items = [
                t.item_id
                for t in targets
                if t.kind in therapy_kinds and vocab.kinds[t.kind].family_id == family
            ]
            frequency = _frequency_after(text, phrase.start, starts, vocab) if items else None
            if frequency is None or frequency.per_week is None:
                continue
            for item_id in items:
                facts = found.setdefault(item_id, {})
                facts["frequency_specified"] = Documented(value=True, evidence=evidence)
                facts["visits_per_week"] = Documented(value=frequency.per_week.high, evidence=evidence)
                if frequency.weeks is not None:
                    facts["weeks_requested"] = Documented(value=frequency.weeks.high, evidence=evidence)
    return found


def _frequency_after(text: str, start: int, starts: Sequence[int], vocab: Vocabulary) -> Frequency | None:
    """The dosing or schedule written right after a treatment named at `start`."""
    following = bisect.bisect_right(starts, start)
    stop = starts[following] if following < len(starts) else len(text)
    window = text[start:stop]
    clause_end = _PRESCRIPTION_END.search(window)
    if clause_end is not None:
        window = window[: clause_end.start()]
    if _FREQUENCY_HINT.search(window) is None:
        return None
    frequency = normalize_item(window, vocab).frequency
    return frequency.value if frequency is not None else None
