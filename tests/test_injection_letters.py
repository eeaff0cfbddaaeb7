"""Injection rules and cues on the development letters that dispute injections.

The letters are read blind (facts extracted automatically) and evaluated; the tests check the facts
the injection cues read and the injection rules' decisions against the recorded outcomes.
"""

from __future__ import annotations

import pytest
from development_letters import criterion_result, finding, item_fact, item_result, needs_letters

pytestmark = needs_letters


def test_transforaminal_esi_request_facts_and_exam_signs_are_read() -> None:
    letter = "CM17-0005418"
    for item_id in ("1", "2"):
        assert item_fact(letter, item_id, "injection_approach") == "transforaminal"
        assert item_fact(letter, item_id, "image_guidance") == "fluoroscopy"
        assert finding(letter, "nerve_tension_sign", item_id) is True
        assert finding(letter, "facet_mediated_pain", item_id) is False


@pytest.mark.parametrize("item_id", ["1", "2"])
def test_esi_without_corroborating_imaging_is_upheld(item_id: str) -> None:
    result = item_result("CM17-0005418", item_id)
    assert result.recorded == "Upheld"
    assert result.predicted == "Upheld"
    assert criterion_result(result, "CPMTG2016-ESI-01").status == "met"
    assert criterion_result(result, "CPMTG2016-ESI-02").status == "not_documented"
    assert criterion_result(result, "CPMTG2016-ESI-04").status == "met"


@pytest.mark.parametrize("item_id", ["3", "4"])
def test_first_esi_is_not_judged_as_a_repeat(item_id: str) -> None:
    result = item_result("CM16-0247274", item_id)
    assert result.predicted == result.recorded == "Upheld"
    assert finding("CM16-0247274", "nerve_tension_sign", item_id) is False
    for repeat_criterion in ("CPMTG2016-ESI-07", "CPMTG2016-ESI-08", "CPMTG2016-ESI-09", "CPMTG2016-ESI-10"):
        assert criterion_result(result, repeat_criterion).status == "not_documented"


def test_lumbar_facet_injections_are_not_recommended() -> None:
    result = item_result("CM16-0219557", "1")
    assert result.predicted == result.recorded == "Upheld"
    assert criterion_result(result, "ACOEM-LB-FACET-01").status == "not_met"


def test_knee_prp_without_its_indication_is_upheld() -> None:
    result = item_result("CM17-0011992", "1")
    assert "ODG-PRP-KNEE" in result.rule_ids
    assert result.predicted == result.recorded == "Upheld"


def test_neurolytic_injection_is_not_recommended() -> None:
    result = item_result("CM16-0247274", "2")
    assert result.predicted == result.recorded == "Upheld"
    assert criterion_result(result, "ODG-NEUROLYTIC-01").status == "not_met"
