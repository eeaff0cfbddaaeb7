"""Rule pack -> durable_rules rulesets (one per treatment kind), as JSON data named by content hash.

Every durable rule is anchored by equality on the item's `kind` first: an unanchored rule also
matches the session's own state fact and can loop, and anchoring keeps each alpha node small.
For each rule, the ruleset of each kind it applies to holds:
  applies:<RULE>          the item matches the rule's applies_to;
  crit:<CRITERION>:met     the criterion's condition is true;
  crit:<CRITERION>:not_met its negation (De Morgan down to the leaves) is true;
and one catch-all `item:<kind>` per treatment kind, so every asserted fact is handled (an unhandled
fact in a batch would strand the others' activations). "Not documented" is the remainder: neither
met nor not_met fired, because a fact the condition needs is absent.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from engine.rules import (
    MAX_ALPHA_CHILDREN,
    AllOf,
    AnyOf,
    Condition,
    FirstDocumented,
    Leaf,
    Never,
    Rule,
    RulePack,
    negate,
)

_OPERATORS = {"ne": "$neq", "lt": "$lt", "lte": "$lte", "gt": "$gt", "gte": "$gte"}


def _operand(leaf: Leaf, value: Any) -> Any:
    if leaf.minus is not None:
        return {"$sub": {"$l": value, "$r": {"$m": leaf.minus}}}
    if leaf.plus is not None:
        return {"$add": {"$l": value, "$r": {"$m": leaf.plus}}}
    return value


def _leaf_expression(leaf: Leaf) -> dict[str, Any]:
    match leaf.op:
        case "eq":
            return {leaf.fact: leaf.value}
        case "in":
            assert isinstance(leaf.value, tuple)
            options = [{leaf.fact: v} for v in leaf.value]
            return options[0] if len(options) == 1 else {"$or": options}
        case "not_in":
            assert isinstance(leaf.value, tuple)
            options = [{"$neq": {leaf.fact: v}} for v in leaf.value]
            return options[0] if len(options) == 1 else {"$and": options}
        case "includes_any":
            assert isinstance(leaf.value, tuple)
            # never an `$or` inside `$iany`: durable_rules leaves the type of that `$or`'s node
            # unset and refuses the ruleset (ERR_UNEXPECTED_TYPE, 102) when the heap's leftover
            # byte there reads as an identifier, so an `$or` of single-value `$iany` tests instead
            options = [{"$iany": {leaf.fact: {"$i": v}}} for v in leaf.value]
            return options[0] if len(options) == 1 else {"$or": options}
        case "includes_none":
            assert isinstance(leaf.value, tuple)
            return {"$iall": {leaf.fact: {"$and": [{"$neq": {"$i": v}} for v in leaf.value]}}}
        case _:
            comparison = {_OPERATORS[leaf.op]: {leaf.fact: _operand(leaf, leaf.value)}}
            offset = leaf.minus or leaf.plus
            if offset is None:
                return comparison
            # durable_rules evaluates `$m` arithmetic on an absent field as if it were present
            # (both a comparison and its negation match), so require the field explicitly.
            return {"$and": [{"$ex": {offset: 1}}, comparison]}


def expression(condition: Condition) -> dict[str, Any]:
    """A condition as a durable_rules expression."""
    match condition:
        case Leaf():
            return _leaf_expression(condition)
        case AllOf(parts):
            return {"$and": [expression(p) for p in parts]}
        case AnyOf(parts):
            return {"$or": [expression(p) for p in parts]}
        case FirstDocumented(parts):
            # part i decides when each part before it lacks at least one of its facts (so could
            # not decide) and its own facts are all present
            options = []
            for i, part in enumerate(parts):
                absent = [_any_absent(earlier) for earlier in parts[:i]]
                options.append(
                    {"$and": [*absent, _leaf_expression(part)]} if absent else _leaf_expression(part)
                )
            return {"$or": options}
        case Never():
            raise ValueError("'never' compiles to no expression")


def _any_absent(leaf: Leaf) -> dict[str, Any]:
    tests = [{"$nex": {name: 1}} for name in leaf.facts]
    return tests[0] if len(tests) == 1 else {"$or": tests}


def _anchored(anchor: Leaf, rest: Iterable[dict[str, Any]]) -> dict[str, Any]:
    return {"all": [{"m": {"$and": [_leaf_expression(anchor), *rest]}}]}


def applies_name(rule_id: str, kind: str) -> str:
    return f"applies:{rule_id}@{kind}"


def outcome_name(criterion_id: str, outcome: str, kind: str) -> str:
    return f"crit:{criterion_id}:{outcome}@{kind}"


# A rule whose `$or` branches multiply past this many paths is refused whatever its width.
MAX_PATHS_PER_RULE = 20_000


def _paths(expression: dict[str, Any]) -> list[tuple[str, ...]]:
    """The sequences of tests durable_rules matches an expression by: each `$or` branch is a
    path of its own (it fires once per satisfied branch), `$and` parts follow one another."""
    if len(expression) == 1 and "$and" in expression:
        paths: list[tuple[str, ...]] = [()]
        for part in expression["$and"]:
            paths = [head + tail for head in paths for tail in _paths(part)]
            if len(paths) > MAX_PATHS_PER_RULE:
                raise OverflowError(len(paths))
        return paths
    if len(expression) == 1 and "$or" in expression:
        branches = [path for part in expression["$or"] for path in _paths(part)]
        if len(branches) > MAX_PATHS_PER_RULE:
            raise OverflowError(len(branches))
        return branches
    return [(json.dumps(expression, sort_keys=True),)]


@dataclass(frozen=True)
class AlphaWidth:
    """The widest alpha node of a ruleset: its distinct child tests, the tests before it, and the
    rule (by compiled name) that took it past MAX_ALPHA_CHILDREN, if one did."""

    width: int
    prefix: tuple[str, ...]
    culprit: str | None


def widest_alpha_node(ruleset: dict[str, Any]) -> AlphaWidth:
    """Rules share alpha nodes for equal leading tests (kind, then drug class or subtype, ...), so
    the children of a node are the distinct tests that come next after its prefix, over every
    path of every rule."""
    children: dict[tuple[str, ...], set[str]] = {}
    culprit: str | None = None
    for name, rule in ruleset.items():
        (pattern,) = rule["all"]
        try:
            paths = _paths(pattern["m"])
        except OverflowError as too_many:
            return AlphaWidth(int(str(too_many)), (), name)
        for path in paths:
            for depth, test in enumerate(path):
                following = children.setdefault(path[:depth], set())
                following.add(test)
                if culprit is None and len(following) > MAX_ALPHA_CHILDREN:
                    culprit = name
    prefix, tests = max(children.items(), key=lambda entry: len(entry[1]))
    return AlphaWidth(len(tests), prefix, culprit)


@dataclass(frozen=True)
class CompiledPack:
    """One durable_rules ruleset per treatment kind, as data, named by the pack's content hash.

    Per kind, because durable_rules' cost of asserting a fact grows with the whole ruleset
    (measured: 0.80 ms against 0.08 ms per item for 1,647 rules against the 269 of one kind).
    """

    name: str
    rulesets: dict[str, dict[str, Any]]
    facts_by_kind: dict[str, frozenset[str]]

    def ruleset_name(self, kind: str) -> str:
        return f"{self.name}@{kind}"

    def as_json(self, kind: str) -> str:
        text = json.dumps(_fixed_notation(self.rulesets[kind]), sort_keys=True)
        return _FIXED.sub(lambda m: m.group(1), text) if "fixed:" in text else text


# durable_rules' C parser crashes on exponent notation (1e-05), which is how json writes small and
# large floats: such a number goes out as a marked string, then unquoted in fixed notation.
_FIXED_MARK = "\u0000fixed:"  # a NUL first: no rule text starts so
_FIXED = re.compile(r'"\\u0000fixed:(-?[0-9.]+)"')


def _fixed_notation(value: Any) -> Any:
    if isinstance(value, float) and "e" in repr(value):
        written = format(decimal.Decimal(repr(value)), "f")
        return _FIXED_MARK + (written.rstrip("0").rstrip(".") if "." in written else written)
    if isinstance(value, dict):
        return {key: _fixed_notation(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_fixed_notation(item) for item in value]
    return value


def compile_pack(pack: RulePack, kinds: Iterable[str]) -> CompiledPack:
    """Compile every rule of the pack; `kinds` are all treatment kinds that items may carry."""
    all_kinds = sorted(set(kinds) | {k for rule in pack.rules for k in rule.kinds})
    rulesets: dict[str, dict[str, Any]] = {
        kind: {f"item:{kind}": {"all": [{"m": {"kind": kind}}]}} for kind in all_kinds
    }
    facts_by_kind: dict[str, set[str]] = {kind: {"kind", AS_OF} for kind in all_kinds}
    for rule in pack.rules:
        for kind in rule.kinds:
            ruleset = rulesets[kind]
            facts_by_kind[kind].update(f for leaf in rule.applies_to for f in leaf.facts)
            facts_by_kind[kind].update(f for c in rule.criteria for f in c.facts)
            anchor = Leaf("kind", "eq", kind)
            scope = [
                *_in_force(rule),
                *(_leaf_expression(leaf) for leaf in rule.applies_to if leaf.fact != "kind"),
            ]
            ruleset[applies_name(rule.id, kind)] = _anchored(anchor, scope)
            for criterion in rule.criteria:
                if isinstance(criterion.condition, Never):
                    # not recommended: not met whenever the rule applies, and no met rule at all
                    ruleset[outcome_name(criterion.id, "not_met", kind)] = _anchored(anchor, scope)
                    continue
                met = expression(criterion.condition)
                not_met = expression(negate(criterion.condition))
                ruleset[outcome_name(criterion.id, "met", kind)] = _anchored(anchor, [*scope, met])
                ruleset[outcome_name(criterion.id, "not_met", kind)] = _anchored(anchor, [*scope, not_met])
    return CompiledPack(
        name=f"imr-rules#{pack.version}",
        rulesets=rulesets,
        facts_by_kind={kind: frozenset(names) for kind, names in facts_by_kind.items()},
    )


# The evaluation date, as a yyyymmdd number on every asserted item: a rule of an edition not in
# force on that date then never fires, which keeps activations to the rules that can decide.
AS_OF = "as_of"


def date_number(day: dt.date) -> int:
    return day.year * 10_000 + day.month * 100 + day.day


def _in_force(rule: Rule) -> list[dict[str, Any]]:
    tests: list[dict[str, Any]] = []
    if rule.effective_from is not None:
        tests.append({"$gte": {AS_OF: date_number(rule.effective_from)}})
    if rule.effective_to is not None:
        tests.append({"$lte": {AS_OF: date_number(rule.effective_to)}})
    return tests
