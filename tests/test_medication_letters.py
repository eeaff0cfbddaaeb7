"""The medication rules (opioids, urine drug testing, NSAIDs, gastric protection, acetaminophen,
antiemetics, laxatives) on the development letters read blind.

The rules must reach the recorded outcome for the guideline's reason read from the letter: a first
NSAID for a recent injury, or a short further supply that relieves pain before the pain is chronic,
is supported; a second NSAID on top of another, continued opioids without improvement, an opioid
started without a non-opioid trial, a drug test for a patient who takes no opioid, gastric protection
without a GI risk are not.
"""

from __future__ import annotations

from development_letters import all_letter_paths, criterion_result, item_result, letter_results, needs_letters

pytestmark = needs_letters

MEDICATION_RULE_PREFIXES = (
    "CPMTG2009-OP",
    "OTG2016-",
    "CPMTG2009-UDT",
    "ODG-UDT",
    "CPMTG2009-NSAID",
    "CPMTG2016-NSAID",
    "CPMTG2009-COX2",
    "CPMTG2016-COX2",
    "CPMTG2009-GI",
    "CPMTG2016-GI",
    "CPMTG2009-APAP",
    "CPMTG2016-APAP",
    "ODG-AE",
    "ODG-OIC",
)
# Items the rules decide otherwise than the reviewer did, for a reason the guideline text does not
# give: a first naproxen upheld because the pain radiates (the guideline doubts NSAIDs for long-term
# neuropathic pain only), and a PPI for NSAID dyspepsia upheld because the NSAID itself was not
# justified (the engine does not chain one drug's determination to another's).
KNOWN_DIFFERENCES = {("CM17-0013716", "1"), ("CM16-0249170", "1")}


def test_every_item_the_medication_rules_decide_is_reproduced_but_the_known_differences() -> None:
    decided: list[tuple[str, str]] = []
    for path in all_letter_paths():
        for result in letter_results(path.stem):
            if not any(r.startswith(MEDICATION_RULE_PREFIXES) for r in result.rule_ids):
                continue
            decided.append((path.stem, result.item_id))
            expected = "flagged" if (path.stem, result.item_id) in KNOWN_DIFFERENCES else "reproduced"
            assert result.status == expected, f"{path.name} item {result.item_id}: {result.deciding}"
    # 7 opioids, 10 NSAIDs, 3 PPI/H2 blockers, 1 drug test among the development items
    assert len(decided) >= 19


def test_a_first_nsaid_for_a_recent_injury_is_supported() -> None:
    result = item_result("CM17-0019011", "1")
    assert criterion_result(result, "CPMTG2016-NSAID-01").status == "met"
    assert criterion_result(result, "CPMTG2016-NSAID-01").facts["prior_course"] is False
    assert result.predicted == "Overturned"


def test_a_short_further_nsaid_supply_that_relieves_pain_in_the_subacute_phase() -> None:
    result = item_result("CM16-0247624", "2")
    met = criterion_result(result, "CPMTG2016-NSAID-01")
    assert met.status == "met"
    assert met.facts["pain_relief"] is True and met.facts["chronic_pain"] is False
    assert result.predicted == "Overturned"


def test_a_second_nsaid_on_top_of_another() -> None:
    result = item_result("CM16-0234464", "4")
    assert criterion_result(result, "CPMTG2016-NSAID-02").status == "not_met"
    assert result.predicted == "Upheld"


def test_continued_opioids_without_functional_improvement() -> None:
    for letter, item_id, criterion in (
        ("001_b817fa713b9d8123", "2", "CPMTG2009-OP-03"),
        ("002_b67151935dfeaf0e", "4", "CPMTG2009-OP-02"),
        ("CM17-0015790", "2", "OTG2016-CONT-02"),
    ):
        result = item_result(letter, item_id)
        assert criterion_result(result, criterion).status == "not_met", (letter, item_id)
        assert result.predicted == "Upheld"


def test_a_benefit_of_the_whole_regimen_is_not_the_opioids() -> None:
    result = item_result("003_562eafed43e403d6", "3")
    assert criterion_result(result, "CPMTG2009-OP-08").status == "not_met"


def test_an_opioid_started_without_a_non_opioid_trial() -> None:
    result = item_result("CM17-0017734", "1")
    assert criterion_result(result, "OTG2016-INIT-01").status == "not_met"
    assert criterion_result(result, "OTG2016-INIT-02").status == "not_met"
    assert result.predicted == "Upheld"


def test_a_drug_test_for_a_patient_who_takes_no_opioid() -> None:
    result = item_result("CM17-0001064", "2")
    assert result.rule_ids == ["OTG2016-UDT"]
    assert criterion_result(result, "OTG2016-UDT-01").status == "not_met"
    assert result.predicted == "Upheld"


def test_gastric_protection_without_a_documented_gi_risk() -> None:
    for letter, item_id in (("CM17-0013716", "2"), ("CM17-0013625", "4")):
        result = item_result(letter, item_id)
        assert criterion_result(result, "CPMTG2016-GI-02").status in ("not_met", "not_documented")
        assert result.predicted == "Upheld"
