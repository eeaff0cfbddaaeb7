"""The pharmacology rules (muscle relaxants, topical analgesics and compounds, antiepilepsy drugs,
antidepressants, sleep aids, compounded oral suspensions) on the development letters read blind.

Every disputed drug of these topics in the development letters was Upheld; the rules must reach that
outcome for the guideline's reason, read from the letter: an ingredient that is not recommended, a
lidocaine form other than the patch, a suspension without a reason to avoid tablets, use past the
short course.
"""

from __future__ import annotations

from development_letters import all_letter_paths, criterion_result, item_result, letter_results, needs_letters

pytestmark = needs_letters

PHARMACOLOGY_RULE_PREFIXES = (
    "CPMTG2009-MR",
    "CPMTG2009-CYC",
    "CPMTG2009-CAR",
    "CPMTG2016-MR",
    "CPMTG2016-CYC",
    "CPMTG2016-CAR",
    "CPMTG2016-BAC",
    "CPMTG2009-TA-",
    "CPMTG2016-TA-",
    "CPMTG2009-AED",
    "CPMTG2016-AED",
    "CPMTG2009-AD",
    "CPMTG2016-AD",
    "CPMTG2009-SSRI",
    "CPMTG2016-SSRI",
    "CPMTG2009-BZ",
    "CPMTG2016-BZ",
    "CPMTG2016-INS-",
    "ODG-ZOL",
    "ODG-INS-",
    "CPMTG2016-CMP-",
    "ODG-CMP-",
    "CPMTG2009-BCA",
    "CPMTG2016-BCA",
    "CPMTG2009-GLUC",
    "CPMTG2016-GLUC",
    "ODG-MF",
    "ODG-TRIP",
)


def test_every_item_the_pharmacology_rules_decide_is_reproduced() -> None:
    decided = 0
    for path in all_letter_paths():
        for result in letter_results(path.stem):
            if not any(r.startswith(PHARMACOLOGY_RULE_PREFIXES) for r in result.rule_ids):
                continue
            decided += 1
            assert result.status == "reproduced", f"{path.name} item {result.item_id}: {result.deciding}"
    # 17 disputed drugs of these topics in the development letters; no guideline addresses one (Viagra)
    assert decided >= 16


def test_a_compound_with_lidocaine_is_not_recommended_whatever_else_it_holds() -> None:
    for item_id in ("3", "4"):
        result = item_result("CM17-0013716", item_id)
        assert result.rule_ids == ["CPMTG2016-TA-CMP"]
        assert criterion_result(result, "CPMTG2016-TA-CMP-01").status == "not_met"
        assert criterion_result(result, "CPMTG2016-TA-CMP-02").status == "not_met"
        assert result.predicted == "Upheld"


def test_lidocaine_ointment_is_not_the_patch() -> None:
    result = item_result("CM16-0234464", "6")
    assert criterion_result(result, "CPMTG2016-TA-LID-01").status == "not_met"
    assert result.predicted == "Upheld"


def test_an_oral_suspension_needs_a_reason_to_avoid_tablets() -> None:
    for item_id in ("2", "3", "5"):
        result = item_result("CM17-0013625", item_id)
        assert "CPMTG2016-CMP-ORAL" in result.rule_ids
        assert criterion_result(result, "CPMTG2016-CMP-ORAL-01").status in ("not_met", "not_documented")
        assert result.predicted == "Upheld"


def test_a_sleep_aid_taken_past_the_short_term() -> None:
    result = item_result("002_b67151935dfeaf0e", "3")
    assert result.rule_ids[0] == "ODG-ZOL"
    assert criterion_result(result, "ODG-ZOL-01").status == "not_met"


def test_baclofen_without_neurological_spasticity() -> None:
    for letter, item_id in (("CM16-0233904", "1"), ("CM17-0015790", "1")):
        result = item_result(letter, item_id)
        assert "CPMTG2016-BAC" in result.rule_ids
        assert criterion_result(result, "CPMTG2016-BAC-01").status != "met"
        assert result.predicted == "Upheld"
