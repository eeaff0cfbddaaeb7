"""`imr precheck --template TREATMENT`: a request skeleton listing the facts the rules need.

The skeleton is a valid request file as it stands (every fact `not documented`), so a sender can
pre-check it at once and fill it in as the record allows; each fact carries, as a comment, what
it means and the criteria (with their citations) that read it.
"""

from __future__ import annotations

import datetime as dt

import yaml

from engine.precheck.questions import REPORT_ID, Plan, Question, plan_for_treatment
from engine.precheck.verdict import Prechecker
from engine.rules import RulePack

_FIELD_NOTES = {
    "quantity": "visits, sessions or units",
    "frequency": "e.g. 3 times a week, twice a day, every 6 hours as needed",
    "duration": "e.g. 4 weeks, 30 days",
    "body_part": "e.g. lumbar spine, left knee",
    "side": "left, right or bilateral",
}


def _scalar(value: object) -> str:
    return yaml.safe_dump(value, default_flow_style=True, width=10_000).strip().removesuffix("\n...").strip()


def _citation(pack: RulePack, criterion_id: str) -> str:
    citation = pack.criteria[criterion_id].citation
    section = citation.section if citation.chapter is None else f"{citation.chapter}, {citation.section}"
    return f"{citation.edition_label}, {section}" + (f", p.{citation.pages}" if citation.pages else "")


def _fact_lines(questions: list[Question], pack: RulePack, indent: str) -> list[str]:
    lines = []
    for q in questions:
        spec = q.spec
        kind = spec.type + (f" ({spec.unit})" if spec.unit else "")
        if spec.values:
            kind += ": " + ", ".join(spec.values)
        lines.append(f"{indent}# {spec.text} [{kind}]")
        cited = [f"{cid} ({_citation(pack, cid)})" for cid in q.criteria]
        if q.gate:
            cited.insert(0, "decides whether " + ", ".join(q.rule_ids) + " apply")
        for entry in cited:
            lines.append(f"{indent}#   {entry}")
        lines.append(f"{indent}{q.fact}: not documented")
    return lines


def render_template(found: Plan, pack: RulePack) -> str:
    line = found.line
    patient = [q for q in found.questions if q.scope == "case"]
    item = [q for q in found.questions if q.scope == "item"]
    out = [
        f"# Request for authorization: {line.service} (imr precheck --template; rules {pack.version})",
        "# Rules that can decide it on the request date: " + ", ".join(r.id for r in found.rules),
        "# Fill in the form; list the reports sent with it under attachments; write each clinical fact",
        "# the record documents as {value: ..., source: <attachment id>, page: N, quote: \"the report's",
        '# words"}, or leave it `not documented`. Then: imr precheck THIS_FILE',
    ]
    if found.region_needed:
        out.append(
            "# The rules for this treatment differ by body region: "
            "name the body part and run --template again."
        )
    out += [
        "rfa:",
        "  type: new  # or resubmission, with prior_decision: {date, decision: denied, changed_facts: [...]}",
        "  expedited: false  # true needs expedited_reason",
        f"  date: {found.as_of.isoformat()}  # the request date selects the guideline editions in force",
        "  signed: false",
        "employee:",
        "  name: null",
        "  date_of_injury: null",
        "  date_of_birth: null" + ("  # the rules read the age" if "date_of_birth" in found.fields else ""),
        "  claim_number: null",
        "  employer: null",
        "physician:",
        "  name: null",
        "  specialty: null",
        "  npi: null",
        "claims_administrator:",
        "  name: null",
        "attachments:",
        f"  - {{id: {REPORT_ID}, type: PR-2, date: null}}",
        "items:",
        "  - diagnosis: null",
        "    icd_code: null",
        f"    service: {_scalar(line.service)}",
        "    cpt_hcpcs: null",
    ]
    for name in ("quantity", "frequency", "duration", "body_part", "side"):
        needed = "  # the rules read it" if name in found.fields else ""
        out.append(f"    {name}: null  # {_FIELD_NOTES[name]}{needed}")
    if item:
        out.append("    clinical:")
        out += _fact_lines(item, pack, "      ")
    if patient:
        out.append("clinical:")
        out += _fact_lines(patient, pack, "  ")
    return "\n".join(out) + "\n"


def template_yaml(treatment: str, as_of: dt.date, pack: RulePack) -> str:
    checker = Prechecker(pack)
    return render_template(plan_for_treatment(treatment, as_of, checker), pack)
