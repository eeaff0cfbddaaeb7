"""A plain-Python evaluator of the same rules, for differential tests only.

It answers the question durable_rules answers -- which applies/met/not_met names fire for each
item -- by walking each condition in Kleene's three-valued logic (an absent fact is unknown).
Resolution into criteria, rules and items is shared with the durable_rules path, so a difference
between the two can only come from matching.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from engine.compile import applies_name, outcome_name
from engine.evaluate import ItemFacts, comparable_value
from engine.rules import AllOf, AnyOf, Condition, FirstDocumented, Leaf, Never, RulePack


def _leaf_truth(leaf: Leaf, values: dict[str, Any]) -> bool | None:
    if any(name not in values for name in leaf.facts):
        return None
    actual = values[leaf.fact]
    target: Any = leaf.value
    if leaf.minus is not None:
        target = target - values[leaf.minus]
    if leaf.plus is not None:
        target = target + values[leaf.plus]
    match leaf.op:
        case "eq":
            return bool(actual == target)
        case "ne":
            return bool(actual != target)
        case "lt":
            return bool(actual < target)
        case "lte":
            return bool(actual <= target)
        case "gt":
            return bool(actual > target)
        case "gte":
            return bool(actual >= target)
        case "in":
            return actual in target
        case "not_in":
            return actual not in target
        case "includes_any":
            return any(v in actual for v in target)
        case "includes_none":
            return not any(v in actual for v in target)


def truth(condition: Condition, values: dict[str, Any]) -> bool | None:
    """Kleene truth of a condition: None when it cannot be decided from the facts present."""
    match condition:
        case Leaf():
            return _leaf_truth(condition, values)
        case AllOf(parts):
            results = [truth(p, values) for p in parts]
            if False in results:
                return False
            return None if None in results else True
        case AnyOf(parts):
            results = [truth(p, values) for p in parts]
            if True in results:
                return True
            return None if None in results else False
        case FirstDocumented(parts):
            for part in parts:
                if all(name in values for name in part.facts):
                    return _leaf_truth(part, values)
            return None
        case Never():
            return False


class OracleMatcher:
    """Fires the same rule names durable_rules would, computed in Python."""

    def __init__(self, pack: RulePack) -> None:
        self.pack = pack

    def fire(self, batch: Sequence[ItemFacts], when: dt.date) -> dict[str, set[str]]:
        fired: dict[str, set[str]] = {}
        for facts in batch:
            names: set[str] = set()
            values = {k: v for k, v in facts.values.items() if comparable_value(v)}
            kind = values.get("kind")
            for rule in self.pack.rules_by_kind.get(kind, ()):
                if not rule.in_force(when) or not all(_leaf_truth(leaf, values) for leaf in rule.applies_to):
                    continue
                names.add(applies_name(rule.id, kind))
                for criterion in rule.criteria:
                    outcome = truth(criterion.condition, values)
                    if outcome is not None:
                        names.add(outcome_name(criterion.id, "met" if outcome else "not_met", kind))
            fired[facts.item_id] = names
        return fired
