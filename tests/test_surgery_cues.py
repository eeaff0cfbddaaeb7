"""The cues of guidelines/cues/surgery.yaml read the surgical facts the way reviewers write them.

Each case puts sentences into the clinical case summary of a real letter (a shoulder surgery
letter) in place of its own, reads the letter into a case, and checks the finding. Both directions
are tested: a finding stated, and a finding denied or contradicted.
"""

from __future__ import annotations

import pytest

from engine.facts import Case, Documented, FactValue
from engine.letters.extract import build_case
from engine.letters.parse import parse_text
from engine.letters.text import read_letter_text
from engine.paths import LETTERS_DIR
from engine.vocab import load_vocabulary

pytestmark = pytest.mark.skipif(not LETTERS_DIR.is_dir(), reason=f"letters not found at {LETTERS_DIR}")

CARRIER = "CM17-0006797"


def _case_with_summary(summary: str) -> Case:
    path = next(p for p in LETTERS_DIR.rglob(f"{CARRIER}.*") if p.suffix in (".pdf", ".txt"))
    text = read_letter_text(path).text
    start = text.index("This case involves")
    end = text.index("IMR ISSUES")
    letter = parse_text(text[:start] + summary + "\n" + text[end:], "synthetic", "0" * 64, "text")
    return build_case(letter, load_vocabulary())


def _seen(case: Case, fact: str) -> Documented | None:
    """What the summary documents of the fact: the case finding, or, for a finding written of a body
    part, the value it gives the requests for that part."""
    found = case.findings.get(fact)
    if found is not None:
        return found
    for item in case.items:
        documented = item.facts.get(fact)
        if documented is not None and any(e.section == "summary" for e in documented.evidence):
            return documented
    return None


@pytest.mark.parametrize(
    ("sentence", "fact", "value"),
    [
        (
            "She has had 4 months of physical therapy and an injection.",
            "conservative_care_months",
            4,
        ),
        ("He has had physical therapy for 6 weeks.", "conservative_care_months", 1.4),
        ("She reports night pain and is unable to sleep on the right shoulder.", "night_pain", True),
        ("He denies night pain.", "night_pain", False),
        ("Examination showed a positive Neer impingement test.", "impingement_test_relief", True),
        (
            "An MRI revealed a full-thickness supraspinatus tear.",
            "rotator_cuff_tear",
            "full_thickness",
        ),
        (
            "An MRI showed an almost full-thickness cuff tear.",
            "rotator_cuff_tear",
            "partial_thickness",
        ),
        ("The rotator cuff is intact.", "rotator_cuff_tear", "none"),
        ("An MRI revealed a complex tear of the medial meniscus.", "surgical_lesion_confirmed", True),
        ("The MRI was equivocal.", "surgical_lesion_confirmed", False),
        ("The Lachman test was positive.", "ligament_laxity", True),
        ("Lachman test was negative.", "ligament_laxity", False),
        ("Her BMI is 33.5.", "bmi", 33.5),
        ("She is a current smoker.", "current_smoker", True),
        ("He is a non-smoker.", "current_smoker", False),
        ("A preoperative psychological evaluation was completed.", "presurgical_psych_screening", True),
        ("There was no psychological clearance for the fusion.", "presurgical_psych_screening", False),
        ("He has a painful reducible inguinal hernia.", "hernia_symptomatic", True),
        ("The hernia is asymptomatic.", "hernia_symptomatic", False),
        ("She has hypertension and diabetes.", "perioperative_risk_factors", True),
        ("He is otherwise healthy.", "perioperative_risk_factors", False),
        ("She has a history of coronary artery disease.", "cardiac_risk_factors", True),
        ("He has COPD.", "pulmonary_risk_factors", True),
        ("She ambulates with a cane.", "mobility_limited", True),
        ("He has a normal gait.", "mobility_limited", False),
        ("He has adhesive capsulitis of the left shoulder.", "adhesive_capsulitis", True),
        ("He has failed back surgery syndrome.", "failed_back_surgery_syndrome", True),
        ("A prior spinal cord stimulator trial was successful.", "implant_trial_successful", True),
        ("The stimulator trial failed.", "implant_trial_successful", False),
    ],
)
def test_a_summary_sentence_documents_the_fact(sentence: str, fact: str, value: FactValue) -> None:
    case = _case_with_summary(f"This case involves a now 50-year-old patient. {sentence}")
    found = _seen(case, fact)
    assert found is not None, f"{fact} not read from {sentence!r}"
    assert found.value == value
    assert found.evidence[0].quote.startswith(sentence[:20])


def test_a_cardiac_risk_factor_is_a_perioperative_one() -> None:
    case = _case_with_summary(
        "This case involves a now 70-year-old patient. He has congestive heart failure."
    )
    implied = case.findings.get("perioperative_risk_factors")
    assert implied is not None and implied.value is True


def test_unnamed_procedures_belong_to_the_surgery_item() -> None:
    case = _case_with_summary(
        "This case involves a now 50-year-old patient. The prior review noted a lack of clarification of "
        "the specific procedures to be performed."
    )
    surgery = next(item for item in case.items if item.kind == "surgery")
    specified = surgery.facts.get("procedure_specified")
    assert specified is not None and specified.value is False
