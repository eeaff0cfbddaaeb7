"""Generic headings completed by the reviewer's citation, read from letters written for the tests.

The citation names what was judged (the treatment, the body part), never how it was decided: a
heading that names a device by a brand the vocabulary does not know, a test only by what it
samples, or imaging of a whole limb takes what the cited section and chapter name.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from written_letters import letter

from engine.evaluate import Evaluator
from engine.facts import RequestedItem
from engine.letters.extract import build_case
from engine.letters.parse import parse_letter
from engine.rules import load_rules
from engine.vocab import load_vocabulary


def _item(tmp_path: Path, heading: str, maximus: str) -> RequestedItem:
    text = letter(
        "0000100",
        "The injured worker is a 45-year-old woman with chronic pain.",
        (heading, "Upheld", "No."),
        maximus=maximus,
    )
    path = tmp_path / "letter.txt"
    path.write_text(text, encoding="utf-8")
    return build_case(parse_letter(path), load_vocabulary()).items[0]


@pytest.mark.parametrize(
    ("heading", "maximus", "kind", "subtype"),
    [
        (
            "Interspec IF II unit",
            "Decision based on MTUS Chronic Pain Medical Treatment 2016, Section(s): "
            "Interferential Current Stimulation (ICS).",
            "tens_electrical_stimulation",
            "interferential",
        ),
        (
            "Urine test",
            "Decision based on MTUS Chronic Pain Medical Treatment 2016, Section(s): Drug testing.",
            "urine_drug_test",
            None,
        ),
        (
            "Xyzzol 10mg #30",
            "Decision based on MTUS Chronic Pain Medical Treatment 2016, Section(s): "
            "Opioids, criteria for use.",
            "medication",
            None,
        ),
    ],
)
def test_a_generic_heading_takes_the_cited_treatment(
    tmp_path: Path, heading: str, maximus: str, kind: str, subtype: str | None
) -> None:
    item = _item(tmp_path, heading, maximus)
    assert (item.kind, item.subtype) == (kind, subtype)


def test_imaging_of_a_whole_limb_takes_the_cited_chapters_region(tmp_path: Path) -> None:
    item = _item(
        tmp_path,
        "MRI of the right upper extremity",
        "Decision based on MTUS Shoulder Complaints 2004, Section(s): Special Studies.",
    )
    region = item.facts["body_region"]
    assert region is not None and region.value == "shoulder"
    assert region.evidence[0].section == "citation"
    assert "Shoulder Complaints" in region.evidence[0].quote
    result = Evaluator(load_rules()).evaluate(
        build_case(parse_letter(tmp_path / "letter.txt"), load_vocabulary())
    )
    assert any(rule.startswith("ACOEM-SH") for rule in result.items[0].rule_ids)


def test_a_named_region_is_not_overridden_by_the_citation(tmp_path: Path) -> None:
    item = _item(
        tmp_path,
        "MRI of the right knee",
        "Decision based on MTUS Shoulder Complaints 2004, Section(s): Special Studies.",
    )
    region = item.facts["body_region"]
    assert region is not None and region.value == "knee"


def test_an_unknown_drug_is_not_covered_and_the_trace_says_why(tmp_path: Path) -> None:
    _item(
        tmp_path, "Xyzzol 10mg #30", "The Expert Reviewer did not cite any medical evidence for its decision."
    )
    case = build_case(parse_letter(tmp_path / "letter.txt"), load_vocabulary())
    result = Evaluator(load_rules()).evaluate(case).items[0]
    assert result.status == "not_covered"
    assert result.uncovered is not None and "'Xyzzol'" in result.uncovered
