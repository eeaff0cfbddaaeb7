"""Run cases through durable_rules and resolve criteria, rules and items into a trace.

durable_rules decides which rules apply to an item and which criteria are met or not met; Python
then picks the guideline editions in force, applies precedence (MTUS first, ODG where the MTUS is
silent or where an ODG rule supplements an MTUS one), and combines criteria into rule and item
results. The driver guards durable_rules' sharp edges: facts are strictly typed before they are
asserted (it coerces "14" to 14), `null` keys are dropped (it treats null as present), every
activation is drained before the session is deleted (deleting an undrained session aborts the
process), and every session is deleted (a ruleset holds at most 1,024 live sessions).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import durable_rules_engine

from engine.ancillary import IndexLink, index_facts, is_ancillary, shared_facts
from engine.compile import (
    AS_OF,
    MAX_ALPHA_CHILDREN,
    CompiledPack,
    applies_name,
    compile_pack,
    date_number,
    outcome_name,
    widest_alpha_node,
)
from engine.errors import InputError
from engine.facts import Case, Documented, Evidence, RequestedItem, StrictModel
from engine.procedures import SURGERY
from engine.rules import Criterion, Rule, RulePack
from engine.vocab import Drug, Vocabulary, load_vocabulary

CriterionStatus = Literal["met", "not_met", "not_documented"]
ItemResultKind = Literal["supported", "not_supported", "no_applicable_rule"]
MatchStatus = Literal["reproduced", "flagged", "not_covered", "predicted"]
# durable_rules refuses facts of 255 or more properties (its MAX_OBJECT_PROPERTIES).
MAX_FACT_PROPERTIES = 250


class EngineError(RuntimeError):
    """The rules engine broke an invariant: a bug in the engine or in durable_rules, not bad input."""


# --- facts of one item, as the rules see them ------------------------------------------------


@dataclass(frozen=True)
class ItemFacts:
    """The values the rules read for one item, and the evidence behind each."""

    item_id: str
    values: dict[str, Any]
    evidence: dict[str, tuple[Evidence, ...]]


def _request_evidence(item: RequestedItem) -> tuple[Evidence, ...]:
    return (Evidence(quote=item.text, section="request"),)


def item_facts(
    case: Case, item: RequestedItem, vocab: Vocabulary, extra: Mapping[str, Documented] | None = None
) -> ItemFacts:
    """Case findings, overlaid by the item's own facts, plus what the vocabularies say of the treatment."""
    values: dict[str, Any] = {}
    evidence: dict[str, tuple[Evidence, ...]] = {}
    request = _request_evidence(item)
    descriptors: dict[str, Any] = dict(vocab.describe_treatment(item.kind, item.subtype, item.generic))
    drug = vocab.drug(item.generic) if item.generic else None
    descriptors["ingredients"] = list(item.ingredients) or (list(drug.ingredients) if drug else None) or None
    descriptors["ancillary"] = is_ancillary(item)
    if item.route is not None:
        descriptors["route"] = item.route
    for name, value in descriptors.items():
        if value is not None:
            values[name] = value
            evidence[name] = request
    for layer in (case.findings, item.facts, extra or {}):
        for name, documented in layer.items():
            if documented is not None:
                value = documented.value
                values[name] = plain_number(value) if isinstance(value, float) else value
                evidence[name] = tuple(documented.evidence)
    if "daily_mme" not in values and drug is not None:
        _derive_daily_mme(drug, values, evidence, vocab)
    if item.kind == SURGERY and "procedures" not in values and item.subtype is not None:
        # a case written without the procedure list names its one procedure as the subtype
        values["procedures"] = [item.subtype]
        evidence["procedures"] = request
    if item.kind == SURGERY and "body_region" not in values:
        # the procedure names its body part ("carpal tunnel release" is of the wrist)
        implied = vocab.procedures.implied_region(values.get("procedures", ()))
        if implied is not None:
            values["body_region"] = implied
            evidence["body_region"] = request
    return ItemFacts(item_id=item.item_id, values=values, evidence=evidence)


def plain_number(value: float) -> float | int:
    """A number durable_rules can read: its C parser crashes (SIGSEGV) on exponent notation such
    as 1e-06 or 1e+16, which is how Python writes very small and very large floats. Four decimals
    are more than any clinical figure carries; a float too large for fixed notation is an integer."""
    rounded = round(value, 4)
    return int(rounded) if abs(rounded) >= 1e15 else rounded


def _derive_daily_mme(
    drug: Drug, values: dict[str, Any], evidence: dict[str, tuple[Evidence, ...]], vocab: Vocabulary
) -> None:
    """daily_mme from strength x doses per day x the opioid's conversion factor (guidelines/drugs.yaml)."""
    opioid = vocab.opioid_component(drug)
    strength, doses = values.get("strength_mg"), values.get("doses_per_day")
    if opioid is None or not isinstance(strength, int | float) or not isinstance(doses, int | float):
        return
    mg_per_day = strength * doses
    factor = opioid.mme_per_unit(mg_per_day)
    if factor is None or opioid.mme_unit != "mg":
        return
    values["daily_mme"] = plain_number(mg_per_day * factor)
    basis = Evidence(
        quote=f"{strength:g} mg x {doses:g} doses/day x MME factor {factor:g} ({opioid.generic})",
        section="derived",
    )
    evidence["daily_mme"] = (*evidence.get("strength_mg", ()), *evidence.get("doses_per_day", ()), basis)


_SCALARS = frozenset({bool, int, float, str})


def comparable_value(value: object) -> bool:
    """What rules can test: scalars, and lists of text that are not empty (an empty list is absent)."""
    if type(value) in _SCALARS:
        return True
    return isinstance(value, list) and bool(value) and all(isinstance(v, str) for v in value)


def _durable_fact(facts: ItemFacts, sid: str, when: int, wanted: frozenset[str]) -> dict[str, Any]:
    fact: dict[str, Any] = {"sid": sid, "id": facts.item_id, AS_OF: when}
    for name in wanted & facts.values.keys():
        value = facts.values[name]
        # dates are never compared by rules (the loader refuses it); None and [] mean absent
        if comparable_value(value):
            fact[name] = value
    if len(fact) > MAX_FACT_PROPERTIES:
        raise EngineError(f"item {facts.item_id} has {len(fact)} properties; durable_rules allows 254")
    for name, value in fact.items():
        if isinstance(value, float) and "e" in repr(value):
            raise EngineError(f"item {facts.item_id}: {name}={value!r} would crash durable_rules' parser")
    return fact


# --- matchers: durable_rules, and the plain-Python oracle with the same interface ------------


class Matcher(Protocol):
    """Which compiled rule names fire for each item (by item id), on the evaluation date."""

    def fire(self, batch: Sequence[ItemFacts], when: dt.date) -> dict[str, set[str]]: ...


# An activation reads {"<rule>":{"m":{"sid": "<sid>", "id": "<item>", ...}}}: the fact as asserted,
# keys in the order given. Only the rule and the item are needed; decoding the whole fact was the
# largest single cost of an evaluation.
_ACTIVATION = re.compile(r'^\{"([^"\\]+)":\{"m":\{"sid": "[^"\\]*", "id": "([^"\\]*)",')


def _activation(message: str) -> tuple[str, str]:
    match = _ACTIVATION.match(message)
    if match is not None:
        return match.group(1), match.group(2)
    ((rule_name, bound),) = json.loads(message).items()
    return rule_name, bound["m"]["id"]


class _Rulesets:
    """The rulesets created in this process, shared by every matcher of the same pack.

    Creating every kind's ruleset costs about a tenth of a second, and the suite, the pre-check
    examples and the audit workers build many matchers of one pack. So a ruleset is created once
    per process and name (the name carries the pack's content hash: one name, one ruleset) and
    kept for the life of the process; a forked worker creates its own. Matchers of one process run
    one at a time (durable_rules holds the GIL; sessions are deleted after each firing), so sharing
    a ruleset shares no state.
    """

    def __init__(self) -> None:
        self._created: dict[tuple[int, str], int] = {}

    def get(self, name: str, create: Callable[[], int]) -> int:
        key = (os.getpid(), name)
        handle = self._created.get(key)
        if handle is None:
            handle = self._created[key] = create()
        return handle


_RULESETS = _Rulesets()
# session ids, unique in the process: matchers share rulesets
_SIDS = itertools.count(1)


class DurableMatcher:
    """The compiled pack in durable_rules, one ruleset per kind, driven through its raw C interface.

    A kind's ruleset is created the first time an item of that kind comes (`imr explain` of one
    case needs a few of them); `create_all` creates every one, as `imr rules lint` does. Matchers
    of the same pack in one process share the rulesets, which live as long as it (see _Rulesets).
    """

    def __init__(self, pack: RulePack, compiled: CompiledPack) -> None:
        self.pack = pack
        self.compiled = compiled
        self.handles: dict[str, int] = {}

    def create_all(self) -> None:
        for kind in sorted(self.compiled.rulesets):
            self._handle(kind)

    def close(self) -> None:
        """Let go of the rulesets (the process keeps them for the next matcher of the pack)."""
        self.handles = {}

    def _handle(self, kind: str) -> int:
        if kind not in self.handles:
            self.handles[kind] = _RULESETS.get(self.compiled.ruleset_name(kind), lambda: self._create(kind))
        return self.handles[kind]

    def _create(self, kind: str) -> int:
        ruleset = self.compiled.rulesets[kind]
        widest = widest_alpha_node(ruleset)
        if widest.width > MAX_ALPHA_CHILDREN:
            rule = self._rule_named(widest.culprit)
            raise InputError(
                rule.file if rule else None,
                f"rule {rule.id if rule else '?'}: with it, {widest.width} different tests share one node "
                f"of the {kind} rules; durable_rules hangs past 512 (limit {MAX_ALPHA_CHILDREN}): use fewer "
                "alternatives, or anchor the rules on a narrower applies_to (class, subtype)",
                rule.line if rule else None,
            )
        try:
            return durable_rules_engine.create_ruleset(
                self.compiled.ruleset_name(kind), self.compiled.as_json(kind)
            )
        except Exception as exc:  # durable_rules raises bare Exception with an error code
            raise self._refused_rule(kind, exc) from None

    def _rule_named(self, compiled_name: str | None) -> Rule | None:
        """The rule a compiled rule name (applies:RULE@kind, crit:CRITERION:outcome@kind) comes from."""
        if compiled_name is None:
            return None
        head, _, rest = compiled_name.partition(":")
        ident = rest.rsplit("@", 1)[0].rsplit(":", 1)[0] if head == "crit" else rest.rsplit("@", 1)[0]
        if head == "crit" and ident in self.pack.criteria:
            ident = self.pack.criteria[ident].rule_id
        return self.pack.by_id.get(ident)

    def _refused_rule(self, kind: str, exc: Exception) -> Exception:
        """The first rule of the kind that durable_rules refuses on its own, as located bad input."""
        for rule in self.pack.rules_by_kind.get(kind, ()):
            alone = compile_pack(
                RulePack(rules=(rule,), content_hash=f"{self.pack.content_hash}-{rule.id}"), ()
            )
            try:
                handle = durable_rules_engine.create_ruleset(alone.ruleset_name(kind), alone.as_json(kind))
            except Exception as refused:
                return InputError(
                    rule.file,
                    f"rule {rule.id}: durable_rules refused it ({refused}): conditions nested too deeply",
                    rule.line,
                )
            durable_rules_engine.delete_ruleset(handle)
        return EngineError(f"durable_rules refused ruleset {self.compiled.ruleset_name(kind)}: {exc}")

    def fire(self, batch: Sequence[ItemFacts], when: dt.date) -> dict[str, set[str]]:
        fired: dict[str, set[str]] = {f.item_id: set() for f in batch}
        by_kind: dict[str, list[ItemFacts]] = {}
        for facts in batch:
            kind = facts.values.get("kind")
            if kind in self.compiled.rulesets:
                by_kind.setdefault(kind, []).append(facts)
        for kind, group in by_kind.items():
            self._fire_session(kind, group, date_number(when), fired)
        return fired

    def _fire_session(
        self, kind: str, group: Sequence[ItemFacts], when: int, fired: dict[str, set[str]]
    ) -> None:
        handle = self._handle(kind)
        wanted = self.compiled.facts_by_kind[kind]
        sid = str(next(_SIDS))
        facts = [_durable_fact(f, sid, when, wanted) for f in group]
        try:
            _, state_offset = durable_rules_engine.assert_facts(handle, json.dumps(facts))
        except Exception as exc:
            raise EngineError(f"durable_rules refused the facts of session {sid}: {exc}") from exc
        try:
            result = durable_rules_engine.start_action_for_state(handle, state_offset)
            message = result[1] if result else None
            while message:
                rule_name, item_id = _activation(message)
                fired[item_id].add(rule_name)
                message = durable_rules_engine.complete_and_start_action(handle, state_offset)
        finally:
            # only after every activation is drained: deleting earlier aborts the process
            durable_rules_engine.delete_state(handle, sid)


def durable_matcher(pack: RulePack, vocab: Vocabulary) -> DurableMatcher:
    """The pack compiled for durable_rules (rulesets are created as kinds are first needed)."""
    return DurableMatcher(pack, compile_pack(pack, vocab.kind_ids))


class Evaluator:
    """Evaluates cases against a rule pack. One per process: durable_rules holds the GIL."""

    def __init__(
        self, pack: RulePack, vocab: Vocabulary | None = None, matcher: Matcher | None = None
    ) -> None:
        self.pack = pack
        self.vocab = vocab or load_vocabulary()
        self.matcher = matcher or durable_matcher(pack, self.vocab)

    def evaluate(self, case: Case, as_of: dt.date | None = None) -> CaseResult:
        """Every item of the case; an ancillary service after the index item it follows."""
        when, basis = edition_date(case, self.vocab, as_of)
        shared = shared_facts(case, self.vocab)
        results: dict[str, ItemResult] = {}
        values: dict[str, ItemFacts] = {}
        pending = list(case.items)
        while pending:
            ready = [i for i in pending if i.ancillary_to is None or i.ancillary_to in results]
            # a cycle of links (only a hand-written case can make one): decide the rest as they are
            ready = ready or pending
            links: dict[str, IndexLink | None] = {}
            batch = []
            for item in ready:
                extra, links[item.item_id] = index_facts(case, item, results, values, self.vocab)
                facts = item_facts(case, item, self.vocab, {**shared.get(item.item_id, {}), **extra})
                values[item.item_id] = facts
                batch.append(facts)
            fired = self.matcher.fire(batch, when)
            for item, facts in zip(ready, batch, strict=True):
                result = resolve_item(self.pack, item, facts, fired[item.item_id], when)
                link = links[item.item_id]
                results[item.item_id] = result if link is None else result.model_copy(update={"index": link})
            pending = [i for i in pending if i.item_id not in results]
        return CaseResult.model_construct(
            case_id=case.case_id,
            source=case.source.file if case.source else None,
            as_of=when,
            as_of_basis=basis,
            items=[results[item.item_id] for item in case.items],
        )


# --- which edition applies ------------------------------------------------------------------


def edition_date(case: Case, vocab: Vocabulary, as_of: dt.date | None) -> tuple[dt.date, str]:
    """The date that picks the guideline editions in force, and why that date.

    The UR denial date, else the IMR decision date, else the start of the newest edition the letter
    cites, else --as-of. With none of them the editions cannot be chosen: "today" would make the
    same case give different results on different days, so the case is refused (bad input).
    """
    if case.dates.ur_denial is not None:
        return case.dates.ur_denial, "UR denial date"
    if case.dates.decision is not None:
        return case.dates.decision, "IMR decision date"
    cited = [vocab.edition(c.edition) for item in case.items for c in item.cited if c.edition]
    dated = [e for e in cited if e is not None and e.effective_from is not None]
    if dated:
        newest = max(dated, key=lambda e: e.effective_from or dt.date.min)
        return newest.effective_from, f"cited edition {newest.id}"  # type: ignore[return-value]
    if as_of is not None:
        return as_of, "--as-of"
    raise InputError(
        None,
        "no UR denial date, IMR decision date or cited guideline edition picks the guideline editions; "
        "give the date with --as-of YYYY-MM-DD",
    )


# --- resolution ------------------------------------------------------------------------------


class CitationOut(StrictModel):
    guideline: str
    edition: str
    section: str
    pages: str | None


class CriterionResult(StrictModel):
    id: str
    rule_id: str
    status: CriterionStatus
    text: str
    citation: CitationOut
    blocks_when_not_documented: bool
    set_aside_because: str | None
    uncertain: str | None
    facts: dict[str, Any]
    missing: list[str]
    evidence: list[str]
    evidence_detail: list[Evidence]


class RuleResult(StrictModel):
    id: str
    title: str
    edition: str
    topic: str
    combine: Literal["all", "any", "at_least"]
    at_least: int | None
    status: Literal["supported", "not_supported"]
    criteria: list[str]


class ItemResult(StrictModel):
    item_id: str
    text: str
    recorded: Literal["Upheld", "Overturned"] | None
    predicted: Literal["Upheld", "Overturned"] | None
    status: MatchStatus
    result: ItemResultKind
    rule_ids: list[str]
    rules: list[RuleResult]
    criteria: list[CriterionResult]
    deciding: list[str]
    # for an ancillary service: the index it followed, where that came from, and why
    index: IndexLink | None = None
    # for an item no rule covers: why, in words (nothing is guessed)
    uncovered: str | None = None


class CaseResult(StrictModel):
    case_id: str
    source: str | None
    as_of: dt.date
    as_of_basis: str
    items: list[ItemResult]


def _criterion_status(criterion: Criterion, kind: str, fired: set[str], facts: ItemFacts) -> CriterionResult:
    met = outcome_name(criterion.id, "met", kind) in fired
    not_met = outcome_name(criterion.id, "not_met", kind) in fired
    missing = [f for f in criterion.facts if f not in facts.values]
    if met and not_met:
        raise EngineError(f"criterion {criterion.id} was both met and not met for item {facts.item_id}")
    if not met and not not_met and not missing:
        raise EngineError(
            f"criterion {criterion.id} undecided for item {facts.item_id} with every fact present"
        )
    status: CriterionStatus = "met" if met else "not_met" if not_met else "not_documented"
    evidence = [e for name in criterion.facts for e in facts.evidence.get(name, ())]
    # model_construct: these are the engine's own values, already typed; validating them again
    # for every criterion of every item was a third of the evaluation time
    return CriterionResult.model_construct(
        id=criterion.id,
        rule_id=criterion.rule_id,
        status=status,
        text=criterion.text,
        citation=CitationOut.model_construct(**criterion.citation.as_json()),
        blocks_when_not_documented=criterion.blocks_when_not_documented,
        set_aside_because=criterion.set_aside_because,
        uncertain=criterion.uncertain,
        facts={name: facts.values.get(name) for name in criterion.facts},
        missing=missing,
        evidence=list(dict.fromkeys(e.quote for e in evidence)),
        evidence_detail=evidence,
    )


def _rule_supported(rule: Rule, results: Sequence[CriterionResult]) -> bool:
    if rule.combine == "all":
        return all(
            r.status == "met" or (r.status == "not_documented" and not r.blocks_when_not_documented)
            for r in results
        )
    met = sum(r.status == "met" for r in results)
    return met >= (rule.at_least or 1)


def choose_rules(pack: RulePack, applied: Iterable[Rule], when: dt.date) -> list[Rule]:
    """The rules that decide an item: those in force, MTUS before ODG, IMR practice always.

    The MTUS is silent on an item unless one of its topic rules applies: a cross-cutting MTUS rule
    (a condition on the form of any medication, say) adds its criteria but does not silence ODG.
    """
    in_force = [r for r in applied if r.in_force(when)]
    practice = [r for r in in_force if r.authority == "imr-practice" and not r.fallback]
    guideline = [r for r in in_force if r.authority != "imr-practice"]
    mtus = [r for r in guideline if r.authority == "mtus"]
    if any(not r.cross_cutting for r in mtus):
        mtus_ids = {r.id for r in mtus}
        guideline = mtus + [r for r in guideline if r.authority != "mtus" and mtus_ids & set(r.supplements)]
    if not any(not r.cross_cutting for r in (*guideline, *practice)):
        # nothing addresses the treatment: the reviewers' general ground decides it
        practice = [r for r in in_force if r.fallback] + practice
    return sorted(guideline, key=lambda r: pack.position[r.id]) + practice


def resolve_item(
    pack: RulePack, item: RequestedItem, facts: ItemFacts, fired: set[str], when: dt.date
) -> ItemResult:
    applied = [r for r in pack.rules_by_kind.get(item.kind, ()) if applies_name(r.id, item.kind) in fired]
    chosen = choose_rules(pack, applied, when)
    covered = any(not r.cross_cutting for r in chosen)
    rule_results: list[RuleResult] = []
    criteria: list[CriterionResult] = []
    supported = True
    for rule in chosen if covered else []:
        results = [_criterion_status(c, item.kind, fired, facts) for c in rule.criteria]
        ok = _rule_supported(rule, results)
        supported &= ok
        criteria.extend(results)
        rule_results.append(
            RuleResult.model_construct(
                id=rule.id,
                title=rule.title,
                edition=rule.edition,
                topic=rule.topic,
                combine=rule.combine,
                at_least=rule.at_least,
                status="supported" if ok else "not_supported",
                criteria=[r.id for r in results],
            )
        )
    result: ItemResultKind = (
        "no_applicable_rule" if not covered else "supported" if supported else "not_supported"
    )
    predicted = {"supported": "Overturned", "not_supported": "Upheld"}.get(result)
    if predicted is None:
        status: MatchStatus = "not_covered"
    elif item.recorded is None:
        status = "predicted"
    else:
        status = "reproduced" if item.recorded == predicted else "flagged"
    deciding = _deciding_criteria(chosen, rule_results, criteria) if covered else []
    uncovered = None if covered else _uncovered_reason(item, facts)
    return ItemResult.model_construct(
        item_id=item.item_id,
        text=item.text,
        recorded=item.recorded,
        predicted=predicted,  # type: ignore[arg-type]
        status=status,
        result=result,
        rule_ids=[r.id for r in rule_results],
        rules=rule_results,
        criteria=criteria,
        deciding=deciding,
        index=None,
        uncovered=uncovered,
    )


def _uncovered_reason(item: RequestedItem, facts: ItemFacts) -> str:
    """Why no rule covers the item."""
    unknown = facts.values.get("unknown_drug")
    if isinstance(unknown, str):
        return f"the drug {unknown!r} is not in guidelines/drugs.yaml: nothing is guessed about it"
    if item.kind == "other":
        return "no treatment kind of guidelines/treatments.yaml names what is requested"
    if item.kind in ("medication", "compound_topical") and item.generic is None and not item.ingredients:
        return "the request names no drug the vocabulary knows"
    region = facts.values.get("body_region")
    if region is None or region in ("upper_extremity", "lower_extremity", "spine"):
        return "the request names no body region precise enough to choose the guideline that governs it"
    return "no rule in force on this date addresses this treatment"


def _deciding_criteria(
    rules: Sequence[Rule], rule_results: Sequence[RuleResult], criteria: Sequence[CriterionResult]
) -> list[str]:
    """The criteria a reviewer who decided otherwise must have read differently.

    For an unsupported item, those that failed: not met, or not documented where the guideline
    requires documentation. For a supported item, those whose missing documentation was set aside,
    else every criterion that was met.
    """
    by_id = {c.id: c for c in criteria}
    failing: list[str] = []
    for rule, outcome in zip(rules, rule_results, strict=True):
        if outcome.status == "supported":
            continue
        for cid in outcome.criteria:
            c = by_id[cid]
            if c.status == "not_met" or (
                c.status == "not_documented" and (c.blocks_when_not_documented or rule.combine != "all")
            ):
                failing.append(cid)
    if failing:
        return failing
    set_aside = [c.id for c in criteria if c.status == "not_documented"]
    return set_aside or [c.id for c in criteria if c.status == "met"]
