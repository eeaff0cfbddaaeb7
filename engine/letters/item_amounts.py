"""How much and how often a request asks for: a drug's strength, concentration and package, the
quantity or visits, the weekly or daily schedule, the duration and the refills."""

from __future__ import annotations

import re
from typing import Literal

from engine.letters.item_model import Amount, Duration, Frequency, Range, Strength, StrengthUnit, Value
from engine.letters.item_reader import NUM, RANGE, ItemReader, number, number_range, whole
from engine.limits import read_figure
from engine.vocab import Drug, Vocabulary

_I = re.IGNORECASE

_TIMES_WORDS = {"once": 1, "twice": 2, "thrice": 3}

_CONCENTRATION = re.compile(
    r"(?<![\w.])(?P<amount>\d+(?:\.\d+)?)\s*(?P<unit>mg|mcg)\s*/\s*(?:(?P<per>\d+(?:\.\d+)?)\s*)?ml\b", _I
)

_PATCH_RATE = re.compile(r"(?<![\w.])(?P<amount>\d+(?:\.\d+)?)\s*mcg\s*/\s*(?:hr|hour|h)\b", _I)

_STRENGTH = re.compile(
    r"(?<![\w.])(?P<amounts>\d+(?:\.\d+)?(?:\s*(?:mg|mcg))?(?:\s*[/-]\s*\d+(?:\.\d+)?(?:\s*(?:mg|mcg))?)*)"
    r"\s*(?P<unit>mg|mcg)\b(?!\s*/\s*(?:\d|ml|hr|hour|h\b))",
    _I,
)

_PERCENT = re.compile(r"(?<![\w.])(?P<amount>\d+(?:\.\d+)?)\s*%")

_PACKAGE = re.compile(
    r"(?<![\w.])(?P<amount>\d+(?:\.\d+)?)\s*(?P<unit>ml|milliliters?|gm|grams?|g|oz|ounces?)\b(?!\s*/)", _I
)

_AMOUNTS = re.compile(r"\d+(?:\.\d+)?")

_HASH_COUNT = re.compile(r"#\s*(?P<n>\d+(?:\.\d+)?)")

_QTY_COUNT = re.compile(r"\b(?:qty|quantity)\s*[:#]?\s*(?P<n>\d+(?:\.\d+)?)", _I)

_LEADING_COUNT = re.compile(rf"^\s*(?P<n>{NUM})(?:\s*\(\s*\d+\s*\))?\s+(?P<next>[A-Za-z][\w-]*)", _I)

_TRAILING_COUNT = re.compile(rf",\s*(?P<n>{NUM})\s*$", _I)

_VISIT_WORDS = r"(?:sessions?|visits?|treatments?)"

# "12 sessions", "six (6) visits", "6 additional sessions", "8 more visits"
_VISITS = re.compile(
    rf"\b(?P<n>{RANGE})\s*(?:\(\s*\d+\s*\)\s*)?(?:(?:additional|more|further|extra|follow[-\s]?up)\s+)?{_VISIT_WORDS}\b",
    _I,
)

_TIMES_COUNT = re.compile(r"(?<![\w.])x\s*(?P<n>\d+)\b(?!\s*(?:days?|weeks?|months?|/))", _I)

_LEADING_SKIP = re.compile(
    r"^(?:associated\s+surgical\s+service\s*:\s*|retro(?:spective)?\s*(?:request)?\s*:?\s*)", _I
)

_TIMES = rf"(?:(?P<n>{RANGE})\s*(?:times?|x|visits?|sessions?|days?)|(?P<word>once|twice|thrice))"

_PER_WEEK = re.compile(
    rf"\b{_TIMES}\s*(?:(?:a|per|/|each|every)\s*(?:week|wk)\b|weekly\b)"
    rf"(?:\s*(?:for|x|times|over|during)\s*(?:(?:a|the)\s+)?(?:next\s+)?(?P<weeks>{RANGE})\s*(?:weeks?|wks?)\b)?",
    _I,
)

_N_BY_M = re.compile(
    rf"(?<![#\w.])(?P<n>{NUM})\s*(?:x|times)\s*(?P<m>{NUM})\b(?:\s*(?:weeks?|wks?)\b)?"
    r"(?!\s*(?:(?:a|per|/)\s*(?:day|week)|refills?|days?|months?))",
    _I,
)

_HOURS_PER_DAY = re.compile(rf"\b(?P<n>{RANGE})\s*(?:hours?|hrs?)\s*(?:a|per|/|each)\s*day\b", _I)

_TIMES_PER_DAY = re.compile(
    rf"\b(?:(?P<n>{RANGE})\s*(?:times|x)|(?P<word>once|twice|thrice))\s*(?:(?:a|per|/|each)\s*day|daily)\b",
    _I,
)

_EVERY_HOURS = re.compile(rf"\b(?:every|q)\s*(?P<h>{RANGE})\s*-?\s*(?:hours?|hrs?|h)\b", _I)

_NAMED_DOSES = (
    (re.compile(r"\bb\.?i\.?d\.?(?!\w)", _I), 2.0),
    (re.compile(r"\bt\.?i\.?d\.?(?!\w)", _I), 3.0),
    (re.compile(r"\bq\.?i\.?d\.?(?!\w)", _I), 4.0),
    (
        re.compile(r"\b(?:q\.?d\.?|q\.?a\.?m\.?|q\.?p\.?m\.?|daily|every\s+day|per\s+day|a\s+day)(?!\w)", _I),
        1.0,
    ),
    (re.compile(r"\b(?:q\.?h\.?s\.?|at\s+bedtime|nightly|every\s+night|at\s+night)(?!\w)", _I), 1.0),
)

_AS_NEEDED = re.compile(r"\b(?:p\.?r\.?n\.?|as\s+needed)(?!\w)", _I)

_UNITS_PER_DOSE = re.compile(
    rf"\b(?:take\s+)?(?P<u>{RANGE})\s*(?:(?:tabs?|tablets?|caps?|capsules?|pills?|patch(?:es)?|puffs?|sprays?)\b\s*)?"
    r"(?:by\s+mouth|p\.?o\.?(?!\w)|orally|sublingually)"
    rf"|\b(?P<u2>{RANGE})\s*(?:tabs?|tablets?|caps?|capsules?|pills?)\b",
    _I,
)

_DURATION = re.compile(
    rf"\b(?P<n>{RANGE})[\s-]*(?P<unit>days?|weeks?|wks?|months?|hours?|hrs?)\b"
    r"(?:\s*(?:of\s+)?(?:supply|use|trial|rental|coverage|course|program|treatment))?",
    _I,
)

_REFILLS = re.compile(rf"\b(?P<n>{NUM})\s+refills?\b|\brefills?\s*[:#x]?\s*(?P<n2>\d+)\b", _I)


def strength_after(reader: ItemReader, start: int, stop: int, drug: Drug) -> Value[Strength] | None:
    window = reader.focus[start:stop]
    found: list[tuple[int, int, Strength]] = []
    for match in _PATCH_RATE.finditer(window):
        amount = read_figure(match.group("amount"))
        found.append(
            (match.start(), match.end(), Strength(text=match.group(), amounts=[amount], unit="mcg/hr"))
        )
    for match in _STRENGTH.finditer(window):
        amounts = [read_figure(a) for a in _AMOUNTS.findall(match.group("amounts"))]
        unit = match.group("unit").lower()
        found.append(
            (
                match.start(),
                match.end(),
                Strength(
                    text=match.group(),
                    amounts=amounts,
                    unit="mg" if unit == "mg" else "mcg",
                    mg=_principal_mg(reader.vocab, drug, amounts, unit),
                ),
            )
        )
    for match in _PERCENT.finditer(window):
        found.append(
            (
                match.start(),
                match.end(),
                Strength(text=match.group(), amounts=[read_figure(match.group("amount"))], unit="%"),
            )
        )
    if not found:
        return None
    s, e, strength = min(found, key=lambda f: f[0])
    return Value[Strength](value=strength, span=reader.span(start + s, start + e))


def _principal_mg(vocab: Vocabulary, drug: Drug, amounts: list[float], unit: str) -> float | None:
    """mg of the ingredient a rule counts: the opioid of a combination, else the only or first one."""
    scale = 1.0 if unit == "mg" else 0.001
    if len(amounts) == 1:
        return amounts[0] * scale
    if drug.kind != "single" and len(amounts) == len(drug.ingredients):
        opioid = vocab.opioid_component(drug)
        index = drug.ingredients.index(opioid.generic) if opioid is not None else 0
        return amounts[index] * scale
    return None


def read_concentration(reader: ItemReader) -> Value[Strength] | None:
    for match in reader.matches(_CONCENTRATION, avoid_taken=False):
        per = read_figure(match.group("per")) if match.group("per") else 1.0
        amount = read_figure(match.group("amount")) / per
        unit: StrengthUnit = "mg/ml" if match.group("unit").lower() == "mg" else "mcg/ml"
        reader.take(match.start(), match.end())
        return Value[Strength](
            value=Strength(text=match.group(), amounts=[amount], unit=unit),
            span=reader.span(match.start(), match.end()),
        )
    return None


def read_package(reader: ItemReader) -> Value[Amount] | None:
    for match in reader.matches(_PACKAGE):
        unit_word = match.group("unit").lower()
        unit: Literal["ml", "g", "oz"] = (
            "ml" if unit_word.startswith("m") else "oz" if unit_word.startswith("o") else "g"
        )
        reader.take(match.start(), match.end())
        return Value[Amount](
            value=Amount(amount=read_figure(match.group("amount")), unit=unit),
            span=reader.span(match.start(), match.end()),
        )
    return None


def read_counts(reader: ItemReader, visit_based: bool) -> tuple[Value[int] | None, Value[Range] | None]:
    """The quantity (units) or, for a therapy, the visits the request states."""
    found: list[tuple[int, int, Range]] = []
    if visit_based:
        for match in reader.matches(_VISITS):
            written = number_range(match.group("n"))
            if written is not None:
                found.append((match.start(), match.end(), written))
    for pattern in (_HASH_COUNT, _QTY_COUNT, _TRAILING_COUNT):
        for match in reader.matches(pattern):
            count = whole(number(match.group("n")))
            if count is not None:
                found.append((match.start(), match.end(), Range(low=count, high=count)))
    leading = _leading_count(reader)
    if leading is not None:
        found.append(leading)
    if not found:
        for match in reader.matches(_TIMES_COUNT):
            count = int(match.group("n"))
            found.append((match.start(), match.end(), Range(low=count, high=count)))
    if not found:
        return None, None
    start, end, count = min(found, key=lambda f: f[0])
    span = reader.span(start, end)
    if visit_based:
        return None, Value[Range](value=count, span=span)
    return Value[int](value=count.high, span=span), None


def _leading_count(reader: ItemReader) -> tuple[int, int, Range] | None:
    skip = _LEADING_SKIP.match(reader.focus)
    offset = skip.end() if skip else 0
    match = _LEADING_COUNT.match(reader.focus, offset)
    if match is None or reader.overlaps(match.start("n"), match.end("n")):
        return None
    following = match.group("next").lower()
    if following.startswith(("refill", "day", "week", "month", "hour", "time", "x")):
        return None
    count = whole(number(match.group("n")))
    if count is None:
        return None
    return match.start("n"), match.end("n"), Range(low=count, high=count)


def read_frequency(reader: ItemReader) -> Value[Frequency] | None:
    parts: dict[str, object] = {}
    spans: list[tuple[int, int]] = []

    def claim(match: re.Match[str]) -> None:
        spans.append((match.start(), match.end()))
        reader.take(match.start(), match.end())

    for match in reader.matches(_HOURS_PER_DAY):
        parts.setdefault("hours_per_day", number_range(match.group("n")))
        claim(match)
    for match in reader.matches(_PER_WEEK):
        per_week = (
            number_range(match.group("n"))
            if match.group("n")
            else Range(
                low=_TIMES_WORDS[match.group("word").lower()], high=_TIMES_WORDS[match.group("word").lower()]
            )
        )
        parts.setdefault("per_week", per_week)
        if match.group("weeks"):
            parts.setdefault("weeks", number_range(match.group("weeks")))
        claim(match)
    for match in reader.matches(_N_BY_M):
        per_week = number_range(match.group("n"))
        weeks = number_range(match.group("m"))
        if per_week is None or weeks is None or "per_week" in parts:
            continue
        parts["per_week"], parts["weeks"] = per_week, weeks
        claim(match)
    # every daily figure written widens one range: "3 times a day to 4 times a day", "TID-QID"
    readings: list[tuple[float, float]] = []
    for match in reader.matches(_TIMES_PER_DAY):
        times = (
            number_range(match.group("n"))
            if match.group("n")
            else Range(
                low=_TIMES_WORDS[match.group("word").lower()], high=_TIMES_WORDS[match.group("word").lower()]
            )
        )
        if times is not None:
            readings.append((float(times.low), float(times.high)))
        claim(match)
    for match in reader.matches(_EVERY_HOURS):
        hours = number_range(match.group("h"))
        if hours is not None and hours.low > 0:
            readings.append((24 / hours.high, 24 / hours.low))
        claim(match)
    for pattern, per_day in _NAMED_DOSES:
        for match in reader.matches(pattern):
            readings.append((per_day, per_day))
            claim(match)
    low = min((r[0] for r in readings), default=None)
    high = max((r[1] for r in readings), default=None)
    if low is not None:
        parts["per_day_low"], parts["per_day_high"] = low, high
    for match in reader.matches(_UNITS_PER_DOSE):
        units = number_range(match.group("u") or match.group("u2"))
        if units is not None:
            parts.setdefault("units_per_dose", units)
        claim(match)
    for match in reader.matches(_AS_NEEDED):
        parts["as_needed"] = True
        claim(match)
    if not spans:
        return None
    start = min(s for s, _ in spans)
    end = max(e for _, e in spans)
    frequency = Frequency.model_validate({k: v for k, v in parts.items() if v is not None})
    return Value[Frequency](value=frequency, span=reader.span(start, end))


def visits_from(frequency: Value[Frequency]) -> Value[Range] | None:
    schedule = frequency.value
    if schedule.per_week is None or schedule.weeks is None:
        return None
    visits = Range(
        low=schedule.per_week.low * schedule.weeks.low, high=schedule.per_week.high * schedule.weeks.high
    )
    return Value[Range](value=visits, span=frequency.span)


def read_duration(reader: ItemReader) -> Value[Duration] | None:
    for match in reader.matches(_DURATION):
        amount = number_range(match.group("n"))
        if amount is None:
            continue
        unit_word = match.group("unit").lower()
        unit: Literal["hour", "day", "week", "month"] = (
            "day"
            if unit_word.startswith("d")
            else "month"
            if unit_word.startswith("m")
            else "hour"
            if unit_word.startswith("h")
            else "week"
        )
        reader.take(match.start(), match.end())
        return Value[Duration](
            value=Duration(amount=amount, unit=unit), span=reader.span(match.start(), match.end())
        )
    return None


def read_refills(reader: ItemReader) -> Value[int] | None:
    for match in reader.matches(_REFILLS):
        count = whole(number(match.group("n") or match.group("n2")))
        if count is None:
            continue
        reader.take(match.start(), match.end())
        return Value[int](value=count, span=reader.span(match.start(), match.end()))
    return None
