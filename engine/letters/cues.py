"""Cue files: how each clinical fact is read out of a letter, kept as data in guidelines/cues/*.yaml.

One file per domain, owned by whoever owns that domain's facts; every file in the folder is read and
checked against the fact vocabulary (guidelines/facts/*.yaml) and the treatment vocabularies, with
file:line errors. The format (see guidelines/cues/core.yaml for the full description):

    facts:
      <fact>:
        mention: [regex, ...]     # mentions the fact; a generic negation in its clause makes it false
        "true": [regex, ...]      # sets true outright (booleans)
        "false": [regex, ...]     # sets false outright (booleans)
        values: {value: [regex, ...]}          # enum facts
        number: [regex with (?P<value>...) and optionally (?P<unit>...)]   # integer/number facts
        units: {unit regex: factor}            # converts the "unit" group (e.g. months -> weeks)
        since: [regex with (?P<date>...)]      # weeks from that date to the latest visit
        co_mentioned: {drug_classes: [...], at_least: 2}   # true when a sentence names that many drugs
        implies: {other_fact: value}           # a true (or positive) value also documents these
        applies_to: {kinds: [...], drug_classes: [...]}    # items an item fact may attach to
        needs_name: false         # item facts: a summary sentence must name the item's treatment
        negation_after: true      # also read "X was not documented" as a negation of X
        prefer: latest            # booleans: latest | true | false (which value one section settles on)
    drug_class_words: {class: [regex, ...]}    # words that name every requested drug of a class
    medication_words: [regex, ...]             # words that name every requested drug
    visit_words: [regex, ...]                  # words that name every requested therapy counted in visits
    other_treatment_words: [regex, ...]        # words that name treatments besides the requested ones
    diagnoses: [regex with (?P<list>...)]      # sentences that list the diagnoses

Regexes are Python, case-insensitive, matched on word boundaries; `{number}` and `{date}` stand for
a number (digits or words, "a"/"an" = 1) and a date as letters write them. Every cue also gets the
literal text any match must contain, so a sentence is only searched with the cues it can satisfy.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import re._constants as sre_constants
import re._parser as sre_parser
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from engine.errors import InputError
from engine.facts import FactSpec, FactVocabulary, load_fact_vocabulary
from engine.paths import GUIDELINES_DIR
from engine.vocab import Vocabulary, load_vocabulary
from engine.yamlio import YamlDocument, load_yaml, validate

CUES_DIR = GUIDELINES_DIR / "cues"

# --- numbers and dates as letters write them -------------------------------------------------------

NUMBER_WORDS: dict[str, float] = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "twenty-four": 24,
    "thirty": 30,
    "thirty-six": 36,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "ninety": 90,
    "a couple of": 2,
    "a few": 3,
    "half a": 0.5,
}
NUMBER_RE = (
    r"(?:\d+(?:\.\d+)?|"
    + "|".join(re.escape(w).replace(r"\ ", " ") for w in sorted(NUMBER_WORDS, key=len, reverse=True))
    + r")"
)
_MONTHS = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
_MONTH_NAME = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
DATE_RE = (
    rf"(?:{_MONTH_NAME}\.?\s+(?:\d{{1,2}}(?:st|nd|rd|th)?,?\s+)?(?:19|20)\d\d"
    r"|\d{1,2}[/-]\d{1,2}[/-](?:(?:19|20)\d\d|\d\d)(?![\d/-])"
    r"|\d{1,2}[/-](?:19|20)\d\d(?![\d/-])"
    r"|(?<![\d/-])(?:19|20)\d\d(?![\d/-]))"
)
_DATE_PARTS = re.compile(
    rf"^(?:(?P<month_name>{_MONTH_NAME})\.?\s+(?:(?P<day_of_name>\d{{1,2}})(?:st|nd|rd|th)?,?\s+)?(?P<year_of_name>\d{{4}})"
    r"|(?P<month>\d{1,2})[/-](?:(?P<day>\d{1,2})[/-])?(?P<year>\d{4}|\d\d)"
    r"|(?P<year_only>\d{4}))$",
    re.IGNORECASE,
)


def parse_number(text: str) -> float | None:
    """A number as written: digits or words ("a year" is one year)."""
    cleaned = " ".join(text.lower().split())
    if cleaned in NUMBER_WORDS:
        return NUMBER_WORDS[cleaned]
    try:
        return float(cleaned)
    except ValueError:
        return None


def parse_date(text: str) -> tuple[dt.date, bool] | None:
    """The latest day a written date can mean, and whether the day itself was written.

    "6/2014" is read as 2014-06-30 and "2013" as 2013-12-31: durations counted from such a date are
    the least the letter supports.
    """
    match = _DATE_PARTS.match(" ".join(text.split()))
    if match is None:
        return None
    groups = match.groupdict()
    if groups["year_only"]:
        year, month, day = int(groups["year_only"]), 12, None
    elif groups["month_name"]:
        year = int(groups["year_of_name"])
        month = _MONTHS[groups["month_name"][:3].lower()]
        day = int(groups["day_of_name"]) if groups["day_of_name"] else None
    else:
        year = int(groups["year"])
        year += 2000 if year < 100 else 0
        month = int(groups["month"])
        day = int(groups["day"]) if groups["day"] else None
    if not 1 <= month <= 12 or not 1900 <= year <= 2099:
        return None
    last_day = calendar.monthrange(year, month)[1]
    if day is not None and not 1 <= day <= last_day:
        return None
    return dt.date(year, month, day or last_day), day is not None


# --- the file format --------------------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


Regex = Annotated[str, Field(min_length=1)]
# Which value stands when one section documents a fact both ways: the later sentence, or any
# sentence documenting the preferred value (one abnormal finding makes a deficit documented).
Preference = Literal["latest", "true", "false"]


class ItemFilter(_Strict):
    """Requested items an item fact may be about (any of the kinds or drug classes)."""

    kinds: list[str] = []
    drug_classes: list[str] = []


class CoMentioned(_Strict):
    drug_classes: Annotated[list[str], Field(min_length=1)]
    at_least: Annotated[int, Field(ge=2)] = 2


class FactCues(_Strict):
    mention: list[Regex] = []
    true: list[Regex] = []
    false: list[Regex] = []
    values: dict[str, list[Regex]] = {}
    number: list[Regex] = []
    units: dict[str, float] = {}
    since: list[Regex] = []
    co_mentioned: CoMentioned | None = None
    implies: dict[str, bool | str] = {}
    applies_to: ItemFilter | None = None
    needs_name: bool = False
    negation_after: bool = True
    prefer: Preference = "latest"


class CueFile(_Strict):
    facts: dict[str, FactCues] = {}
    drug_class_words: dict[str, list[Regex]] = {}
    medication_words: list[Regex] = []
    visit_words: list[Regex] = []
    other_treatment_words: list[Regex] = []
    diagnoses: list[Regex] = []


# --- compiled cues -----------------------------------------------------------------------------------

CueKind = Literal["mention", "true", "false", "value", "number", "since"]


@dataclass(frozen=True, slots=True)
class Cue:
    """One compiled cue regex and what a match of it says about its fact."""

    fact: str
    how: CueKind
    pattern: re.Pattern[str]
    # Any text the pattern matches contains one of these (lowercased); empty: no such literal known.
    literals: tuple[str, ...]
    value: str | None = None

    def may_match(self, lowered: str) -> bool:
        return not self.literals or any(literal in lowered for literal in self.literals)


@dataclass(frozen=True, slots=True)
class FactRules:
    """Per-fact options of the cue files, with the fact's vocabulary entry."""

    spec: FactSpec
    units: tuple[tuple[re.Pattern[str], float], ...]
    co_mentioned: CoMentioned | None
    implies: Mapping[str, bool | str]
    applies_to: ItemFilter | None
    needs_name: bool
    negation_after: bool
    prefer: Preference


@dataclass(frozen=True, slots=True)
class CueBook:
    """Every cue of guidelines/cues/, ready to match."""

    cues: tuple[Cue, ...]
    facts: Mapping[str, FactRules]
    drug_class_words: tuple[tuple[str, re.Pattern[str]], ...]
    medication_words: re.Pattern[str] | None
    visit_words: re.Pattern[str] | None
    other_treatment_words: re.Pattern[str] | None
    diagnoses: tuple[re.Pattern[str], ...]
    files: tuple[Path, ...]


def compile_cue(pattern: str) -> re.Pattern[str]:
    """A cue regex as matched: macros expanded, case-insensitive, on word boundaries."""
    expanded = pattern.replace("{number}", NUMBER_RE).replace("{date}", DATE_RE)
    return re.compile(rf"(?<!\w)(?:{expanded})(?!\w)", re.IGNORECASE)


_MIN_LITERAL = 3


def required_literals(pattern: re.Pattern[str]) -> tuple[str, ...]:
    """Lowercased literals one of which every match of `pattern` contains; () when none is known."""
    try:
        parsed = sre_parser.parse(pattern.pattern, pattern.flags)
    except (re.error, RecursionError, AttributeError, TypeError):
        return ()
    found = _needed(list(parsed))
    return tuple(sorted(found)) if found else ()


def _needed(items: list[tuple[Any, Any]]) -> frozenset[str] | None:
    """The best set of alternative literals a sequence of regex items requires, or None."""
    options: list[frozenset[str]] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            options.append(frozenset({"".join(run).lower()}))
            run.clear()

    for op, argument in items:
        if op is sre_constants.LITERAL:
            run.append(chr(argument))
            continue
        flush()
        sub: frozenset[str] | None = None
        if op is sre_constants.SUBPATTERN:
            sub = _needed(list(argument[-1]))
        elif op is sre_constants.ATOMIC_GROUP:
            sub = _needed(list(argument))
        elif op is sre_constants.BRANCH:
            branches = [_needed(list(branch)) for branch in argument[1]]
            if all(branches):
                sub = frozenset().union(*(b for b in branches if b))
        elif op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT, sre_constants.POSSESSIVE_REPEAT):
            low, _, repeated = argument
            if low >= 1:
                sub = _needed(list(repeated))
        if sub:
            options.append(sub)
    flush()
    usable = [o for o in options if min(len(s.strip()) for s in o) >= _MIN_LITERAL]
    if not usable:
        return None
    return max(usable, key=lambda o: (min(len(s) for s in o), -len(o)))


# --- loading ------------------------------------------------------------------------------------------


@cache
def load_cues(directory: Path = CUES_DIR) -> CueBook:
    """Read and check every cue file in `directory`; the first problem raises InputError (file:line)."""
    paths = sorted(directory.glob("*.yaml"))
    if not paths:
        raise InputError(directory, "no cue files (*.yaml) found")
    return _Loader(load_fact_vocabulary(), load_vocabulary()).load(paths)


class _Loader:
    def __init__(self, facts: FactVocabulary, vocab: Vocabulary) -> None:
        self.fact_vocabulary = facts
        self.vocab = vocab
        self.cues: list[Cue] = []
        self.options: dict[str, dict[str, Any]] = {}
        self.class_words: dict[str, list[str]] = {}
        self.medication_words: list[str] = []
        self.visit_words: list[str] = []
        self.other_treatment_words: list[str] = []
        self.diagnoses: list[re.Pattern[str]] = []

    def load(self, paths: Iterable[Path]) -> CueBook:
        files = tuple(paths)
        for path in files:
            self._load_file(path)
        facts = {
            name: FactRules(
                spec=self.fact_vocabulary.specs[name],
                units=tuple(options["units"]),
                co_mentioned=options["co_mentioned"],
                implies=options["implies"],
                applies_to=options["applies_to"],
                needs_name=options["needs_name"],
                negation_after=options["negation_after"],
                prefer=options["prefer"],
            )
            for name, options in self.options.items()
        }
        return CueBook(
            cues=tuple(self.cues),
            facts=facts,
            drug_class_words=tuple(
                (drug_class, _alternation(words)) for drug_class, words in self.class_words.items()
            ),
            medication_words=_alternation(self.medication_words) if self.medication_words else None,
            visit_words=_alternation(self.visit_words) if self.visit_words else None,
            other_treatment_words=(
                _alternation(self.other_treatment_words) if self.other_treatment_words else None
            ),
            diagnoses=tuple(self.diagnoses),
            files=files,
        )

    def _load_file(self, path: Path) -> None:
        document = load_yaml(path)
        if isinstance(document.data, dict):
            document = YamlDocument(path=document.path, data=_string_keys(document.data), root=document.root)
        parsed = validate(document, CueFile)
        for name, cues in parsed.facts.items():
            self._add_fact(document, name, cues)
        for drug_class, words in parsed.drug_class_words.items():
            if drug_class not in self.vocab.drug_classes:
                raise document.error(("drug_class_words", drug_class), f"unknown drug class {drug_class!r}")
            for index, word in enumerate(words):
                self._compiled(document, ("drug_class_words", drug_class, index), word)
            self.class_words.setdefault(drug_class, []).extend(words)
        for index, word in enumerate(parsed.medication_words):
            self._compiled(document, ("medication_words", index), word)
        self.medication_words.extend(parsed.medication_words)
        for index, word in enumerate(parsed.visit_words):
            self._compiled(document, ("visit_words", index), word)
        self.visit_words.extend(parsed.visit_words)
        for index, word in enumerate(parsed.other_treatment_words):
            self._compiled(document, ("other_treatment_words", index), word)
        self.other_treatment_words.extend(parsed.other_treatment_words)
        for index, regex in enumerate(parsed.diagnoses):
            compiled = self._compiled(document, ("diagnoses", index), regex)
            if "list" not in compiled.groupindex:
                raise document.error(("diagnoses", index), "a diagnoses regex needs a group (?P<list>...)")
            self.diagnoses.append(compiled)

    def _compiled(self, document: YamlDocument, loc: tuple[str | int, ...], regex: str) -> re.Pattern[str]:
        try:
            return compile_cue(regex)
        except re.error as exc:
            raise document.error(loc, f"invalid regex {regex!r}: {exc}") from None

    def _add_fact(self, document: YamlDocument, name: str, cues: FactCues) -> None:
        spec = self.fact_vocabulary.specs.get(name)
        if spec is None:
            raise document.error(("facts", name), f"unknown fact {name!r} (not in guidelines/facts/*.yaml)")
        where = ("facts", name)
        boolean = spec.type == "boolean"
        numeric = spec.type in ("integer", "number")
        enum = spec.type in ("enum", "enum_list")
        for field, allowed, needs in (
            ("mention", boolean, "boolean"),
            ("true", boolean, "boolean"),
            ("false", boolean, "boolean"),
            ("co_mentioned", boolean, "boolean"),
            ("values", enum, "enum"),
            ("number", numeric, "integer or number"),
            ("units", numeric, "integer or number"),
            ("since", spec.type == "number" and spec.unit == "weeks", "number in weeks"),
        ):
            if getattr(cues, field) and not allowed:
                raise document.error(
                    (*where, field), f"{field!r} cues need a {needs} fact; {name!r} is {spec.type}"
                )
        for how in ("mention", "true", "false"):
            for index, regex in enumerate(getattr(cues, how)):
                self._add_cue(document, (*where, how, index), name, how, regex)
        for value, regexes in cues.values.items():
            if value not in (spec.values or ()):
                raise document.error((*where, "values", value), f"{value!r} is not a value of fact {name!r}")
            for index, regex in enumerate(regexes):
                self._add_cue(document, (*where, "values", value, index), name, "value", regex, value)
        for index, regex in enumerate(cues.number):
            cue = self._add_cue(document, (*where, "number", index), name, "number", regex)
            if "value" not in cue.pattern.groupindex:
                raise document.error((*where, "number", index), "a number cue needs a group (?P<value>...)")
        for index, regex in enumerate(cues.since):
            cue = self._add_cue(document, (*where, "since", index), name, "since", regex)
            if "date" not in cue.pattern.groupindex:
                raise document.error((*where, "since", index), "a since cue needs a group (?P<date>...)")
        options = self.options.setdefault(
            name,
            {
                "units": [],
                "co_mentioned": None,
                "implies": {},
                "applies_to": None,
                "needs_name": False,
                "negation_after": True,
                "prefer": "latest",
            },
        )
        for unit, factor in cues.units.items():
            options["units"].append((self._compiled(document, (*where, "units", unit), unit), factor))
        if cues.co_mentioned is not None:
            self._check_classes(document, (*where, "co_mentioned"), cues.co_mentioned.drug_classes)
            options["co_mentioned"] = cues.co_mentioned
        for implied, value in cues.implies.items():
            problem = self.fact_vocabulary.problem(implied, value, at_case_level=False)
            if problem:
                raise document.error((*where, "implies", implied), problem)
        options["implies"] = {**options["implies"], **cues.implies}
        if cues.applies_to is not None:
            for kind in cues.applies_to.kinds:
                if kind not in self.vocab.kinds:
                    raise document.error((*where, "applies_to", "kinds"), f"unknown treatment kind {kind!r}")
            self._check_classes(
                document, (*where, "applies_to", "drug_classes"), cues.applies_to.drug_classes
            )
            options["applies_to"] = cues.applies_to
        options["needs_name"] = options["needs_name"] or cues.needs_name
        if cues.prefer != "latest":
            if spec.type != "boolean":
                raise document.error(
                    (*where, "prefer"), f"'prefer' needs a boolean fact; {name!r} is {spec.type}"
                )
            options["prefer"] = cues.prefer
        options["negation_after"] = options["negation_after"] and cues.negation_after

    def _check_classes(self, document: YamlDocument, loc: tuple[str | int, ...], classes: list[str]) -> None:
        for drug_class in classes:
            if drug_class not in self.vocab.drug_classes:
                raise document.error(loc, f"unknown drug class {drug_class!r}")

    def _add_cue(
        self,
        document: YamlDocument,
        loc: tuple[str | int, ...],
        fact: str,
        how: CueKind,
        regex: str,
        value: str | None = None,
    ) -> Cue:
        pattern = self._compiled(document, loc, regex)
        cue = Cue(fact=fact, how=how, pattern=pattern, literals=required_literals(pattern), value=value)
        self.cues.append(cue)
        return cue


def _string_keys(data: dict[Any, Any]) -> dict[Any, Any]:
    """YAML reads an unquoted `true:` key as a boolean; cue files mean the word."""
    converted: dict[Any, Any] = {}
    for key, value in data.items():
        name = str(key).lower() if isinstance(key, bool) else key
        converted[name] = _string_keys(value) if isinstance(value, dict) else value
    return converted


def _alternation(regexes: list[str]) -> re.Pattern[str]:
    return compile_cue("|".join(f"(?:{regex})" for regex in regexes))
