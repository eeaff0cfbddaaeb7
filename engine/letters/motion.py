"""Ranges of motion recorded in degrees, read against the region's normal (guidelines/normal-motion.yaml).

An examination writes "cervical flexion at 25 degrees, left rotation at 30 degrees" or "abduction to
100 degrees"; each measure is a motion of a region, and one that falls short of the region's normal
is a limited range of motion: an objective functional deficit. The region is the one the sentence
names last before the measure, else the region a motion names by itself ("dorsiflexion"); a measure
whose region is not named is not read. A measure given with its own normal ("extension of 20 degrees
out of 30", "flexion 40/90") is read against that one; a sentence with no degree mark is read only
where it speaks of range of motion.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from engine.facts import load_fact_vocabulary
from engine.paths import GUIDELINES_DIR
from engine.yamlio import YamlDocument, load_yaml, validate

MOTION_FILE = GUIDELINES_DIR / "normal-motion.yaml"
_I = re.IGNORECASE

Degrees = Annotated[int, Field(ge=1, le=360)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class _Region(_Strict):
    words: list[str]
    motions: dict[str, Degrees]


class _MotionFile(_Strict):
    fact: str
    limited_below: Annotated[float, Field(gt=0, le=1)]
    least_written_normal: Degrees
    regions: dict[str, _Region]
    motions: dict[str, list[str]]
    naming_their_region: list[str] = []


@dataclass(frozen=True)
class Measure:
    """A motion measured in degrees, where it is written, and the normal it is read against (region ""
    where the sentence gives the normal and names no region)."""

    region: str
    motion: str
    degrees: int
    normal: int
    start: int
    end: int


# the number after the motion's name: "flexion at 25 degrees", "abduction to 100°", "extension of 20
# degrees out of 30", "flexion 0-120 degrees" (the arc's end)
_AFTER = (
    r"(?:\s*(?::|=|\(|of|at|to|is|was|measured|measuring|limited\s+to|reduced\s+to|only|approximately|about)){0,3}"
    r"\s*(?:(?:\d{1,3}\s*(?:-|to)\s*)?(?P<degrees>\d{1,3})\s*(?:°|degrees?\b|deg\b)"
    r"(?:\s*(?:out\s+of|/|of\s+a\s+normal)\s*(?P<normal>\d{1,3}))?"
    # "flexion 40/90": the measure over its normal, degrees unwritten
    r"|(?P<part>\d{1,3})\s*/\s*(?P<whole>\d{1,3})(?![\d/])(?:\s*(?:°|degrees?\b|deg\b))?)"
)
# the number before it: "25 degrees of flexion"
_BEFORE = r"(?P<before>\d{1,3})\s*(?:°|degrees?\b|deg\b)\s+(?:of\s+)?(?:(?:active|passive)\s+)?"
_DEGREE = re.compile(r"\d\s*(?:°|degree|deg\b)|\bROM\b|\brange\s+of\s+motion\b|\bmotion\b", _I)


class MotionReader:
    """Finds the measures of a sentence and tells which fall short of the normal."""

    def __init__(self, spec: _MotionFile) -> None:
        self.fact = spec.fact
        self.limited_below = spec.limited_below
        self.least_written_normal = spec.least_written_normal
        self.normals = {region: r.motions for region, r in spec.regions.items()}
        self.region_words = re.compile(
            "|".join(
                rf"(?P<r{number}>\b(?:{'|'.join(r.words)})\b)"
                for number, r in enumerate(spec.regions.values())
            ),
            _I,
        )
        self.region_names = list(spec.regions)
        names = sorted(
            ((motion, word) for motion, words in spec.motions.items() for word in words),
            key=lambda pair: -len(pair[1]),
        )
        self.motion_names = [motion for motion, _ in names]
        named = "|".join(f"(?P<m{number}>{word})" for number, (_, word) in enumerate(names))
        self.measures_re = re.compile(rf"(?:{_BEFORE})?\b(?:{named})\b(?:{_AFTER})?", _I)
        self.only_region = {
            motion: region
            for region, motions in self.normals.items()
            for motion in motions
            if motion in spec.naming_their_region
        }

    def measures(self, text: str) -> list[Measure]:
        """Every motion measured in degrees in `text` whose region is known."""
        if _DEGREE.search(text) is None:
            return []
        regions = [
            (m.start(), self.region_names[int((m.lastgroup or "r0")[1:])])
            for m in self.region_words.finditer(text)
        ]
        found = []
        for match in self.measures_re.finditer(text):
            written = match.group("degrees") or match.group("before") or match.group("part")
            if written is None:
                continue
            if match.group("part"):
                whole = int(match.group("whole"))
                if whole < self.least_written_normal or int(written) > whole:
                    continue
            motion = next(
                self.motion_names[int(name[1:])]
                for name, value in match.groupdict().items()
                if name.startswith("m") and value is not None
            )
            before = [region for start, region in regions if start < match.start() + len(match.group(0))]
            region = before[-1] if before else self.only_region.get(motion)
            normal_written = match.group("normal") or match.group("whole")
            if normal_written:
                found.append(
                    Measure(
                        region or "", motion, int(written), int(normal_written), match.start(), match.end()
                    )
                )
                continue
            normal = self.normals.get(region or "", {}).get(motion)
            if region is not None and normal is not None:
                found.append(Measure(region, motion, int(written), normal, match.start(), match.end()))
        return found

    def limited(self, text: str) -> list[Measure]:
        """The measures of `text` that fall short of their normal."""
        return [m for m in self.measures(text) if m.degrees < self.limited_below * m.normal]


@cache
def load_motion_reader(path: Path = MOTION_FILE) -> MotionReader:
    """Read and check guidelines/normal-motion.yaml; a problem raises InputError naming file and line."""
    document = load_yaml(path)
    spec = validate(document, _MotionFile)
    facts = load_fact_vocabulary()
    if spec.fact not in facts or facts.specs[spec.fact].type != "boolean":
        raise document.error(("fact",), f"{spec.fact!r} is no boolean fact of guidelines/facts/*.yaml")
    for region, entry in spec.regions.items():
        for motion in entry.motions:
            if motion not in spec.motions:
                raise document.error(
                    ("regions", region, "motions", motion), f"motion {motion!r} has no words"
                )
        for index, word in enumerate(entry.words):
            _compiled(document, ("regions", region, "words", index), word)
    for index, motion in enumerate(spec.naming_their_region):
        owners = [region for region, entry in spec.regions.items() if motion in entry.motions]
        if len(owners) != 1:
            raise document.error(
                ("naming_their_region", index), f"{motion!r} is a motion of {len(owners)} regions, not one"
            )
    for motion, words in spec.motions.items():
        for index, word in enumerate(words):
            _compiled(document, ("motions", motion, index), word)
    return MotionReader(spec)


def _compiled(document: YamlDocument, loc: tuple[str | int, ...], regex: str) -> None:
    try:
        re.compile(regex)
    except re.error as exc:
        raise document.error(loc, f"not a regex: {exc}") from None
