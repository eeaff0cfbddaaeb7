"""The request a case amounts to: what the physician would have sent, for the items a letter decided.

Each item becomes a form line: its text as the service, with the treatment the case names, and
the fields (frequency, duration, quantity, body part, side) for what the case documents of the
request beyond the text; every other fact becomes a clinical fact quoting the letter, which is the
only record the case has. The request date is the date `imr explain` evaluates the case on, so the
same editions decide it; with no date of injury or birth given, the weeks since the injury and the
age stay the case's own facts.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from engine.facts import Case, Documented, load_case
from engine.letters.items import normalize_item
from engine.paths import CASES_DIR
from engine.precheck.build import FORM_FACTS, NOT_ASKED_FACTS, build_request
from engine.precheck.examples import REQUESTS_DIR, request_yaml
from engine.precheck.request import (
    NOT_DOCUMENTED,
    Attachment,
    ClinicalFacts,
    LoadedRequest,
    RecordedFact,
    Request,
    RequestForm,
    RequestLine,
    Treatment,
)
from engine.precheck.verdict import Prechecker
from engine.vocab import Vocabulary

LETTER = "letter"
_LINE_FIELD_FACTS = frozenset(
    {
        "visits_requested",
        "quantity",
        "visits_per_week",
        "doses_per_day",
        "weeks_requested",
        "body_region",
        "laterality",
    }
)


def _recorded(documented: Documented) -> RecordedFact:
    quote = " ".join(documented.evidence[0].quote.split())
    return RecordedFact(value=documented.value, source=LETTER, quote=quote)


def _line(case: Case, index: int, vocab: Vocabulary) -> RequestLine:
    item = case.items[index]
    facts = {name: d for name, d in item.facts.items() if d is not None}
    read = normalize_item(item.text, vocab)
    fields: dict[str, Any] = {}
    visit_based = vocab.kinds[item.kind].visit_based
    said = {
        "frequency": read.frequency is not None,
        "duration": read.duration is not None
        or (read.frequency is not None and read.frequency.value.weeks is not None),
        "quantity": read.quantity is not None or read.visits is not None,
        "body_part": bool(read.body_parts),
    }
    count = facts.get("visits_requested" if visit_based else "quantity")
    if count is not None and not said["quantity"] and isinstance(count.value, int) and count.value > 0:
        fields["quantity"] = count.value
    frequency_stated = facts.get("frequency_specified")
    if not said["frequency"] and frequency_stated is not None and frequency_stated.value is True:
        per_week, per_day = facts.get("visits_per_week"), facts.get("doses_per_day")
        if per_week is not None:
            fields["frequency"] = f"{per_week.value:g} times a week"
        elif per_day is not None:
            fields["frequency"] = f"{per_day.value:g} times a day"
    weeks = facts.get("weeks_requested")
    if weeks is not None and not said["duration"]:
        fields["duration"] = f"{weeks.value:g} weeks"
    # what the letter does not say of the request stays unknown, not "left off the form"
    for field_name, fact in (
        ("quantity", "quantity_specified"),
        ("frequency", "frequency_specified"),
        ("body_part", "body_part_specified"),
    ):
        if fact not in facts and not said[field_name] and field_name not in fields:
            fields[field_name] = NOT_DOCUMENTED
    region = facts.get("body_region")
    if region is not None and not said["body_part"]:
        fields["body_part"] = vocab.regions[str(region.value)].words[0]
        side = facts.get("laterality")
        if side is not None:
            fields["side"] = side.value
    clinical: ClinicalFacts = {}
    for name, documented in facts.items():
        if name in FORM_FACTS or name in NOT_ASKED_FACTS:
            continue
        if name in _LINE_FIELD_FACTS and name not in ("doses_per_day",):
            continue
        clinical[name] = _recorded(documented)
    ancillary_to = None
    if item.ancillary_to is not None:
        ancillary_to = next(
            i for i, other in enumerate(case.items, start=1) if other.item_id == item.ancillary_to
        )
    return RequestLine(
        service=item.text,
        treatment=Treatment(kind=item.kind, subtype=item.subtype, generic=item.generic),
        clinical=clinical,
        ancillary_to=ancillary_to,
        **fields,
    )


def request_from_case(case: Case, checker: Prechecker) -> Request:
    """The request for a case's items (at most five, as the form allows), dated as `imr explain` dates it."""
    vocab = checker.evaluator.vocab
    as_of = checker.evaluator.evaluate(case).as_of
    lines = [_line(case, i, vocab) for i in range(min(len(case.items), 5))]
    return Request(
        rfa=RequestForm(date=as_of),
        items=lines,
        attachments=[
            Attachment(
                id=LETTER,
                type="other",
                description=f"IMR letter {case.source.file if case.source else case.case_id}",
            )
        ],
        clinical={name: _recorded(d) for name, d in case.findings.items() if d is not None},
    )


def case_request_path(case_path: Path) -> Path:
    return REQUESTS_DIR / case_path.parent.name / case_path.name


def write_case_requests(folder: Path = CASES_DIR / "2014-2015") -> list[Path]:
    from engine.rules import load_rules

    checker = Prechecker(load_rules())
    written = []
    for path in sorted(folder.glob("*.yaml")):
        case = load_case(path)
        request = request_from_case(case, checker)
        build_request(LoadedRequest(request, None, None), checker.facts)
        target = case_request_path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        comment = (
            f"The request {case.case_id} amounts to, written from the hand-transcribed case\n"
            f"{path.relative_to(CASES_DIR.parent)} by python -m engine.precheck.from_case; its criteria\n"
            "have the statuses imr explain gives the case (the test checks it), on the date it uses."
        )
        target.write_text(request_yaml(request, comment), encoding="utf-8")
        written.append(target)
    return written


def main() -> int:
    for path in write_case_requests():
        sys.stdout.write(f"{path}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
