"""Rule files: the strict schema of `rules/<edition>/<topic>.yaml` and the loader.

A rule file holds the criteria of one guideline topic in one edition. Every criterion carries a
stable id, a one-line text, a condition over named facts and its citation (section, pages); the
file's edition comes from `guidelines/catalog.yaml`, which gives the guideline's title and the
edition's effective dates. Loading fails, naming file and line, on anything a rule author could
get wrong: bad YAML, an unknown key, fact, edition, treatment kind or drug, a value of the wrong
type for its fact, a missing citation, a duplicate id.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field

from engine.cache import load_cached
from engine.errors import InputError
from engine.facts import FACTS_DIR, FactVocabulary, StrictModel, load_fact_vocabulary
from engine.paths import GUIDELINES_DIR, RULES_DIR
from engine.vocab import Vocabulary, load_vocabulary
from engine.yamlio import YamlDocument, load_yaml, validate

# --- conditions -------------------------------------------------------------------------------

Comparison = Literal["eq", "ne", "lt", "lte", "gt", "gte", "in", "not_in", "includes_any", "includes_none"]
NEGATED: dict[Comparison, Comparison] = {
    "eq": "ne",
    "ne": "eq",
    "lt": "gte",
    "gte": "lt",
    "lte": "gt",
    "gt": "lte",
    "in": "not_in",
    "not_in": "in",
    "includes_any": "includes_none",
    "includes_none": "includes_any",
}
_LIST_OPERATORS: frozenset[str] = frozenset({"includes_any", "includes_none"})
_LIST_TYPES: frozenset[str] = frozenset({"enum_list", "text_list"})
_ORDERED: frozenset[str] = frozenset({"lt", "lte", "gt", "gte"})
Scalar = bool | int | float | str
# durable_rules' create_ruleset spins forever, holding the GIL, once one alpha node has more than
# 512 distinct child tests (NEXT_BUCKET_LENGTH); stay well below. One `in` list of N values is N.
MAX_ALPHA_CHILDREN = 400


@dataclass(frozen=True)
class Leaf:
    """`fact <op> value`, where value may be offset by another fact: `fact <= 10 - prior_visits`."""

    fact: str
    op: Comparison
    value: Scalar | tuple[Scalar, ...]
    minus: str | None = None
    plus: str | None = None

    @property
    def facts(self) -> tuple[str, ...]:
        return tuple(f for f in (self.fact, self.minus, self.plus) if f is not None)

    def describe(self) -> str:
        symbol = {"eq": "=", "ne": "≠", "lt": "<", "lte": "≤", "gt": ">", "gte": "≥"}.get(self.op, self.op)
        value: str
        if isinstance(self.value, tuple):
            value = "{" + ", ".join(str(v) for v in self.value) + "}"
        else:
            value = json.dumps(self.value)
        if self.minus:
            value += f" - {self.minus}"
        if self.plus:
            value += f" + {self.plus}"
        return f"{self.fact} {symbol} {value}"


@dataclass(frozen=True)
class AllOf:
    parts: tuple[Condition, ...]

    def describe(self) -> str:
        return "(" + " and ".join(p.describe() for p in self.parts) + ")"


@dataclass(frozen=True)
class AnyOf:
    parts: tuple[Condition, ...]

    def describe(self) -> str:
        return "(" + " or ".join(p.describe() for p in self.parts) + ")"


@dataclass(frozen=True)
class FirstDocumented:
    """The first part whose facts are all documented decides; when none is, the result is unknown.

    For a fact recorded in more than one way: a number of weeks where the record gives one, else
    whether the record calls the use long-term.
    """

    parts: tuple[Leaf, ...]

    def describe(self) -> str:
        return "(first documented of: " + "; ".join(p.describe() for p in self.parts) + ")"


@dataclass(frozen=True)
class Never:
    """The guideline does not recommend the treatment at all: the criterion is never met."""

    def describe(self) -> str:
        return "never (not recommended)"


Condition = Leaf | AllOf | AnyOf | FirstDocumented | Never


def negate(condition: Condition) -> Condition:
    """The condition's negation with `not` pushed to the leaves (De Morgan).

    Because every comparison needs its fact present, the negation is true only when enough
    facts are documented to make the condition false: Kleene's three-valued logic.
    """
    match condition:
        case Leaf():
            return _negated_leaf(condition)
        case AllOf(parts):
            return AnyOf(tuple(negate(p) for p in parts))
        case AnyOf(parts):
            return AllOf(tuple(negate(p) for p in parts))
        case FirstDocumented(parts):
            return FirstDocumented(tuple(_negated_leaf(p) for p in parts))
        case Never():
            raise ValueError("'never' has no compiled negation: its not_met rule is the rule's scope")


def _negated_leaf(leaf: Leaf) -> Leaf:
    return Leaf(leaf.fact, NEGATED[leaf.op], leaf.value, leaf.minus, leaf.plus)


def condition_facts(condition: Condition) -> tuple[str, ...]:
    """Fact names a condition reads, in order of first mention."""
    names: dict[str, None] = {}

    def walk(c: Condition) -> None:
        if isinstance(c, Leaf):
            names.update(dict.fromkeys(c.facts))
        elif isinstance(c, AllOf | AnyOf | FirstDocumented):
            for part in c.parts:
                walk(part)

    walk(condition)
    return tuple(names)


# --- the rule model -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CitationRef:
    """Where a criterion comes from: guideline, edition, section and pages."""

    guideline: str
    edition: str
    edition_label: str
    section: str
    pages: str | None
    chapter: str | None = None

    def as_json(self) -> dict[str, str | None]:
        return {
            "guideline": self.guideline,
            "edition": self.edition_label,
            "section": self.section if self.chapter is None else f"{self.chapter}: {self.section}",
            "pages": self.pages,
        }

    def describe(self) -> str:
        section = self.section if self.chapter is None else f"{self.chapter}, {self.section}"
        pages = f", p.{self.pages}" if self.pages else ""
        return f"{self.guideline} ({self.edition_label}), {section}{pages}"


@dataclass(frozen=True)
class Criterion:
    id: str
    text: str
    condition: Condition
    citation: CitationRef
    blocks_when_not_documented: bool
    set_aside_because: str | None
    uncertain: str | None
    rule_id: str
    file: str
    line: int | None

    @cached_property
    def facts(self) -> tuple[str, ...]:
        return condition_facts(self.condition)


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    edition: str
    authority: str
    topic: str
    applies_to: tuple[Leaf, ...]
    combine: Literal["all", "any", "at_least"]
    at_least: int | None
    supplements: tuple[str, ...]
    cross_cutting: bool
    criteria: tuple[Criterion, ...]
    effective_from: dt.date | None
    effective_to: dt.date | None
    file: str
    line: int | None
    # applies only where no guideline rule covers the item (what no guideline addresses)
    fallback: bool = False

    @cached_property
    def kinds(self) -> tuple[str, ...]:
        kind = next(leaf for leaf in self.applies_to if leaf.fact == "kind")
        return kind.value if isinstance(kind.value, tuple) else (str(kind.value),)

    def in_force(self, on: dt.date) -> bool:
        return (self.effective_from is None or self.effective_from <= on) and (
            self.effective_to is None or on <= self.effective_to
        )


@dataclass(frozen=True)
class RulePack:
    """All loaded rules, named by the hash of everything that decides their results."""

    rules: tuple[Rule, ...]
    content_hash: str
    files: tuple[str, ...] = field(default=())

    @cached_property
    def by_id(self) -> dict[str, Rule]:
        return {rule.id: rule for rule in self.rules}

    @cached_property
    def rules_by_kind(self) -> dict[str, tuple[Rule, ...]]:
        by_kind: dict[str, list[Rule]] = {}
        for rule in self.rules:
            for kind in rule.kinds:
                by_kind.setdefault(kind, []).append(rule)
        return {kind: tuple(rules) for kind, rules in by_kind.items()}

    @cached_property
    def position(self) -> dict[str, int]:
        return {rule.id: i for i, rule in enumerate(self.rules)}

    @cached_property
    def criteria(self) -> dict[str, Criterion]:
        return {c.id: c for rule in self.rules for c in rule.criteria}

    @cached_property
    def referenced_facts(self) -> frozenset[str]:
        names: set[str] = set()
        for rule in self.rules:
            for leaf in rule.applies_to:
                names.update(leaf.facts)
            for criterion in rule.criteria:
                names.update(criterion.facts)
        return frozenset(names)

    @property
    def version(self) -> str:
        return self.content_hash[:12]


# --- file schema --------------------------------------------------------------------------------


class _CitationSpec(StrictModel):
    section: Annotated[str, Field(min_length=1)]
    pages: str | None = None
    chapter: str | None = None


class _CriterionSpec(StrictModel):
    id: Annotated[str, Field(pattern=r"^[A-Z0-9][A-Z0-9-]*[A-Z0-9]$")]
    text: Annotated[str, Field(min_length=1)]
    when: Any
    citation: _CitationSpec
    when_not_documented: Literal["blocks", "does_not_block"] = "blocks"
    # where the guideline itself makes the criterion optional or conditional: its words
    set_aside_because: Annotated[str, Field(min_length=1)] | None = None
    uncertain: str | None = None


class _RuleSpec(StrictModel):
    id: Annotated[str, Field(pattern=r"^[A-Z0-9][A-Z0-9-]*[A-Z0-9]$")]
    title: Annotated[str, Field(min_length=1)]
    applies_to: dict[str, Any]
    combine: Literal["all", "any"] | dict[Literal["at_least"], int] = "all"
    supplements: list[str] = []
    cross_cutting: bool = False
    fallback: bool = False
    effective_from: dt.date | None = None
    effective_to: dt.date | None = None
    criteria: Annotated[list[_CriterionSpec], Field(min_length=1)]


class _RuleFile(StrictModel):
    edition: str
    topic: Annotated[str, Field(min_length=1)]
    rules: Annotated[list[_RuleSpec], Field(min_length=1)]


class _Loader:
    def __init__(self, facts: FactVocabulary, vocab: Vocabulary) -> None:
        self.facts = facts
        self.vocab = vocab

    # conditions

    def condition(self, doc: YamlDocument, raw: Any, loc: tuple[str | int, ...]) -> Condition:
        if raw == "never":
            if len(loc) > 5:
                raise doc.error(loc, "'never' stands alone as a criterion's whole condition")
            return Never()
        if not isinstance(raw, dict) or not raw:
            raise doc.error(
                loc, "a condition is a mapping: {fact: NAME, <op>: VALUE}, {all: [...]} or {any: [...]}"
            )
        if "first_documented" in raw:
            parts = raw["first_documented"]
            if len(raw) != 1 or not isinstance(parts, list) or len(parts) < 2:
                raise doc.error(
                    loc, "'first_documented' stands alone with a list of at least two comparisons"
                )
            leaves = []
            for i, part in enumerate(parts):
                if not isinstance(part, dict) or "fact" not in part:
                    raise doc.error(
                        (*loc, "first_documented", i), "'first_documented' takes plain comparisons"
                    )
                leaves.append(self.leaf(doc, part, (*loc, "first_documented", i)))
            return FirstDocumented(tuple(leaves))
        if "all" in raw or "any" in raw:
            (key,) = raw.keys() if len(raw) == 1 else (None,)
            if key not in ("all", "any"):
                raise doc.error(loc, "'all'/'any' must stand alone in their mapping")
            parts = raw[key]
            if not isinstance(parts, list) or len(parts) < 2:
                raise doc.error((*loc, key), f"'{key}' needs a list of at least two conditions")
            built = tuple(self.condition(doc, p, (*loc, key, i)) for i, p in enumerate(parts))
            return AllOf(built) if key == "all" else AnyOf(built)
        return self.leaf(doc, raw, loc)

    def leaf(self, doc: YamlDocument, raw: dict[str, Any], loc: tuple[str | int, ...]) -> Leaf:
        allowed = {"fact", "minus", "plus", *NEGATED}
        unknown = sorted(set(raw) - allowed)
        if unknown:
            raise doc.error((*loc, unknown[0]), f"unknown key {unknown[0]!r} in condition")
        fact = raw.get("fact")
        if not isinstance(fact, str):
            raise doc.error(loc, "condition needs 'fact: NAME'")
        spec = self.facts.specs.get(fact)
        if spec is None:
            raise doc.error((*loc, "fact"), f"unknown fact {fact!r}")
        ops = [k for k in raw if k in NEGATED]
        if len(ops) != 1:
            raise doc.error(loc, "condition needs exactly one of " + ", ".join(NEGATED))
        op: Comparison = ops[0]
        value = raw[op]
        if spec.type == "date":
            raise doc.error((*loc, "fact"), f"fact {fact!r} of type date cannot be compared in a rule")
        if (op in _LIST_OPERATORS) != (spec.type in _LIST_TYPES):
            raise doc.error(
                (*loc, op), "includes_any/includes_none go with list facts, and list facts only with them"
            )
        if op in _ORDERED and spec.type not in ("integer", "number"):
            raise doc.error((*loc, op), f"'{op}' needs a numeric fact; {fact!r} is {spec.type}")
        takes_list = op in ("in", "not_in", *_LIST_OPERATORS)
        values = value if takes_list else [value]
        if takes_list and (not isinstance(value, list) or not value):
            raise doc.error((*loc, op), f"'{op}' needs a non-empty list")
        if takes_list and len(value) > MAX_ALPHA_CHILDREN:
            raise doc.error(
                (*loc, op),
                f"'{op}' lists {len(value)} values; at most {MAX_ALPHA_CHILDREN} "
                "(durable_rules hangs on a rule with more than 512 alternatives)",
            )
        for v in values:
            problem = spec.type_error([v] if spec.type in _LIST_TYPES else v)
            if problem is not None:
                raise doc.error((*loc, op), problem)
            self.check_vocabulary_value(doc, fact, v, (*loc, op))
        for offset in ("minus", "plus"):
            other = raw.get(offset)
            if other is None:
                continue
            other_spec = self.facts.specs.get(other) if isinstance(other, str) else None
            if other_spec is None or other_spec.type not in ("integer", "number"):
                raise doc.error((*loc, offset), f"'{offset}' needs a numeric fact name, got {other!r}")
            if op not in _ORDERED or spec.type not in ("integer", "number"):
                raise doc.error(
                    (*loc, offset), f"'{offset}' only goes with lt, lte, gt, gte on a numeric fact"
                )
        return Leaf(
            fact=fact,
            op=op,
            value=tuple(values) if takes_list else value,
            minus=raw.get("minus"),
            plus=raw.get("plus"),
        )

    def check_vocabulary_value(
        self, doc: YamlDocument, fact: str, value: Any, loc: tuple[str | int, ...]
    ) -> None:
        problem = self.vocab.value_problem(fact, value)
        if problem is not None:
            raise doc.error(loc, problem)

    # rules

    @staticmethod
    def check_set_aside(doc: YamlDocument, spec: _CriterionSpec, loc: tuple[str | int, ...]) -> None:
        """A criterion set aside on a silent record says why, in the guideline's words; only such a one."""
        set_aside = spec.when_not_documented == "does_not_block"
        if set_aside and spec.set_aside_because is None:
            raise doc.error(
                (*loc, "when_not_documented"),
                f"criterion {spec.id} is does_not_block: add set_aside_because with the guideline's"
                " words that make it optional or conditional",
            )
        if not set_aside and spec.set_aside_because is not None:
            raise doc.error(
                (*loc, "set_aside_because"),
                f"criterion {spec.id} blocks when not documented: set_aside_because goes only with"
                " when_not_documented: does_not_block",
            )

    def applies_to(
        self, doc: YamlDocument, raw: dict[str, Any], loc: tuple[str | int, ...]
    ) -> tuple[Leaf, ...]:
        if "kind" not in raw:
            raise doc.error(loc, "applies_to needs 'kind' (every rule is anchored on a treatment kind)")
        leaves = []
        for name, value in raw.items():
            spec = self.facts.specs.get(name)
            op: Comparison = "in" if isinstance(value, list) else "eq"
            if spec is not None and spec.type in _LIST_TYPES:
                # a list fact (the procedures of a request) applies when it includes any value named
                op, value = "includes_any", value if isinstance(value, list) else [value]
            leaves.append(self.leaf(doc, {"fact": name, op: value}, (*loc, name)))
        # kind first: the compiled rule is anchored on it
        return tuple(sorted(leaves, key=lambda leaf: leaf.fact != "kind"))

    def file(self, path: Path, root: Path) -> list[Rule]:
        doc = load_yaml(path)
        spec = validate(doc, _RuleFile)
        edition = self.vocab.edition(spec.edition)
        if edition is None:
            raise doc.error(
                ("edition",), f"unknown guideline edition {spec.edition!r} (see guidelines/catalog.yaml)"
            )
        expected_folder = spec.edition
        if path.parent.name != expected_folder:
            raise doc.error(
                ("edition",), f"a rule file of edition {spec.edition!r} belongs in rules/{expected_folder}/"
            )
        document = self.vocab.document_of(spec.edition)
        rel = str(path.relative_to(root.parent)) if path.is_relative_to(root.parent) else str(path)
        rules = []
        for i, rule_spec in enumerate(spec.rules):
            rloc: tuple[str | int, ...] = ("rules", i)
            applies = self.applies_to(doc, rule_spec.applies_to, (*rloc, "applies_to"))
            criteria = []
            for j, c in enumerate(rule_spec.criteria):
                cloc = (*rloc, "criteria", j)
                self.check_set_aside(doc, c, cloc)
                criteria.append(
                    Criterion(
                        id=c.id,
                        text=c.text,
                        condition=self.condition(doc, c.when, (*cloc, "when")),
                        citation=CitationRef(
                            guideline=document.title,
                            edition=edition.id,
                            edition_label=edition.label,
                            section=c.citation.section,
                            pages=c.citation.pages,
                            chapter=c.citation.chapter,
                        ),
                        blocks_when_not_documented=c.when_not_documented == "blocks",
                        set_aside_because=c.set_aside_because,
                        uncertain=c.uncertain,
                        rule_id=rule_spec.id,
                        file=rel,
                        line=doc.line_of(cloc),
                    )
                )
            if rule_spec.fallback and (rule_spec.cross_cutting or document.authority != "imr-practice"):
                raise doc.error((*rloc, "fallback"), "a fallback rule is IMR practice and not cross_cutting")
            effective_from = rule_spec.effective_from or edition.effective_from
            effective_to = rule_spec.effective_to or edition.effective_to
            if effective_from is not None and effective_to is not None and effective_to < effective_from:
                raise doc.error(
                    (*rloc, "effective_to" if rule_spec.effective_to else "effective_from"),
                    f"rule {rule_spec.id} is in force from {effective_from} to {effective_to}: "
                    "the end comes before the start",
                )
            combine = rule_spec.combine
            at_least = combine["at_least"] if isinstance(combine, dict) else None
            if at_least is not None and not 1 <= at_least <= len(criteria):
                raise doc.error((*rloc, "combine"), f"at_least must be between 1 and {len(criteria)}")
            rules.append(
                Rule(
                    id=rule_spec.id,
                    title=rule_spec.title,
                    edition=edition.id,
                    authority=document.authority,
                    topic=spec.topic,
                    applies_to=applies,
                    combine="at_least" if at_least is not None else combine,  # type: ignore[arg-type]
                    at_least=at_least,
                    supplements=tuple(rule_spec.supplements),
                    cross_cutting=rule_spec.cross_cutting,
                    fallback=rule_spec.fallback,
                    criteria=tuple(criteria),
                    effective_from=effective_from,
                    effective_to=effective_to,
                    file=rel,
                    line=doc.line_of(rloc),
                )
            )
        return rules


RULE_SUFFIXES = (".yaml", ".yml")


def _rule_files(paths: Iterable[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.suffix.lower() in RULE_SUFFIXES and p.is_file())
            if not found:
                raise InputError(path, "no rule files (.yaml, .yml) in this folder")
            yield from found
        elif path.is_file():
            yield path
        elif path.exists():
            raise InputError(path, "not a regular file")
        else:
            raise InputError(path, "no such rule file or folder")


def _content_hash(files: Sequence[Path], extra: Sequence[Path]) -> str:
    digest = hashlib.sha256()
    for path in [*files, *extra]:
        digest.update(path.name.encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def load_rules(paths: Sequence[Path] = (RULES_DIR,), root: Path = RULES_DIR) -> RulePack:
    """Load and check every rule file under `paths`; raise InputError at the first problem.

    A checked pack is cached by the content of its files and of the loader (engine/cache.py).
    """
    files = list(_rule_files(paths))
    # the cues are in: they decide what a letter yields, so a changed cue must change the version
    vocabulary_files = [
        *sorted(FACTS_DIR.glob("*.yaml")),
        *sorted(GUIDELINES_DIR.glob("*.yaml")),
        *sorted((GUIDELINES_DIR / "cues").glob("*.yaml")),
    ]
    here = Path(__file__).parent
    code = [here / name for name in ("rules.py", "facts.py", "yamlio.py", "vocab.py")]
    return load_cached(
        f"rules-{hashlib.sha256(str(root).encode()).hexdigest()[:8]}",
        [*files, *vocabulary_files, *code],
        lambda: _load_rules(files, root, vocabulary_files),
        RulePack,
    )


def _load_rules(files: Sequence[Path], root: Path, vocabulary_files: Sequence[Path]) -> RulePack:
    facts = load_fact_vocabulary()
    vocab = load_vocabulary()
    loader = _Loader(facts, vocab)
    rules: list[Rule] = []
    first_seen: dict[str, tuple[str, int | None]] = {}
    for path in files:
        for rule in loader.file(path, root):
            for ident, line in [(rule.id, rule.line), *((c.id, c.line) for c in rule.criteria)]:
                if ident in first_seen:
                    other_file, other_line = first_seen[ident]
                    raise InputError(
                        path, f"duplicate id {ident!r} (first at {other_file}:{other_line})", line
                    )
                first_seen[ident] = (rule.file, line)
            rules.append(rule)
    rule_ids = {rule.id for rule in rules}
    for rule in rules:
        for target in rule.supplements:
            if target not in rule_ids:
                raise InputError(rule.file, f"rule {rule.id} supplements unknown rule {target!r}", rule.line)
    return RulePack(
        rules=tuple(rules),
        content_hash=_content_hash(files, vocabulary_files),
        files=tuple(str(f) for f in files),
    )
