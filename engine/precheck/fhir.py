"""The pre-check's questions as an HL7 FHIR R4 Questionnaire, and a QuestionnaireResponse read back.

`questionnaire(plan)` writes the form questions (request date, date of injury, the line's fields)
and one question per clinical fact, in guideline order, each with child questions for the document,
its date and page, and the words that document the answer. Skip logic is `enableWhen`: a question
whose rules apply only when a gate fact holds (`prior_course = true`) is enabled by that answer,
and every question after an answer that makes the line fail whatever follows (a `no` to a required
criterion of a rule that always applies, a quantity over a limit) is disabled by it (`!=`, which
FHIR R4 defines as true while the question has no answer).

A QuestionnaireResponse to it becomes a request (engine/precheck/fhir_response.py). Both resources
are validated with the models of the
`fhir.resources` package: its `R4B` models, whose Questionnaire and QuestionnaireResponse are
element for element those of R4 (4.0.1) -- the R4B release changed only their invariants que-0,
que-1 and que-12, which what is written here meets in both forms. (The package's plain R4 models
ended with 6.4.0, which requires pydantic 1.)
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping
from typing import Any

from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from engine.errors import InputError
from engine.facts import FactSpec
from engine.precheck.build import NOT_ASKED_FACTS
from engine.precheck.questions import Plan, Question
from engine.precheck.request import (
    AttachmentType,
    RecordedFact,
    Request,
)
from engine.rules import AllOf, Condition, FirstDocumented, Leaf, RulePack

VALUES_SYSTEM = "urn:imr-engine:fact-values:"
DOCUMENT_SYSTEM = "urn:imr-engine:attachment-type"
DOCUMENT_TYPES: tuple[AttachmentType, ...] = AttachmentType.__args__  # type: ignore[attr-defined]
SIDES = ("left", "right", "bilateral")
_ITEM_TYPE = {
    "boolean": "boolean",
    "integer": "integer",
    "number": "decimal",
    "enum": "choice",
    "enum_list": "choice",
    "text": "string",
    "text_list": "string",
    "date": "date",
}
# The form's questions: linkId, type, text, the request field, and when it is asked (None: always).
FORM_QUESTIONS: tuple[tuple[str, str, str, str | None], ...] = (
    ("request.date", "date", "Date of the request (it selects the guideline editions in force)", None),
    ("employee.date_of_injury", "date", "Date of injury", None),
    ("employee.date_of_birth", "date", "Date of birth", "date_of_birth"),
    ("line.diagnosis", "string", "Diagnosis", None),
    ("line.icd_code", "string", "ICD code of the diagnosis", None),
    ("line.service", "string", "Service/Good Requested", None),
    ("line.quantity", "integer", "Quantity (visits, units)", "quantity"),
    ("line.frequency", "string", "Frequency (e.g. 3 times a week, twice a day)", "frequency"),
    ("line.duration", "string", "Duration (e.g. 4 weeks, 30 days)", "duration"),
    ("line.body_part", "string", "Body part", "body_part"),
    ("line.side", "choice", "Side", "side"),
)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "treatment"


# --- writing the Questionnaire -----------------------------------------------------------------------


def _coding(system: str, code: str, display: str | None = None) -> dict[str, str]:
    coding = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return coding


def _answer_key(spec: FactSpec | None, value: object) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"answerBoolean": value}
    if spec is not None and spec.type in ("enum", "enum_list"):
        return {"answerCoding": _coding(VALUES_SYSTEM + spec.name, str(value))}
    if isinstance(value, str):
        return {"answerString": value}  # an entry of a list of text (a procedure named)
    if isinstance(value, int):
        return {"answerInteger": value}
    return {"answerDecimal": value}


def _effective_leaves(condition: Condition) -> Iterator[Leaf]:
    """The comparisons that alone make the criterion not met when they fail, as a request is asked."""
    match condition:
        case Leaf():
            yield condition
        case AllOf(parts):
            for part in parts:
                if isinstance(part, Leaf):
                    yield part
        case FirstDocumented(parts):
            first = next((p for p in parts if p.fact not in NOT_ASKED_FACTS), None)
            if first is not None and all(p.fact in NOT_ASKED_FACTS for p in parts[: parts.index(first)]):
                yield first


def _violating(leaf: Leaf, spec: FactSpec) -> tuple[object, ...]:
    """The answers of a yes/no or one-of fact that fail the comparison."""
    if spec.type == "boolean":
        universe: tuple[object, ...] = (True, False)
    elif spec.type == "enum":
        universe = tuple(spec.values or ())
    else:
        return ()
    wanted = leaf.value if isinstance(leaf.value, tuple) else (leaf.value,)
    match leaf.op:
        case "eq" | "in":
            return tuple(v for v in universe if v not in wanted)
        case "ne" | "not_in":
            return tuple(v for v in universe if v in wanted)
    return ()


def _stoppers(plan: Plan, pack: RulePack) -> list[tuple[str, dict[str, Any]]]:
    """(linkId, enableWhen) pairs: an answer that makes the line fail whatever is asked after it."""
    stoppers: list[tuple[str, dict[str, Any]]] = []
    specs = {q.fact: q.spec for q in plan.questions}
    for rule in plan.rules:
        if rule.id not in plan.always or rule.combine != "all":
            continue
        for criterion in rule.criteria:
            for leaf in _effective_leaves(criterion.condition):
                if leaf.minus or leaf.plus:
                    continue
                if (
                    leaf.fact in ("visits_requested", "quantity")
                    and leaf.op == "lte"
                    and "quantity" in plan.fields
                ):
                    condition = {
                        "question": "line.quantity",
                        "operator": "<=",
                        "answerInteger": int(leaf.value),
                    }
                    stoppers.append(("line.quantity", condition))
                    continue
                spec = specs.get(leaf.fact)
                if spec is None:
                    continue
                for value in _violating(leaf, spec):
                    condition = {
                        "question": f"fact.{leaf.fact}",
                        "operator": "!=",
                        **_answer_key(spec, value),
                    }
                    stoppers.append((f"fact.{leaf.fact}", condition))
    return stoppers


def _fact_item(question: Question, pack: RulePack) -> dict[str, Any]:
    spec = question.spec
    item: dict[str, Any] = {
        "linkId": f"fact.{spec.name}",
        "text": spec.text + (f" ({spec.unit})" if spec.unit else ""),
        "type": _ITEM_TYPE[spec.type],
        "item": [
            {
                "linkId": f"fact.{spec.name}.document",
                "text": "Document that records it",
                "type": "choice",
                "required": True,
                "answerOption": [{"valueCoding": _coding(DOCUMENT_SYSTEM, t)} for t in DOCUMENT_TYPES],
            },
            {"linkId": f"fact.{spec.name}.date", "text": "Date of the document", "type": "date"},
            {"linkId": f"fact.{spec.name}.page", "text": "Page", "type": "integer"},
            {
                "linkId": f"fact.{spec.name}.quote",
                "text": "The words of the document that record it",
                "type": "text",
                "required": True,
            },
        ],
    }
    if spec.type in ("enum", "enum_list"):
        item["answerOption"] = [
            {"valueCoding": _coding(VALUES_SYSTEM + spec.name, v, v.replace("_", " "))}
            for v in spec.values or ()
        ]
    if spec.type in ("enum_list", "text_list"):
        item["repeats"] = True
    if question.criteria:
        item["code"] = [
            _coding("urn:imr-engine:criterion", cid, pack.criteria[cid].citation.describe())
            for cid in question.criteria
        ]
    return item


def questionnaire(plan: Plan, pack: RulePack, treatment: str) -> dict[str, Any]:
    """The plan's questions as a FHIR R4 Questionnaire (validated), as JSON-ready data."""
    if plan.region_needed:
        raise InputError(
            None, f"name the body part in {treatment!r}: the rules for this treatment differ by body region"
        )
    form_items: list[dict[str, Any]] = []
    for link_id, item_type, text, needed in FORM_QUESTIONS:
        if needed is not None and needed not in plan.fields:
            continue
        item: dict[str, Any] = {"linkId": link_id, "text": text, "type": item_type}
        if link_id in ("request.date", "line.service"):
            item["required"] = True
        if link_id == "request.date":
            item["initial"] = [{"valueDate": plan.as_of.isoformat()}]
        if link_id == "line.service":
            item["initial"] = [{"valueString": plan.line.service}]
        if link_id == "line.body_part" and plan.line.body_part:
            item["initial"] = [{"valueString": plan.line.body_part}]
        if link_id == "line.side":
            item["answerOption"] = [{"valueCoding": _coding(VALUES_SYSTEM + "laterality", s)} for s in SIDES]
        form_items.append(item)
    stoppers = _stoppers(plan, pack)
    order = ["line.quantity", *(f"fact.{q.fact}" for q in plan.questions)]
    fact_items = []
    for question in plan.questions:
        item = _fact_item(question, pack)
        conditions: list[dict[str, Any]] = []
        if question.enabled_by:
            ((gate, values),) = question.enabled_by
            if len(values) == 1:
                conditions.append(
                    {"question": f"fact.{gate}", "operator": "=", **_answer_key(None, values[0])}
                )
        link_id = item["linkId"]
        for stopper_id, condition in stoppers:
            if (
                stopper_id != link_id
                and order.index(stopper_id) < order.index(link_id)
                and condition not in conditions
            ):
                conditions.append(condition)
        if conditions:
            item["enableWhen"] = conditions
            if len(conditions) > 1:
                item["enableBehavior"] = "all"
        fact_items.append(item)
    editions = sorted({r.edition for r in plan.rules})
    starts = [r.effective_from for r in plan.rules if r.effective_from is not None]
    ends = [r.effective_to for r in plan.rules if r.effective_to is not None]
    period: dict[str, str] = {}
    if starts:
        period["start"] = max(starts).isoformat()
    if ends:
        period["end"] = min(ends).isoformat()
    name = slug(treatment)
    document: dict[str, Any] = {
        "resourceType": "Questionnaire",
        "id": name[:64],
        "url": f"urn:imr-engine:questionnaire:{name}:{pack.version}",
        "version": pack.version,
        "name": "ImrPrecheck" + "".join(w.capitalize() for w in name.split("-"))[:200],
        "title": f"Pre-check of a request for {treatment}",
        "status": "draft",
        "date": plan.as_of.isoformat(),
        "description": "Questions the guideline rules in force ask of this treatment ("
        + ", ".join(editions)
        + "), in guideline order; unanswered means not documented.",
        "item": [
            {
                "linkId": "request",
                "text": "Request for authorization (DWC Form RFA)",
                "type": "group",
                "item": form_items,
            }
        ],
    }
    if period:
        document["effectivePeriod"] = period
    if fact_items:
        document["item"].append(
            {
                "linkId": "clinical",
                "text": "Clinical facts in the attached reports",
                "type": "group",
                "item": fact_items,
            }
        )
    return Questionnaire.model_validate(document).model_dump(mode="json", exclude_none=True)


# --- a request as a QuestionnaireResponse (prefilling, and the round trip) --------------------------


def _enabled(item: Mapping[str, Any], answers: Mapping[str, Any]) -> bool:
    """FHIR R4 enableWhen over the answers given so far (the operators the questionnaire uses)."""
    conditions = item.get("enableWhen") or []
    if not conditions:
        return True
    results = []
    for condition in conditions:
        answer = answers.get(condition["question"])
        expected = next(v for k, v in condition.items() if k.startswith("answer"))
        if isinstance(expected, dict):
            expected = expected.get("code")
        if isinstance(answer, dict):
            answer = answer.get("code")
        match condition["operator"]:
            case "=":
                results.append(answer is not None and answer == expected)
            case "!=":
                results.append(answer is None or answer != expected)
            case "<=":
                results.append(answer is not None and answer <= expected)
            case "exists":
                results.append((answer is not None) == expected)
    return all(results) if item.get("enableBehavior", "all") == "all" else any(results)


def _answer(item_type: str, value: object, spec: FactSpec | None = None) -> list[dict[str, Any]]:
    values = value if isinstance(value, list) else [value]
    out = []
    for v in values:
        if item_type == "boolean":
            out.append({"valueBoolean": v})
        elif item_type == "integer":
            out.append({"valueInteger": v})
        elif item_type == "decimal":
            out.append({"valueDecimal": v})
        elif item_type == "date":
            out.append({"valueDate": v.isoformat() if isinstance(v, dt.date) else v})
        elif item_type == "choice":
            system = VALUES_SYSTEM + (spec.name if spec is not None else "laterality")
            out.append({"valueCoding": _coding(system, str(v))})
        else:
            out.append({"valueString": str(v)})
    return out


def response_from_request(request: Request, questionnaire_json: Mapping[str, Any]) -> dict[str, Any]:
    """A one-line request's answers to the questionnaire; answers to disabled questions are left out."""
    line = request.items[0]
    form_values = {
        "request.date": request.rfa.date,
        "employee.date_of_injury": request.employee.date_of_injury,
        "employee.date_of_birth": request.employee.date_of_birth,
        "line.diagnosis": line.diagnosis,
        "line.icd_code": line.icd_code,
        "line.service": line.service,
        "line.quantity": line.quantity,
        "line.frequency": line.frequency,
        "line.duration": line.duration,
        "line.body_part": line.body_part,
        "line.side": line.side,
    }
    attachments = {a.id: a for a in request.attachments}
    given: dict[str, Any] = {}
    groups = []
    for group in questionnaire_json["item"]:
        answered = []
        for item in group["item"]:
            link_id = item["linkId"]
            if not _enabled(item, given):
                continue
            if link_id.startswith("fact."):
                name = link_id.removeprefix("fact.")
                recorded = line.clinical.get(name, request.clinical.get(name))
                if not isinstance(recorded, RecordedFact):
                    continue
                attachment = attachments[recorded.source]
                children = [
                    {
                        "linkId": f"{link_id}.document",
                        "answer": [{"valueCoding": _coding(DOCUMENT_SYSTEM, attachment.type)}],
                    }
                ]
                if attachment.date is not None:
                    children.append({"linkId": f"{link_id}.date", "answer": _answer("date", attachment.date)})
                if recorded.page is not None:
                    children.append(
                        {"linkId": f"{link_id}.page", "answer": _answer("integer", recorded.page)}
                    )
                children.append({"linkId": f"{link_id}.quote", "answer": [{"valueString": recorded.quote}]})
                answer = _answer(item["type"], recorded.value, _spec_of(item, name))
                answer[0]["item"] = children
                given[link_id] = _plain(answer[0])
                answered.append({"linkId": link_id, "answer": answer})
                continue
            value = form_values.get(link_id)
            if value is None or value == "not documented":
                continue
            answer = _answer(item["type"], value)
            given[link_id] = _plain(answer[0])
            answered.append({"linkId": link_id, "answer": answer})
        if answered:
            groups.append({"linkId": group["linkId"], "item": answered})
    document = {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": questionnaire_json["url"],
        "status": "completed",
        "authored": dt.datetime.combine(request.rfa.date, dt.time(12)).isoformat() + "Z",
        "item": groups,
    }
    return QuestionnaireResponse.model_validate(document).model_dump(mode="json", exclude_none=True)


def _spec_of(item: Mapping[str, Any], name: str) -> FactSpec | None:
    from engine.facts import load_fact_vocabulary

    return load_fact_vocabulary().specs.get(name) if item["type"] == "choice" else None


def _plain(answer: Mapping[str, Any]) -> Any:
    value = next(v for k, v in answer.items() if k.startswith("value"))
    return value
