"""Ranges of motion in degrees read against the region's normal (engine/letters/motion.py,
guidelines/normal-motion.yaml): both sides of every region's threshold, where the region comes
from, and the file's checks."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from engine.errors import InputError
from engine.letters.motion import MOTION_FILE, load_motion_reader

SPEC = yaml.safe_load(MOTION_FILE.read_text(encoding="utf-8"))
REGION_WORD = {
    "cervical": "cervical", "lumbar": "lumbar", "shoulder": "right shoulder", "elbow": "left elbow",
    "wrist": "right wrist", "hip": "left hip", "knee": "right knee", "ankle": "left ankle",
}  # fmt: skip
MOTION_WORD = {
    "flexion": "flexion", "extension": "extension", "lateral_bending": "lateral bending",
    "rotation": "rotation", "abduction": "abduction", "adduction": "adduction",
    "internal_rotation": "internal rotation", "external_rotation": "external rotation",
    "supination": "supination", "pronation": "pronation", "radial_deviation": "radial deviation",
    "ulnar_deviation": "ulnar deviation", "dorsiflexion": "dorsiflexion",
    "plantar_flexion": "plantar flexion", "inversion": "inversion", "eversion": "eversion",
}  # fmt: skip
CASES = [
    (region, motion, normal)
    for region, entry in SPEC["regions"].items()
    for motion, normal in entry["motions"].items()
]


@pytest.mark.parametrize(("region", "motion", "normal"), CASES)
def test_a_measure_short_of_the_normal_is_limited_and_one_near_it_is_not(
    region: str, motion: str, normal: int
) -> None:
    reader = load_motion_reader()
    limit = SPEC["limited_below"] * normal
    below, at = int(limit) - 1 if limit == int(limit) else int(limit), int(limit) + 1
    short = f"On examination, {REGION_WORD[region]} {MOTION_WORD[motion]} was {below} degrees."
    near = f"On examination, {REGION_WORD[region]} {MOTION_WORD[motion]} was {at} degrees."
    assert [(m.region, m.motion) for m in reader.limited(short)] == [(region, motion)]
    assert reader.limited(near) == []
    assert [(m.region, m.motion, m.degrees) for m in reader.measures(near)] == [(region, motion, at)]


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        # the region named last before the measure, for every measure after it
        (
            "Exam: cervical flexion at 25 degrees, left rotation at 30 degrees and side bending 40 degrees.",
            [("cervical", "flexion", 25), ("cervical", "rotation", 30), ("cervical", "lateral_bending", 40)],
        ),
        # a motion only one region has names it
        ("Dorsiflexion limited to 5 degrees.", [("ankle", "dorsiflexion", 5)]),
        # the measure with its own normal, whatever the region
        ("Range of motion was restricted with extension of 20 degrees out of 30.", [("", "extension", 20)]),
        # the number before the motion, and an arc's end
        ("The right knee had 100 degrees of flexion.", [("knee", "flexion", 100)]),
        ("Knee flexion 0-120 degrees.", [("knee", "flexion", 120)]),
        # a hinge joint's range written as its arc
        ("The left knee had range of motion of 5 to 105 degrees.", [("knee", "flexion", 105)]),
        ("Lumbar range of motion was 40 degrees.", []),
        # the measure over its normal, degrees unwritten; a grade out of 5 or 10 is not a measure
        (
            "Lumbar ROM: flexion 40/90, extension 10/25.",
            [("lumbar", "flexion", 40), ("lumbar", "extension", 10)],
        ),
        ("Range of motion of the left hip: flexion 4/5, abduction 4/5.", []),
        ("Lumbar range of motion: pain 6/10 with flexion 8/10.", []),
        # no region, or no degrees: nothing is read
        ("Flexion was 30 degrees.", []),
        ("Straight leg raise was positive at 40 degrees.", []),
        ("Cervical flexion was limited.", []),
    ],
)
def test_where_a_measure_and_its_region_come_from(
    sentence: str, expected: list[tuple[str, str, int]]
) -> None:
    assert [(m.region, m.motion, m.degrees) for m in load_motion_reader().limited(sentence)] == expected


def test_the_motion_file_is_checked(tmp_path: Path) -> None:
    bad = tmp_path / "normal-motion.yaml"
    bad.write_text(
        MOTION_FILE.read_text(encoding="utf-8").replace(
            "fact: objective_functional_deficits", "fact: no_such_fact"
        )
    )
    with pytest.raises(InputError, match="no_such_fact") as raised:
        load_motion_reader(bad)
    assert raised.value.line is not None
