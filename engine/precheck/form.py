"""The form-level checks: what makes the DWC Form RFA complete, before any guideline criterion.

The checks, their citations and figures (code systems by date, the 30-day age of attachments from
2026, the 12-month life of a denial) are in guidelines/forms/rfa.yaml. Whether a line must state
its quantity, frequency, duration or body part is read from the rules: a line must state what the
rules of its treatment read.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cache
from typing import Annotated

from pydantic import Field

from engine.evaluate import ItemResult
from engine.facts import Facts, StrictModel
from engine.paths import GUIDELINES_DIR
from engine.precheck.build import BuiltLine, BuiltRequest
from engine.rules import RulePack
from engine.vocab import Vocabulary, load_vocabulary
from engine.yamlio import load_yaml, validate

RFA_FILE = GUIDELINES_DIR / "forms" / "rfa.yaml"
# Attachment types that are reports substantiating the request (PR-2, DLSR 5021, or their equivalent).
_REPORTS = frozenset({"PR-2", "DLSR-5021", "narrative", "consultation", "operative-report"})
_DRUG_KINDS = frozenset({"medication", "compound_topical"})


class _CodeSystem(StrictModel):
    system: str
    pattern: str
    example: str
    from_: dt.date | None = Field(default=None, alias="from")
    until: dt.date | None = None

    def in_use(self, on: dt.date) -> bool:
        return (self.from_ is None or self.from_ <= on) and (self.until is None or on <= self.until)


class _Check(StrictModel):
    text: str
    citation: str


class _AttachmentAge(StrictModel):
    days: Annotated[int, Field(ge=1)]
    from_: dt.date = Field(alias="from")


class RfaRules(StrictModel):
    form: str
    max_lines: Annotated[int, Field(ge=1)]
    icd_codes: list[_CodeSystem]
    cpt_hcpcs_pattern: str
    attachment_age: _AttachmentAge
    resubmission_months: Annotated[int, Field(ge=1)]
    checks: dict[Annotated[str, Field(pattern=r"^F\d{3}$")], _Check]


@cache
def load_rfa_rules() -> RfaRules:
    return validate(load_yaml(RFA_FILE), RfaRules)


@dataclass(frozen=True)
class FormProblem:
    code: str
    message: str
    check: str
    citation: str
    loc: tuple[str | int, ...]
    line_number: int | None  # the form line (1-5), None for the form as a whole


class _FormChecker:
    def __init__(
        self, built: BuiltRequest, items: list[ItemResult], pack: RulePack, vocab: Vocabulary
    ) -> None:
        self.built = built
        self.request = built.request
        self.items = items
        self.pack = pack
        self.vocab = vocab
        self.rules = load_rfa_rules()
        self.problems: list[FormProblem] = []

    def add(self, code: str, message: str, loc: tuple[str | int, ...], line: int | None = None) -> None:
        check = self.rules.checks[code]
        self.problems.append(FormProblem(code, message, check.text, check.citation, loc, line))

    def run(self) -> list[FormProblem]:
        request = self.request
        if request.employee.name is None:
            self.add("F001", "the employee's name is missing", ("employee",))
        if request.employee.date_of_injury is None:
            self.add("F001", "the date of injury is missing", ("employee",))
        if request.employee.date_of_birth is None:
            self.add("F001", "the employee's date of birth is missing", ("employee",))
        if request.physician.name is None:
            self.add("F002", "the requesting physician's name is missing", ("physician",))
        for built, item in zip(self.built.lines, self.items, strict=True):
            self.line(built, item)
        self.attachments()
        self.review_type()
        if not request.rfa.signed:
            self.add("F012", "the form is not signed", ("rfa",))
        return self.problems

    # each line

    def line(self, built: BuiltLine, item: ItemResult) -> None:
        number, line = built.number, built.line
        loc: tuple[str | int, ...] = ("items", number - 1)
        if line.diagnosis is None:
            self.add("F003", f"line {number}: the diagnosis is missing", loc, number)
        self.icd_code(number, loc)
        self.specificity(built, item, loc)
        facts = built.item.facts
        read = self.facts_read(built.item.kind)
        if not _stated(facts, "quantity_specified") and read & {
            "quantity_specified",
            "quantity",
            "visits_requested",
        }:
            self.add("F005", f"line {number}: the quantity is not stated", loc, number)
        if not _stated(facts, "frequency_specified") and read & {
            "frequency_specified",
            "visits_per_week",
            "doses_per_day",
        }:
            self.add("F006", f"line {number}: the frequency is not stated", loc, number)
        if facts.get("weeks_requested") is None and "weeks_requested" in read:
            self.add("F006", f"line {number}: the duration is not stated", loc, number)
        if not _stated(facts, "body_part_specified") and read & {"body_part_specified", "body_region"}:
            self.add("F007", f"line {number}: the body part is not named", loc, number)
        region = facts.get("body_region")
        if region is not None and facts.get("laterality") is None:
            known = self.vocab.region(str(region.value))
            if known is not None and known.sided:
                self.add("F007", f"line {number}: the side ({known.label}) is not stated", loc, number)
        normalized = built.normalized
        if line.ancillary_to is None and (
            normalized.kind == "surgical_ancillary" or normalized.ancillary is not None
        ):
            self.add("F013", f"line {number}: the service belongs to a procedure; name its line", loc, number)

    def icd_code(self, number: int, loc: tuple[str | int, ...]) -> None:
        code = self.request.items[number - 1].icd_code
        on = self.request.rfa.date
        systems = [s for s in self.rules.icd_codes if s.in_use(on)]
        if code is None:
            self.add("F003", f"line {number}: the ICD code is missing", loc, number)
            return
        if systems and not any(re.fullmatch(s.pattern, code.strip().upper()) for s in systems):
            names = " or ".join(f"{s.system} (e.g. {s.example})" for s in systems)
            self.add(
                "F003",
                f"line {number}: ICD code {code!r} is not in the form of {names}, in use on {on.isoformat()}",
                (*loc, "icd_code"),
                number,
            )

    def specificity(self, built: BuiltLine, item: ItemResult, loc: tuple[str | int, ...]) -> None:
        number, requested = built.number, built.item
        cpt = built.line.cpt_hcpcs
        if cpt is not None and not re.fullmatch(self.rules.cpt_hcpcs_pattern, cpt.strip().upper()):
            self.add(
                "F004",
                f"line {number}: {cpt!r} is not a CPT (5 digits) or HCPCS (a letter and 4 digits) code",
                (*loc, "cpt_hcpcs"),
                number,
            )
        if item.result != "no_applicable_rule":
            return
        kind = self.vocab.kinds[requested.kind]
        if requested.kind == "other":
            why = "the service is not recognized as a treatment, drug, study or procedure"
        elif requested.kind in _DRUG_KINDS and requested.generic is None and not requested.ingredients:
            why = "name the drug, its strength and form"
        elif kind.subtypes and requested.subtype is None and self.rules_select_subtype(requested.kind):
            choices = ", ".join(s.label for s in kind.subtypes[:8])
            why = f"say which {kind.label.lower()} ({choices}, ...)"
        else:
            return
        self.add("F004", f"line {number}: {why}", (*loc, "service"), number)

    def rules_select_subtype(self, kind: str) -> bool:
        return any(
            leaf.fact == "subtype"
            for rule in self.pack.rules_by_kind.get(kind, ())
            for leaf in rule.applies_to
        )

    def facts_read(self, kind: str) -> frozenset[str]:
        return frozenset(
            name for rule in self.pack.rules_by_kind.get(kind, ()) for c in rule.criteria for name in c.facts
        )

    # the attachments and the kind of review

    def attachments(self) -> None:
        attachments = self.request.attachments
        if not any(a.type in _REPORTS for a in attachments):
            self.add("F008", "no PR-2, DLSR 5021 or narrative report is attached", ("attachments",))
        age = self.rules.attachment_age
        on = self.request.rfa.date
        for i, attachment in enumerate(attachments):
            loc: tuple[str | int, ...] = ("attachments", i)
            if attachment.date is None:
                self.add("F009", f"attachment {attachment.id!r} has no date", loc)
            elif on >= age.from_ and (on - attachment.date).days > age.days:
                self.add(
                    "F009",
                    f"attachment {attachment.id!r} of {attachment.date.isoformat()} is more than "
                    f"{age.days} days older than the request",
                    (*loc, "date"),
                )
            elif attachment.date > on:
                self.add("F009", f"attachment {attachment.id!r} is dated after the request", (*loc, "date"))

    def review_type(self) -> None:
        rfa = self.request.rfa
        if rfa.expedited and rfa.expedited_reason is None:
            self.add("F010", "expedited review is asked without the reason (the threat to health)", ("rfa",))
        if rfa.type != "resubmission":
            return
        prior = rfa.prior_decision
        if prior is None or prior.date is None:
            self.add("F011", "the resubmission does not give the prior decision's date", ("rfa",))
        if prior is None or not prior.changed_facts:
            within = ""
            if prior is not None and prior.date is not None:
                months = (rfa.date.year - prior.date.year) * 12 + rfa.date.month - prior.date.month
                if months < self.rules.resubmission_months:
                    within = (
                        f", within {self.rules.resubmission_months} months of the decision of {prior.date}"
                    )
            self.add("F011", f"the resubmission names no changed material facts{within}", ("rfa",))


def _stated(facts: Facts, name: str) -> bool:
    documented = facts.get(name)
    return documented is not None and documented.value is True


def check_form(built: BuiltRequest, items: list[ItemResult], pack: RulePack) -> list[FormProblem]:
    return _FormChecker(built, items, pack, load_vocabulary()).run()
