"""What a disputed item's text is read into (engine/letters/items.py): each value with the span of the
words it was read from."""

from __future__ import annotations

from typing import Annotated, Generic, Literal, TypeVar

from pydantic import Field, model_validator

from engine.vocab import Route, Side, Span, VocabModel

T = TypeVar("T")


class Value(VocabModel, Generic[T]):
    """A value read from the item text, with the span of the words it came from."""

    value: T
    span: Span


class Range(VocabModel):
    """A count as written: "6" is 6..6, "1 to 2" is 1..2."""

    low: Annotated[int, Field(ge=0)]
    high: Annotated[int, Field(ge=0)]

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if self.high < self.low:
            raise ValueError(f"range {self.low}..{self.high} runs backwards")
        return self


class Frequency(VocabModel):
    """How often: doses or uses per day, visits per week, for how many weeks, hours per day."""

    per_day_low: float | None = None
    per_day_high: float | None = None
    per_week: Range | None = None
    weeks: Range | None = None
    hours_per_day: Range | None = None
    units_per_dose: Range | None = None
    as_needed: bool = False


class Duration(VocabModel):
    amount: Range
    unit: Literal["hour", "day", "week", "month"]


StrengthUnit = Literal["mg", "mcg", "%", "mg/ml", "mcg/ml", "mcg/hr"]


class Strength(VocabModel):
    """A strength as written ("7.5/325mg"): its components in order and the principal mg."""

    text: str
    amounts: Annotated[list[float], Field(min_length=1)]
    unit: StrengthUnit
    mg: float | None = None


class Amount(VocabModel):
    """A package size: "420ml", "120grams"."""

    amount: float
    unit: Literal["ml", "g", "oz"]


class Ingredient(VocabModel):
    generic: str
    span: Span
    strength: Value[Strength] | None = None


# The dosage forms a request may name ("Lidoderm 5% patch", "diclofenac gel").
DosageForm = Literal[
    "oral suspension", "tablet", "capsule", "patch", "cream", "gel", "ointment", "lotion", "spray",
    "solution", "injection",
]  # fmt: skip


class DrugReading(VocabModel):
    """The drug part of a request. `generic` is None for a compound named by its ingredients."""

    name: Value[str]
    generic: str | None
    drug_class: str
    ingredients: list[Ingredient] = []
    compounded: bool = False
    route: Route
    form: Value[str] | None = None
    extended_release: Span | None = None
    strength: Value[Strength] | None = None
    concentration: Value[Strength] | None = None
    package: Value[Amount] | None = None
    sedating: bool | None = None
    mme_factor: float | None = None


class BodyPart(VocabModel):
    region: str
    side: Side | None = None
    span: Span
    side_span: Span | None = None


Unspecifiable = Literal["quantity", "frequency", "body_part", "duration", "strength"]

Course = Literal["initial", "additional", "trial", "repeat"]

SurgicalContext = Literal["preoperative", "postoperative", "associated"]

Limb = Literal["left_upper", "right_upper", "left_lower", "right_lower"]

Contrast = Literal["with", "without", "with_and_without"]

Guidance = Literal["fluoroscopy", "ultrasound", "ct"]


class NormalizedItem(VocabModel):
    """A disputed item as understood; see the module docstring."""

    text: str
    focus: Span
    kind: str
    kind_span: Span | None = None
    subtype: Value[str] | None = None
    subtypes: list[Value[str]] = []
    drug: DrugReading | None = None
    quantity: Value[int] | None = None
    visits: Value[Range] | None = None
    visits_computed: bool = False
    frequency: Value[Frequency] | None = None
    duration: Value[Duration] | None = None
    refills: Value[int] | None = None
    body_parts: list[BodyPart] = []
    levels: list[Value[str]] = []
    level_count: int | None = None
    limbs: list[Limb] = []
    contrast: Value[Contrast] | None = None
    image_guidance: Value[Guidance] | None = None
    retrospective: Span | None = None
    course: Value[Course] | None = None
    acquisition: Value[Literal["purchase", "rental"]] | None = None
    surgical_context: Value[SurgicalContext] | None = None
    ancillary: str | None = None
    procedures: list[Value[str]] = []
    cpt_codes: list[Value[str]] = []
    implied_region: Value[str] | None = None
    # a medication request naming a drug the vocabulary does not know: its name, never guessed at
    unknown_drug: Value[str] | None = None
    unspecified: list[Value[Unspecifiable]] = []

    def said_unspecified(self, what: Unspecifiable) -> bool:
        return any(marker.value == what for marker in self.unspecified)

    @property
    def quantity_unspecified(self) -> bool:
        return self.said_unspecified("quantity")

    @property
    def frequency_unspecified(self) -> bool:
        return self.said_unspecified("frequency")

    @property
    def body_part_unspecified(self) -> bool:
        return self.said_unspecified("body_part")

    @property
    def duration_unspecified(self) -> bool:
        return self.said_unspecified("duration")

    @property
    def quantity_specified(self) -> bool:
        """The request states how many: units, or visits (also as so many a week for so many weeks)."""
        return self.quantity is not None or self.visits is not None

    @property
    def body_part_specified(self) -> bool:
        return bool(self.body_parts)
