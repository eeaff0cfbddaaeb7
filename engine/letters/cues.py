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

import itertools
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from engine.errors import InputError
from engine.facts import FactSpec, FactVocabulary, load_fact_vocabulary
from engine.letters.cue_keys import (
    KeyIndex,
    Needs,
    at_word_starts,
    compile_cue,
    compile_fast_cue,
    required_literals,
)
from engine.letters.item_model import DosageForm
from engine.paths import GUIDELINES_DIR
from engine.vocab import Vocabulary, load_vocabulary
from engine.yamlio import YamlDocument, load_yaml, validate

CUES_DIR = GUIDELINES_DIR / "cues"


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
    # count only drugs taken by mouth or injection, not a cream's or patch's ingredient
    systemic_only: bool = False


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
    # a measure written twice, (?P<before>...) and (?P<after>...): the fact is true where the second
    # is lower (a pain or depression score) or higher (a walking time), and false where it is not
    lower: list[Regex] = []
    higher: list[Regex] = []
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
    # the fact is the history of the requested subtype: a treatment word of another subtype of the
    # kind names another treatment ("medial branch blocks" before a radiofrequency ablation)
    same_subtype: bool = False
    negation_after: bool = True
    # the fact is a measured result: a negation of its measure ("the degree of relief was not
    # documented") is its absence (guidelines/context.yaml, measures)
    measured: bool = False
    # the fact is itself a suspicion: a term the clinician suspects ("a meniscal tear is suspected",
    # "on the differential") documents it; a doubt ("a fracture is unlikely") does not
    suspicion: bool = False
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
    form_words: dict[DosageForm, list[Regex]] = {}
    medication_words: list[Regex] = []
    visit_words: list[Regex] = []
    other_treatment_words: list[Regex] = []
    diagnoses: list[Regex] = []


CueKind = Literal["mention", "near", "true", "false", "lower", "higher", "value", "number", "since"]


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
        return () if first is None else list(at_word_starts(self.fast, lowered, first))


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
    same_subtype: bool
    measured: bool
    suspicion: bool
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
    its words name: ("class", drug class), ("kind", treatment kind), ("form", dosage form),
    ("medications", ""), ("visits", "") or ("other", "")."""

    pattern: re.Pattern[str]
    named_by: Mapping[str, tuple[tuple[str, str], ...]]


@dataclass(frozen=True)
class CueBook:
    """Every cue of guidelines/cues/, ready to match."""

    cues: tuple[Cue, ...]
    facts: Mapping[str, FactRules]
    drug_class_words: Mapping[str, tuple[str, ...]]
    kind_words: Mapping[str, tuple[str, ...]]
    form_words: Mapping[str, tuple[str, ...]]
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
        for form, regexes in self.form_words.items():
            for regex in regexes:
                sorts.setdefault(regex, []).append(("form", form))
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
        self.form_words: dict[str, list[str]] = {}
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
                same_subtype=options["same_subtype"],
                measured=options["measured"],
                suspicion=options["suspicion"],
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
            form_words={form: tuple(words) for form, words in self.form_words.items()},
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
        for form, words in parsed.form_words.items():
            for index, word in enumerate(words):
                self._compiled(document, ("form_words", form, index), word)
            self.form_words.setdefault(form, []).extend(words)
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
            ("lower", boolean, "boolean"),
            ("higher", boolean, "boolean"),
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
        for how in ("lower", "higher"):
            for index, regex in enumerate(getattr(cues, how)):
                cue = self._add_cue(document, (*where, how, index), name, how, regex, entry)
                if not {"before", "after"} <= cue.pattern.groupindex.keys():
                    raise document.error(
                        (*where, how, index), f"a {how!r} cue needs groups (?P<before>...) and (?P<after>...)"
                    )
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
            groups = cue.pattern.groupindex.keys()
            if "value" not in groups and not {"before", "after"} <= groups:
                raise document.error(
                    (*where, "number", index),
                    "a number cue needs a group (?P<value>...), or (?P<before>...) and (?P<after>...)",
                )
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
                "same_subtype": False,
                "measured": False,
                "suspicion": False,
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
        options["same_subtype"] = options["same_subtype"] or cues.same_subtype
        options["measured"] = options["measured"] or cues.measured
        options["suspicion"] = options["suspicion"] or cues.suspicion
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
