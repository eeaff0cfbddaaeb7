"""The role of a sentence: a conclusion, a guideline's statement, a stated absence, or the record.

- A *conclusion* states the outcome of a review ("... is not medically necessary", "non-certified",
  the UR's reasons for its decision). It is never read: facts used to predict an outcome never come
  from the outcome itself (blind mode).
- A *guideline* sentence only tells what a guideline says or requires ("MTUS recommends ...",
  "Documentation of functional improvement is required ..."): it names every finding the guideline
  asks for, none of which is about this patient. It is not read.
- A *record* sentence says what the record documents about this patient; an *absence* is a record
  sentence in which the reviewer states that the record lacks something ("there is no
  documentation of ...", "... was not provided"). Both are read.

How a sentence is told (the words are data: guidelines/roles.yaml):
1. a conclusion marker makes it a conclusion, unless its only conclusion is what utilization review
   did with another request or a part of this one ("the arthroscopy was certified by utilization
   review", "UR modified the request for 8 visits to 2"): the record;
1a. a definition opening it ("To be homebound means ...") makes it a guideline's, though the
   defined person is "the individual" or "the patient";
2. words naming this case or patient at its opening ("In this case", "Here", "The applicant's
   ...", "On 11/8/2016 ...") make it the record, whatever else it says: a guideline clause inside
   it is the context layer's to set aside (engine/letters/context.py); so does a turn to them after
   a guideline's clause ("MTUS supports ..., but the submitted exam describes no spasm");
3. a requirement ("there should be documentation of", "... is required before ...") makes it a
   guideline's;
4. words naming this case or patient anywhere, or the record ("the submitted documentation", "the
   treating physician"), make it the record;
5. a guideline's words make it a guideline's; so do, outside the case summary, a rule of
   treatment's general wording ("should", "may", "patients with") and the general present tense
   with no word of the record (in the summary those words are the record's plan or advice).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from engine.letters.cue_keys import AnyOf, Key, KeySet
from engine.letters.cue_numbers import DATE_RE
from engine.letters.sentences import SectionName
from engine.paths import GUIDELINES_DIR
from engine.yamlio import load_yaml, validate

ROLES_FILE = GUIDELINES_DIR / "roles.yaml"

Role = Literal["record", "absence", "guideline", "conclusion"]
# How far into a sentence words naming the case still open it ("However, in this case, ...").
_OPENING = 40

Regex = Annotated[str, Field(min_length=1)]


class _RolesFile(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    person: Regex
    conclusion: list[Regex]
    ur_record: list[Regex] = []
    definition: list[Regex]
    turn: list[Regex]
    guideline: list[Regex]
    general: list[Regex]
    normative: list[Regex]
    case: list[Regex]
    anchor: list[Regex]
    record_words: list[Regex]


@dataclass(frozen=True)
class RoleLexicon:
    """The compiled markers of guidelines/roles.yaml."""

    conclusion: AnyOf
    # what utilization review did with another request or a part of this one (the record)
    ur_record: tuple[re.Pattern[str], ...]
    definition: AnyOf
    turn: AnyOf
    guideline: AnyOf
    # a rule of treatment's general wording: a guideline's only in a rationale
    general: AnyOf
    normative: AnyOf
    case: AnyOf
    anchor: AnyOf
    record_words: AnyOf
    keys: KeySet

    def role(
        self, sentence: str, section: SectionName, present: set[Key] | None = None, lowered: str | None = None
    ) -> Role:
        """Whether `sentence` is a conclusion, a guideline's statement or the record (see the module
        docstring; "absence" is told by the context layer, which knows the triggers of absence).

        `present` may give the keys of `self.keys` found in the sentence, `lowered` its lowercase."""
        lowered = sentence.lower() if lowered is None else lowered
        present = self.keys.found_in(lowered) if present is None else present
        if self.conclusion.search(sentence, present, lowered) and not self._only_states_ur_record(sentence):
            return "conclusion"
        if self.definition.search(sentence, present, lowered):
            return "guideline"
        if self.case.starts_within(sentence, _OPENING, present, lowered) or self.turn.search(
            sentence, present, lowered
        ):
            return "record"
        if self.normative.search(sentence, present, lowered):
            return "guideline"
        if self.case.search(sentence, present, lowered) or self.anchor.search(sentence, present, lowered):
            return "record"
        if self.guideline.search(sentence, present, lowered):
            return "guideline"
        if section == "summary":
            return "record"
        if self.general.search(sentence, present, lowered):
            return "guideline"
        if section == "rationale" and not self.record_words.search(sentence, present, lowered):
            return "guideline"
        return "record"

    def opens_on_record(
        self, sentence: str, present: set[Key] | None = None, lowered: str | None = None
    ) -> bool:
        """Whether `sentence` opens on this case or its record ("Per the progress report dated ...",
        "The available medical records ...") and has no guideline's words: no guideline's text does,
        so it ends a quotation whose closing mark was lost."""
        lowered = sentence.lower() if lowered is None else lowered
        present = self.keys.found_in(lowered) if present is None else present
        opens = self.case.starts_within(sentence, _OPENING, present, lowered) or self.anchor.starts_within(
            sentence, _OPENING, present, lowered
        )
        general = self.general.search(sentence, present, lowered)
        return opens and not (general or self.guideline.search(sentence, present, lowered))

    def _only_states_ur_record(self, sentence: str) -> bool:
        """Whether the sentence's only conclusion is what utilization review did with another request
        or a part of this one ("the arthroscopy was certified by utilization review on 12/22/2016",
        "UR modified the request for acupuncture x 8 to acupuncture x 2"): a fact of the record,
        not the outcome of the item under review."""
        blanked = sentence
        for pattern in self.ur_record:
            blanked = pattern.sub(lambda m: " " * len(m.group(0)), blanked)
        return blanked != sentence and not self.conclusion.search(blanked)

    def states_conclusion(self, sentence: str) -> bool:
        return self.conclusion.search(sentence)


@cache
def load_roles(path: Path = ROLES_FILE) -> RoleLexicon:
    """Read and check guidelines/roles.yaml; a bad regex is an InputError naming file and line."""
    document = load_yaml(path)
    parsed = validate(document, _RolesFile)

    def compiled(field: str) -> AnyOf:
        patterns = [
            p.replace("{person}", parsed.person).replace("{date}", DATE_RE) for p in getattr(parsed, field)
        ]
        for number, pattern in enumerate(patterns):
            problem = AnyOf.problem(pattern)
            if problem:
                raise document.error((field, number), f"invalid regex: {problem}")
        return AnyOf(*patterns)

    fields = (
        "conclusion", "definition", "turn", "guideline", "general", "normative", "case", "anchor",
        "record_words",
    )  # fmt: skip
    markers = {field: compiled(field) for field in fields}
    keys = KeySet(key for marker in markers.values() for key in marker.index.keys.keys)
    ur_record = []
    for number, pattern in enumerate(parsed.ur_record):
        try:
            ur_record.append(re.compile(pattern.replace("{date}", DATE_RE), re.IGNORECASE))
        except re.error as exc:
            raise document.error(("ur_record", number), f"invalid regex: {exc}") from None
    return RoleLexicon(**markers, ur_record=tuple(ur_record), keys=keys)
