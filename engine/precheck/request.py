"""The request file: the DWC Form RFA (8 CCR 9785.5, February 2014 revision) plus the clinical facts.

The form's sections become `rfa` (new request or resubmission, expedited review, the request date
that selects the guideline editions, signature), `employee`, `physician`, `claims_administrator`,
up to five treatment lines (`items`) and the substantiating documents (`attachments`). The form
itself carries no clinical facts -- they sit in the attached PR-2 or narrative report -- so the file
adds `clinical:` (facts about the patient) and, per line, `clinical:` (facts about that treatment),
each named in the fact vocabulary (guidelines/facts/) and written either as the value with the
document, page and words that document it, or as `not documented`.

The schema is strict (unknown keys, wrong types and bad references are errors naming file and
line); what the form leaves empty is not a schema error but a form problem the pre-check reports.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from engine.facts import FactValue, StrictModel
from engine.yamlio import YamlDocument, load_yaml, validate

NOT_DOCUMENTED = "not documented"
NotDocumented = Literal["not documented"]
Side = Literal["left", "right", "bilateral"]
AttachmentType = Literal[
    "PR-2",
    "DLSR-5021",
    "narrative",
    "consultation",
    "operative-report",
    "imaging",
    "electrodiagnostic",
    "drug-screen",
    "therapy-notes",
    "other",
]
AttachmentId = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
NonEmpty = Annotated[str, Field(min_length=1)]


class PriorDecision(StrictModel):
    """The earlier utilization review decision a resubmission answers."""

    date: dt.date | None = None
    decision: Literal["denied", "modified"] | None = None
    changed_facts: list[NonEmpty] = []


class RequestForm(StrictModel):
    """The form's header: kind of request, review timeline, date and signature."""

    type: Literal["new", "resubmission"] = "new"
    prior_decision: PriorDecision | None = None
    expedited: bool = False
    expedited_reason: NonEmpty | None = None
    date: dt.date = Field(description="Date of the request; it selects the guideline editions in force.")
    signed: bool = False


class Employee(StrictModel):
    name: NonEmpty | None = None
    date_of_injury: dt.date | None = None
    date_of_birth: dt.date | None = None
    claim_number: NonEmpty | None = None
    employer: NonEmpty | None = None


class Physician(StrictModel):
    name: NonEmpty | None = None
    practice: NonEmpty | None = None
    specialty: NonEmpty | None = None
    npi: NonEmpty | None = None
    address: NonEmpty | None = None
    phone: NonEmpty | None = None
    fax: NonEmpty | None = None
    email: NonEmpty | None = None


class ClaimsAdministrator(StrictModel):
    name: NonEmpty | None = None
    address: NonEmpty | None = None
    phone: NonEmpty | None = None
    fax: NonEmpty | None = None
    email: NonEmpty | None = None


class Attachment(StrictModel):
    """A report sent with the request to substantiate it (PR-2, DLSR 5021, narrative, ...)."""

    id: AttachmentId
    type: AttachmentType
    date: dt.date | None = None
    pages: Annotated[int, Field(ge=1)] | None = None
    description: NonEmpty | None = None


class RecordedFact(StrictModel):
    """A fact the record documents: its value, and the document, page and words that say so."""

    value: FactValue
    source: AttachmentId
    page: Annotated[int, Field(ge=1)] | None = None
    quote: NonEmpty


ClinicalFacts = dict[str, RecordedFact | NotDocumented]


class Treatment(StrictModel):
    """What the service is in the vocabulary's terms, where its words alone do not say."""

    kind: NonEmpty
    subtype: NonEmpty | None = None
    generic: NonEmpty | None = None


class RequestLine(StrictModel):
    """One line of the form's treatment grid.

    A field left out (or null) is not on the form, which IMR reads as not stated; `not documented`
    says what the form stated is not known -- for a request reconstructed from a later record of it.
    """

    diagnosis: NonEmpty | None = None
    icd_code: NonEmpty | None = Field(
        default=None,
        description="ICD-10-CM code (ICD-9-CM before 1 October 2015); quote it in YAML: '724.4'.",
    )
    service: NonEmpty = Field(description="Service/Good Requested, as written on the form.")
    treatment: Treatment | None = None
    cpt_hcpcs: NonEmpty | None = None
    quantity: Annotated[int, Field(ge=1)] | NotDocumented | None = None
    frequency: NonEmpty | None = None
    duration: NonEmpty | None = None
    body_part: NonEmpty | None = None
    side: Side | None = None
    ancillary_to: Annotated[int, Field(ge=1, le=5)] | None = Field(
        default=None, description="Line number of the procedure this service belongs to."
    )
    report_page: Annotated[int, Field(ge=1)] | None = None
    clinical: ClinicalFacts = {}


class Request(StrictModel):
    """A request for authorization as on the DWC Form RFA, with the clinical facts behind it."""

    rfa: RequestForm
    employee: Employee = Employee()
    physician: Physician = Physician()
    claims_administrator: ClaimsAdministrator = ClaimsAdministrator()
    items: Annotated[list[RequestLine], Field(min_length=1, max_length=5)]
    attachments: list[Attachment] = []
    clinical: ClinicalFacts = {}
    clinical_response: NonEmpty | None = Field(
        default=None,
        description="A FHIR QuestionnaireResponse (JSON, relative to this file) whose answers give the "
        "clinical facts, instead of `clinical:`.",
    )

    @model_validator(mode="after")
    def _references_resolve(self) -> Request:
        # frequency, duration and body part are text: `not documented` there is the same marker
        ids = [a.id for a in self.attachments]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"duplicate attachment id(s): {', '.join(duplicates)}")
        for number, line in enumerate(self.items, start=1):
            if line.ancillary_to is not None and not (
                1 <= line.ancillary_to <= len(self.items) and line.ancillary_to != number
            ):
                raise ValueError(f"line {number} is ancillary_to line {line.ancillary_to}, not another line")
        if self.clinical_response is not None and (self.clinical or any(i.clinical for i in self.items)):
            raise ValueError("give the clinical facts as `clinical:` or as `clinical_response:`, not both")
        return self


def request_schema() -> dict[str, Any]:
    """The JSON Schema of a request file."""
    return Request.model_json_schema()


class LoadedRequest:
    """A request file as read: the model, and the YAML document to locate problems by line."""

    def __init__(self, request: Request, document: YamlDocument | None, path: Path | None) -> None:
        self.request = request
        self.document = document
        self.path = path

    def line_of(self, loc: tuple[str | int, ...]) -> int | None:
        return self.document.line_of(loc) if self.document is not None else None


def read_request_yaml(path: Path) -> LoadedRequest:
    """Parse and validate the schema of a request file (the facts are checked when it is built)."""
    document = load_yaml(path)
    if not isinstance(document.data, dict):
        raise document.error((), "a request file is a mapping with rfa:, items: and the other form sections")
    return LoadedRequest(validate(document, Request), document, path)
