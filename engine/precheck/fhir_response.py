"""A FHIR QuestionnaireResponse to an `imr precheck --questionnaire` form, read back as a request.

`read_response_request` makes a one-line request of the whole response (the form's answers and
the clinical facts); `with_clinical_response` gives a request file the clinical facts of the
response it names (`clinical_response:`). Every answered fact needs the document, and the words of
it, that record it; the response is validated with the `fhir.resources` models first.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from pydantic import ValidationError

from engine.errors import InputError
from engine.facts import FactSpec
from engine.precheck.fhir import DOCUMENT_TYPES, slug
from engine.precheck.request import (
    Attachment,
    ClinicalFacts,
    Employee,
    LoadedRequest,
    RecordedFact,
    Request,
    RequestForm,
    RequestLine,
)


class _ResponseReader:
    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.text = path.read_text(encoding="utf-8")
            data = json.loads(self.text)
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(path, f"cannot read file: {exc}") from None
        except json.JSONDecodeError as exc:
            raise InputError(path, f"invalid JSON: {exc.msg}", exc.lineno) from None
        if not isinstance(data, dict) or data.get("resourceType") != "QuestionnaireResponse":
            raise InputError(path, "not a FHIR QuestionnaireResponse (resourceType)", 1)
        try:
            self.response = QuestionnaireResponse.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise InputError(
                path, f"not a valid FHIR R4 QuestionnaireResponse: {where}: {first['msg']}"
            ) from None
        self.answers: dict[str, Any] = {}
        for item in self._walk(self.response.item or []):
            self.answers[item.linkId] = item

    def _walk(self, items: Sequence[Any]) -> Iterator[Any]:
        for item in items:
            yield item
            yield from self._walk(item.item or [])

    def line_of(self, link_id: str) -> int | None:
        match = re.search(r'"linkId"\s*:\s*"' + re.escape(link_id) + '"', self.text)
        return self.text.count("\n", 0, match.start()) + 1 if match else None

    def error(self, link_id: str, message: str) -> InputError:
        return InputError(self.path, f"{link_id}: {message}", self.line_of(link_id))

    def value(self, link_id: str) -> Any:
        item = self.answers.get(link_id)
        if item is None or not item.answer:
            return None
        values = [_answer_value(a) for a in item.answer]
        return values if len(values) > 1 else values[0]

    def clinical(
        self, specs: Mapping[str, FactSpec]
    ) -> tuple[ClinicalFacts, ClinicalFacts, list[Attachment]]:
        """(patient facts, line facts, attachments) from the answers to the fact questions."""
        patient: ClinicalFacts = {}
        line: ClinicalFacts = {}
        attachments: dict[tuple[str, dt.date | None], Attachment] = {}
        for link_id, item in self.answers.items():
            if not link_id.startswith("fact.") or link_id.count(".") != 1:
                continue
            name = link_id.removeprefix("fact.")
            spec = specs.get(name)
            if spec is None:
                raise self.error(link_id, f"unknown fact {name!r} (see guidelines/facts/)")
            if not item.answer:
                continue
            answer = item.answer[0]
            children = {child.linkId: child for child in answer.item or []}
            document = _child_value(children.get(f"{link_id}.document"))
            quote = _child_value(children.get(f"{link_id}.quote"))
            if document is None or not quote:
                raise self.error(link_id, "answered without the document and the words that record it")
            if document not in DOCUMENT_TYPES:
                raise self.error(link_id, f"unknown document type {document!r}")
            date = _child_value(children.get(f"{link_id}.date"))
            key = (document, date)
            if key not in attachments:
                suffix = f"-{date.isoformat()}" if isinstance(date, dt.date) else ""
                attachments[key] = Attachment(id=slug(document) + suffix, type=document, date=date)
            values = [_answer_value(a) for a in item.answer]
            value = _fact_value(spec, values)
            if value is None:
                raise self.error(link_id, f"the answer is not a {spec.type}")
            page = _child_value(children.get(f"{link_id}.page"))
            recorded = RecordedFact(value=value, source=attachments[key].id, page=page, quote=str(quote))
            (line if spec.scope == "item" else patient)[name] = recorded
        return patient, line, list(attachments.values())


def _answer_value(answer: Any) -> Any:
    for name in ("valueBoolean", "valueInteger", "valueDecimal", "valueDate", "valueString", "valueCoding"):
        value = getattr(answer, name, None)
        if value is not None:
            return value.code if name == "valueCoding" else value
    return None


def _child_value(item: Any) -> Any:
    if item is None or not item.answer:
        return None
    return _answer_value(item.answer[0])


def _fact_value(spec: FactSpec, values: list[Any]) -> Any:
    plain = [float(v) if isinstance(v, Decimal) else v for v in values]
    if spec.type in ("enum_list", "text_list"):
        return [str(v) for v in plain]
    value = plain[0]
    if spec.type == "number" and isinstance(value, float) and value == int(value):
        value = int(value)
    return value if spec.type_error(value) is None else None


def read_response_request(path: Path) -> LoadedRequest:
    """A QuestionnaireResponse to an `imr precheck --questionnaire` form, as a one-line request."""
    from engine.facts import load_fact_vocabulary

    reader = _ResponseReader(path)
    date = reader.value("request.date")
    service = reader.value("line.service")
    if not isinstance(date, dt.date):
        raise reader.error("request.date", "the request date is not answered")
    if not isinstance(service, str):
        raise reader.error("line.service", "the service requested is not answered")
    patient, line_facts, attachments = reader.clinical(load_fact_vocabulary().specs)
    fields: dict[str, Any] = {}
    for name in ("diagnosis", "icd_code", "quantity", "frequency", "duration", "body_part", "side"):
        value = reader.value(f"line.{name}")
        if value is not None:
            fields[name] = value
    try:
        request = Request(
            rfa=RequestForm(date=date),
            employee=Employee(
                date_of_injury=reader.value("employee.date_of_injury"),
                date_of_birth=reader.value("employee.date_of_birth"),
            ),
            items=[RequestLine(service=service, clinical=line_facts, **fields)],
            attachments=attachments,
            clinical=patient,
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        where = "line." + str(first["loc"][-1]) if first["loc"] else "request"
        raise reader.error(where, first["msg"]) from None
    return LoadedRequest(request, None, path)


def with_clinical_response(loaded: LoadedRequest) -> LoadedRequest:
    """A request file whose clinical facts come from the QuestionnaireResponse it names."""
    from engine.facts import load_fact_vocabulary

    request = loaded.request
    assert request.clinical_response is not None and loaded.path is not None
    path = (loaded.path.parent / request.clinical_response).resolve()
    if not path.exists():
        raise InputError(
            loaded.path,
            f"clinical_response {request.clinical_response!r}: no such file",
            loaded.line_of(("clinical_response",)),
        )
    reader = _ResponseReader(path)
    answered_date = reader.value("request.date")
    if answered_date is not None and answered_date != request.rfa.date:
        raise reader.error(
            "request.date",
            f"the response's request date {answered_date} is not the request's {request.rfa.date}",
        )
    patient, line_facts, attachments = reader.clinical(load_fact_vocabulary().specs)
    known = {a.id for a in request.attachments}
    merged = [*request.attachments, *(a for a in attachments if a.id not in known)]
    items = list(request.items)
    if line_facts:
        if len(items) != 1:
            raise reader.error("clinical", "facts about one treatment need a one-line request")
        items[0] = items[0].model_copy(update={"clinical": line_facts})
    updated = request.model_copy(
        update={"clinical": patient, "items": items, "attachments": merged, "clinical_response": None}
    )
    return LoadedRequest(updated, loaded.document, loaded.path)
