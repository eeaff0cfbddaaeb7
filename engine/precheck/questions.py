"""The questions a treatment's rules need, in guideline order, and which of them still matter.

For one treatment line, the rules that can decide it are found by evaluating the line itself (the
same evaluator, so precedence and editions are the engine's), once for each value of the facts
that gate a rule's applicability (`applies_to: {prior_course: true}`); the questions are then
those gate facts, followed by the facts of every criterion of those rules, rule by rule in the
order `imr explain` lists them (MTUS, then ODG, then IMR practice), each fact once.

A question stops mattering when no answer to it can change the line's verdict any more: every
criterion it feeds is already decided, or its rule, or the line, is decided whatever it says
(`relevant`). Facts the form states (quantity, frequency, body part), the dates derive (age,
weeks since the injury) or a later stage supplies are never asked as clinical questions.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from engine.errors import InputError
from engine.evaluate import ItemResult
from engine.facts import TREATMENT_DESCRIPTORS, FactSpec
from engine.precheck.build import FIELD_FACTS, FORM_FACTS, NOT_ASKED_FACTS, BuiltRequest, build_request
from engine.precheck.request import (
    Attachment,
    ClinicalFacts,
    Employee,
    LoadedRequest,
    Request,
    RequestForm,
    RequestLine,
)
from engine.precheck.verdict import Prechecker, RuleOutcome, outcome_of
from engine.rules import Condition, FirstDocumented, Rule

# Facts the form's dates give.
DATE_FACTS: dict[str, str] = {"age": "date_of_birth", "weeks_since_injury": "date_of_injury"}
REPORT_ID = "report"
_SEVERITY: dict[RuleOutcome, int] = {"supported": 0, "needs_documentation": 1, "fails": 2}
_STATUSES = ("met", "not_met", "not_documented")
# More open criteria in one rule than this and a question is simply asked.
_MAX_OPEN = 8


@dataclass(frozen=True)
class Question:
    fact: str
    spec: FactSpec
    scope: str  # "case" (the patient) or "item" (this treatment)
    gate: bool  # decides which rules apply
    rule_ids: tuple[str, ...]
    criteria: tuple[str, ...]
    # gate fact -> the values under which this question's rules apply (None: always)
    enabled_by: tuple[tuple[str, tuple[object, ...]], ...] = ()


@dataclass(frozen=True)
class Plan:
    """A treatment line, the rules that can decide it and the questions they need."""

    line: RequestLine
    as_of: dt.date
    kind: str
    rules: tuple[Rule, ...]
    fields: tuple[str, ...]  # the line's fields and the form's dates the rules read
    questions: tuple[Question, ...]
    region_needed: bool  # rules of this kind differ by body region and the line names none
    always: frozenset[str]  # rules that apply whatever the gate facts say


def request_for(
    line: RequestLine, as_of: dt.date, employee: Employee | None = None, clinical: ClinicalFacts | None = None
) -> Request:
    """A one-line request, its clinical facts sourced from one report (planning, the interactive mode)."""
    return Request(
        rfa=RequestForm(date=as_of),
        employee=employee or Employee(),
        items=[line],
        attachments=[Attachment(id=REPORT_ID, type="PR-2")],
        clinical=clinical or {},
    )


def build_line(
    line: RequestLine, as_of: dt.date, checker: Prechecker, request: Request | None = None
) -> BuiltRequest:
    return build_request(LoadedRequest(request or request_for(line, as_of), None, None), checker.facts)


def _ordered(rules: Iterable[Rule], position: Mapping[str, int]) -> list[Rule]:
    return sorted(set(rules), key=lambda r: (r.authority == "imr-practice", position[r.id]))


def plan(line: RequestLine, as_of: dt.date, checker: Prechecker) -> Plan:
    """The rules that can decide the line on `as_of` and the questions they need."""
    pack = checker.pack
    built = build_line(line, as_of, checker)
    item = built.case.items[0]
    known = {*TREATMENT_DESCRIPTORS, *item.facts}
    kind_rules = pack.rules_by_kind.get(item.kind, ())
    gates: dict[str, list[object]] = {}
    for rule in kind_rules:
        for leaf in rule.applies_to:
            if leaf.fact in known or leaf.fact in FIELD_FACTS:
                continue
            spec = checker.facts.specs[leaf.fact]
            values = list(leaf.value) if isinstance(leaf.value, tuple) else [leaf.value]
            if spec.type == "boolean":
                values = [True, False]
            for value in values:
                if value not in gates.setdefault(leaf.fact, []):
                    gates[leaf.fact].append(value)
    region_selects = any(leaf.fact == "body_region" for rule in kind_rules for leaf in rule.applies_to)
    chosen_under: dict[str, list[dict[str, object]]] = {}
    names = list(gates)
    assignments = 0
    for values in itertools.product(*[[None, *gates[name]] for name in names]):
        assignment = {name: value for name, value in zip(names, values, strict=True) if value is not None}
        result = _evaluate_with(built, checker, assignment)
        assignments += 1
        for rule in result.rules:
            chosen_under.setdefault(rule.id, []).append(assignment)
    rules = _ordered((pack.by_id[rid] for rid in chosen_under), pack.position)
    questions: dict[str, Question] = {}
    for name in names:
        gated = tuple(
            r.id for r in rules if any(name in a for a in chosen_under[r.id]) and {} not in chosen_under[r.id]
        )
        if gated:
            spec = checker.facts.specs[name]
            questions[name] = Question(name, spec, spec.scope, True, gated, ())
    for rule in rules:
        enabled_by = _enabled_by(chosen_under[rule.id], gates)
        for criterion in rule.criteria:
            for name in criterion.facts:
                if name in known or name in FIELD_FACTS or name in DATE_FACTS or name in NOT_ASKED_FACTS:
                    continue
                if name in FORM_FACTS:
                    continue
                spec = checker.facts.specs[name]
                earlier = questions.get(name)
                if earlier is None:
                    questions[name] = Question(
                        name, spec, spec.scope, False, (rule.id,), (criterion.id,), enabled_by
                    )
                    continue
                merged_enabled = earlier.enabled_by if enabled_by and earlier.enabled_by == enabled_by else ()
                questions[name] = Question(
                    name,
                    spec,
                    spec.scope,
                    earlier.gate,
                    tuple(dict.fromkeys((*earlier.rule_ids, rule.id))),
                    tuple(dict.fromkeys((*earlier.criteria, criterion.id))),
                    () if earlier.gate else merged_enabled,
                )
    read = {name for rule in rules for c in rule.criteria for name in c.facts}
    fields = [FIELD_FACTS[n] for n in FIELD_FACTS if n in read and FIELD_FACTS[n] != "service"]
    fields += [DATE_FACTS[n] for n in DATE_FACTS if n in read]
    if region_selects or "body_region" in item.facts:
        fields.append("body_part")  # the region selects the rules
    # nothing decides the line until it names the region the rules differ by
    region_needed = region_selects and "body_region" not in item.facts and all(r.cross_cutting for r in rules)
    region = item.facts.get("body_region")
    if region is not None:
        known_region = checker.evaluator.vocab.region(str(region.value))
        if known_region is not None and known_region.sided:
            fields.append("side")
    return Plan(
        line=line,
        as_of=as_of,
        kind=item.kind,
        rules=tuple(rules),
        fields=tuple(dict.fromkeys(fields)),
        questions=tuple(questions.values()),
        region_needed=region_needed,
        always=frozenset(rid for rid, under in chosen_under.items() if len(under) == assignments),
    )


def _enabled_by(
    assignments: Sequence[dict[str, object]], gates: Mapping[str, Sequence[object]]
) -> tuple[tuple[str, tuple[object, ...]], ...]:
    """The gate values under which a rule applies, where one gate fact alone decides it."""
    if {} in assignments:
        return ()
    decisive = []
    for name, values in gates.items():
        allowed = {a.get(name) for a in assignments}
        if None not in allowed and len(allowed) < len(values):
            decisive.append((name, tuple(v for v in values if v in allowed)))
    return tuple(decisive[:1])


def _evaluate_with(built: BuiltRequest, checker: Prechecker, assignment: Mapping[str, object]) -> ItemResult:
    if not assignment:
        return checker.evaluate(built).items[0]
    from engine.facts import Documented, Evidence

    item = built.case.items[0]
    facts = dict(item.facts)
    for name, value in assignment.items():
        if checker.facts.specs[name].type == "text_list":
            value = [value]  # a gate on a list fact is one entry of it (the procedure named)
        facts[name] = Documented(
            value=value, evidence=[Evidence(quote=f"{name} = {value}", section="derived")]
        )  # type: ignore[arg-type]
    case = built.case.model_copy(update={"items": [item.model_copy(update={"facts": facts})]})
    return checker.evaluator.evaluate(case, as_of=built.as_of).items[0]


# --- which questions still matter ------------------------------------------------------------------


def _open(
    criterion_facts: Sequence[str],
    status: str,
    missing: Sequence[str],
    unasked: set[str],
    condition: Condition,
) -> bool:
    if not unasked.intersection(criterion_facts):
        return False
    if isinstance(condition, FirstDocumented):
        # the first documented comparison decides: a fact of a later one can no longer change it
        for part in condition.parts:
            if unasked.intersection(part.facts):
                return True
            if not set(part.facts) & set(missing):
                return False
        return False
    return status == "not_documented" and bool(unasked.intersection(missing))


def relevant(
    item: ItemResult, questions: Sequence[Question], asked: set[str], checker: Prechecker
) -> list[Question]:
    """The unasked questions whose answer could still change the line's verdict."""
    pending = [q for q in questions if q.fact not in asked]
    if item.result == "no_applicable_rule":
        return [q for q in pending if q.gate]
    unasked = {q.fact for q in pending}
    by_id = {c.id: c for c in item.criteria}
    rules = []
    for rule in item.rules:
        entries = []
        for cid in rule.criteria:
            c = by_id[cid]
            condition = checker.pack.criteria[cid].condition
            is_open = _open(
                checker.pack.criteria[cid].facts,
                c.status,
                c.missing,
                unasked,
                condition,
            )
            entries.append((cid, c.status, c.blocks_when_not_documented, is_open))
        rules.append((rule, entries))
    possible = [_possible(rule.combine, rule.at_least, entries) for rule, entries in rules]
    mattering: set[str] = set()
    for index, (rule, entries) in enumerate(rules):
        others = [p for j, p in enumerate(possible) if j != index]
        maxima = _maxima(others)
        for position, (cid, _, _, is_open) in enumerate(entries):
            if is_open and _criterion_matters(rule.combine, rule.at_least, entries, position, maxima):
                mattering.update(checker.pack.criteria[cid].facts)
    return [q for q in pending if q.gate or q.fact in mattering]


def _assignments(
    entries: Sequence[tuple[str, str, bool, bool]], fixed: int | None = None, status: str | None = None
):
    choices = []
    for position, (_, current, blocks, is_open) in enumerate(entries):
        if position == fixed:
            choices.append([(status, blocks)])
        elif is_open:
            choices.append([(s, blocks) for s in _STATUSES])
        else:
            choices.append([(current, blocks)])
    return itertools.product(*choices)


def _possible(
    combine: str, at_least: int | None, entries: Sequence[tuple[str, str, bool, bool]]
) -> set[RuleOutcome]:
    if sum(e[3] for e in entries) > _MAX_OPEN:
        return {"supported", "needs_documentation", "fails"}
    return {outcome_of(combine, at_least, list(a)) for a in _assignments(entries)}


def _maxima(others: Sequence[set[RuleOutcome]]) -> set[int]:
    maxima = {0}
    for outcomes in others:
        maxima = {max(m, _SEVERITY[o]) for m in maxima for o in outcomes}
    return maxima


def _criterion_matters(
    combine: str,
    at_least: int | None,
    entries: Sequence[tuple[str, str, bool, bool]],
    position: int,
    maxima: set[int],
) -> bool:
    open_others = sum(e[3] for i, e in enumerate(entries) if i != position)
    if open_others > _MAX_OPEN:
        return True
    rest = [e if i != position else (e[0], "met", e[2], False) for i, e in enumerate(entries)]
    for assignment in _assignments(rest):
        outcomes = set()
        for status in _STATUSES:
            varied = list(assignment)
            varied[position] = (status, entries[position][2])
            outcomes.add(_SEVERITY[outcome_of(combine, at_least, varied)])
        if any(len({max(o, m) for o in outcomes}) > 1 for m in maxima):
            return True
    return False


def plan_for_treatment(treatment: str, as_of: dt.date, checker: Prechecker) -> Plan:
    """The plan for a treatment named in words ("physical therapy", "Norco 10/325 mg")."""
    if not treatment.strip():
        raise InputError(None, "name the treatment, e.g. 'physical therapy' or 'Norco 10/325 mg'")
    return plan(RequestLine(service=treatment.strip()), as_of, checker)
