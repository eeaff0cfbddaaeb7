"""Injection rules and cues on the development letters that dispute injections.

The letters are read blind (facts extracted automatically) and evaluated; the tests check the facts
the injection cues read and the injection rules' decisions against the recorded outcomes.
"""

from __future__ import annotations

from functools import cache

import pytest

from engine.evaluate import Evaluator, ItemResult
from engine.facts import Case
from engine.paths import LETTERS_DIR
from engine.rules import load_rules

extract = pytest.importorskip("engine.letters.extract")

pytestmark = pytest.mark.skipif(not LETTERS_DIR.is_dir(), reason=f"letters not found at {LETTERS_DIR}")


@cache
def _case(name: str) -> Case:
    return extract.extract_case(LETTERS_DIR / "dwc-2016-2017" / f"{name}.pdf")


@cache
def _evaluator() -> Evaluator:
    return Evaluator(load_rules())


def _result(name: str, item_id: str) -> ItemResult:
    return next(i for i in _evaluator().evaluate(_case(name)).items if i.item_id == item_id)


def _status(result: ItemResult, criterion: str) -> str:
    return next(c.status for c in result.criteria if c.id == criterion)


def _finding(case: Case, name: str) -> object:
    documented = case.findings.get(name)
    return None if documented is None else documented.value


def _item_fact(case: Case, item_id: str, name: str) -> object:
    item = next(i for i in case.items if i.item_id == item_id)
    documented = item.facts.get(name)
    return None if documented is None else documented.value


def test_transforaminal_esi_request_facts_and_exam_signs_are_read() -> None:
    case = _case("CM17-0005418")
    for item_id in ("1", "2"):
        assert _item_fact(case, item_id, "injection_approach") == "transforaminal"
        assert _item_fact(case, item_id, "image_guidance") == "fluoroscopy"
    assert _finding(case, "nerve_tension_sign") is True
    assert _finding(case, "facet_mediated_pain") is False


@pytest.mark.parametrize("item_id", ["1", "2"])
def test_esi_without_corroborating_imaging_is_upheld(item_id: str) -> None:
    result = _result("CM17-0005418", item_id)
    assert result.recorded == "Upheld"
    assert result.predicted == "Upheld"
    assert _status(result, "CPMTG2016-ESI-01") == "met"
    assert _status(result, "CPMTG2016-ESI-02") == "not_documented"
    assert _status(result, "CPMTG2016-ESI-04") == "met"


@pytest.mark.parametrize("item_id", ["3", "4"])
def test_first_esi_is_not_judged_as_a_repeat(item_id: str) -> None:
    result = _result("CM16-0247274", item_id)
    assert result.predicted == result.recorded == "Upheld"
    assert _finding(_case("CM16-0247274"), "nerve_tension_sign") is False
    for repeat_criterion in ("CPMTG2016-ESI-07", "CPMTG2016-ESI-08", "CPMTG2016-ESI-09", "CPMTG2016-ESI-10"):
        assert _status(result, repeat_criterion) == "not_documented"


def test_lumbar_facet_injections_are_not_recommended() -> None:
    result = _result("CM16-0219557", "1")
    assert result.predicted == result.recorded == "Upheld"
    assert _status(result, "ACOEM-LB-FACET-01") == "not_met"


def test_knee_prp_without_its_indication_is_upheld() -> None:
    result = _result("CM17-0011992", "1")
    assert "ODG-PRP-KNEE" in result.rule_ids
    assert result.predicted == result.recorded == "Upheld"


def test_neurolytic_injection_is_not_recommended() -> None:
    result = _result("CM16-0247274", "2")
    assert result.predicted == result.recorded == "Upheld"
    assert _status(result, "ODG-NEUROLYTIC-01") == "not_met"
