"""From the evaluation of a request to what its sender needs: per line, would pass, would fail or
needs documentation; for each criterion that is not met or not documented, what to document (the
criterion and the facts in the guideline's and the vocabulary's terms, with the citation); and,
where a quantity, frequency, duration or timing is the problem, the request that would comply.

IMR decides a request as written and cannot trim it, so an over-limit line fails in full. The
figure that would comply is read from the failing criterion's own condition (its limit, offset by
the facts it names, e.g. "10 minus the visits already given") -- never from Python -- and is only
offered after the changed request has gone through the whole pre-check again and met it.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from engine.errors import InputError
from engine.evaluate import CaseResult, CriterionResult, Evaluator, ItemResult, RuleResult
from engine.facts import FactVocabulary, load_fact_vocabulary
from engine.precheck.build import FIELD_FACTS, NOT_ASKED_FACTS, BuiltRequest, build_request, written
from engine.precheck.request import LoadedRequest, RequestLine
from engine.rules import AllOf, AnyOf, Condition, FirstDocumented, Leaf, RulePack

Verdict = Literal["would_pass", "needs_documentation", "would_fail", "not_covered"]
RuleOutcome = Literal["supported", "needs_documentation", "fails"]
_SEVERITY: dict[RuleOutcome, int] = {"supported": 0, "needs_documentation": 1, "fails": 2}
_VERDICT: dict[RuleOutcome, Verdict] = {
    "supported": "would_pass",
    "needs_documentation": "needs_documentation",
    "fails": "would_fail",
}
# Request facts a sender can change on the form, and the field that states each.
_ADJUSTABLE = {
    "visits_requested": "quantity",
    "quantity": "quantity",
    "visits_per_week": "frequency",
    "doses_per_day": "frequency",
    "weeks_requested": "duration",
}
_TIMING = "weeks_since_injury"
_DERIVED_DOSE = "daily_mme"


def outcome_of(combine: str, at_least: int | None, statuses: Sequence[tuple[str, bool]]) -> RuleOutcome:
    """A rule's outcome from its criteria's (status, blocks when not documented): supported; else
    needs documentation while documenting what is missing could still satisfy it; else fails."""
    if combine == "all":
        if all(s == "met" or (s == "not_documented" and not blocks) for s, blocks in statuses):
            return "supported"
        return "fails" if any(s == "not_met" for s, _ in statuses) else "needs_documentation"
    needed = at_least or 1
    if sum(s == "met" for s, _ in statuses) >= needed:
        return "supported"
    possible = sum(s in ("met", "not_documented") for s, _ in statuses)
    return "needs_documentation" if possible >= needed else "fails"


def rule_outcome(rule: RuleResult, criteria: dict[str, CriterionResult]) -> RuleOutcome:
    results = [criteria[cid] for cid in rule.criteria]
    return outcome_of(
        rule.combine, rule.at_least, [(r.status, r.blocks_when_not_documented) for r in results]
    )


def line_verdict(item: ItemResult) -> Verdict:
    if item.result == "no_applicable_rule":
        return "not_covered"
    by_id = {c.id: c for c in item.criteria}
    worst = max((rule_outcome(r, by_id) for r in item.rules), key=_SEVERITY.__getitem__)
    return _VERDICT[worst]


@dataclass(frozen=True)
class FactNeed:
    name: str
    text: str


@dataclass(frozen=True)
class Adjustment:
    """A figure the failing criterion allows: at most (or at least) `allowed` instead of `requested`."""

    criterion: str
    fact: str
    requested: float
    allowed: float
    direction: Literal["at_most", "at_least"]
    unit: str | None


@dataclass(frozen=True)
class Finding:
    """A criterion that is not met, or not documented, with what the sender can do about it."""

    criterion: CriterionResult
    rule_id: str
    decides: bool  # it holds the line back (not set aside by the guideline)
    alternative: bool  # one of a rule's alternatives: any one (or n) of them suffices
    to_document: tuple[FactNeed, ...]
    adjustments: tuple[Adjustment, ...]


@dataclass(frozen=True)
class Compliance:
    """The line changed to the figures the guideline allows, and what the pre-check says of it."""

    line: RequestLine
    text: str
    request_date: dt.date
    verdict: Verdict
    adjustments: tuple[Adjustment, ...]


@dataclass(frozen=True)
class LineResult:
    number: int
    text: str
    verdict: Verdict
    item: ItemResult
    findings: tuple[Finding, ...]
    compliance: Compliance | None


@dataclass(frozen=True)
class PrecheckResult:
    built: BuiltRequest
    evaluation: CaseResult
    lines: tuple[LineResult, ...]
    rules_version: str


def _leaves(condition: Condition) -> Iterator[Leaf]:
    match condition:
        case Leaf():
            yield condition
        case AllOf(parts) | AnyOf(parts):
            for part in parts:
                yield from _leaves(part)
        case FirstDocumented(parts):
            yield from parts


class Prechecker:
    """Pre-checks requests against one rule pack (one durable_rules matcher per process)."""

    def __init__(self, pack: RulePack, facts: FactVocabulary | None = None) -> None:
        self.pack = pack
        self.facts = facts or load_fact_vocabulary()
        self.evaluator = Evaluator(pack)

    def evaluate(self, built: BuiltRequest) -> CaseResult:
        return self.evaluator.evaluate(built.case, as_of=built.as_of)

    def check(self, built: BuiltRequest) -> PrecheckResult:
        evaluation = self.evaluate(built)
        lines = []
        for line, item in zip(built.lines, evaluation.items, strict=True):
            findings = self._findings(item)
            verdict = line_verdict(item)
            compliance = None
            if verdict != "would_pass" and any(f.adjustments for f in findings):
                compliance = self._comply(built, line.number, findings)
            lines.append(LineResult(line.number, line.text, verdict, item, tuple(findings), compliance))
        return PrecheckResult(built, evaluation, tuple(lines), self.pack.content_hash)

    # what each criterion asks of the sender

    def _findings(self, item: ItemResult) -> list[Finding]:
        by_id = {c.id: c for c in item.criteria}
        findings = []
        for rule in item.rules:
            holds_back = rule.status == "not_supported"
            for cid in rule.criteria:
                c = by_id[cid]
                if c.status == "met":
                    continue
                decides = holds_back and (
                    c.status == "not_met" or rule.combine != "all" or c.blocks_when_not_documented
                )
                needs = tuple(self._need(name) for name in c.missing if name not in NOT_ASKED_FACTS)
                adjustments = tuple(self._adjustments(c)) if c.status == "not_met" else ()
                findings.append(Finding(c, rule.id, decides, rule.combine != "all", needs, adjustments))
        return findings

    def _need(self, name: str) -> FactNeed:
        text = self.facts.specs[name].text
        field_name = FIELD_FACTS.get(name)
        if field_name is not None:
            text = f"state it on the form ({field_name.replace('_', ' ')}): {text}"
        return FactNeed(name, text)

    def _adjustments(self, criterion: CriterionResult) -> Iterator[Adjustment]:
        """The figures the criterion's limits allow for the facts the sender can change."""
        condition = self.pack.criteria[criterion.id].condition
        values = criterion.facts
        for leaf in _leaves(condition):
            if leaf.op not in ("lt", "lte", "gt", "gte") or isinstance(leaf.value, tuple | bool | str):
                continue
            if leaf.fact not in _ADJUSTABLE and leaf.fact not in (_TIMING, _DERIVED_DOSE):
                continue
            current = values.get(leaf.fact)
            offsets = [values.get(name) for name in (leaf.minus, leaf.plus) if name is not None]
            if not isinstance(current, int | float) or any(not isinstance(v, int | float) for v in offsets):
                continue
            bound = float(leaf.value)
            if leaf.minus is not None:
                bound -= float(values[leaf.minus])
            if leaf.plus is not None:
                bound += float(values[leaf.plus])
            whole = self.facts.specs[leaf.fact].type == "integer" or leaf.fact == _TIMING
            if leaf.op in ("lt", "lte"):
                allowed = bound - 1 if leaf.op == "lt" and whole else bound
                if leaf.op == "lt" and not whole:
                    continue
                if current <= allowed:
                    continue
                direction: Literal["at_most", "at_least"] = "at_most"
                allowed = math.floor(allowed) if whole else allowed
            else:
                allowed = bound + 1 if leaf.op == "gt" and whole else bound
                if leaf.op == "gt" and not whole:
                    continue
                if current >= allowed:
                    continue
                direction = "at_least"
                allowed = math.ceil(allowed) if whole else allowed
            if direction == "at_most" and allowed < (1 if leaf.fact != _TIMING else 0):
                continue
            yield Adjustment(
                criterion.id,
                leaf.fact,
                float(current),
                float(allowed),
                direction,
                self.facts.specs[leaf.fact].unit,
            )

    # the request that would comply

    def _comply(self, built: BuiltRequest, number: int, findings: Sequence[Finding]) -> Compliance | None:
        line = built.request.items[number - 1]
        changes: dict[str, object] = {}
        request_date = built.as_of
        used: list[Adjustment] = []
        for adjustment in (a for f in findings if f.decides for a in f.adjustments):
            updated = self._apply(built, line, changes, adjustment)
            if updated is None:
                continue
            if adjustment.fact == _TIMING:
                request_date = max(request_date, updated)  # type: ignore[type-var]
            used.append(adjustment)
        if not used:
            return None
        changed = line.model_copy(update=changes)
        items = list(built.request.items)
        items[number - 1] = changed
        rfa = built.request.rfa.model_copy(update={"date": request_date})
        request = built.request.model_copy(update={"items": items, "rfa": rfa})
        try:
            rebuilt = build_request(LoadedRequest(request, None, built.path), self.facts)
        except InputError:
            return None  # the figure cannot be written on the form as the normalizer reads it
        evaluation = self.evaluate(rebuilt)
        item = evaluation.items[number - 1]
        statuses = {c.id: c.status for c in item.criteria}
        verified = tuple(a for a in used if statuses.get(a.criterion) == "met")
        if not verified:
            return None
        return Compliance(changed, rebuilt.lines[number - 1].text, request_date, line_verdict(item), verified)

    def _apply(
        self, built: BuiltRequest, line: RequestLine, changes: dict[str, object], adjustment: Adjustment
    ) -> object | None:
        """Change the line (in `changes`) to the adjustment's figure; the new request date for timing."""
        allowed = adjustment.allowed
        figure = int(allowed) if allowed == int(allowed) else allowed
        if adjustment.fact == _TIMING:
            injured = built.request.employee.date_of_injury
            return injured + dt.timedelta(weeks=int(allowed)) if injured is not None else None
        if adjustment.fact == _DERIVED_DOSE:
            doses = built.lines[line_index(built, line)].item.facts.get("doses_per_day")
            if doses is None or not isinstance(doses.value, int | float) or adjustment.requested <= 0:
                return None
            fewer = math.floor(doses.value * allowed / adjustment.requested)
            if fewer < 1:
                return None
            return self._set_field(line, changes, "doses_per_day", fewer)
        return self._set_field(line, changes, adjustment.fact, figure)

    @staticmethod
    def _set_field(line: RequestLine, changes: dict[str, object], fact: str, figure: float) -> object | None:
        field_name = _ADJUSTABLE[fact]
        if written(line, field_name) is None:
            return None  # the figure is in the service's own words (or unknown); the sender rewrites it
        if field_name == "quantity":
            current = changes.get("quantity", line.quantity)
            changes["quantity"] = min(int(figure), current)  # type: ignore[call-overload]
        elif fact == "visits_per_week":
            changes["frequency"] = f"{math.floor(figure)} times a week"
        elif fact == "doses_per_day":
            changes["frequency"] = f"{math.floor(figure)} times a day"
        elif figure == int(figure):
            changes["duration"] = f"{figure:g} weeks"
        else:
            changes["duration"] = f"{math.floor(figure * 7)} days"
        return figure


def line_index(built: BuiltRequest, line: RequestLine) -> int:
    return next(i for i, b in enumerate(built.lines) if b.line is line)
