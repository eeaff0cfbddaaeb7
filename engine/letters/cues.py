"""Cue files: the terms of each clinical fact, kept as data in guidelines/cues/*.yaml.

One file per domain, owned by whoever owns that domain's facts; every file in the folder is read and
checked against the fact vocabulary (guidelines/facts/*.yaml) and the treatment vocabularies, with
file:line errors. The format is described in full at the head of guidelines/cues/core.yaml:
`mention` terms (true, or false where the context layer finds them negated or stated absent),
`near` pairs of a finding and its qualifier in any order, `drugs_named` by drug class, explicit
`true`/`false` terms, enum `values`, `number` and `since` patterns, and the options that say which
items a fact attaches to and which contexts leave it unread.

Terms are Python regexes, case-insensitive, matched on word boundaries; `{number}` and `{date}` stand
for a number (digits or words, "a"/"an" = 1) and a date as letters write them. Every cue also gets
the literal text any match must contain, so a sentence is only searched with the cues it can
satisfy.
"""

from __future__ import annotations

import calendar
import datetime as dt
import itertools
import re
import re._constants as sre_constants
import re._parser as sre_parser
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from engine.errors import InputError
from engine.facts import FactSpec, FactVocabulary, load_fact_vocabulary
from engine.letters.items import NUMBER_WORDS as SPELLED_NUMBERS
from engine.limits import figure_problem
from engine.paths import GUIDELINES_DIR
from engine.vocab import Vocabulary, load_vocabulary
from engine.yamlio import YamlDocument, load_yaml, validate

CUES_DIR = GUIDELINES_DIR / "cues"

# --- numbers and dates as letters write them -------------------------------------------------------

NUMBER_WORDS: dict[str, float] = {
    **SPELLED_NUMBERS,
    "a": 1,
    "an": 1,
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
        value = float(cleaned)
    except ValueError:
        return None
    return value if figure_problem(value) is None else None


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


class Near(_Strict):
    """Terms of two or three groups written within `within` words of each other, in any order, in
    one clause: a finding and its qualifier however the sentence orders them ("decreased range of
    motion", "range of motion was decreased")."""

    within: Annotated[int, Field(ge=0, le=8)]
    words: Annotated[list[Annotated[list[Regex], Field(min_length=1)]], Field(min_length=2, max_length=3)]
    # false: the terms state the finding absent ("range of motion ... full", "strength ... 5/5")
    says: bool = True


class ValueImplication(_Strict):
    """What a number read for the fact documents besides itself, at or past a bound ("pain for 18
    months" documents a chronic condition): `at_least` or `below`, one of them."""

    at_least: float | None = None
    below: float | None = None
    facts: Annotated[dict[str, bool | str], Field(min_length=1)]

    def holds(self, value: float) -> bool:
        return (self.at_least is not None and value >= self.at_least) or (
            self.below is not None and value < self.below
        )


class FactCues(_Strict):
    mention: list[Regex] = []
    near: list[Near] = []
    true: list[Regex] = []
    false: list[Regex] = []
    values: dict[str, list[Regex]] = {}
    number: list[Regex] = []
    units: dict[str, float] = {}
    since: list[Regex] = []
    co_mentioned: CoMentioned | None = None
    # the name of any drug of these classes (from guidelines/drugs.yaml) mentions the fact
    drugs_named: list[str] = []
    implies: dict[str, bool | str] = {}
    implies_by_value: list[ValueImplication] = []
    applies_to: ItemFilter | None = None
    needs_name: bool | list[Literal["summary", "rationale", "request"]] = False
    ignore_names: bool = False
    negation_after: bool = True
    # the fact is a measured result: a negation of its measure ("the degree of relief was not
    # documented") is its absence (guidelines/context.yaml, measures)
    measured: bool = False
    unread: list[Literal["indication", "planned", "historical"]] = []
    # the same, for this entry's cues only
    entry_unread: list[Literal["indication", "planned", "historical"]] = []
    prefer: Preference = "latest"
    sections: list[Literal["summary", "rationale", "request"]] = ["summary", "rationale"]
    unless: list[Regex] = []


class CueFile(_Strict):
    facts: dict[str, FactCues] = {}
    drug_class_words: dict[str, list[Regex]] = {}
    kind_words: dict[str, list[Regex]] = {}
    medication_words: list[Regex] = []
    visit_words: list[Regex] = []
    other_treatment_words: list[Regex] = []
    diagnoses: list[Regex] = []


# --- compiled cues -----------------------------------------------------------------------------------

CueKind = Literal["mention", "near", "true", "false", "value", "number", "since"]


@dataclass(frozen=True, slots=True)
class Cue:
    """One compiled cue regex and what a match of it says about its fact."""

    fact: str
    how: CueKind
    pattern: re.Pattern[str]
    # Any text the pattern matches contains one literal of each set (lowercased); (): none known.
    needs: Needs
    value: str | None = None
    # The same regex for lowercased text, without the case-insensitive flag and the leading word
    # boundary (checked by `finditer`), so the regex engine can skip ahead to where a match may start.
    fast: re.Pattern[str] | None = None
    # Options of the file entry that wrote the cue: where it is read, the sentences it is not read
    # in, and whether a negative predicate after a mention negates it.
    sections: frozenset[str] = frozenset({"summary", "rationale"})
    unless: re.Pattern[str] | None = None
    negation_after: bool = True
    # contexts that leave this entry's terms unread, besides the fact's own
    unread: frozenset[str] = frozenset()
    # a `near` cue: terms found in any order, whose context is the last term's; `terms` matches any
    # one of them whole (a trigger that is itself a term, "negative", is no context of the finding)
    near: bool = False
    terms: re.Pattern[str] | None = None

    def reads(self, section: str, text: str) -> bool:
        """Whether the cue is read in a sentence of this section and text."""
        return section in self.sections and (self.unless is None or self.unless.search(text) is None)

    def finditer(self, text: str, lowered: str) -> Iterable[re.Match[str]]:
        """The matches in `text` (`lowered` is text.lower()); spans index both."""
        if self.fast is None or len(lowered) != len(text):
            return self.pattern.finditer(text)
        first = self.fast.search(lowered)
        return () if first is None else list(_at_word_starts(self.fast, lowered, first))


def _at_word_starts(
    pattern: re.Pattern[str], text: str, first: re.Match[str] | None = None
) -> Iterator[re.Match[str]]:
    """The matches of `pattern` in `text` that start where no word character precedes (`first`: the
    first match of pattern.search(text), if the caller has it)."""
    position = 0
    while position <= len(text):
        match = first if first is not None else pattern.search(text, position)
        first = None
        if match is None:
            return
        start = match.start()
        if start > 0 and _is_word_char(text[start - 1]):
            position = start + 1
            continue
        yield match
        position = match.end() if match.end() > start else start + 1


@dataclass(frozen=True, slots=True)
class FactRules:
    """Per-fact options of the cue files, with the fact's vocabulary entry."""

    spec: FactSpec
    units: tuple[tuple[re.Pattern[str], float], ...]
    co_mentioned: CoMentioned | None
    drugs_named: frozenset[str]
    implies: Mapping[str, bool | str]
    implies_by_value: tuple[ValueImplication, ...]
    applies_to: ItemFilter | None
    needs_name: frozenset[str]
    ignore_names: bool
    measured: bool
    prefer: Preference
    # contexts besides the possible, hypothetical, other-person and guideline ones that leave the
    # fact's terms unread
    unread: frozenset[str]
    # where and where not a co_mentioned fact is read
    co_mentioned_sections: frozenset[str]
    co_mentioned_unless: re.Pattern[str] | None


@dataclass(frozen=True, slots=True)
class NameWords:
    """Words that name treatments in general, in one regex: each group ("w0", "w1", ...) names what
    its words name: ("class", drug class), ("kind", treatment kind), ("medications", ""), ("visits",
    "") or ("other", "")."""

    pattern: re.Pattern[str]
    named_by: Mapping[str, tuple[tuple[str, str], ...]]


@dataclass(frozen=True)
class CueBook:
    """Every cue of guidelines/cues/, ready to match."""

    cues: tuple[Cue, ...]
    facts: Mapping[str, FactRules]
    drug_class_words: Mapping[str, tuple[str, ...]]
    kind_words: Mapping[str, tuple[str, ...]]
    medication_words: tuple[str, ...]
    visit_words: tuple[str, ...]
    other_treatment_words: tuple[str, ...]
    diagnoses: tuple[re.Pattern[str], ...]
    files: tuple[Path, ...]

    @cached_property
    def index(self) -> CueIndex:
        return CueIndex(self.cues)

    @cached_property
    def name_words(self) -> NameWords | None:
        """The class, medication, visit and other-treatment words in one regex (see NameWords)."""
        sorts: dict[str, list[tuple[str, str]]] = {}
        for drug_class, regexes in self.drug_class_words.items():
            for regex in regexes:
                sorts.setdefault(regex, []).append(("class", drug_class))
        for kind, regexes in self.kind_words.items():
            for regex in regexes:
                sorts.setdefault(regex, []).append(("kind", kind))
        for sort, regexes in (
            ("medications", self.medication_words),
            ("visits", self.visit_words),
            ("other", self.other_treatment_words),
        ):
            for regex in regexes:
                sorts.setdefault(regex, []).append((sort, ""))
        if not sorts:
            return None
        groups = {f"w{number}": regex for number, regex in enumerate(sorts)}
        return NameWords(
            # the class words first: "narcotic medications" names opioids before "medications" all drugs
            pattern=compile_cue("|".join(f"(?P<{group}>{regex})" for group, regex in groups.items())),
            named_by={group: tuple(sorts[regex]) for group, regex in groups.items()},
        )

    def live_facts(self, admitted_by: Callable[[ItemFilter], bool]) -> frozenset[str]:
        """Facts that can land somewhere: case facts, and item facts some item admits."""
        return frozenset(
            name
            for name, rules in self.facts.items()
            if rules.spec.scope == "case" or rules.applies_to is None or admitted_by(rules.applies_to)
        )

    @cached_property
    def drugs_named(self) -> tuple[tuple[str, frozenset[str]], ...]:
        return tuple((name, rules.drugs_named) for name, rules in self.facts.items() if rules.drugs_named)

    @cached_property
    def co_mentioned(self) -> tuple[tuple[str, CoMentioned], ...]:
        return tuple((name, rules.co_mentioned) for name, rules in self.facts.items() if rules.co_mentioned)


# What a text must hold: (text, kind) -- a whole word, the start of a word, or a piece of text.
Key = tuple[str, int]
WHOLE, PREFIX, PIECE = 0, 1, 2
# A literal that may begin inside a word is marked: it is looked for as a piece of text.
_INSIDE = "\x01"
# Words whose keys a KeySet remembers: letters share most of their words, but not all of them.
_WORDS_KEPT = 100_000
_WORD_RUN = re.compile(r"\w+")


class KeySet:
    """Keys to look for in texts: whole words, word starts (filed by their first three letters),
    and pieces of text."""

    def __init__(self, keys: Iterable[Key]) -> None:
        self.keys = frozenset(keys)
        self.whole = frozenset(text for text, kind in self.keys if kind == WHOLE)
        heads: dict[str, list[str]] = {}
        for text, kind in self.keys:
            if kind == PREFIX:
                heads.setdefault(text[:3], []).append(text)
        self.heads = {head: tuple(words) for head, words in heads.items()}
        self.pieces = tuple(sorted(text for text, kind in self.keys if kind == PIECE))
        # the keys of each word seen so far: letters share most of their words
        self._keys_of_word: dict[str, tuple[Key, ...]] = {}
        self._keyless: set[str] = set()
        self._keyed: set[str] = set()

    def found_in(self, lowered: str) -> set[Key]:
        """The keys a lowercased text holds."""
        return self.found_in_each([lowered])[0]

    def found_in_each(self, texts: Sequence[str]) -> list[set[Key]]:
        """The keys each of several lowercased texts holds (faster than one text at a time)."""
        words_of = [set(_WORD_RUN.findall(text)) for text in texts]
        if len(self._keyless) + len(self._keyed) > _WORDS_KEPT:
            # names, numbers and misspellings keep coming over a long run: start the memo afresh
            self._keys_of_word, self._keyless, self._keyed = {}, set(), set()
        keys_of_word = self._keys_of_word
        for word in set().union(*words_of).difference(self._keyed, self._keyless):
            keys = [(word, WHOLE)] if word in self.whole else []
            keys += [(prefix, PREFIX) for prefix in self.heads.get(word[:3], ()) if word.startswith(prefix)]
            if keys:
                keys_of_word[word] = tuple(keys)
                self._keyed.add(word)
            else:
                self._keyless.add(word)
        joined = "\n".join(texts)
        pieces = [piece for piece in self.pieces if piece in joined]
        found = []
        for text, words in zip(texts, words_of, strict=True):
            keys = {key for word in words & self._keyed for key in keys_of_word[word]}
            keys.update((piece, PIECE) for piece in pieces if piece in text)
            found.append(keys)
        return found


def _key(literal: str) -> Key | None:
    """What a text holding the literal must hold: its most telling word (whole, or a word's start
    where the literal ends inside a word), else the literal itself as a piece of text."""
    if literal.startswith(_INSIDE):
        piece = literal[len(_INSIDE) :]
        return (piece, PIECE) if len(piece.strip()) >= _MIN_LITERAL else None
    best: tuple[int, Key] | None = None
    for match in _WORD_RUN.finditer(literal):
        word = match.group()
        if len(word) < _MIN_LITERAL:
            continue
        kind = PREFIX if match.end() == len(literal) else WHOLE
        score = (1 if word in _COMMON else len(word)) * 2 - kind
        if best is None or score > best[0]:
            best = (score, (word, kind))
    if best is not None:
        return best[1]
    return (literal, PIECE) if len(literal.strip()) >= _MIN_LITERAL else None


def keyed(needs: Needs, at_most: int = 3) -> tuple[frozenset[Key], ...]:
    """The (at most `at_most`) most telling needs as keys: words before pieces of text (words are
    looked up, pieces searched for), longer and rarer words first; needs of common words only are
    no use."""
    found = []
    for need in needs:
        keys = [_key(literal) for literal in need]
        if not keys or any(key is None for key in keys):
            continue
        known = frozenset(key for key in keys if key is not None)
        score = min(1 if text.strip() in _COMMON else len(text.strip()) for text, _ in known)
        if score >= _MIN_LITERAL:
            found.append((any(kind == PIECE for _, kind in known), -score, len(known), known))
    ranked = sorted(found, key=lambda entry: entry[:3])
    # pieces of text are searched for, not looked up: worth it only where no word will do
    chosen = [keys for number, (pieces, _, _, keys) in enumerate(ranked) if number == 0 or not pieces]
    return tuple(chosen[:at_most])


class KeyIndex:
    """Entries (by number) filed under the words their texts must hold; `hits` gives the entries the
    keys found in a text allow, so only those need a regex run. An entry with no telling word always hits."""

    def __init__(self, needs: Sequence[Needs], at_most: int = 3) -> None:
        self.always: set[int] = set()
        self.by_key: dict[Key, list[int]] = {}
        self.rest: dict[int, tuple[frozenset[Key], ...]] = {}
        keys: set[Key] = set()
        for number, entry_needs in enumerate(needs):
            keyed_needs = keyed(entry_needs, at_most)
            if not keyed_needs:
                self.always.add(number)
                continue
            self.rest[number] = keyed_needs[1:]
            for key in keyed_needs[0]:
                self.by_key.setdefault(key, []).append(number)
            keys.update(key for need in keyed_needs for key in need)
        self.keys = KeySet(keys)
        self.filed = frozenset(self.by_key)

    def hits(self, present: set[Key]) -> list[int]:
        """The entries (by number, in order) whose keys `present` (a superset of the text's keys
        among this index's, as KeySet.found_in gives them) holds."""
        candidates: set[int] = set()
        for key in present & self.filed:
            candidates.update(self.by_key[key])
        found = set(self.always)
        rest = self.rest
        for number in candidates:
            for need in rest[number]:
                if need.isdisjoint(present):
                    break
            else:
                found.add(number)
        return sorted(found)


class CueIndex(KeyIndex):
    """Which cues a sentence can satisfy, found without running every cue's regex on it."""

    def __init__(self, cues: Sequence[Cue]) -> None:
        super().__init__([cue.needs for cue in cues])


# Words between the terms of a `near` cue: any word, never a clause or sentence break, nor a word
# that sets a contrast or comparison ("reflex absent compared with 2+ on the right": the "2+" is the
# other side's).
_NEAR_GAP = (
    r"(?:[^\w;:.]+(?!(?:but|whereas|while|although|though|compared|versus|vs|than|unlike)\b)[\w'/-]+)"
    r"{{0,{n}}}?[^\w;:.]+"
)


def near_regex(near: Near) -> str:
    """The regex of a `near` cue: every order of its groups, at most `within` words apart."""
    groups = ["(?:" + "|".join(f"(?:{w})" for w in words) + ")" for words in near.words]
    gap = _NEAR_GAP.format(n=near.within)
    return "|".join("(?:" + gap.join(order) + ")" for order in itertools.permutations(groups))


def compile_cue(pattern: str) -> re.Pattern[str]:
    """A cue regex as matched: macros expanded, case-insensitive, on word boundaries."""
    expanded = pattern.replace("{number}", NUMBER_RE).replace("{date}", DATE_RE)
    return re.compile(rf"(?<!\w)(?:{expanded})(?!\w)", re.IGNORECASE)


def compile_fast_cue(pattern: str) -> re.Pattern[str] | None:
    """The cue regex for lowercased text (see Cue.fast); None where lowercasing cannot be trusted."""
    return _fast(rf"(?:{pattern.replace('{number}', NUMBER_RE).replace('{date}', DATE_RE)})(?!\w)")


def _fast(pattern: str) -> re.Pattern[str] | None:
    expanded = _lowercased(pattern)
    if expanded is None:
        return None
    try:
        return re.compile(expanded)
    except re.error:
        return None


_KEEP_CASE = re.compile(r"\\N\{[^}]*\}|\\.|\(\?P[<=][^>)]*[>)]", re.DOTALL)


def _lowercased(pattern: str) -> str | None:
    """The pattern with its literal letters lowercased; escapes (\\W, \\S, ...) and group names kept."""
    if "(?i" in pattern or "(?-i" in pattern or "\\p" in pattern:
        return None
    parts = []
    position = 0
    for kept in _KEEP_CASE.finditer(pattern):
        parts.append(pattern[position : kept.start()].lower())
        parts.append(kept.group())
        position = kept.end()
    parts.append(pattern[position:].lower())
    return "".join(parts)


_MIN_LITERAL = 3
_MAX_VARIANTS = 48
_MAX_CLASS = 6
Needs = tuple[frozenset[str], ...]


def required_literals(pattern: re.Pattern[str]) -> Needs:
    """What every match of `pattern` contains: sets of lowercased literals, one of each set, the most
    telling first; () when nothing is known.

    A literal begins at a word start or with a non-word character wherever it occurs in a match, so
    the words it holds are words (or, at its end, word starts) of the text -- unless it is marked as
    one that may begin inside a word (see KeySet).
    """
    try:
        parsed = sre_parser.parse(pattern.pattern, pattern.flags)
    except (re.error, RecursionError, AttributeError, TypeError):
        return ()
    options = _options(list(parsed), at_word_start=False)
    usable = [o for o in options if _telling(o) >= _MIN_LITERAL]
    usable.sort(key=lambda o: (-_telling(o), len(o)))
    chosen: list[frozenset[str]] = []
    for option in usable:
        if option not in chosen:
            chosen.append(option)
    return tuple(chosen)


# Words too common in letters to tell a text apart.
_COMMON = frozenset(
    [
        "the",
        "and",
        "for",
        "with",
        "was",
        "were",
        "has",
        "have",
        "had",
        "his",
        "her",
        "this",
        "that",
        "from",
        "into",
        "not",
        "are",
        "of",
        "to",
        "in",
        "on",
        "at",
        "by",
        "or",
        "as",
        "be",
        "been",
        "its",
        "their",
        "there",
        "these",
        "those",
        "any",
        "all",
    ]
)
_NOT_WORD_CATEGORIES = frozenset(
    {"CATEGORY_NOT_WORD", "CATEGORY_SPACE", "CATEGORY_UNI_NOT_WORD", "CATEGORY_UNI_SPACE"}
)
_WORD_CATEGORIES = frozenset({"CATEGORY_WORD", "CATEGORY_UNI_WORD"})
_BOUNDARY_ATS = frozenset({"AT_BOUNDARY", "AT_BEGINNING", "AT_BEGINNING_STRING", "AT_UNI_BOUNDARY"})


def _telling(option: frozenset[str]) -> int:
    """How selective a set of literals is: the shortest one's length, common words counting as 1."""
    return min(1 if s.strip(_INSIDE + " ") in _COMMON else len(s.strip(_INSIDE + " ")) for s in option)


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


def _exact(items: list[tuple[Any, Any]]) -> frozenset[str] | None:
    """The strings a sequence of regex items matches, if it only ever matches a few fixed strings."""
    variants = {""}
    for op, argument in items:
        pieces: frozenset[str] | None = None
        if op is sre_constants.LITERAL:
            pieces = frozenset({chr(argument).lower()})
        elif (
            op is sre_constants.IN
            and len(argument) <= _MAX_CLASS
            and all(code is sre_constants.LITERAL for code, _ in argument)
        ):
            pieces = frozenset(chr(value).lower() for _, value in argument)
        elif op is sre_constants.SUBPATTERN:
            pieces = _exact(list(argument[-1]))
        elif op is sre_constants.BRANCH:
            branches = [_exact(list(branch)) for branch in argument[1]]
            if all(branch is not None for branch in branches):
                pieces = frozenset().union(*(b for b in branches if b is not None))
        elif op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT) and argument[1] == 1:
            body = _exact(list(argument[2]))
            if body is not None:
                pieces = body | {""} if argument[0] == 0 else body
        if pieces is None:
            return None
        variants = {v + p for v in variants for p in pieces}
        if len(variants) > _MAX_VARIANTS:
            return None
    return frozenset(variants)


def _anchored(variants: frozenset[str], at_word_start: bool) -> frozenset[str]:
    """The literals, those that may begin inside a word marked so (unless they begin with a
    non-word character); () if one of them is empty."""
    if not all(variants):
        return frozenset()
    return frozenset(v if at_word_start or not _is_word_char(v[0]) else _INSIDE + v for v in variants)


def _consumes_only_non_word(items: list[tuple[Any, Any]]) -> bool:
    return len(items) == 1 and (
        (items[0][0] is sre_constants.LITERAL and not _is_word_char(chr(items[0][1])))
        or (
            items[0][0] is sre_constants.IN
            and all(
                code is sre_constants.CATEGORY and str(value) in _NOT_WORD_CATEGORIES
                for code, value in items[0][1]
            )
        )
    )


def _boundary_after(items: list[tuple[Any, Any]], before: bool, optional: bool) -> bool:
    """Whether no word character precedes the position after a few fixed strings (or none of them)."""
    exact = _exact(items)
    if exact is None:
        return False
    if optional:
        exact = exact | {""}
    return all((not variant and before) or (variant and not _is_word_char(variant[-1])) for variant in exact)


def _ends_non_word(items: list[tuple[Any, Any]]) -> bool:
    """Whether every string the sequence matches ends with a non-word character (never empty)."""
    if not items:
        return False
    op, argument = items[-1]
    if op is sre_constants.LITERAL:
        return not _is_word_char(chr(argument))
    if op is sre_constants.IN:
        return all(
            (code is sre_constants.LITERAL and not _is_word_char(chr(value)))
            or (code is sre_constants.CATEGORY and str(value) in _NOT_WORD_CATEGORIES)
            for code, value in argument
        )
    if op is sre_constants.SUBPATTERN:
        return _ends_non_word(list(argument[-1]))
    if op is sre_constants.BRANCH:
        return all(_ends_non_word(list(branch)) for branch in argument[1])
    if op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT, sre_constants.POSSESSIVE_REPEAT):
        return argument[0] >= 1 and _ends_non_word(list(argument[2]))
    return False


def _options(items: list[tuple[Any, Any]], at_word_start: bool) -> list[frozenset[str]]:
    """Sets of alternative literals that a match of the sequence must contain, one of each set;
    `at_word_start` says whether the sequence starts where no word character precedes."""
    options: list[frozenset[str]] = []
    run: set[str] = set()
    run_at_start = at_word_start
    boundary = at_word_start

    def flush() -> bool:
        """Close the literal run; whether it leaves the position after a non-word character."""
        exact = frozenset(run)
        run.clear()
        if not exact or exact == {""}:
            return False
        anchored = _anchored(exact, run_at_start)
        if anchored:
            options.append(anchored)
        return all(v and not _is_word_char(v[-1]) for v in exact)

    for op, argument in items:
        pieces = _exact([(op, argument)])
        if pieces is not None:
            if run and len(run) * len(pieces) > _MAX_VARIANTS:
                boundary = flush()
            if not run:
                run_at_start = boundary
                run.update(pieces)
            else:
                grown = {v + p for v in run for p in pieces}
                run.clear()
                run.update(grown)
            continue
        if run:
            boundary = flush()
        if op is sre_constants.AT:
            boundary = str(argument) in _BOUNDARY_ATS
        elif op is sre_constants.ASSERT_NOT:
            direction, asserted = argument
            looks_at_word = (
                len(asserted) == 1
                and asserted[0][0] is sre_constants.IN
                and any(
                    code is sre_constants.CATEGORY and str(value) in _WORD_CATEGORIES
                    for code, value in asserted[0][1]
                )
            )
            if direction == -1 and looks_at_word:
                boundary = True
        elif op is sre_constants.ASSERT:
            pass
        elif op is sre_constants.SUBPATTERN:
            options.extend(_options(list(argument[-1]), boundary))
            boundary = _boundary_after(list(argument[-1]), boundary, optional=False)
        elif op is sre_constants.ATOMIC_GROUP:
            options.extend(_options(list(argument), boundary))
            boundary = False
        elif op is sre_constants.BRANCH:
            per_branch = [_options(list(branch), boundary) for branch in argument[1]]
            if all(per_branch):
                # one literal set per branch, the best of each, together
                best = [max(o, key=lambda x: (_telling(x), -len(x))) for o in per_branch]
                options.append(frozenset().union(*best))
            boundary = _boundary_after([(op, argument)], boundary, optional=False)
        elif op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT, sre_constants.POSSESSIVE_REPEAT):
            low, _, repeated = argument
            if _consumes_only_non_word(list(repeated)):
                boundary = boundary or low >= 1
                continue
            if low >= 1:
                options.extend(_options(list(repeated), boundary))
            boundary = _ends_non_word(list(repeated)) and (low >= 1 or boundary)
        else:
            boundary = op is sre_constants.IN and all(
                code is sre_constants.CATEGORY and str(value) in _NOT_WORD_CATEGORIES
                for code, value in argument
            )
    if run:
        flush()
    return options


class AnyOf:
    """Alternative regexes searched as one, each run only on text holding the words it needs.

    Far faster than one big alternation where most texts hold none of the branches' words.
    """

    def __init__(self, *branches: str) -> None:
        self.branches = tuple(re.compile(branch, re.IGNORECASE) for branch in branches)
        self.index = KeyIndex([required_literals(pattern) for pattern in self.branches], at_most=1)
        # as for cues (see Cue.fast): lowercased, a leading \b checked by hand
        self.fast = tuple(
            (_fast(branch[2:]), True) if branch.startswith("\\b") else (_fast(branch), False)
            for branch in branches
        )

    @staticmethod
    def problem(branch: str) -> str | None:
        """Why `branch` is not a valid regex, or None."""
        try:
            re.compile(branch, re.IGNORECASE)
        except re.error as exc:
            return f"{branch!r}: {exc}"
        return None

    def search(self, text: str, present: set[Key] | None = None, lowered: str | None = None) -> bool:
        """Whether a branch matches `text`; `present` may give the keys found in it (see KeyIndex) and
        `lowered` text.lower()."""
        return next(self._starts(text, present, lowered), None) is not None

    def starts_within(
        self, text: str, limit: int, present: set[Key] | None = None, lowered: str | None = None
    ) -> bool:
        """Whether a match of some branch starts within the first `limit` characters."""
        return any(start <= limit for start in self._starts(text, present, lowered))

    def _starts(self, text: str, present: set[Key] | None, lowered: str | None) -> Iterator[int]:
        lowered = text.lower() if lowered is None else lowered
        for number in self.index.hits(self.index.keys.found_in(lowered) if present is None else present):
            fast, at_word_start = self.fast[number]
            if fast is None or len(lowered) != len(text):
                match = self.branches[number].search(text)
            elif at_word_start:
                match = next(_at_word_starts(fast, lowered), None)
            else:
                match = fast.search(lowered)
            if match is not None:
                yield match.start()


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
        self.kind_words: dict[str, list[str]] = {}
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
                drugs_named=frozenset(options["drugs_named"]),
                implies=options["implies"],
                implies_by_value=tuple(options["implies_by_value"]),
                applies_to=options["applies_to"],
                needs_name=frozenset(options["needs_name"]),
                ignore_names=options["ignore_names"],
                measured=options["measured"],
                prefer=options["prefer"],
                unread=frozenset(options["unread"]),
                co_mentioned_sections=options["co_mentioned_sections"],
                co_mentioned_unless=options["co_mentioned_unless"],
            )
            for name, options in self.options.items()
        }
        return CueBook(
            cues=tuple(self.cues),
            facts=facts,
            drug_class_words={drug_class: tuple(words) for drug_class, words in self.class_words.items()},
            kind_words={kind: tuple(words) for kind, words in self.kind_words.items()},
            medication_words=tuple(self.medication_words),
            visit_words=tuple(self.visit_words),
            other_treatment_words=tuple(self.other_treatment_words),
            diagnoses=tuple(self.diagnoses),
            files=files,
        )

    def _keyed_words(
        self,
        document: YamlDocument,
        field: str,
        entries: dict[str, list[str]],
        known: Collection[str],
        what: str,
        into: dict[str, list[str]],
    ) -> None:
        """Words naming the requested items of a drug class or a treatment kind, checked and kept."""
        for key, words in entries.items():
            if key not in known:
                raise document.error((field, key), f"unknown {what} {key!r}")
            for index, word in enumerate(words):
                self._compiled(document, (field, key, index), word)
            into.setdefault(key, []).extend(words)

    def _load_file(self, path: Path) -> None:
        document = load_yaml(path)
        if isinstance(document.data, dict):
            document = YamlDocument(path=document.path, data=_string_keys(document.data), root=document.root)
        parsed = validate(document, CueFile)
        for name, cues in parsed.facts.items():
            self._add_fact(document, name, cues)
        vocab = self.vocab
        self._keyed_words(
            document,
            "drug_class_words",
            parsed.drug_class_words,
            vocab.drug_classes,
            "drug class",
            self.class_words,
        )
        self._keyed_words(
            document, "kind_words", parsed.kind_words, vocab.kinds, "treatment kind", self.kind_words
        )
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
        for index, regex in enumerate(cues.unless):
            self._compiled(document, (*where, "unless", index), regex)
        entry = _Entry(
            sections=frozenset(cues.sections),
            unless=_alternation(cues.unless) if cues.unless else None,
            negation_after=cues.negation_after,
            unread=frozenset(cues.entry_unread),
        )
        for how in ("mention", "true", "false"):
            for index, regex in enumerate(getattr(cues, how)):
                self._add_cue(document, (*where, how, index), name, how, regex, entry)
        if cues.near and not boolean:
            raise document.error(
                (*where, "near"), f"'near' cues need a boolean fact; {name!r} is {spec.type}"
            )
        for index, near in enumerate(cues.near):
            for group, words in enumerate(near.words):
                for number, regex in enumerate(words):
                    self._compiled(document, (*where, "near", index, "words", group, number), regex)
            how: CueKind = "near" if near.says else "false"
            terms = re.compile("|".join(f"(?:{w})" for words in near.words for w in words), re.IGNORECASE)
            self._add_cue(document, (*where, "near", index), name, how, near_regex(near), entry, terms=terms)
        for value, regexes in cues.values.items():
            if value not in (spec.values or ()):
                raise document.error((*where, "values", value), f"{value!r} is not a value of fact {name!r}")
            for index, regex in enumerate(regexes):
                self._add_cue(document, (*where, "values", value, index), name, "value", regex, entry, value)
        for index, regex in enumerate(cues.number):
            cue = self._add_cue(document, (*where, "number", index), name, "number", regex, entry)
            if "value" not in cue.pattern.groupindex:
                raise document.error((*where, "number", index), "a number cue needs a group (?P<value>...)")
        for index, regex in enumerate(cues.since):
            cue = self._add_cue(document, (*where, "since", index), name, "since", regex, entry)
            if "date" not in cue.pattern.groupindex:
                raise document.error((*where, "since", index), "a since cue needs a group (?P<date>...)")
        options = self.options.setdefault(
            name,
            {
                "units": [],
                "co_mentioned": None,
                "drugs_named": set(),
                "implies": {},
                "implies_by_value": [],
                "applies_to": None,
                "needs_name": set(),
                "ignore_names": False,
                "measured": False,
                "prefer": "latest",
                "unread": set(),
                "co_mentioned_sections": frozenset(),
                "co_mentioned_unless": None,
            },
        )
        for unit, factor in cues.units.items():
            options["units"].append((self._compiled(document, (*where, "units", unit), unit), factor))
        if cues.drugs_named:
            if not boolean:
                raise document.error(
                    (*where, "drugs_named"), f"'drugs_named' needs a boolean fact; {name!r} is {spec.type}"
                )
            self._check_classes(document, (*where, "drugs_named"), cues.drugs_named)
            options["drugs_named"] = options["drugs_named"] | set(cues.drugs_named)
        if cues.co_mentioned is not None:
            self._check_classes(document, (*where, "co_mentioned"), cues.co_mentioned.drug_classes)
            options["co_mentioned"] = cues.co_mentioned
            options["co_mentioned_sections"] = entry.sections
            options["co_mentioned_unless"] = entry.unless
        for implied, value in cues.implies.items():
            problem = self.fact_vocabulary.problem(implied, value, at_case_level=False)
            if problem:
                raise document.error((*where, "implies", implied), problem)
        options["implies"] = {**options["implies"], **cues.implies}
        for number, by_value in enumerate(cues.implies_by_value):
            at = (*where, "implies_by_value", number)
            if spec.type not in ("integer", "number"):
                raise document.error(at, f"'implies_by_value' needs a number fact; {name!r} is {spec.type}")
            if (by_value.at_least is None) == (by_value.below is None):
                raise document.error(at, "give one bound: 'at_least' or 'below'")
            for implied, value in by_value.facts.items():
                problem = self.fact_vocabulary.problem(implied, value, at_case_level=False)
                if problem:
                    raise document.error((*at, "facts", implied), problem)
            options["implies_by_value"].append(by_value)
        if cues.applies_to is not None:
            for kind in cues.applies_to.kinds:
                if kind not in self.vocab.kinds:
                    raise document.error((*where, "applies_to", "kinds"), f"unknown treatment kind {kind!r}")
            self._check_classes(
                document, (*where, "applies_to", "drug_classes"), cues.applies_to.drug_classes
            )
            options["applies_to"] = cues.applies_to
        options["ignore_names"] = options["ignore_names"] or cues.ignore_names
        options["measured"] = options["measured"] or cues.measured
        options["unread"] = options["unread"] | set(cues.unread)
        if cues.needs_name:
            named_in = {"summary", "rationale"} if cues.needs_name is True else set(cues.needs_name)
            options["needs_name"] = options["needs_name"] | named_in
        if cues.prefer != "latest":
            if spec.type != "boolean":
                raise document.error(
                    (*where, "prefer"), f"'prefer' needs a boolean fact; {name!r} is {spec.type}"
                )
            options["prefer"] = cues.prefer

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
        entry: _Entry,
        value: str | None = None,
        terms: re.Pattern[str] | None = None,
    ) -> Cue:
        pattern = self._compiled(document, loc, regex)
        cue = Cue(
            fact=fact,
            how=how,
            pattern=pattern,
            needs=required_literals(pattern),
            value=value,
            fast=compile_fast_cue(regex),
            sections=entry.sections,
            unless=entry.unless,
            negation_after=entry.negation_after,
            unread=entry.unread,
            near=terms is not None,
            terms=terms,
        )
        self.cues.append(cue)
        return cue


@dataclass(frozen=True, slots=True)
class _Entry:
    """The options one cue file gives the cues it lists for a fact."""

    sections: frozenset[str]
    unless: re.Pattern[str] | None
    negation_after: bool
    unread: frozenset[str] = frozenset()


def _string_keys(data: dict[Any, Any]) -> dict[Any, Any]:
    """YAML reads an unquoted `true:` key as a boolean; cue files mean the word."""
    converted: dict[Any, Any] = {}
    for key, value in data.items():
        name = str(key).lower() if isinstance(key, bool) else key
        converted[name] = _string_keys(value) if isinstance(value, dict) else value
    return converted


def _alternation(regexes: list[str]) -> re.Pattern[str]:
    return compile_cue("|".join(f"(?:{regex})" for regex in regexes))
