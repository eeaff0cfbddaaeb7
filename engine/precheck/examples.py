"""Example requests from the rule pack: one that passes and one that fails for every treatment family.

A treatment family is what one rule's `applies_to` selects (a kind, a drug class or generic, a
subtype, a body region, a gate such as a prior course). For each family the generator builds a
request line the family's rules decide, then finds facts that meet every criterion of every rule
that decides the line (each condition solved for true), and from there violates a criterion of the
family's own rule (its negation solved for true) -- a numeric limit first, so the failing request
also shows the request that would comply. Every candidate is checked by the real pre-check; only
requests whose verdict is the one intended are written (cases/requests/, `python -m
engine.precheck.examples`). A family whose rule has a `never` criterion cannot pass: the guideline
does not recommend the treatment, and only its failing request is written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from engine.facts import FactSpec
from engine.paths import CASES_DIR
from engine.precheck.build import build_request
from engine.precheck.request import (
    Attachment,
    ClinicalFacts,
    Employee,
    LoadedRequest,
    Physician,
    RecordedFact,
    Request,
    RequestForm,
    RequestLine,
    Treatment,
)
from engine.precheck.solve import FIXED, leaf_value, satisfy
from engine.precheck.verdict import Prechecker, Verdict, line_verdict, rule_outcome
from engine.rules import AllOf, AnyOf, Condition, FirstDocumented, Leaf, Never, Rule, RulePack, negate

REQUESTS_DIR = CASES_DIR / "requests"
REPORT = "pr2"
# Facts an ancillary service takes from the line of its procedure.
_INDEX_FACTS = frozenset({"index_procedures", "index_procedure_supported"})
_DRUG_KINDS = frozenset({"medication", "compound_topical"})
# Facts the generator writes on the form (or the dates) rather than in the clinical block.
_LINE_FACTS = frozenset(
    {
        "quantity",
        "visits_requested",
        "quantity_specified",
        "visits_per_week",
        "doses_per_day",
        "frequency_specified",
        "weeks_requested",
        "body_region",
        "body_part_specified",
        "laterality",
        "age",
        "weeks_since_injury",
    }
)


def family_key(rule: Rule) -> tuple[tuple[str, str, str], ...]:
    return tuple(sorted((leaf.fact, leaf.op, repr(leaf.value)) for leaf in rule.applies_to))


def families(pack: RulePack) -> dict[tuple[tuple[str, str, str], ...], tuple[Rule, ...]]:
    """Rules grouped by what their applies_to selects, in pack order."""
    grouped: dict[tuple[tuple[str, str, str], ...], list[Rule]] = {}
    for rule in pack.rules:
        grouped.setdefault(family_key(rule), []).append(rule)
    return {key: tuple(rules) for key, rules in grouped.items()}


def family_name(key: tuple[tuple[str, str, str], ...]) -> str:
    parts = []
    for fact, _, value in key:
        words = re.findall(r"[a-z0-9_]+", value.lower())
        shown = "+".join(words[:2]) + ("+more" if len(words) > 2 else "")
        parts.append(
            shown
            if fact in ("kind", "subtype", "generic", "drug_class", "body_region")
            else f"{fact}-{shown}"
        )
    digest = hashlib.sha256(repr(key).encode()).hexdigest()[:6]
    return re.sub(r"[^a-z0-9+_-]+", "-", "-".join(parts))[:90] + f"-{digest}"


def never_passes(rule: Rule) -> bool:
    """The guideline does not recommend what the rule covers: no request can meet it."""
    nevers = [isinstance(c.condition, Never) for c in rule.criteria]
    return any(nevers) if rule.combine == "all" else sum(not n for n in nevers) < (rule.at_least or 1)


# --- a line for a family ---------------------------------------------------------------------------


@dataclass
class Draft:
    """A request being generated: the line's treatment and every fact value it is to state."""

    kind: str
    subtype: str | None
    generic: str | None
    route: str | None
    facts: dict[str, Any]
    date: dt.date
    index: Draft | None = None  # the procedure an ancillary service belongs to
    index_rule: Rule | None = None  # the rule that decides the index procedure

    def copy(self, **changes: Any) -> Draft:
        return Draft(**{**self.__dict__, "facts": dict(self.facts), **changes})


class Generator:
    def __init__(self, pack: RulePack) -> None:
        self.pack = pack
        self.checker = Prechecker(pack)
        self.vocab = self.checker.evaluator.vocab
        # a region is text in the fact vocabulary; the solver picks other regions from the body map
        specs = dict(self.checker.facts.specs)
        specs["body_region"] = specs["body_region"].model_copy(update={"values": list(self.vocab.regions)})
        self.specs = specs
        self._indexes: list[tuple[Draft, Rule]] | None = None

    # from applies_to to a draft

    def drafts(self, rule: Rule, date: dt.date) -> Iterator[Draft]:
        """Lines the rule's applies_to selects: each kind, subtype, drug and region it names."""
        choices: dict[str, list[Any]] = {}
        facts: dict[str, Any] = {}
        # a list the line may name any of (the procedures of a surgery): each is tried alone
        listed_facts: dict[str, list[list[Any]]] = {}
        drug_leaves = []
        for leaf in rule.applies_to:
            listed = list(leaf.value) if isinstance(leaf.value, tuple) else [leaf.value]
            if leaf.fact in ("kind", "subtype", "generic", "body_region") and leaf.op in ("eq", "in"):
                choices[leaf.fact] = listed[:6]
            elif leaf.fact in ("drug_class", "route", "sedating", "ingredients"):
                drug_leaves.append(leaf)
            elif leaf.fact == "ancillary":
                facts["ancillary"] = bool(listed[0])
            elif leaf.op == "includes_any":
                listed_facts[leaf.fact] = [[value] for value in listed[:6]]
            elif leaf.fact not in ("subtype", "generic", "body_region"):
                value = leaf_value(leaf, self.specs[leaf.fact], {})
                if value is None:
                    return
                facts[leaf.fact] = value
        for picked in itertools.product(*listed_facts.values()):
            chosen = dict(zip(listed_facts, picked, strict=True))
            yield from self._drafts(rule, date, choices, {**facts, **chosen}, drug_leaves)

    def _drafts(
        self,
        rule: Rule,
        date: dt.date,
        choices: dict[str, list[Any]],
        facts: dict[str, Any],
        drug_leaves: list[Leaf],
    ) -> Iterator[Draft]:
        kinds = choices.get("kind", [])
        for kind in kinds:
            generics: list[str | None] = [None]
            if kind in _DRUG_KINDS:
                # the route is the request's own ("gabapentin cream"), so drugs are chosen by class
                by_class = [leaf for leaf in drug_leaves if leaf.fact != "route"]
                generics = list(choices.get("generic") or self.vocab.generics_for(by_class))[:25]
            elif "generic" in choices or drug_leaves:
                continue
            others = [t.id for t in self.vocab.kinds[str(kind)].subtypes]
            named_subtypes = [*self._named(str(kind), "subtype", rule), *others]
            subtypes = choices.get("subtype") or list(dict.fromkeys([None, *named_subtypes]))[:6]
            if kind == "surgery" and facts.get("procedures"):
                # a surgery is named by its procedure ("trigger finger release"), as requests are
                subtypes = list(dict.fromkeys([facts["procedures"][0], *subtypes]))
            # a line needs a body part to be judged as written; where no rule of the kind names a
            # region, any region will do
            named_regions = self._named(str(kind), "body_region", rule) or list(self.vocab.regions)[:1]
            regions = choices.get("body_region") or [None, *named_regions][:5]
            for generic, subtype, region in itertools.product(generics, subtypes, regions):
                if kind == "medication" and generic is None:
                    continue
                route = None
                for leaf in drug_leaves:
                    if leaf.fact == "route" and generic is not None:
                        wanted = leaf.value if isinstance(leaf.value, tuple) else (leaf.value,)
                        if self.vocab.drugs[generic].route not in wanted:
                            route = str(wanted[0])
                extra = {"body_region": region} if region is not None else {}
                yield Draft(str(kind), subtype, generic, route, {**facts, **extra}, date)

    def _named(self, kind: str, fact: str, first: Rule) -> list[Any]:
        """Values the rules of a kind name for a fact, the family's rule first (subtypes, regions to try)."""
        named: dict[Any, None] = {}
        for rule in (first, *self.pack.rules_by_kind.get(kind, ())):
            leaves = [*rule.applies_to, *(leaf for c in rule.criteria for leaf in _leaves(c.condition))]
            for leaf in leaves:
                if leaf.fact == fact and leaf.op in ("eq", "in"):
                    for value in leaf.value if isinstance(leaf.value, tuple) else (leaf.value,):
                        named.setdefault(value, None)
        return list(named)

    def service(self, draft: Draft) -> tuple[str, Treatment | None]:
        """Words for the treatment, and the vocabulary's terms where the words do not say it."""
        kind = self.vocab.kinds[draft.kind]
        if draft.generic is not None:
            words = draft.generic.split("/")[0]
            if draft.route == "topical":
                words += " cream"
        else:
            sub = kind.subtype(draft.subtype) if draft.subtype else None
            words = (
                sub.words[0] if sub is not None and sub.words else kind.words[0] if kind.words else kind.label
            )
        from engine.letters.items import normalize_item

        candidates = [words]
        if draft.generic is None:
            sub = kind.subtype(draft.subtype) if draft.subtype else None
            candidates = list(dict.fromkeys([*(sub.words if sub is not None else kind.words), words]))
        for candidate in candidates:
            read = normalize_item(candidate, self.vocab)
            read_generic = read.drug.generic if read.drug is not None else None
            read_subtype = read.subtype.value if read.subtype is not None else None
            # the words may name the line's region, and a procedure its own ("rotator cuff repair")
            region = draft.facts.get("body_region")
            regions_read = {part.region for part in read.body_parts}
            names_its_own = region is None and draft.kind == "surgery"
            allowed = regions_read if names_its_own else {region} - {None}
            if regions_read <= allowed and (read.kind, read_subtype, read_generic) == (
                draft.kind,
                draft.subtype,
                draft.generic,
            ):
                return candidate, None
        return kind.label if draft.generic is None else words, Treatment(
            kind=draft.kind, subtype=draft.subtype, generic=draft.generic
        )

    def line(self, draft: Draft, number: int) -> RequestLine:
        facts = draft.facts
        service, treatment = self.service(draft)
        fields: dict[str, Any] = {"diagnosis": "Chronic pain", "icd_code": _icd(draft.date)}
        visit_based = self.vocab.kinds[draft.kind].visit_based
        count = facts.get("visits_requested", facts.get("quantity"))
        if count is None and facts.get("quantity_specified", True) is not False:
            count = 6 if visit_based else 1
        if count is not None and facts.get("quantity_specified", True) is not False:
            fields["quantity"] = int(count)
        per_week, per_day = facts.get("visits_per_week"), facts.get("doses_per_day")
        if facts.get("frequency_specified", True) is not False:
            if per_day is not None and draft.kind in _DRUG_KINDS:
                fields["frequency"] = f"{_number(per_day)} times a day"
            elif per_week is not None:
                fields["frequency"] = f"{_number(per_week)} times a week"
            elif draft.kind in _DRUG_KINDS:
                fields["frequency"] = "once a day"
            elif visit_based:
                fields["frequency"] = "2 times a week"
        if "weeks_requested" in facts:
            fields["duration"] = f"{_number(facts['weeks_requested'])} weeks"
        region = facts.get("body_region")
        if facts.get("body_part_specified", True) is not False and region is not None:
            known = self.vocab.regions[region]
            fields["body_part"] = known.words[0]
            if known.sided:
                fields["side"] = facts.get("laterality", "left")
        clinical: ClinicalFacts = {}
        for name, value in facts.items():
            if name in _LINE_FACTS or name in FIXED or self.specs[name].scope != "item":
                continue
            if name == "procedures" and treatment is None and draft.subtype in value:
                continue  # the service's words name the procedure
            clinical[name] = _recorded(self.specs[name], value)
        if draft.index is not None:
            fields["ancillary_to"] = 1
        return RequestLine(service=service, treatment=treatment, clinical=clinical, **fields)

    def request(self, draft: Draft) -> Request:
        lines = []
        if draft.index is not None:
            lines.append(self.line(draft.index, 1))
        lines.append(self.line(draft, len(lines) + 1))
        patient: ClinicalFacts = {}
        for source in (draft.index, draft):
            if source is None:
                continue
            for name, value in source.facts.items():
                if name in _LINE_FACTS or name in FIXED or self.specs[name].scope != "case":
                    continue
                patient[name] = _recorded(self.specs[name], value)
        dated = {**(draft.index.facts if draft.index is not None else {}), **draft.facts}
        weeks = dated.get("weeks_since_injury", 60)
        injured = draft.date - dt.timedelta(weeks=float(weeks), days=1)
        age = dated.get("age", 45)
        born = dt.date(draft.date.year - int(age), draft.date.month, min(draft.date.day, 28))
        return Request(
            rfa=RequestForm(date=draft.date, signed=True),
            employee=Employee(
                name="Doe, Jane",
                date_of_injury=injured,
                date_of_birth=born,
                claim_number="EX-1",
                employer="Acme",
            ),
            physician=Physician(name="Roe, Richard MD", specialty="Physical Medicine & Rehabilitation"),
            items=lines,
            attachments=[Attachment(id=REPORT, type="PR-2", date=draft.date - dt.timedelta(days=5), pages=4)],
            clinical=patient,
        )

    def known(self, draft: Draft) -> dict[str, Any]:
        """The draft's facts with what the evaluator reads off the treatment itself."""
        described = self.vocab.describe_treatment(draft.kind, draft.subtype, draft.generic)
        if draft.route is not None:
            described["route"] = draft.route
        described["ancillary"] = draft.index is not None
        if draft.index is not None and "procedures" in draft.index.facts:
            described["index_procedures"] = draft.index.facts["procedures"]
        return {**{k: v for k, v in described.items() if v is not None}, **draft.facts}

    def verdict(self, draft: Draft) -> tuple[Verdict, Any] | None:
        try:
            built = build_request(LoadedRequest(self.request(draft), None, None), self.checker.facts)
        except Exception:
            return None
        item = self.checker.evaluate(built).items[-1]
        return line_verdict(item), item

    # solving

    def meet_all(self, draft: Draft, target: Rule) -> Draft | None:
        """The draft with facts that meet every criterion of the rules deciding it, or None."""
        for _ in range(8):
            found = self.verdict(draft)
            if found is None:
                return None
            verdict, item = found
            if target.id not in item.rule_ids:
                return None
            if verdict == "would_pass":
                return draft
            changed = False
            by_id = {c.id: c for c in item.criteria}
            for result in item.rules:
                if result.status == "supported":
                    continue
                rule = self.pack.by_id[result.id]
                needed = len(rule.criteria) if rule.combine == "all" else rule.at_least or 1
                met = sum(by_id[c.id].status == "met" for c in rule.criteria)
                for criterion in rule.criteria:
                    status = by_id[criterion.id].status
                    if status == "met" or (rule.combine != "all" and met >= needed):
                        continue
                    if (
                        status == "not_documented"
                        and not criterion.blocks_when_not_documented
                        and rule.combine == "all"
                    ):
                        continue
                    changes = satisfy(criterion.condition, self.known(draft), self.specs)
                    if changes:
                        draft.facts.update(changes)
                        changed = True
                        met += 1
            if not changed:
                return None
        return None

    def fail_from(self, passing: Draft, target: Rule) -> Draft | None:
        """A copy of a passing draft in which the target rule fails, a numeric limit first."""
        order = sorted(
            target.criteria,
            key=lambda c: (
                not any(
                    isinstance(leaf, Leaf)
                    and leaf.op in ("lt", "lte")
                    and leaf.fact in ("visits_requested", "quantity")
                    for leaf in _leaves(c.condition)
                )
            ),
        )
        candidates: list[list[Any]] = [[c] for c in order] if target.combine == "all" else [list(order)]
        # a criterion on the index's procedures (an EKG for an extensive surgery) fails under another
        # index: the service then follows a different procedure
        starts = [passing]
        if passing.index is not None:
            starts += [
                passing.copy(index=index.copy(date=passing.date), index_rule=rule)
                for index, rule in self.index_drafts()
                if rule is not passing.index_rule
            ]
        # what selects the family (the procedure a surgery names) stays as it is
        selecting = {leaf.fact for leaf in target.applies_to}
        for criteria, start in itertools.product(candidates, starts):
            draft = start.copy()
            possible = True
            for criterion in criteria:
                if isinstance(criterion.condition, Never):
                    continue
                if "index_procedure_supported" in criterion.facts and draft.index is not None:
                    draft.index = self.failing_index(draft)
                    if draft.index is None:
                        possible = False
                        break
                    continue
                for name in criterion.facts:
                    if name not in FIXED and name not in selecting:
                        draft.facts.pop(name, None)
                changes = satisfy(negate(criterion.condition), self.known(draft), self.specs)
                if changes is None and target.combine == "all":
                    possible = False
                    break
                draft.facts.update(changes or {})
            if possible and self.fails(draft, target):
                return draft
        return None

    def fails(self, draft: Draft, target: Rule) -> bool:
        """The draft's line would fail, and on the target rule."""
        found = self.verdict(draft)
        if found is None:
            return False
        verdict, item = found
        by_id = {c.id: c for c in item.criteria}
        rule = next((r for r in item.rules if r.id == target.id), None)
        return verdict == "would_fail" and rule is not None and rule_outcome(rule, by_id) == "fails"

    def index_drafts(self) -> list[tuple[Draft, Rule]]:
        """Passing procedures for ancillary services to belong to, one per surgical rule that can pass,
        with the rule that decides each (an EKG needs an extensive surgery, a sling a shoulder)."""
        if self._indexes is None:
            self._indexes = []
            for rule in self.pack.rules:
                if rule.kinds != ("surgery",) or rule.cross_cutting:
                    continue
                for draft in (x for d in _dates(rule) for x in self.drafts(rule, d)):
                    passing = self.meet_all(draft, rule)
                    if passing is not None:
                        self._indexes.append((passing, rule))
                        break
        return self._indexes

    def needs_index(self, draft: Draft, rule: Rule) -> bool:
        """The line serves a procedure: its family selects ancillary services, its kind is one, or
        the rule reads what the procedure is (a pillow sling after a rotator cuff repair)."""
        reads_index = any(set(c.facts) & _INDEX_FACTS for c in rule.criteria)
        return bool(draft.facts.get("ancillary")) or draft.kind == "surgical_ancillary" or reads_index

    def with_indexes(self, draft: Draft, rule: Rule) -> Iterator[Draft]:
        """The draft as it is, or once for each index procedure where it serves one."""
        if not self.needs_index(draft, rule):
            yield draft
            return
        for index, deciding in self.index_drafts():
            yield draft.copy(index=index.copy(date=draft.date), index_rule=deciding)

    def failing_index(self, draft: Draft) -> Draft | None:
        """The draft's procedure changed so that its own rule fails (the service then follows it)."""
        if draft.index is None or draft.index_rule is None:
            return None
        return self.fail_from(draft.index.copy(), draft.index_rule)

    def examples(self, rules: Sequence[Rule]) -> tuple[Draft | None, Draft | None]:
        """(passing, failing) drafts for a family, trying its rules and their editions' dates."""
        passing = failing = None
        for rule in rules:
            lines = (x for d in _dates(rule) for x in self.drafts(rule, date=d))
            for draft in (served for line in lines for served in self.with_indexes(line, rule)):
                if never_passes(rule):
                    if failing is None:
                        found = self.verdict(draft)
                        if found is not None and found[0] == "would_fail" and rule.id in found[1].rule_ids:
                            failing = draft
                    continue
                candidate = self.meet_all(draft.copy(), rule)
                if candidate is None:
                    failing = failing or self.fail_from(draft, rule)
                    continue
                passing = passing or candidate
                failing = failing or self.fail_from(candidate, rule)
                if passing is not None and failing is not None:
                    return passing, failing
        return passing, failing


def excluded_by_treatment(generator: Generator, rules: Sequence[Rule]) -> str | None:
    """Why no request of the family can pass: a criterion the treatment itself fails (a sedating
    drug where the guideline wants a non-sedating one) on every line the family's rules select."""
    reasons = []
    for rule in rules:
        for draft in (x for d in _dates(rule) for x in generator.drafts(rule, d)):
            found = generator.verdict(draft)
            if found is None or rule.id not in found[1].rule_ids:
                continue
            fixed = [
                c
                for c in found[1].criteria
                if c.status == "not_met" and set(generator.pack.criteria[c.id].facts) <= FIXED
            ]
            if not fixed:
                return None
            reasons.append(f"{fixed[0].id} ({fixed[0].text})")
    return reasons[0] if reasons else None


def _leaves(condition: Condition) -> Iterator[Leaf]:
    match condition:
        case Leaf():
            yield condition
        case AllOf(parts) | AnyOf(parts):
            for part in parts:
                yield from _leaves(part)
        case FirstDocumented(parts):
            yield from parts


def _dates(rule: Rule) -> list[dt.date]:
    start = rule.effective_from or dt.date(2013, 1, 1)
    end = rule.effective_to or dt.date(2026, 6, 30)
    candidates = [start + dt.timedelta(days=60), start + (end - start) / 2, end - dt.timedelta(days=10)]
    return [d for d in dict.fromkeys(candidates) if start <= d <= end]


def _icd(on: dt.date) -> str:
    return "338.29" if on < dt.date(2015, 10, 1) else "G89.29"


def _number(value: float) -> str:
    return f"{value:g}"


def _recorded(spec: FactSpec, value: Any) -> RecordedFact:
    if isinstance(value, bool):
        quote = ("" if value else "Not present: ") + spec.text
    else:
        shown = ", ".join(value) if isinstance(value, list) else str(value).replace("_", " ")
        quote = f"{spec.text.rstrip('.')}: {shown}."
    return RecordedFact(value=value, source=REPORT, page=2, quote=quote)


def request_yaml(request: Request, comment: str) -> str:
    data = request.model_dump(mode="python", exclude_none=True, exclude_defaults=True)
    data["rfa"]["date"] = request.rfa.date
    header = "".join(f"# {line}\n" for line in comment.splitlines())
    return header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=110)


def write_examples(pack: RulePack, folder: Path = REQUESTS_DIR, only_missing: bool = True) -> list[str]:
    """Write a passing and a failing request for every family lacking one; the families left without."""
    folder.mkdir(parents=True, exist_ok=True)
    if not only_missing:
        for stale in [*folder.glob("*-pass.yaml"), *folder.glob("*-fail.yaml")]:
            stale.unlink()
    generator = Generator(pack)
    missing = []
    for key, rules in families(pack).items():
        name = family_name(key)
        selects = " and ".join(leaf.describe() for leaf in rules[0].applies_to)
        wanted = {"pass": folder / f"{name}-pass.yaml", "fail": folder / f"{name}-fail.yaml"}
        if only_missing and all(p.exists() for p in wanted.values()):
            continue
        passing, failing = generator.examples(rules)
        for label, draft in (("pass", passing), ("fail", failing)):
            path = wanted[label]
            if only_missing and path.exists():
                continue
            if draft is None:
                if label == "pass" and (
                    all(never_passes(r) for r in rules) or excluded_by_treatment(generator, rules)
                ):
                    continue
                missing.append(f"{name} ({label}): {selects}")
                continue
            verdict = "would pass" if label == "pass" else "would fail"
            comment = (
                f"Example request: the treatment family {selects}\n"
                f"(rules {', '.join(r.id for r in rules)}). Expected: {verdict}.\n"
                "Written by python -m engine.precheck.examples from the rule pack; the test runs it."
            )
            path.write_text(request_yaml(generator.request(draft), comment), encoding="utf-8")
    return missing


def main() -> int:
    from engine.rules import load_rules

    missing = write_examples(load_rules(), only_missing="--all" not in sys.argv)
    for entry in missing:
        sys.stderr.write(f"no example: {entry}\n")
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
