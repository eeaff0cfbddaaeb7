"""Where a request applies: body parts with their sides and spinal levels, the limbs an
electrodiagnostic study covers, and an imaging study's contrast and guidance."""

from __future__ import annotations

import re
from dataclasses import dataclass

from engine.letters.item_model import BodyPart, Contrast, Guidance, Limb, Value
from engine.letters.item_reader import NUM, ItemReader, number, whole
from engine.vocab import Side, Vocabulary

_I = re.IGNORECASE

_CONTRAST: tuple[tuple[re.Pattern[str], Contrast], ...] = (
    (
        re.compile(
            r"\b(?:with\s+(?:and|&|/)\s*without|w/\s*(?:and\s+)?w/?o|w/wo)\s*(?:iv\s+)?contrast\b", _I
        ),
        "with_and_without",
    ),
    (
        re.compile(r"\b(?:without|w/o|w/out|no)\s+(?:iv\s+)?contrast\b|\bnon[-\s]?contrast(?:ed)?\b", _I),
        "without",
    ),
    (
        re.compile(r"\b(?:with|w/)\s*(?:iv\s+)?(?:contrast|gadolinium)\b|\bcontrast[-\s]enhanced\b", _I),
        "with",
    ),
)

_GUIDANCE: tuple[tuple[re.Pattern[str], Guidance], ...] = (
    (re.compile(r"\bfluoroscop(?:ic|y|ically)\b|\bfluoro\b", _I), "fluoroscopy"),
    (re.compile(r"\bultrasound[-\s]?guid(?:ed|ance)\b|\bunder\s+ultrasound\b", _I), "ultrasound"),
    (re.compile(r"\bCT[-\s]?guid(?:ed|ance)\b", _I), "ct"),
)

_LEVEL = re.compile(
    r"(?<![A-Za-z0-9])(?P<a>[CTLS])\s?(?P<an>\d{1,2})(?:\s*[-–/]\s*(?P<b>[CTLS])?\s?(?P<bn>\d{1,2}))?(?![A-Za-z0-9%.])"
)

_LIMBS: dict[tuple[str, str], Limb] = {
    ("left", "upper_extremity"): "left_upper",
    ("right", "upper_extremity"): "right_upper",
    ("left", "lower_extremity"): "left_lower",
    ("right", "lower_extremity"): "right_lower",
}

_LEVEL_WORDS = re.compile(rf"\b(?P<n>{NUM})[\s-]*levels?\b", _I)

_VERTEBRAE = {"C": 7, "T": 12, "L": 5, "S": 5}

_VERTEBRA_OFFSET = {"C": 0, "T": 7, "L": 19, "S": 24}


@dataclass
class _Place:
    start: int
    end: int
    region: str | None = None
    side: Side | None = None


def read_body_parts(reader: ItemReader) -> tuple[list[BodyPart], list[Value[str]], int | None]:
    vocab = reader.vocab
    focus = reader.focus
    places: list[_Place] = []
    levels: list[Value[str]] = []
    level_count = 0
    for match in vocab.region_words.find(focus):
        if not reader.overlaps(match.start, match.end):
            places.append(_Place(match.start, match.end, region=match.payload))
    for match in reader.matches(_LEVEL):
        counted = _segments(match)
        if counted is None:
            continue
        region = vocab.region_by_spinal_letter.get(match.group("a"))
        levels.append(Value[str](value=match.group(), span=reader.span(match.start(), match.end())))
        level_count += counted
        if region is not None:
            places.append(_Place(match.start(), match.end(), region=region))
    for match in vocab.side_words.find(focus):
        if not reader.overlaps(match.start, match.end):
            places.append(_Place(match.start, match.end, side=match.payload))
    places.sort(key=lambda p: p.start)

    parts: list[BodyPart] = []
    pending: _Place | None = None
    carried: _Place | None = None
    previous_end: int | None = None
    for place in places:
        if place.region is None:
            pending = place
            continue
        region = vocab.regions[place.region]
        side_place: _Place | None = None
        if pending is not None:
            side_place, pending = pending, None
        elif (
            carried is not None
            and region.sided
            and previous_end is not None
            and re.fullmatch(r"[\s,/&]*(?:and\s*)?(?:the\s*)?", focus[previous_end : place.start], _I)
        ):
            side_place = carried
        carried = side_place if side_place is not None and region.sided else None
        parts.append(
            BodyPart(
                region=place.region,
                side=side_place.side if side_place else None,
                span=reader.span(place.start, place.end),
                side_span=reader.span(side_place.start, side_place.end) if side_place else None,
            )
        )
        previous_end = place.end
    if pending is not None and parts and parts[-1].side is None and vocab.regions[parts[-1].region].sided:
        last = parts[-1]
        parts[-1] = last.model_copy(
            update={"side": pending.side, "side_span": reader.span(pending.start, pending.end)}
        )
    stated_levels = _LEVEL_WORDS.search(focus)
    if not levels and stated_levels is not None:
        written = whole(number(stated_levels.group("n")))
        return _merge(parts), levels, written
    return _merge(parts), levels, level_count or None


def _segments(match: re.Match[str]) -> int | None:
    """Motion segments a spinal level covers: L4-5 is 1, L3-S1 is 3, a single root (L4) is 1."""
    first = match.group("a")
    first_n = int(match.group("an"))
    if not 1 <= first_n <= _VERTEBRAE[first]:
        return None
    if match.group("bn") is None:
        return 1
    second = match.group("b") or first
    second_n = int(match.group("bn"))
    if not 1 <= second_n <= _VERTEBRAE[second]:
        return None
    distance = (_VERTEBRA_OFFSET[second] + second_n) - (_VERTEBRA_OFFSET[first] + first_n)
    return distance if distance >= 1 else None


def _merge(parts: list[BodyPart]) -> list[BodyPart]:
    """One entry per region and side; a region named with a side absorbs its side-less mention."""
    merged: list[BodyPart] = []
    for part in parts:
        same = [m for m in merged if m.region == part.region]
        if any(m.side == part.side for m in same):
            continue
        sideless = next((m for m in same if m.side is None), None)
        if sideless is not None and part.side is not None:
            merged[merged.index(sideless)] = part
            continue
        if part.side is None and same:
            continue
        merged.append(part)
    return merged


def limbs_of(vocab: Vocabulary, parts: list[BodyPart]) -> list[Limb]:
    limbs: list[Limb] = []
    for part in parts:
        group = vocab.regions[part.region].group
        if group not in ("upper_extremity", "lower_extremity") or part.side is None:
            continue
        sides = ("left", "right") if part.side == "bilateral" else (part.side,)
        for side in sides:
            limb = _LIMBS[(side, group)]
            if limb not in limbs:
                limbs.append(limb)
    return limbs


def read_contrast(reader: ItemReader) -> Value[Contrast] | None:
    for pattern, value in _CONTRAST:
        for match in reader.matches(pattern, avoid_taken=False):
            return Value[Contrast](value=value, span=reader.span(match.start(), match.end()))
    return None


def read_image_guidance(reader: ItemReader) -> Value[Guidance] | None:
    for pattern, value in _GUIDANCE:
        for match in reader.matches(pattern, avoid_taken=False):
            return Value[Guidance](value=value, span=reader.span(match.start(), match.end()))
    return None
