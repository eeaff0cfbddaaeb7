"""Fact values that make a rule condition true: how the example requests are made to pass or fail.

`satisfy(condition, values, specs)` picks values for the facts a condition reads that are not yet
chosen, so that it holds (a negated condition, from `engine.rules.negate`, to make it fail); a value
already chosen stays, so the choices for one criterion agree with the others'. Numbers are whole,
as a request's words state them. The evaluator, not this module, says whether a request passes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from engine.facts import TREATMENT_DESCRIPTORS, FactSpec
from engine.precheck.build import NOT_ASKED_FACTS
from engine.rules import AllOf, AnyOf, Condition, FirstDocumented, Leaf, Never

# Facts a request cannot choose: they describe the treatment itself, come from a later stage, or
# from the line of the procedure an ancillary service belongs to.
FIXED = frozenset({*TREATMENT_DESCRIPTORS, "strength_mg", "index_procedures", *NOT_ASKED_FACTS})


def _other(spec: FactSpec, avoid: Sequence[object]) -> object | None:
    if spec.type == "boolean":
        return next((v for v in (True, False) if v not in avoid), None)
    if spec.values:
        return next((v for v in spec.values if v not in avoid), None)
    if spec.type in ("integer", "number"):
        numbers = [v for v in avoid if isinstance(v, int | float)]
        return (max(numbers) + 1) if numbers else 1
    return None


def leaf_value(leaf: Leaf, spec: FactSpec, values: Mapping[str, Any]) -> object | None:
    target: Any = leaf.value
    if leaf.minus is not None or leaf.plus is not None:
        offsets = [values.get(name, 0) for name in (leaf.minus, leaf.plus) if name is not None]
        if not all(isinstance(v, int | float) for v in offsets):
            return None
        target = (
            target
            - (values.get(leaf.minus, 0) if leaf.minus else 0)
            + (values.get(leaf.plus, 0) if leaf.plus else 0)
        )
    match leaf.op:
        case "eq":
            return target
        case "ne":
            return _other(spec, [target])
        case "in":
            return target[0]
        case "not_in":
            return _other(spec, list(target))
        # whole numbers: they read back from a request's words as written
        case "lte":
            return math.floor(target)
        case "lt":
            return math.ceil(target) - 1
        case "gte":
            return math.ceil(target)
        case "gt":
            return math.floor(target) + 1
        case "includes_any":
            return [target[0]]
        case "includes_none":
            other = _other(spec, list(target))
            return [other] if other is not None else None
    return None


def _holds(leaf: Leaf, values: Mapping[str, Any]) -> bool | None:
    if any(name not in values for name in leaf.facts):
        return None
    actual, target = values[leaf.fact], leaf.value
    if leaf.minus is not None:
        target = target - values[leaf.minus]  # type: ignore[operator]
    if leaf.plus is not None:
        target = target + values[leaf.plus]  # type: ignore[operator]
    match leaf.op:
        case "eq":
            return actual == target
        case "ne":
            return actual != target
        case "in":
            return actual in target  # type: ignore[operator]
        case "not_in":
            return actual not in target  # type: ignore[operator]
        case "lt":
            return actual < target
        case "lte":
            return actual <= target
        case "gt":
            return actual > target
        case "gte":
            return actual >= target
        case "includes_any":
            return any(v in actual for v in target)  # type: ignore[union-attr]
        case "includes_none":
            return not any(v in actual for v in target)  # type: ignore[union-attr]
    return None


def satisfy(
    condition: Condition, values: Mapping[str, Any], specs: Mapping[str, FactSpec]
) -> dict[str, Any] | None:
    """Fact values (changes to `values`) that make the condition true, or None if none can."""
    match condition:
        case Never():
            return None
        case Leaf():
            holds = _holds(condition, values)
            if holds is not None:
                # a value already chosen stays: the solution must agree with the other criteria
                return {} if holds else None
            if condition.fact in FIXED or condition.fact in values:
                return None
            changes: dict[str, Any] = {}
            scope = dict(values)
            for offset in (condition.minus, condition.plus):
                if offset is not None and offset not in scope:
                    changes[offset] = scope[offset] = 0
            value = leaf_value(condition, specs[condition.fact], scope)
            if value is None or (condition.fact in ("visits_requested", "quantity") and value < 1):  # type: ignore[operator]
                return None
            if condition.fact in ("weeks_since_injury", "age") and value < 0:  # type: ignore[operator]
                return None
            changes[condition.fact] = value
            return changes
        case AllOf(parts):
            changes = {}
            for part in parts:
                found = satisfy(part, {**values, **changes}, specs)
                if found is None:
                    return None
                changes.update(found)
            return changes
        case AnyOf(parts):
            for part in parts:
                found = satisfy(part, values, specs)
                if found is not None:
                    return found
            return None
        case FirstDocumented(parts):
            for part in parts:
                # a fact the request cannot state stays undocumented: the next one decides
                if part.fact in FIXED and part.fact not in values:
                    continue
                return satisfy(part, values, specs)
    return None
