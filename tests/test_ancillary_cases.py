"""Services that follow an index procedure, read from letters written for these tests.

The three ways a letter places a service's index procedure -- an item of the same letter, a surgery
the letter says was certified or performed, none at all -- and what items of one letter establish
for each other (an opioid requested is the opioid therapy a stool softener needs). Each letter is a
small IMR letter in the MAXIMUS form, read exactly as a real one is.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest
from rich.console import Console
from written_letters import letter as _letter

from engine.ancillary import IndexLink
from engine.evaluate import CriterionResult, Evaluator, ItemResult
from engine.facts import Case
from engine.letters.extract import build_case
from engine.letters.parse import parse_letter
from engine.report import explain
from engine.rules import load_rules
from engine.vocab import load_vocabulary

HERNIA_SUMMARY = (
    "The injured worker is a 38-year-old man with a right inguinal hernia that is painful on lifting. "
    "A reducible hernia was palpated on examination."
)
HERNIA_ITEMS = (
    ("Right inguinal hernia repair", "Overturned", "The hernia is confirmed on examination."),
    ("Post-operative Norco 5/325mg #30", "Overturned", "A short supply follows the surgery."),
    ("Colace 100mg #60", "Overturned", "Prophylaxis of constipation begins with the opioid."),
)

LETTERS = {
    "hernia": _letter("0000001", HERNIA_SUMMARY, *HERNIA_ITEMS),
    "hernia-asymptomatic": _letter(
        "0000002",
        "The injured worker is a 38-year-old man with an asymptomatic right inguinal hernia. "
        "A reducible hernia was palpated on examination.",
        *HERNIA_ITEMS,
    ),
    "performed": _letter(
        "0000003",
        "The injured worker is a 44-year-old woman with numbness of the right hand. Nerve conduction "
        "studies confirmed moderate right carpal tunnel syndrome. She underwent a right carpal tunnel "
        "release on 11/01/2016.",
        (
            "Post-operative occupational therapy 2 times a week for 2 weeks for the right wrist",
            "Overturned",
            "Therapy after the release.",
        ),
    ),
    "certified-on-the-form": _letter(
        "0000004",
        "The injured worker is a 33-year-old woman with locking of the right knee. MRI showed a tear "
        "of the medial meniscus.",
        (
            "Right knee arthroscopic partial meniscectomy and 12 sessions of post-operative physical "
            "therapy was the original request. Right knee arthroscopic partial meniscectomy was "
            "authorized by the Claims Administrator. The remaining IMR eligible portion of the original "
            "request, 12 sessions of post-operative physical therapy is",
            "Upheld",
            "Twelve visits exceed the initial course.",
        ),
    ),
    "no-index": _letter(
        "0000005",
        "The injured worker is a 50-year-old man with left shoulder pain.",
        ("Post-operative physical therapy, 12 sessions for the left shoulder", "Upheld", "No surgery."),
    ),
    "other-region": _letter(
        "0000008",
        "The injured worker is a 52-year-old man, status post lumbar fusion in 2010, now with right "
        "knee pain.",
        ("Post-operative physical therapy, 6 sessions for the right knee", "Upheld", "No knee surgery."),
    ),
    "nsaid-and-ppi": _letter(
        "0000006",
        "The injured worker is a 70-year-old woman with knee osteoarthritis.",
        ("Naproxen 500mg #60", "Overturned", "First prescription."),
        ("Omeprazole 20mg #30", "Overturned", "Age over 65."),
    ),
    "remaining-trial": _letter(
        "0000007",
        "The injured worker is a 41-year-old man with low back pain and no prior physical therapy.",
        (
            "Physical therapy 8 sessions for the low back was the original request. Physical therapy "
            "6 sessions for the low back was authorized by the Claims Administrator. The remaining IMR "
            "eligible portion of the original request, physical therapy 2 sessions for the low back is",
            "Upheld",
            "The response to the first sessions is not yet known.",
        ),
    ),
}


@cache
def _evaluator() -> Evaluator:
    return Evaluator(load_rules())


@cache
def _read(name: str, tmp: Path) -> tuple[Case, dict[str, ItemResult]]:
    path = tmp / f"{name}.txt"
    path.write_text(LETTERS[name], encoding="utf-8")
    case = build_case(parse_letter(path), load_vocabulary())
    result = _evaluator().evaluate(case)
    return case, {item.item_id: item for item in result.items}


Reader = Callable[[str], tuple[Case, dict[str, ItemResult]]]


@pytest.fixture(scope="module")
def read(tmp_path_factory: pytest.TempPathFactory) -> Reader:
    tmp = tmp_path_factory.mktemp("letters")
    return lambda name: _read(name, tmp)


def _criterion(result: ItemResult, criterion_id: str) -> CriterionResult:
    return next(c for c in result.criteria if c.id == criterion_id)


def _link(result: ItemResult) -> IndexLink:
    assert result.index is not None, f"item {result.item_id} followed no index"
    return result.index


# --- the index is an item of the same letter ---------------------------------------------------------


def test_a_service_follows_its_index_in_the_same_letter_then_its_own_criteria(read: Reader) -> None:
    case, results = read("hernia")
    norco = next(i for i in case.items if i.item_id == "2")
    assert norco.ancillary_to == "1"
    assert norco.ancillary_basis is not None and "Post-operative" in norco.ancillary_basis
    assert results["1"].result == "supported"
    link = _link(results["2"])
    assert (link.source, link.item_id, link.result) == ("case_item", "1", "supported")
    assert link.procedures == ["hernia_repair"]
    assert _criterion(results["2"], "IMR-ANC-01").status == "met"
    # ... and then the drug's own rules decide it
    assert any(r != "IMR-ANC" and not r.startswith("IMR-") for r in results["2"].rule_ids)


def test_a_service_falls_with_an_index_that_is_not_necessary(read: Reader) -> None:
    _, results = read("hernia-asymptomatic")
    assert results["1"].result == "not_supported"
    for item_id in ("2", "3"):
        assert _criterion(results[item_id], "IMR-ANC-01").status == "not_met"
        assert "IMR-ANC-01" in results[item_id].deciding
        assert results[item_id].predicted == "Upheld"


# --- the index was certified or performed ---------------------------------------------------------------


def test_a_service_after_a_surgery_the_letter_says_was_performed_is_judged_on_its_own(read: Reader) -> None:
    _, results = read("performed")
    result = results["1"]
    link = _link(result)
    assert link.source == "certified_or_performed"
    assert any("underwent" in e.quote for e in link.evidence)
    assert link.procedures == ["carpal_tunnel_release"]
    assert _criterion(result, "IMR-ANC-01").status == "met"
    # four visits: within half the general course after a carpal tunnel release
    postsurgical = _criterion(result, "PSTG-PM-02")
    assert postsurgical.facts["postsurgical_procedure"] == "carpal_tunnel_release"
    assert postsurgical.status == "met"
    assert result.result == "supported"


def test_a_surgery_authorized_on_the_utilization_review_form_is_the_certified_index(read: Reader) -> None:
    _, results = read("certified-on-the-form")
    result = results["1"]
    link = _link(result)
    assert link.source == "certified_or_performed"
    assert link.procedures == ["meniscectomy"]
    assert _criterion(result, "IMR-ANC-01").status == "met"
    # twelve visits exceed the six of the initial course after a meniscectomy
    assert _criterion(result, "PSTG-PM-02").status == "not_met"
    assert "PSTG-PM-02" in result.deciding


# --- no index is documented ------------------------------------------------------------------------------


def test_a_service_whose_index_is_not_documented_says_so(read: Reader) -> None:
    _, results = read("no-index")
    result = results["1"]
    link = _link(result)
    assert link.source == "not_documented"
    assert "not documented" in link.basis
    anc = _criterion(result, "IMR-ANC-01")
    assert anc.status == "not_documented" and anc.blocks_when_not_documented
    assert result.result == "not_supported"


def test_a_surgery_of_another_region_is_not_the_index_of_a_service(read: Reader) -> None:
    _, results = read("other-region")
    link = _link(results["1"])
    assert link.source == "not_documented"
    assert _criterion(results["1"], "IMR-ANC-01").status == "not_documented"


# --- items share what they establish ---------------------------------------------------------------------


def test_an_opioid_item_is_the_opioid_therapy_a_stool_softener_needs(read: Reader) -> None:
    case, results = read("hernia")
    colace = next(i for i in case.items if i.item_id == "3")
    assert colace.ancillary_to == "2"  # the laxative serves the opioid
    oic = _criterion(results["3"], "ODG-OIC-01")
    assert oic.status == "met"
    assert oic.facts["opioid_therapy"] is True
    assert any("Norco" in e.quote for e in oic.evidence_detail if e.section == "derived")
    # the chain: hernia repair -> post-operative Norco -> Colace
    assert _link(results["3"]).item_id == "2"
    assert results["3"].result == "supported"


def test_an_nsaid_item_is_the_nsaid_use_a_stomach_protectant_needs(read: Reader) -> None:
    _, results = read("nsaid-and-ppi")
    ppi = results["2"]
    shared = [c for c in ppi.criteria if "nsaid_use" in c.facts]
    assert shared and all(c.facts["nsaid_use"] is True for c in shared)
    assert any("Naproxen" in e.quote for c in shared for e in c.evidence_detail)
    assert ppi.index is None  # shared, not dependent: the protectant is judged on its own risk


# --- a partial certification's remaining portion ---------------------------------------------------------


def test_visits_left_after_an_authorized_trial_continue_that_trial(read: Reader) -> None:
    case, results = read("remaining-trial")
    facts = case.items[0].facts
    assert facts["visits_original_request"] is not None and facts["visits_original_request"].value == 8
    assert facts["prior_visits"] is not None and facts["prior_visits"].value == 6
    assert facts["prior_course"] is not None and facts["prior_course"].value is True
    result = results["1"]
    # the two visits continue the six-visit trial: improvement from it must be documented first
    assert "CPMTG2016-PM-TRIAL" in result.rule_ids
    assert _criterion(result, "CPMTG2016-PM-09").status == "not_documented"
    assert result.result == "not_supported"


# --- the trace ---------------------------------------------------------------------------------------------


def _rendered(name: str, read: Reader) -> str:
    case, _ = read(name)
    console = Console(width=120, record=True, file=io.StringIO())
    for part in explain(_evaluator().evaluate(case), _evaluator().pack):
        console.print(part)
    return console.export_text()


def test_explain_names_the_index_an_ancillary_followed_where_it_came_from_and_why(read: Reader) -> None:
    text = _rendered("hernia", read)
    assert "ancillary service: follows item 1, Right inguinal hernia repair" in text
    assert "why       the item names itself a surgical service" in text
    assert "item 2, Post-operative Norco" in text
    text = _rendered("performed", read)
    assert "follows a surgery the letter states was certified or performed" in text
    assert "underwent a right carpal tunnel" in text.replace("\n", " ")
    text = _rendered("no-index", read)
    assert "the index procedure is not documented" in text
