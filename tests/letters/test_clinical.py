"""Clinical facts from small letters: what is read, where a fact lands, durations, the cue files and
their checks, and the cue index that decides which cues run on a sentence (checked against running
every cue on every development sentence)."""

from __future__ import annotations

import datetime as dt
import re
from functools import cache
from pathlib import Path

import pytest

from engine.errors import InputError
from engine.facts import Case
from engine.letters.cue_keys import AnyOf, KeySet, compile_cue, required_literals
from engine.letters.cue_numbers import parse_date, parse_number
from engine.letters.cues import CUES_DIR, load_cues
from engine.letters.extract import build_case
from engine.letters.parse import parse_letter, parse_text
from engine.letters.scope import ItemTarget
from engine.letters.sentences import split_sentences
from engine.paths import LETTERS_DIR
from engine.vocab import load_vocabulary

needs_letters = pytest.mark.skipif(
    not LETTERS_DIR.is_dir(), reason=f"development letters not found at {LETTERS_DIR}"
)

LETTER = """\
HOW THE IMR FINAL DETERMINATION WAS MADE
MAXIMUS Federal Services sent the complete case file to an expert reviewer.
CLINICAL CASE SUMMARY
The expert reviewer developed the following clinical case summary based on a review of the case file, \
including all medical records:
{summary}
IMR ISSUES, DECISIONS AND RATIONALES
The Final Determination was based on decisions for the disputed items/services set forth below:
{items}
"""


def letter_case(summary: str, *items: tuple[str, str]) -> Case:
    """A case from a small letter: the summary, and (heading, rationale) per item."""
    blocks = "\n".join(
        f"{heading}: Upheld\nClaims Administrator guideline: Decision based on MTUS.\n"
        f"MAXIMUS guideline: Decision based on MTUS.\nDecision rationale: {rationale}"
        for heading, rationale in items
    )
    text = LETTER.format(summary=summary, items=blocks)
    return build_case(parse_text(text, "small.txt", "", "text"), load_vocabulary())


def values(case: Case, item: int | None = None) -> dict[str, object]:
    facts = case.findings if item is None else case.items[item].facts
    return {name: fact.value for name, fact in facts.items() if fact is not None}


def read_one(item: str, summary: str, rationale: str = "Seen.") -> dict[str, object]:
    """The case's and the item's facts of a one-item letter, the item's own deciding."""
    case = letter_case(summary, (item, rationale))
    return {**values(case), **values(case, 0)}


# --- facts from small letters ---------------------------------------------------------------------


def test_negated_and_affirmed_findings() -> None:
    case = letter_case(
        "The injured worker is a 45 year old male. There were no spasms in the paracervical muscles. "
        "Range of motion was restricted. He is on temporary total disability.",
        ("Norco 10/325mg #60", "There is no documentation of objective functional improvement."),
    )
    assert values(case) == {
        "age": 45,
        "muscle_spasm": False,
        "objective_functional_deficits": True,
        "work_status": "off_work",
    }
    assert values(case, 0)["functional_improvement"] is False


def test_denied_side_effects_documents_an_assessment() -> None:
    case = letter_case(
        "The injured worker denied side effects.",
        ("Norco 10/325mg #60", "The patient reported no aberrant behavior."),
    )
    facts = values(case, 0)
    assert facts["side_effects_assessed"] is True
    assert facts["aberrant_behavior_monitored"] is True


def test_summary_facts_go_to_the_item_named_and_rationale_facts_to_their_own() -> None:
    case = letter_case(
        "The patient has used Norco since at least 6/2014. Flexeril was started recently. "
        "On 12/30/2014 he was seen for low back pain.",
        ("Norco 10/325mg #60", "The documentation does not show a decrease in pain with this medication."),
        ("Flexeril 10mg #30", "The patient has had muscle spasm, with no improvement in function noted."),
    )
    norco, flexeril = values(case, 0), values(case, 1)
    # 6/2014 is read as its last day, 30 June: 26 whole weeks to the latest visit, 30 December
    assert norco["weeks_of_use"] == 26 and norco["prior_course"] is True
    assert norco["pain_relief"] is False and "functional_improvement" not in norco
    assert flexeril["functional_improvement"] is False and "weeks_of_use" not in flexeril
    # a finding a rationale states about the complaint belongs to its own item, never another's
    assert values(case, 1)["muscle_spasm"] is True
    assert "muscle_spasm" not in values(case) and "muscle_spasm" not in norco


def test_a_clause_naming_another_body_part_speaks_of_that_part() -> None:
    # each clause between semicolons is placed by the body part it names, in a summary or a rationale
    summary = "The left knee was examined today; all of her prior physical therapy was for the lumbar spine."
    case = letter_case(summary, ("Physical therapy 2x4, left knee", "Seen."))
    assert "prior_course" not in values(case, 0)
    rationale = "The left knee is stiff; the 2013 therapy course was completed for the left shoulder."
    case = letter_case("Seen for knee pain.", ("Physical therapy 2x4, left knee", rationale))
    assert "prior_course" not in values(case, 0)
    # a clause naming no body part is placed by the sentence
    case = letter_case(
        "The left knee hurts; she completed 6 PT visits.", ("Physical therapy 2x4, left knee", "Seen.")
    )
    assert values(case, 0)["prior_course"] is True


def test_an_injections_results_in_one_sentence_of_its_rationale() -> None:
    # the drug the patient cut is the injection's result, not another treatment; a clause naming no
    # treatment speaks of the injection named before it
    rationale = (
        "Following the 08-24-2016 injection he reported 70% relief of leg pain, reduced his Norco from "
        "four tablets a day to one, and returned to his regular delivery route, and the benefit lasted "
        "until early November, roughly ten weeks."
    )
    case = letter_case(
        "Seen for leg pain.", ("Repeat left L5-S1 transforaminal epidural steroid injection", rationale)
    )
    facts = values(case, 0)
    assert facts["pain_relief_percent"] == 70 and facts["medication_use_reduced"] is True
    assert facts["functional_improvement"] is True and facts["relief_duration_weeks"] == 10


def test_a_dated_injection_named_beside_the_guidelines_criterion_is_the_record() -> None:
    rationale = (
        "The response to the 09/07/2016 injections meets each element of the repeat-block criterion: "
        "about 70% relief lasting roughly 13 weeks, a reduction in hydrocodone from four tablets a day to "
        "one, and a return to full duty."
    )
    case = letter_case(
        "Seen.", ("Repeat bilateral L4-L5 transforaminal epidural steroid injections", rationale)
    )
    facts = values(case, 0)
    assert facts["pain_relief_percent"] == 70 and facts["relief_duration_weeks"] == 13
    assert facts["medication_use_reduced"] is True and facts["functional_improvement"] is True


def test_a_clause_naming_no_treatment_refers_back_to_the_one_named_before_it() -> None:
    rationale = (
        "OTC ibuprofen was taken only at times, and on days she takes it the pain is lower, "
        "so an NSAID helps."
    )
    case = letter_case(
        "Seen.",
        (
            "Naproxen sodium 550mg #60",
            "This is a first Rx NSAID, not a renewal of a drug that has failed. " + rationale,
        ),
    )
    assert values(case, 0)["prior_course"] is False


def test_the_diagnostic_block_before_an_ablation_is_no_prior_ablation() -> None:
    summary = (
        "On 12-14-2016 she underwent bilateral L4-L5 and L5-S1 medial branch blocks; pain was 7 out of "
        "10 before the blocks and 1 out of 10 for five hours afterward."
    )
    case = letter_case(summary, ("Bilateral L4-L5 and L5-S1 radiofrequency ablation", "Seen."))
    facts = values(case, 0)
    # the block's result is the ablation's precondition; the block is no earlier ablation
    assert facts["diagnostic_block_relief_percent"] == 86 and "prior_injection" not in facts
    case = letter_case("She underwent a prior L4-5 radiofrequency ablation in 2015.", ("L4-5 RFA", "Seen."))
    assert values(case, 0)["prior_injection"] is True


def test_a_dosage_form_named_alone_stands_for_the_requested_drug_of_that_form() -> None:
    case = letter_case(
        "With the patch on, her burning pain drops from 6/10 to 2/10. "
        "Oral naproxen was tried for three weeks.",
        ("Lidoderm 5% patch #30", "Seen."),
        ("Norco 10/325mg #60", "Seen."),
    )
    assert values(case, 0)["pain_relief"] is True
    assert "pain_relief" not in values(case, 1)


def test_a_rationale_clause_naming_no_treatment_speaks_of_its_item() -> None:
    case = letter_case(
        "The patient was seen for neck pain.",
        (
            "Additional acupuncture x6, cervical spine",
            "Her work restrictions were eased, she now drives twice as long, and her opioid use was halved.",
        ),
        # the clause names the other treatment: its finding is that treatment's, not this item's
        ("Norco 10/325mg #60", "Acupuncture eased her work restrictions."),
    )
    assert values(case, 0)["functional_improvement"] is True
    assert "functional_improvement" not in values(case, 1)


def test_a_rationale_finding_about_the_whole_case_stands_for_the_case() -> None:
    case = letter_case(
        "The patient was seen for low back pain.",
        ("Norco 10/325mg #60", "The 52-year-old patient is temporarily totally disabled."),
        ("Flexeril 10mg #30", "There was no muscle spasm."),
    )
    assert values(case)["age"] == 52 and values(case)["work_status"] == "off_work"
    assert "muscle_spasm" not in values(case) and values(case, 1)["muscle_spasm"] is False


def test_a_summary_finding_bears_on_the_requests_for_the_body_part_it_names() -> None:
    case = letter_case(
        "Examination of the cervical spine showed decreased range of motion and spasm. "
        "A positive straight leg raise was noted on the left. The patient has chronic pain.",
        ("MRI of the cervical spine", "The request is for imaging."),
        ("MRI of the right knee", "The request is for imaging."),
        ("EMG of the bilateral lower extremities", "The request is for a study."),
        ("Cyclobenzaprine 7.5mg #30", "The request is for a medication."),
    )
    neck, knee, legs, relaxant = (values(case, i) for i in range(4))
    assert values(case)["chronic_pain"] is True
    assert neck["objective_functional_deficits"] is True and neck["muscle_spasm"] is True
    assert "objective_functional_deficits" not in knee and "muscle_spasm" not in knee
    # the lumbar roots supply the legs: a leg's finding bears on a study of them, not on the knee's
    assert legs["nerve_tension_sign"] is True and "nerve_tension_sign" not in knee
    # a medication names no body part: every finding bears on it
    assert relaxant["muscle_spasm"] is True and relaxant["nerve_tension_sign"] is True


def test_a_sign_is_a_finding_of_the_region_it_tests_not_of_the_word_it_holds() -> None:
    case = letter_case(
        "The lumbar examination showed a negative straight leg raise bilaterally and 5/5 strength.",
        ("Aquatic therapy 2x3, bilateral knees", "The request is for therapy."),
        ("EMG of the bilateral lower extremities", "The request is for a study."),
    )
    knees, legs = values(case, 0), values(case, 1)
    assert "nerve_tension_sign" not in knees and "objective_functional_deficits" not in knees
    assert legs["nerve_tension_sign"] is False


def test_a_range_of_motion_written_with_the_other_side_names_no_spinal_level() -> None:
    case = letter_case(
        "O: ROM R 0-105 (L 0-125); quad 4/5 R; antalgic gait.",
        ("Physical therapy 2x3, right knee", "The request is for therapy."),
        ("Lumbar epidural steroid injection L4-5", "The request is for an injection."),
    )
    knee = {**values(case), **values(case, 0)}
    assert knee["objective_functional_deficits"] is True


def test_a_finding_of_one_side_does_not_bear_on_the_other() -> None:
    case = letter_case(
        "The left knee had decreased range of motion.",
        ("MRI of the left knee", "The request is for imaging."),
        ("MRI of the right knee", "The request is for imaging."),
    )
    assert values(case, 0)["objective_functional_deficits"] is True
    assert "objective_functional_deficits" not in values(case, 1)


def test_what_a_letter_says_of_physical_therapy_it_says_of_occupational_therapy() -> None:
    case = letter_case(
        "The patient has completed 12 sessions of physical therapy.",
        ("Occupational therapy 2 times a week for 4 weeks", "The request is for therapy."),
    )
    assert values(case, 0)["prior_visits"] == 12


def test_durations_need_a_number() -> None:
    case = letter_case(
        "The patient has been taking Ambien for several months. He has used Norco for 6 months.",
        ("Ambien 10mg #30", "The patient has been on this medication long term."),
        ("Norco 10/325mg #60", "Prescribing has occurred consistently."),
    )
    ambien, norco = values(case, 0), values(case, 1)
    assert "weeks_of_use" not in ambien and ambien["long_term_use"] is True and ambien["prior_course"] is True
    assert norco["weeks_of_use"] == 26


def test_request_facts_the_reviewer_states() -> None:
    case = letter_case(
        "The patient is seen for neck pain.",
        (
            "Physical therapy",
            "The request as submitted failed to indicate the frequency or the body part to be treated.",
        ),
    )
    facts = values(case, 0)
    assert facts["body_part_specified"] is False and facts["frequency_specified"] is False


def test_prior_visits_and_the_course_they_imply() -> None:
    case = letter_case(
        "The patient has completed 12 sessions of physical therapy. She also had 6 chiropractic visits.",
        ("Physical therapy 2 times a week for 4 weeks", "The patient has had prior therapy."),
    )
    facts = values(case, 0)
    assert facts["prior_visits"] == 12 and facts["prior_course"] is True


def test_multiple_analgesics_from_drugs_named_together() -> None:
    case = letter_case(
        "Current medications include Norco, Motrin and Flexeril.", ("MRI of the lumbar spine", "None.")
    )
    assert values(case)["multiple_analgesics"] is True
    single = letter_case("Current medications include Norco.", ("MRI of the lumbar spine", "None."))
    assert "multiple_analgesics" not in values(single)
    stopped = letter_case("Norco was stopped and Motrin started.", ("MRI of the lumbar spine", "None."))
    assert "multiple_analgesics" not in values(stopped)
    # a topical analgesic is one of several analgesics taken
    topical = letter_case(
        "She was prescribed Mobisyl topical cream and Meloxicam.", ("MRI of the lumbar spine", "None.")
    )
    assert values(topical)["multiple_analgesics"] is True


@pytest.mark.parametrize(
    ("summary", "expected"),
    [
        # MTUS's GI risk factors: several NSAIDs, aspirin with one, a systemic steroid course
        ("Medications: naproxen 550 mg bid and aspirin 81 mg daily.", True),
        ("She takes ibuprofen 800 mg tid and Celebrex 200 mg daily.", True),
        ("Medications: meloxicam 15 mg daily, prednisone 10 mg daily.", True),
        # one drug given up for the other is one NSAID taken
        ("She stopped ibuprofen and started naproxen 500 mg bid.", None),
        ("He was switched from ibuprofen to naproxen.", None),
        ("She takes naproxen 550 mg bid.", None),
        # a cream's NSAID acts where it is applied
        ("Requested: naproxen 500 mg #60 and a cream of flurbiprofen 10% and lidocaine 5%.", None),
    ],
)
def test_gi_risk_from_the_drugs_taken_together(summary: str, expected: bool | None) -> None:
    case = letter_case(summary, ("Omeprazole 20mg #30", "None."))
    assert values(case).get("gi_risk_factors") is expected


@pytest.mark.parametrize(
    ("summary", "expected"),
    [
        ("No urine drug testing has been performed in the past twelve months.", 0),
        ("He had a single urine drug screen within the last year, in March, consistent.", 1),
        ("He was tested twice in the past year.", 2),
        ("Three urine drug screens were performed in the past year.", 3),
        # a count asked for, and a hypothesis, say nothing
        ("There is no documentation of how many drug screens were performed in the past year.", None),
        ("If no urine drug test was done in the past year, a baseline test is appropriate.", None),
    ],
)
def test_drug_tests_of_the_past_year_as_counted(summary: str, expected: int | None) -> None:
    case = letter_case("He takes Norco 10/325 mg. " + summary, ("Urine drug screen", "None."))
    assert values(case, 0).get("drug_tests_past_year", values(case).get("drug_tests_past_year")) == expected


# --- numbers and dates -------------------------------------------------------------------------------


def test_numbers_and_dates_as_letters_write_them() -> None:
    assert parse_number("a") == 1 and parse_number("twelve") == 12 and parse_number("7.5") == 7.5
    assert parse_date("6/2014") == (dt.date(2014, 6, 30), False)
    assert parse_date("November 8, 2016") == (dt.date(2016, 11, 8), True)
    assert parse_date("11-17-16") == (dt.date(2016, 11, 17), True)
    assert parse_date("2013") == (dt.date(2013, 12, 31), False)
    assert parse_date("13/45/2016") is None


# --- cue files ----------------------------------------------------------------------------------------


def _cue_dir(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "cues"
    folder.mkdir()
    (folder / "test.yaml").write_text(text, encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("facts:\n  no_such_fact:\n    mention: [x]\n", 3, "unknown fact 'no_such_fact'"),
        ("facts:\n  muscle_spasm:\n    mention:\n      - 'spasm('\n", 4, "invalid regex"),
        ("facts:\n  age:\n    mention: [aged]\n", 3, "'mention' cues need a boolean fact"),
        ("facts:\n  age:\n    number: ['aged \\d+']\n", 3, "needs a group (?P<value>...)"),
        ("facts:\n  work_status:\n    values:\n      retired: [retired]\n", 4, "not a value of fact"),
        ("facts:\n  pain_relief:\n    lower: ['pain (\\d+) to (\\d+)']\n", 3, "needs groups (?P<before>"),
        ("facts:\n  age:\n    higher: ['aged (?P<before>\\d+) (?P<after>\\d+)']\n", 3, "need a boolean fact"),
        ("facts:\n  pain_relief:\n    applies_to: {kinds: [no_kind]}\n", 3, "unknown treatment kind"),
        ("facts:\n  muscle_spasm:\n    mentions: [spasm]\n", 3, "Extra inputs are not permitted"),
        ("form_words:\n  pill: [pills?]\n", 2, "Input should be"),
        ("form_words:\n  patch: ['patch(']\n", 2, "invalid regex"),
        (
            "facts:\n  muscle_spasm:\n    implies_by_value:\n"
            "      - {at_least: 2, facts: {chronic_pain: true}}\n",
            4,
            "needs a number fact",
        ),
        (
            "facts:\n  weeks_since_injury:\n    implies_by_value:\n      - {facts: {chronic_pain: true}}\n",
            4,
            "give one bound",
        ),
    ],
)
def test_bad_cue_files_are_named_with_their_line(tmp_path: Path, text: str, line: int, message: str) -> None:
    folder = _cue_dir(tmp_path, text)
    with pytest.raises(InputError) as raised:
        load_cues(folder)
    assert raised.value.line == line and message in raised.value.message
    assert str(raised.value).startswith(str(folder / "test.yaml"))


def test_cue_files_accept_unquoted_true_and_false_keys(tmp_path: Path) -> None:
    folder = _cue_dir(
        tmp_path, "facts:\n  muscle_spasm:\n    true: ['spasms? present']\n    false: ['no spasms?']\n"
    )
    book = load_cues(folder)
    assert sorted(cue.how for cue in book.cues) == ["false", "true"]


def test_every_project_cue_file_loads() -> None:
    book = load_cues(CUES_DIR)
    assert {path.name for path in book.files} >= {"core.yaml"}
    assert len(book.cues) > 100


# --- the cue index ---------------------------------------------------------------------------------


def test_required_literals() -> None:
    needs = required_literals(compile_cue(r"functional (?:gains?|benefit)"))
    assert needs == (frozenset({"functional gain", "functional gains", "functional benefit"}),)
    # a literal that may begin inside a word is marked, and looked for as a piece of text
    (inside,) = required_literals(compile_cue(r"\w+ectomy"))
    assert [literal.lstrip("\x01") for literal in inside] == ["ectomy"] and all(
        literal.startswith("\x01") for literal in inside
    )
    assert required_literals(compile_cue(r"(?P<value>\d+) (?:x|times)")) == ()


def test_keys_of_words_and_pieces() -> None:
    keys = KeySet([("functional", 0), ("improve", 1), ("w/o", 2)])
    assert keys.found_in("no functional improvement w/o help") == {
        ("functional", 0),
        ("improve", 1),
        ("w/o", 2),
    }
    assert keys.found_in("dysfunctional") == set()


def test_a_key_set_remembers_a_bounded_number_of_words(monkeypatch: pytest.MonkeyPatch) -> None:
    # a long audit meets ever new names and numbers: the memo of words starts afresh past its bound
    monkeypatch.setattr("engine.letters.cue_keys._WORDS_KEPT", 50)
    keys = KeySet([("functional", 0), ("improve", 1)])
    for number in range(200):
        assert keys.found_in(f"patient {number} shows functional improvement") == {
            ("functional", 0),
            ("improve", 1),
        }
    assert len(keys._keyless) + len(keys._keyed) <= 50 + 4


def test_any_of_runs_only_branches_whose_words_occur() -> None:
    tests = AnyOf(r"\bmedically\s+necessary\b", r"\bcertified\b")
    assert tests.search("It is medically necessary.")
    assert tests.search("It was uncertified.") is False
    assert tests.search("UR non-certified it.")


@cache
def _sentences() -> list[tuple[str, str]]:
    found = []
    for path in sorted(LETTERS_DIR.glob("*/*")):
        letter = parse_letter(path)
        spans = [(letter.summary.start, letter.summary.end)] if letter.summary else []
        spans += [(item.rationale.start, item.rationale.end) for item in letter.items if item.rationale]
        for start, end in spans:
            found += [(s.text, s.lowered) for s in split_sentences(letter.text, start, end, "summary")]
    return found


@needs_letters
def test_the_index_never_skips_a_cue_that_matches() -> None:
    # Run every cue on every sentence of the development letters: a cue that matches a sentence
    # must be among the cues the index picks for it, and its fast regex must find the same matches.
    book = load_cues()
    index = book.index
    checked = 0
    for text, lowered in _sentences():
        picked = set(index.hits(index.keys.found_in(lowered)))
        for number, cue in enumerate(book.cues):
            slow = [m.span() for m in cue.pattern.finditer(text)]
            if slow:
                assert number in picked, (cue.fact, cue.pattern.pattern, text)
                checked += 1
            assert [m.span() for m in cue.finditer(text, lowered)] == slow, (cue.pattern.pattern, text)
    assert checked > 500


def test_fast_regexes_keep_escapes_and_group_names() -> None:
    cue = next(c for c in load_cues().cues if c.fact == "age" and c.how == "number")
    text = "The Injured Worker Is A 45-Year-Old Male."
    assert [m.group("value") for m in cue.finditer(text, text.lower())] == ["45"]
    assert re.search(r"\\[a-z]", cue.pattern.pattern) is not None


# --- items the facts can land on -------------------------------------------------------------------


def test_item_filter() -> None:
    opioid = ItemTarget("1", "medication", "hydrocodone/acetaminophen", frozenset(), "opioid", True)
    therapy = ItemTarget("2", "physical_therapy", None, frozenset(), None, False, visit_based=True)
    book = load_cues()
    side_effects = book.facts["side_effects_assessed"].applies_to
    assert opioid.admitted_by(side_effects) and not therapy.admitted_by(side_effects)
    assert therapy.admitted_by(None)


@pytest.mark.parametrize(
    ("sentence", "chronic"),
    [
        ("He sustained a new industrial injury to the low back last week.", False),
        ("There is no evidence of an acute injury on the radiographs.", None),
    ],
)
def test_a_recent_injury_is_not_chronic_pain_but_a_denied_one_says_nothing(
    sentence: str, chronic: object
) -> None:
    case = letter_case(f"The injured worker is a 45 year old male. {sentence}", ("Naproxen 550mg #60", "."))
    assert values(case).get("chronic_pain") is chronic


# --- terms in any order, and drugs by class ---------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "fact", "value"),
    [
        ("Range of motion of the lumbar spine was decreased.", "objective_functional_deficits", True),
        ("He had decreased and painful range of motion.", "objective_functional_deficits", True),
        ("Range of motion was not limited.", "objective_functional_deficits", False),
        ("Range of motion was full.", "objective_functional_deficits", False),
        ("Her gait was antalgic.", "objective_functional_deficits", True),
        ("Sensation was decreased in the L5 dermatome.", "focal_neurological_deficit", True),
        ("Reflexes were symmetric and sensation was intact.", "focal_neurological_deficit", False),
        ("There was a positive straight leg raise at 45 degrees.", "nerve_tension_sign", True),
        ("Straight leg raise was negative bilaterally.", "nerve_tension_sign", False),
        ("Examination showed negative straight leg raise.", "nerve_tension_sign", False),
        ("The straight leg raise was not positive.", "nerve_tension_sign", False),
        # a contrast ends the clause: the normal side is the other side's
        (
            "The left Achilles reflex was absent compared with 2+ on the right.",
            "focal_neurological_deficit",
            True,
        ),
    ],
)
def test_a_finding_and_its_qualifier_in_any_order(sentence: str, fact: str, value: bool) -> None:
    case = letter_case(sentence, ("Physical therapy 2 times a week for 3 weeks", "It is for therapy."))
    seen = {**values(case), **values(case, 0)}
    assert seen[fact] is value


def test_a_drug_named_by_brand_documents_its_class() -> None:
    case = letter_case(
        "Among the relevant medications were cyclobenzaprine, oxycodone/acetaminophen and Motrin.",
        ("Ondansetron 4mg #30", "The request is for a medication."),
    )
    assert values(case)["opioid_therapy"] is True and values(case)["nsaid_use"] is True


def test_a_pain_improvement_in_any_order_bears_on_the_treatment_named() -> None:
    case = letter_case(
        "Her pain had improved vastly with chiropractic treatment.",
        ("Chiropractic treatment 2 times a week for 3 weeks", "The request is for treatment."),
    )
    assert values(case, 0)["pain_relief"] is True


@pytest.mark.parametrize(
    ("sentence", "value"),
    [
        ("The lumbar MRI showed a disc protrusion at L4-5 with impingement of the left L5 nerve root.", True),
        ("The lumbar MRI showed a disc bulge at L4-5 without stenosis and no nerve root impingement.", False),
        ("The MRI report does not show nerve root compression at the requested level.", False),
    ],
)
def test_an_anchored_finding_takes_its_own_words_context(sentence: str, value: bool) -> None:
    # the cue spans from the study to the finding; a negation between them is the finding's
    case = letter_case(sentence, ("Lumbar epidural steroid injection L4-5", "It is for the injection."))
    assert {**values(case), **values(case, 0)}["nerve_root_compromise_on_imaging"] is value


@pytest.mark.parametrize(
    ("sentence", "value"),
    [
        # what follows "with" describes the denied trigger points, it is no finding of its own
        ("There is no evidence of circumscribed trigger points with a twitch response.", False),
        ("Circumscribed trigger points with a twitch response were found.", True),
    ],
)
def test_a_denied_finding_keeps_its_description(sentence: str, value: bool) -> None:
    case = letter_case(sentence, ("Trigger point injections x3 to the trapezius", "It is for injections."))
    assert {**values(case), **values(case, 0)}["trigger_points_on_exam"] is value


def test_a_count_of_sessions_of_one_therapy_names_that_therapy() -> None:
    # "sessions of physical therapy" are physical therapy's, not every requested visit-based course's
    case = letter_case(
        "He has completed 12 sessions of physical therapy for the lumbar spine.",
        ("Acupuncture 6 sessions for the lumbar spine", "The request is for acupuncture."),
    )
    assert "prior_course" not in values(case, 0)


def test_an_explicit_cue_inside_a_longer_mention_decides() -> None:
    # the mention runs from the study to "fracture"; the explicit "without evidence of fracture" is
    # what the study showed of it
    case = letter_case(
        "Left ankle radiographs showed soft tissue swelling without evidence of fracture.",
        ("Bone growth stimulator for the left ankle", "It is for the stimulator."),
    )
    assert {**values(case), **values(case, 0)}["fracture_confirmed"] is False


def test_a_study_requested_to_rule_out_a_finding_does_not_document_its_suspicion() -> None:
    case = letter_case(
        "The injured worker is a 45 year old male. An MRI of the knee is requested to rule out "
        "internal derangement. X-rays of the hand are ordered to evaluate for an occult fracture.",
        ("MRI of the left knee", "The patient has knee pain."),
        ("X-rays of the right hand", "Diagnoses include right hand contusion, r/o scaphoid fracture."),
    )
    assert "internal_derangement_suspected" not in values(case, 0)
    assert "suspected_fracture" not in values(case, 0)
    # among the diagnoses, "r/o" is the clinician's suspicion
    assert values(case, 1)["suspected_fracture"] is True


@pytest.mark.parametrize(
    ("summary", "requests", "fact", "expected"),
    [
        # an injection of the shoulder says nothing of a lumbar epidural
        (
            "The patient had a cortisone injection in the right shoulder 4 weeks ago. He had a lumbar "
            "epidural steroid injection 10 weeks ago.",
            ("Repeat lumbar epidural steroid injection L5-S1", "Right shoulder subacromial injection"),
            "weeks_since_last_injection",
            (10, 4),
        ),
        # therapy of the knee bears on a lumbar study's findings, but is no course of lumbar therapy
        (
            "She completed a course of physical therapy for the left knee in 2013.",
            ("Physical therapy 2 x 4 for the lumbar spine", "Physical therapy 2 x 3 for the left knee"),
            "prior_course",
            (None, True),
        ),
    ],
)
def test_a_treatment_of_one_body_part_is_the_history_of_that_parts_request_only(
    summary: str, requests: tuple[str, str], fact: str, expected: tuple[object, object]
) -> None:
    case = letter_case(
        f"The injured worker is a 45 year old male. {summary}",
        *((request, "The patient has pain.") for request in requests),
    )
    assert (values(case, 0).get(fact), values(case, 1).get(fact)) == expected


def test_a_sentence_opening_on_the_record_ends_a_quotation_whose_closing_mark_was_lost() -> None:
    case = letter_case(
        "The injured worker is a 45 year old male.",
        (
            "Cyclobenzaprine 7.5mg #60",
            'MTUS states "Muscle relaxants are recommended for short-term use in acute exacerbations. '
            "Efficacy appears to diminish over time. "
            "Per the progress report dated 11/29/2016, there were palpable muscle spasms in the lumbar "
            'paraspinals. MTUS adds "relaxants are not recommended for chronic use.',
        ),
    )
    assert values(case, 0)["muscle_spasm"] is True


def test_note_shorthand_for_relief_use_and_negative_tests() -> None:
    case = letter_case(
        "The injured worker is a 45 year old male. Pain 8/10 w/o meds, 4/10 with meds. He has been "
        "taking Norco x 6 wks. L knee: no effusion, ligaments stable, McMurray neg.",
        ("Norco 10/325mg #90", "The patient has pain."),
        ("MRI of the left knee", "The patient has knee pain."),
    )
    norco = values(case, 0)
    assert norco["pain_relief"] is True and norco["weeks_of_use"] == 6
    assert values(case, 1)["mechanical_knee_signs"] is False


def test_failed_care_however_long_and_intolerance_however_abbreviated() -> None:
    case = letter_case(
        "The injured worker is a 45 year old male.",
        (
            "MRI of the lumbar spine",
            "There is no documentation that the patient has failed 3 to 6 months of conservative treatment.",
        ),
    )
    assert values(case, 0)["conservative_care_failed"] is False
    case = letter_case(
        "The injured worker is a 45 year old female. Hx of opioid dependence.",
        ("Acupuncture 6 sessions for the neck", "The patient has neck pain."),
    )
    assert values(case)["medication_ineffective_or_not_tolerated"] is True


def test_supervision_a_home_program_cannot_give_and_a_suspected_neuropathy() -> None:
    case = letter_case(
        "The injured worker is a 45 year old male.",
        (
            "Physical therapy 2 x 3 for the right knee",
            "The patient has persistent quad lag requiring supervised neuromuscular retraining.",
        ),
        (
            "NCV of the bilateral lower extremities",
            "The patient has numbness of both feet, raising concern for a peripheral neuropathy.",
        ),
    )
    assert values(case, 0)["remaining_deficits_need_supervision"] is True
    assert values(case, 1)["peripheral_nerve_disorder_suspected"] is True


@pytest.mark.parametrize(
    ("rationale", "expected"),
    [
        ("The treating physician documented why a home exercise program is not sufficient.", True),
        ("A home program alone has been inadequate.", True),
        ("There is no documentation of why a home exercise program would be insufficient.", False),
        (
            "There is no documentation as to why the patient cannot perform a home exercise program "
            "or why additional sessions are necessary.",
            False,
        ),
        ("It is unclear why the patient could not transition to an independent home program.", False),
    ],
)
def test_why_a_home_program_will_not_do_is_the_need_for_supervised_care(
    rationale: str, expected: bool
) -> None:
    """The embedded question of why a home program is not enough is what a reviewer finds documented
    or missing; what the patient cannot do at home says nothing of conservative care tried."""
    case = letter_case(
        "The injured worker is a 45 year old male.", ("Physical therapy 2 x 3 for the neck", rationale)
    )
    assert values(case, 0)["remaining_deficits_need_supervision"] is expected
    assert "conservative_care_tried" not in values(case, 0)


def test_a_joint_that_lacks_degrees_has_a_deficit_and_a_diagnosis_not_made_is_denied() -> None:
    """ "lacks 15 degrees" is a finding, not the record's silence, and its negation ends at the next
    predicate; "a diagnosis of X has not been made" denies X."""
    case = letter_case(
        "The injured worker is a 45 year old male. The lumbar spine lacks 15 degrees of flexion and "
        "has an antalgic gait.",
        ("Physical therapy 2 x 4 for the lumbar spine", "The patient has low back pain."),
        ("Rizatriptan 10mg #12", "Per the records, a diagnosis of migraine has not been made."),
    )
    assert values(case, 0)["objective_functional_deficits"] is True
    assert {**values(case), **values(case, 1)}["migraine"] is False


@pytest.mark.parametrize(
    ("item", "summary", "fact", "expected"),
    [
        (
            "Physical therapy 3x4 right knee",
            "Completed 8/12 authorized PT visits for the R knee.",
            "prior_visits",
            8,
        ),
        (
            "Lumbar ESI L4-5",
            "She has had two L4-5 transforaminal ESIs in the past 12 months.",
            "injections_past_year",
            2,
        ),
        (
            "Post-op PT 2x6 right shoulder",
            "S/p R shoulder arthroscopic RCR 10 weeks ago.",
            "weeks_since_surgery",
            10,
        ),
        ("Lumbar ESI L5-S1", "Pt has failed PT, chiro and meds.", "conservative_care_failed", True),
        (
            "MRI lumbar spine",
            "She is not interested in surgery under any circumstances.",
            "surgical_candidate",
            False,
        ),
    ],
)
def test_note_shorthand_counts_and_states(item: str, summary: str, fact: str, expected: object) -> None:
    """A level's number ("L4-5") is no count; "8/12 visits" are 8 done of 12 authorized."""
    case = letter_case(
        f"The injured worker is a 45 year old female. {summary}", (item, "The request is reviewed.")
    )
    assert {**values(case), **values(case, 0)}[fact] == expected


@pytest.mark.parametrize(
    ("summary", "chronic"),
    [
        ("She reports ongoing knee pain, now 18 months after the date of injury.", True),
        ("He presents 5 days after an acute lumbar strain sustained at work.", False),
        ("The pain began 2 weeks ago after a fall at work.", False),
        # another complaint's duration is not the injury's
        ("She has had upper abdominal pain for about 3 weeks.", None),
    ],
)
def test_the_complaints_duration_tells_whether_it_is_chronic(summary: str, chronic: bool | None) -> None:
    case = letter_case(f"The injured worker is a 45 year old female. {summary}", ("TENS unit", "Reviewed."))
    assert values(case).get("chronic_pain") is chronic


def test_a_cue_naming_other_treatments_of_the_facts_kinds_is_about_them() -> None:
    """Visits counted for physical therapy and chiropractic are not a psychology item's, though the
    sentence's "treatment" names every visit-based item; "has had no prior psychotherapy" denies its
    course; a drug in an injection's result ("decrease her Norco") still speaks of the injection."""
    case = letter_case(
        "The injured worker is a 45 year old female. Treatment has included at least 30 physical "
        "therapy visits, 18 chiropractic visits and medications. She has had no prior psychotherapy. "
        "After the last epidural she was able to decrease her Norco from 6 to 2 tablets a day.",
        ("Cognitive behavioral therapy, 4 sessions", "The request is reviewed."),
        ("Repeat lumbar epidural steroid injection L5-S1", "The request is reviewed."),
    )
    assert "prior_visits" not in values(case, 0)
    assert values(case, 0)["prior_course"] is False
    assert values(case, 1)["medication_use_reduced"] is True


@pytest.mark.parametrize(
    ("summary", "current"),
    [
        ("He discontinued hydrocodone in 2014 and has been opioid-free since then.", False),
        ("Medications have included tramadol, which was stopped in 2015.", False),
        ("Current medications include Norco 10/325 mg.", True),
    ],
)
def test_an_opioid_named_as_stopped_is_no_opioid_therapy(summary: str, current: bool) -> None:
    case = letter_case(f"The injured worker is 45. {summary}", ("Naproxen 550mg #60", "Seen."))
    assert values(case)["opioid_therapy"] is current


@pytest.mark.parametrize(
    "summary",
    [
        "Physical therapy and NSAIDs provided only temporary relief.",
        "Her progress in therapy has plateaued.",
        "The pain has not resolved with six weeks of therapy and anti-inflammatories.",
        "She continues to have radicular pain after 8 sessions of PT and a course of oral steroids.",
        "Conservative measures have been unsuccessful.",
    ],
)
def test_conservative_care_that_did_not_work_however_written(summary: str) -> None:
    case = letter_case(f"The injured worker is 45. {summary}", ("MRI of the lumbar spine", "Seen."))
    assert values(case)["conservative_care_failed"] is True


@pytest.mark.parametrize(
    ("rationale", "fact", "expected"),
    [
        ("There is no indication of how much pain relief the tramadol provides.", "pain_relief", False),
        ("Per the records, tramadol brings her pain down from a 9 to a 5.", "pain_relief", True),
        ("He remains off work and his function has not changed.", "functional_improvement", False),
        # the embedded question of the result itself: the result is what is missing
        ("There is no documentation of how tramadol has improved function.", "functional_improvement", False),
        (
            "The records do not describe what functional gains were made with tramadol.",
            "functional_improvement",
            False,
        ),
        ("The records do not state what pain relief tramadol provides.", "pain_relief", False),
        # "which" asks what is missing right after the negation; elsewhere it opens a relative clause
        (
            "There is no mention of which activities have improved with tramadol.",
            "functional_improvement",
            False,
        ),
        ("The notes do not say which ADLs tramadol has improved.", "functional_improvement", False),
        (
            "Tramadol gave no relief at first, which changed once the dose was raised and function improved.",
            "functional_improvement",
            True,
        ),
        # an embedded question of something else leaves the finding after it as written
        (
            "There is no record of when tramadol was started, and function has improved.",
            "functional_improvement",
            True,
        ),
    ],
)
def test_a_measure_asked_for_and_a_measure_given(rationale: str, fact: str, expected: bool) -> None:
    case = letter_case("The injured worker is 45.", ("Tramadol 50mg #60", rationale))
    assert values(case, 0)[fact] is expected


@pytest.mark.parametrize(
    ("item", "summary", "fact", "expected"),
    [
        (
            "Tramadol 50mg #60",
            "The medication keeps him functional and working.",
            "functional_improvement",
            True,
        ),
        (
            "Tramadol 50mg #60",
            "Without the medication he is bedbound; with it he can drive.",
            "functional_improvement",
            True,
        ),
        (
            "Tramadol 50mg #60",
            "Since tramadol was started, he has resumed yard work.",
            "functional_improvement",
            True,
        ),
        (
            "Tramadol 50mg #60",
            "He has not resumed yard work despite tramadol.",
            "functional_improvement",
            False,
        ),
        ("Tramadol 50mg #60", "Tramadol brings his pain from 7 down to 3.", "pain_relief", True),
        ("Tramadol 50mg #60", "Pain decreases to 4/10 with tramadol.", "pain_relief", True),
        ("Tramadol 50mg #60", "Pain increased from 3 to 7 on tramadol.", "pain_relief", False),
        (
            "Physical therapy 2x3 lumbar",
            "With PT, lumbar flexion improved from 40 to 70 degrees.",
            "functional_improvement",
            True,
        ),
        (
            "Physical therapy 2x3 lumbar",
            "He progressed from modified duty to full duty during PT.",
            "functional_improvement",
            True,
        ),
        ("Physical therapy 2x3 lumbar", "12 visits of PT completed.", "prior_visits", 12),
        ("Physical therapy 2x3 lumbar", "PT x 12 in 2016.", "prior_visits", 12),
        ("Chiropractic 1x6 lumbar", "Chiropractic trial, 6 visits 10/17/2016-11/04/2016.", "prior_visits", 6),
        (
            "Physical therapy 2x3 lumbar",
            "The physician requested PT x 6 for the lumbar spine.",
            "prior_visits",
            None,
        ),
    ],
)
def test_results_of_a_treatment_as_progress_notes_write_them(
    item: str, summary: str, fact: str, expected: object
) -> None:
    case = letter_case(f"The injured worker is 45. {summary}", (item, "Seen."))
    assert values(case, 0).get(fact) == expected


def test_a_drug_stopped_is_not_taken_now_and_its_dose_dates_its_own_use() -> None:
    case = letter_case(
        "Tx: PT x 12, HEP, naproxen 550 bid (d/c'd 02/2014 for GI upset), Norco 10/325 since 01/2014. "
        "PR-2 08/25/2014: pain 7/10.",
        ("Norco 10/325mg #60", "Seen."),
        ("Omeprazole 20mg #30", "Seen."),
    )
    assert "nsaid_use" not in values(case)
    assert values(case, 0)["weeks_of_use"] == 29 and "weeks_of_use" not in values(case, 1)


def test_a_gloss_in_parentheses_is_about_the_drug_it_follows() -> None:
    case = letter_case(
        "Plan: cyclobenzaprine 7.5 mg tid x 5 days #15 (first relaxant Rx on this claim), scheduled APAP.",
        ("Cyclobenzaprine 7.5mg #15", "Seen."),
    )
    assert values(case, 0)["long_term_use"] is False and values(case, 0)["prior_course"] is False


@pytest.mark.parametrize(
    ("summary", "expected"),
    [
        ("The diagnostic medial branch block provided seventy percent relief of her axial pain.", 70),
        (
            "She had 90% relief for six hours after the left L4-5 and L5-S1 medial branch blocks.",
            90,
        ),
        (
            "Dx MBB 11/21/2014: 0.5 cc 2% lidocaine; pain 7/10 -> 2/10 at 30 min, ~80% relief for 5 hrs.",
            80,
        ),
    ],
)
def test_the_response_to_a_diagnostic_block(summary: str, expected: int) -> None:
    case = letter_case(summary, ("Left L4-L5 and L5-S1 facet radiofrequency ablation", "Seen."))
    assert values(case, 0)["diagnostic_block_relief_percent"] == expected


def test_a_general_word_a_list_follows_stands_for_the_list() -> None:
    case = letter_case(
        "Meds tried: gabapentin 300 mg tid, stopped for dizziness; nortriptyline 25 mg, no change in pain. "
        "Recently prescribed medications have included Ambien and Naproxen.",
        ("Lidoderm 5% patch #30", "Seen."),
        ("Naproxen 550mg #60", "Seen."),
    )
    assert "prior_course" not in values(case, 0)
    assert values(case, 1)["long_term_use"] is False


@pytest.mark.parametrize(
    ("rationale", "fact"),
    [
        (
            "Physical therapy, chiropractic care, injections and medications have all failed.",
            "conservative_care_failed",
        ),
        (
            "Other baseline measures were a Pain Disability Index of 52/70 and a BDI-II of 24.",
            "baseline_functional_evaluation",
        ),
        (
            "She functions at a sedentary level against a medium-duty job and has been off work.",
            "loss_of_independent_function",
        ),
    ],
)
def test_what_a_functional_restoration_program_asks_for(rationale: str, fact: str) -> None:
    found = read_one(
        "Functional restoration program, 10 days (80 hours)", "The injured worker is 47.", rationale
    )
    assert found[fact] is True


@pytest.mark.parametrize(
    ("item", "summary", "fact", "expected"),
    [
        ("Chiropractic 2x3 lumbar", "No chiro and no acupuncture to date.", "prior_course", False),
        (
            "Chiropractic 2x3 lumbar",
            "No manipulation has been given; this request is the trial.",
            "prior_course",
            False,
        ),
        # the substances a screen looks for are not the drug prescribed
        (
            "Butrans 10mcg/hr patch #4",
            "The UDS was positive for buprenorphine and negative for non-prescribed substances.",
            "prior_course",
            None,
        ),
        (
            "Butrans 10mcg/hr patch #4",
            "Norco was replaced in July 2016 by the buprenorphine patch. Seen 10/20/2016.",
            "weeks_of_use",
            11,
        ),
    ],
)
def test_a_course_and_its_start_as_shorthand_writes_them(
    item: str, summary: str, fact: str, expected: object
) -> None:
    case = letter_case(summary, (item, "Seen."))
    assert values(case, 0).get(fact) == expected


def test_how_long_a_treatment_relieved_pain_is_not_how_long_the_complaint_lasted() -> None:
    case = letter_case(
        "An epidural steroid injection on 06/24/2015 reduced his leg pain for about two weeks.",
        ("Right L4-L5 microdiscectomy", "Seen."),
    )
    assert "weeks_since_injury" not in values(case) and "chronic_pain" not in values(case)


def test_what_the_patient_now_does_is_function_gained() -> None:
    case = letter_case(
        "The psychologist's report states that she now drives herself to the store and has cut the time "
        "she spends lying down from five hours to two.",
        ("Cognitive behavioral therapy, 6 additional sessions", "Seen."),
    )
    assert values(case, 0)["functional_improvement"] is True


def test_an_occult_injury_to_rule_out_is_a_suspected_fracture() -> None:
    found = read_one(
        "X-rays of the right hip, 2 views", "Diagnoses: right hip pain, r/o OA vs occult injury."
    )
    assert found["suspected_fracture"] is True


@pytest.mark.parametrize(
    ("item", "text", "fact", "expected"),
    [
        (
            "Butrans 10mcg/hr patch #4",
            "The patient denies any personal history of alcohol or drug misuse.",
            "opioid_risk_screened",
            True,
        ),
        (
            "Butrans 10mcg/hr patch #4",
            "The note documents a return to modified duty six hours a day.",
            "functional_improvement",
            True,
        ),
        ("Butrans 10mcg/hr patch #4", "The goal is a return to work.", "functional_improvement", None),
    ],
)
def test_an_opioid_continued_on_a_history_taken_and_a_return_to_work(
    item: str, text: str, fact: str, expected: object
) -> None:
    assert read_one(item, "The injured worker is 54.", text).get(fact) == expected


# What clinicians and reviewers write, read in a one-item letter: (item, summary, fact, value read,
# None for nothing read).
WRITTEN_FINDINGS = [
    (
        "MRI lumbar spine",
        "The records are devoid of red flags such as fever or weight loss.",
        "red_flags",
        False,
    ),
    (
        "Left L5-S1 ESI",
        "Straight leg raising produced only low back discomfort.",
        "nerve_tension_sign",
        False,
    ),
    (
        "MRI lumbar spine",
        "There has been no significant change in symptoms since the prior MRI.",
        "significant_change_since_imaging",
        False,
    ),
    # what is yet to be done is not done
    (
        "Zolpidem 10mg #30",
        "The physician will give sleep hygiene instructions at the next visit.",
        "sleep_hygiene_tried",
        None,
    ),
    (
        "Norco 10/325 #60",
        "The physician intends to have her sign a narcotic agreement next month.",
        "opioid_agreement",
        None,
    ),
    (
        "Norco 10/325 #60",
        "A urine drug screen will be collected at the next office visit.",
        "urine_drug_screening",
        None,
    ),
    # "not yet" denies what it names
    (
        "Acupuncture x6 lumbar",
        "Acupuncture has not yet been tried for this injury.",
        "prior_course",
        False,
    ),
    (
        "Interferential unit",
        "It is not documented that the unit would be used as an adjunct to an exercise program.",
        "adjunct_to_active_program",
        False,
    ),
    (
        "Cyclobenzaprine 7.5mg #30",
        "Symptoms are unchanged, with no new injury or flare reported.",
        "acute_exacerbation",
        False,
    ),
    ("MRI left shoulder", "Empty can + on the L; drop arm neg.", "rotator_cuff_signs", True),
    # a general condition for the treatment is the guideline's, not the patient's
    (
        "MRI right knee",
        "Mechanical symptoms such as locking support a meniscectomy when imaging shows a tear.",
        "mechanical_knee_signs",
        None,
    ),
    (
        "MRI of the right shoulder",
        "The note reads: PT has not changed his strength.",
        "conservative_care_failed",
        True,
    ),
    (
        "MRI of the right shoulder",
        "After twelve therapy visits and an injection, he still has weakness.",
        "conservative_care_failed",
        True,
    ),
    (
        "Acupuncture 2x3 lumbar",
        "Naproxen 550 bid d/c'd 06/2015 for epigastric pain.",
        "medication_ineffective_or_not_tolerated",
        True,
    ),
    (
        "Acupuncture 2x3 lumbar",
        "Plan: acupuncture 2x/wk x 3 wks along w/ HEP.",
        "adjunct_to_active_program",
        True,
    ),
    # what UR certified is another request: the record, not this item's conclusion
    (
        "Urine drug screen",
        "Norco 5/325 bid since 02/2016 (the latest refill was certified at UR).",
        "opioid_therapy",
        True,
    ),
    # a fact that is itself a suspicion is documented by what the clinician suspects
    ("MRI of the right knee", "A meniscal tear is suspected.", "internal_derangement_suspected", True),
    (
        "MRI of the right knee",
        "A meniscal tear is on the differential.",
        "internal_derangement_suspected",
        True,
    ),
    ("Polysomnography", "Obstructive sleep apnea is suspected.", "sleep_disorder_suspected", True),
    # a doubt, a reviewer's conjecture about the clause and a request's purpose are not suspicions
    ("MRI of the right knee", "A meniscal tear is unlikely.", "internal_derangement_suspected", None),
    (
        "MRI of the right wrist",
        "It is possible that the ulnar-sided pain reflects a TFCC tear.",
        "internal_derangement_suspected",
        None,
    ),
    (
        "MRI of the right knee",
        "The MRI is requested to rule out a meniscal tear.",
        "internal_derangement_suspected",
        None,
    ),
    # a finding that is no suspicion stays unread when only suspected
    ("MRI of the right knee", "Osteoarthritis of the knee is suspected.", "osteoarthritis", None),
    # findings as progress notes write them, each with its other side
    ("MRI of the right knee", "There is medial joint line tenderness.", "mechanical_knee_signs", True),
    ("MRI of the right knee", "There is no joint line tenderness.", "mechanical_knee_signs", False),
    ("Trazodone 50mg #30", "She sleeps three to four hours a night.", "insomnia", True),
    ("Trazodone 50mg #30", "The pain wakes her at night.", "insomnia", True),
    ("Trazodone 50mg #30", "She reports sleeping well.", "insomnia", False),
    ("Norco 10/325mg #90", "UDS 3/15 + methamphetamine.", "aberrant_drug_behavior", True),
    ("Norco 10/325mg #90", "She called twice for early refills.", "aberrant_drug_behavior", True),
    ("Norco 10/325mg #90", "There were no early refills.", "aberrant_drug_behavior", False),
    ("Norco 10/325mg #90", "CURES reviewed 5/3/16: single prescriber.", "cures_checked", True),
    ("Cyclobenzaprine 10mg #20", "He has a new exacerbation of back pain.", "acute_exacerbation", True),
    ("Cyclobenzaprine 10mg #20", "Flare of LBP 3 days ago.", "acute_exacerbation", True),
    (
        "EMG/NCV of the bilateral lower extremities",
        "EMG/NCV was read as WNL.",
        "electrodiagnostic_abnormality",
        False,
    ),
    (
        "EMG/NCV of the bilateral upper extremities",
        "The NCS showed the median sensory latency prolonged.",
        "electrodiagnostic_abnormality",
        True,
    ),
    (
        "Lumbar epidural steroid injection L5-S1",
        "The pain radiates down the back of the left leg.",
        "radicular_symptoms",
        True,
    ),
    # care that has not controlled the complaint, no longer helps, helped for days, plateaued or
    # left it worse; and its other side
    (
        "Trigger point injections x3",
        "Eight PT visits and eight months of naproxen have not controlled the pain.",
        "conservative_care_failed",
        True,
    ),
    ("Trigger point injections x3", "PT has controlled the pain well.", "conservative_care_failed", None),
    (
        "Right carpal tunnel release",
        "Has worn the splints nightly; no help now.",
        "conservative_care_failed",
        True,
    ),
    ("Right carpal tunnel release", "The splints are still helpful.", "conservative_care_failed", None),
    ("Right knee arthroscopy", 'The injection "helped about a week."', "conservative_care_failed", True),
    ("Right knee arthroscopy", "The injection helped for six months.", "conservative_care_failed", None),
    ("Right knee arthroscopy", "PT x12 ending in a documented plateau.", "conservative_care_failed", True),
    (
        "Cervical epidural steroid injection C5-C6",
        "PT x10, HEP, NSAID for 8 mos; arm pain rose 7 -> 8/10.",
        "conservative_care_failed",
        True,
    ),
    (
        "Cervical epidural steroid injection C5-C6",
        "PT x10; arm pain fell to 3/10.",
        "conservative_care_failed",
        None,
    ),
    # another reviewer's stated reason is not the record
    (
        "Right carpal tunnel release",
        'UR\'s "no failed conservative care" is contradicted.',
        "conservative_care_failed",
        None,
    ),
    (
        "Right carpal tunnel release",
        "There is no failed conservative care.",
        "conservative_care_failed",
        False,
    ),
    # a score measured twice: relief where the second is lower, none where it is not
    (
        "Naproxen 550mg #60",
        "On naproxen, pain is 4/10 on days she takes it vs 6/10 w/o.",
        "pain_relief",
        True,
    ),
    ("Naproxen 550mg #60", "Naproxen: pain 6/10 when she takes it and 6/10 without.", "pain_relief", False),
    ("Naproxen 550mg #60", "Naproxen: pain is 8/10 without and 4/10 with it.", "pain_relief", True),
    ("Naproxen 550mg #60", "Naproxen: pain increased from 4/10 to 7/10.", "pain_relief", False),
    (
        "Cognitive behavioral therapy x6",
        "After CBT x4: PHQ-9 today 11 (from 19).",
        "functional_improvement",
        True,
    ),
    (
        "Cognitive behavioral therapy x6",
        "After CBT: BDI-II 31 -> 19, BAI 22 -> 14.",
        "functional_improvement",
        True,
    ),
    ("Cognitive behavioral therapy x6", "After CBT, PHQ-9 19 -> 22.", "functional_improvement", False),
    (
        "Cognitive behavioral therapy x6",
        "After CBT the ODI improved from 40% to 22%.",
        "functional_improvement",
        True,
    ),
    ("Cognitive behavioral therapy x6", "After CBT, BDI-II down 12 points.", "functional_improvement", True),
    # what the patient does again, or for the first time since the injury
    ("Cognitive behavioral therapy x6", "Since CBT he is driving again.", "functional_improvement", True),
    (
        "Cognitive behavioral therapy x6",
        "After CBT he drove to the lake for the first time since the injury.",
        "functional_improvement",
        True,
    ),
    (
        "Cognitive behavioral therapy x6",
        "After CBT the pain spread to the leg for the first time since the injury.",
        "functional_improvement",
        None,
    ),
    (
        "Cognitive behavioral therapy x6",
        "After CBT he has gone from spending most afternoons in bed to a daily walk.",
        "functional_improvement",
        True,
    ),
    # a diagnostic block's response from the pain diary's scores, and the program the procedure goes with
    (
        "Bilateral L4-L5 and L5-S1 radiofrequency ablation",
        "He underwent L3 and L4 medial branch blocks; his pain diary records 7/10 before the procedure,"
        " 1/10 at thirty minutes.",
        "diagnostic_block_relief_percent",
        86,
    ),
    (
        "Bilateral L4-L5 and L5-S1 radiofrequency ablation",
        "#1 08/17/2016, 2% lidocaine 0.5 mL/level: 7/10 -> 1/10 at 30 min.",
        "diagnostic_block_relief_percent",
        86,
    ),
    (
        "Bilateral L4-L5 and L5-S1 radiofrequency ablation",
        "Medial branch blocks with 2% lidocaine were done.",
        "diagnostic_block_relief_percent",
        None,
    ),
    (
        "Bilateral L4-L5 and L5-S1 radiofrequency ablation",
        "Plan: RF neurotomy, then resume HEP + core stabilization program.",
        "adjunct_to_active_program",
        True,
    ),
    (
        "Bilateral L4-L5 and L5-S1 radiofrequency ablation",
        "He does not plan to resume the HEP.",
        "adjunct_to_active_program",
        False,
    ),
    # scores with and without the drug as notes abbreviate them; a plan that continues a drug, or a
    # drug switched to, is its course so far
    ("OxyContin 20mg #60", "PR-2: LBP 8/10 w/o meds, 6/10 w/ meds.", "pain_relief", True),
    ("OxyContin 20mg #60", "S: LBP 7-8/10 w/o meds -> 3-4/10 after the OxyContin dose.", "pain_relief", True),
    ("OxyContin 20mg #60", "Pain 5/10 -> 7/10 on OxyContin.", "pain_relief", False),
    ("OxyContin 20mg #60", "A/P: cont OxyContin 20 mg q12h #60.", "prior_course", True),
    ("OxyContin 20mg #60", "Norco through mid-2014, switched 08/2014 to OxyContin.", "prior_course", True),
    ("OxyContin 20mg #60", "She continues to have pain; OxyContin was requested.", "prior_course", None),
    ("OxyContin 20mg #60", "Plan: start OxyContin 20 mg q12h.", "prior_course", None),
    # a score before and after a dose in words; nothing found of what monitoring looks for
    (
        "Norco 10/325mg #120",
        "She rated her pain 8/10 on waking, before her first Norco, and 4/10 forty-five minutes after it.",
        "pain_relief",
        True,
    ),
    (
        "Norco 10/325mg #120",
        "Norco: a morning score of 8/10 falling to 4/10 within the hour.",
        "pain_relief",
        True,
    ),
    (
        "Norco 10/325mg #120",
        "A consistent screen leaves nothing to suggest misuse.",
        "aberrant_behavior_monitored",
        True,
    ),
    ("Norco 10/325mg #120", "There was no assessment for misuse.", "aberrant_behavior_monitored", False),
    # a scale read twice in prose, motion and strength measured twice, the job taken up again
    (
        "Chiropractic treatment, 6 additional visits",
        "The chiropractor writes: at intake his Oswestry score was 46%; today it is 28%.",
        "functional_improvement",
        True,
    ),
    (
        "Chiropractic treatment, 6 additional visits",
        "After the chiropractic trial, lumbar flexion has gone from 40 to 60 degrees.",
        "functional_improvement",
        True,
    ),
    (
        "Chiropractic treatment, 6 additional visits",
        "After chiropractic, flexion 60 -> 40 deg.",
        "functional_improvement",
        False,
    ),
    (
        "Chiropractic treatment, 6 additional visits",
        "After chiropractic, lumbar flexion 40 to 60 degrees with pain.",
        "functional_improvement",
        None,
    ),
    (
        "Chiropractic treatment, 6 additional visits",
        "After chiropractic care his employer took him back to his regular job with no restrictions.",
        "functional_improvement",
        True,
    ),
    (
        "Aquatic therapy 2x3, bilateral knees",
        "She ambulated with a cane.",
        "objective_functional_deficits",
        True,
    ),
    # the remedy named beside an opioid's adverse effect is no subject of it
    (
        "Norco 10/325mg #120",
        "She reported mild constipation, controlled with docusate, and denied sedation.",
        "side_effects_assessed",
        True,
    ),
    # the first of its class: none before
    ("Cyclobenzaprine 7.5mg #20", "No prior muscle relaxant.", "prior_course", False),
    ("Cyclobenzaprine 7.5mg #20", "This is his first Rx for a relaxant.", "prior_course", False),
    ("Cyclobenzaprine 7.5mg #20", "He has never taken a muscle relaxant.", "prior_course", False),
    ("Cyclobenzaprine 7.5mg #20", "No NSAIDs.", "prior_course", None),
    # care without adequate relief; a limb that may bear no weight
    (
        "Right carpal tunnel corticosteroid injection",
        "She has tried a night splint and an OTC NSAID w/o adequate relief.",
        "conservative_care_failed",
        True,
    ),
    (
        "Home health skilled nursing visits 3x4",
        "He is to remain non-weight-bearing on the right lower extremity.",
        "objective_functional_deficits",
        True,
    ),
    # the complaint still there after a completed course; what the patient would undergo; a study's
    # finding of both roots
    (
        "MRI of the right knee",
        "He has recurrent giving way after a completed course of therapy.",
        "conservative_care_failed",
        True,
    ),
    (
        "MRI of the right knee",
        "The problem is mechanical instability, which strengthening has not corrected.",
        "conservative_care_failed",
        True,
    ),
    (
        "MRI of the right knee",
        "He told his surgeon he would consider reconstruction.",
        "surgical_candidate",
        True,
    ),
    (
        "Repeat bilateral L4-L5 transforaminal epidural steroid injections",
        "A lumbar MRI showed stenosis contacting both traversing L5 nerve roots.",
        "nerve_root_compromise_on_imaging",
        True,
    ),
    (
        "Repeat bilateral L4-L5 transforaminal epidural steroid injections",
        "The MRI showed no compression of the L5 roots.",
        "nerve_root_compromise_on_imaging",
        False,
    ),
    # an injection abbreviated, sessions in the pool
    (
        "Right knee corticosteroid injection",
        "Last R knee steroid inj 1/2016 gave 50% relief.",
        "pain_relief_percent",
        50,
    ),
    (
        "Aquatic therapy 2x4 lumbar spine",
        "She attended 8 of the 10 authorized pool sessions.",
        "prior_visits",
        8,
    ),
    # care not given, care that is helping, the same score with and without the drug
    (
        "Cervical epidural steroid injection C5-6",
        "Physical therapy was not tried.",
        "conservative_care_tried",
        False,
    ),
    (
        "Cervical epidural steroid injection C5-6",
        "Physical therapy was tried.",
        "conservative_care_tried",
        True,
    ),
    (
        "MRI cervical spine",
        "She is two weeks into physical therapy that is already easing her neck pain.",
        "conservative_care_failed",
        False,
    ),
    (
        "MRI cervical spine",
        "Chiropractic and PT have both helped him considerably.",
        "conservative_care_failed",
        False,
    ),
    (
        "Norco 10/325mg #120",
        "The PR-2s record pain at 8/10 at every visit, with and without Norco alike.",
        "pain_relief",
        False,
    ),
    # absence as reviewers state it: a class of condition undocumented, a part never injected, use
    # unchanged, surgery refused, open foramina, a flare settled, a test abbreviated negative
    ("Gabapentin 300mg #90", "No neuropathic condition is documented.", "neuropathic_pain", False),
    ("Norco 10/325mg #120", "No one has sent a single urine specimen.", "urine_drug_screening", False),
    (
        "Cervical epidural steroid injection C5-6",
        "Her opioid use went on unchanged after the prior injection.",
        "medication_use_reduced",
        False,
    ),
    (
        "MRI cervical spine",
        "He would not have neck surgery under any circumstances.",
        "surgical_candidate",
        False,
    ),
    (
        "Lumbar epidural steroid injection L4-5",
        "The lumbar MRI shows no contact with any nerve root.",
        "nerve_root_compromise_on_imaging",
        False,
    ),
    (
        "Cervical epidural steroid injection C5-6",
        "The MRI showed a 2 mm disc bulge at C5-6 with patent foramina.",
        "nerve_root_compromise_on_imaging",
        False,
    ),
    ("Cyclobenzaprine 10mg #60", "The January flare has settled.", "acute_exacerbation", False),
    ("MRI lumbar spine", "SLR neg bilat to 80 degrees.", "nerve_tension_sign", False),
    # pain kept to the spine; no warning signs; a diagnostic block's response is no treatment's relief
    (
        "Lumbar epidural steroid injection L4-5",
        "The pain stays in the low back and goes no farther than the buttocks.",
        "radicular_symptoms",
        False,
    ),
    ("X-ray lumbar spine", "A lumbar strain, free of any of the warning signs.", "red_flags", False),
    (
        "Radiofrequency ablation bilateral L4-5, L5-S1",
        "The diagnostic medial branch blocks gave 85% relief for six hours.",
        "pain_relief_percent",
        None,
    ),
    (
        "Lumbar epidural steroid injection L5-S1",
        "The last lumbar ESI gave 60% relief.",
        "pain_relief_percent",
        60,
    ),
    # care that did nothing, supports worn and exercises done at home, the path of radiating pain, a
    # drug started so long ago or taken chronically, a drug cut after the injection, relief worn off
    (
        "Right carpal tunnel release",
        "Night splinting and a cortisone shot did nothing for the numbness.",
        "conservative_care_failed",
        True,
    ),
    (
        "EMG/NCV bilateral upper extremities",
        "She has worn wrist braces at night and done nerve-gliding exercises at home.",
        "conservative_care_tried",
        True,
    ),
    (
        "Cervical epidural steroid injection C5-6",
        "Pain shoots from her neck over the shoulder and down the outside of her arm to the thumb.",
        "radicular_symptoms",
        True,
    ),
    ("Celecoxib 200mg #30", "Celebrex was started six weeks ago.", "weeks_of_use", 6),
    ("Soma 350mg #60", "The claimant has taken Soma chronically since 2013.", "long_term_use", True),
    (
        "Lumbar epidural steroid injection L4-5",
        "After the last epidural she cut her Norco from four tablets a day to one.",
        "medication_use_reduced",
        True,
    ),
    (
        "Cervical epidural steroid injection C6-7",
        "The benefit of the last cervical epidural wore off after three weeks.",
        "relief_duration_weeks",
        3,
    ),
    # a course's shorthand, done or dated, is a prior course; planned, not
    ("Cognitive behavioral therapy x6", "CBT x4, weekly, 12/03/2014-01/14/2015.", "prior_visits", 4),
    ("Physical therapy x6, lumbar", "Tx: PT x8 (07-08/2014: stretching).", "prior_visits", 8),
    ("Physical therapy x6, lumbar", "Plan: PT x6, 2x/wk.", "prior_visits", None),
    # a nerve study not named again: a neuropathy is what only a nerve study shows
    (
        "Left carpal tunnel release",
        'The 10/19/2016 study confirms "moderate left median neuropathy at the wrist".',
        "electrodiagnostic_abnormality",
        True,
    ),
    (
        "Cervical epidural steroid injection C5-6",
        "The EMG documents chronic C6 radiculopathy.",
        "electrodiagnostic_abnormality",
        True,
    ),
    ("Left carpal tunnel release", "The sleep study showed apnea.", "electrodiagnostic_abnormality", None),
    # a drug set for the days after the surgery; in a summary, the plan's "may" is no guideline's
    (
        "Norco 5/325mg #20",
        "Norco 5/325 one q6h prn, #20, to start post-op; she may resume naproxen day 3.",
        "postoperative_supply",
        True,
    ),
    ("Norco 5/325mg #20", "She has taken Norco since an operation in 2014.", "postoperative_supply", None),
    # a surgery done, by its abbreviation, glossed as certified
    (
        "Post-operative physical therapy x12, lumbar spine",
        "S/p L5-S1 TLIF w/ pedicle screw instrumentation 08/23/2016 (certified; 2-night stay).",
        "surgery_certified_or_performed",
        True,
    ),
    (
        "Post-operative physical therapy x12, lumbar spine",
        "A TLIF is requested.",
        "surgery_certified_or_performed",
        None,
    ),
    # care that failed: the complaint named with its region, one complaint better and the other not,
    # a patient who plateaued, pain persisting at a level after the care listed
    (
        "Right L4-L5 transforaminal epidural steroid injection",
        "Physical therapy has not relieved the leg pain.",
        "conservative_care_failed",
        True,
    ),
    (
        "Right L4-L5 transforaminal epidural steroid injection",
        "He completed 10 sessions of physical therapy; the back pain improved but the leg pain did not.",
        "conservative_care_failed",
        True,
    ),
    (
        "Right L4-L5 transforaminal epidural steroid injection",
        "He completed 10 sessions of physical therapy; the leg pain did not return.",
        "conservative_care_failed",
        None,
    ),
    (
        "MRI right shoulder",
        'After 8 PT visits the discharge note says he "plateaued".',
        "conservative_care_failed",
        True,
    ),
    (
        "Trigger point injections x3",
        "Tx: PT x6, HEP, naproxen 500 bid; pain persists 6/10.",
        "conservative_care_failed",
        True,
    ),
    (
        "Trigger point injections x3",
        "After PT the pain remains 2/10 and she is back at work.",
        "conservative_care_failed",
        None,
    ),
    # a neurological deficit that is progressing is a red flag, wherever the limb is written
    (
        "Repeat MRI cervical spine",
        "She described four weeks of progressive left arm weakness.",
        "red_flags",
        True,
    ),
    # knee OA by its abbreviation; the reason UR gave is UR's, not the record's
    ("Voltaren 1% gel, 100g x2", "Dx: right knee OA, medial compartment.", "osteoarthritis", True),
    (
        "Voltaren 1% gel, 100g x2",
        "UR denied it because the OA has not been confirmed on imaging.",
        "osteoarthritis",
        None,
    ),
    # a note that addresses aberrant behaviour names what it checked; a finding "neither documented"
    (
        "Norco 10/325mg #120",
        "The 04/27/2016 report quantifies the analgesic effect and addresses aberrant behavior.",
        "aberrant_drug_behavior",
        None,
    ),
    ("Norco 10/325mg #120", "She had aberrant behavior with early refills.", "aberrant_drug_behavior", True),
    (
        "C5-C6 interlaminar cervical epidural steroid injection",
        "Radiculopathy is neither documented on examination nor corroborated.",
        "radicular_symptoms",
        False,
    ),
    # deficits said to remain, and what the therapist must still progress; a first-line agent stopped
    # for its side effects
    (
        "Additional physical therapy for the left knee, 3 sessions",
        "Quadriceps weakness and inability to manage stairs reciprocally remain.",
        "remaining_deficits_need_supervision",
        True,
    ),
    (
        "Physical therapy #4 additional, lumbar spine",
        "Therapist notes he still needs progression of core stabilization before full duty.",
        "remaining_deficits_need_supervision",
        True,
    ),
    (
        "Lidoderm 5% patch #30",
        "Tx: PT, gabapentin 900 mg/day from 2014 to 08-2015 (discontinued because of dizziness), naproxen.",
        "neuropathic_first_line_failed",
        True,
    ),
    (
        "Repeat CT scan of the lumbar spine",
        "The vertebral height loss doubled. That is a significant change.",
        "significant_change_since_imaging",
        True,
    ),
    (
        "Lidoderm 5% patch #30",
        "Tx: gabapentin 300 mg tid -> dizziness and a fall at home, d/c'd; naproxen.",
        "neuropathic_first_line_failed",
        True,
    ),
    ("Lidoderm 5% patch #30", "She failed 2 first-line classes.", "neuropathic_first_line_failed", True),
    # the risk group a stratification places the patient in; a screen within a shorter span
    ("Urine drug screen", "Her risk stratification places her in the low-risk group.", "misuse_risk", "low"),
    (
        "Urine drug screen",
        "A screen obtained within the preceding three months was consistent.",
        "drug_tests_past_year",
        1,
    ),
    # a scale's name is no finding; a screening read as negative is the finding's absence
    (
        "Biofeedback 6 sessions",
        "Beck Depression Inventory score of 4, within normal limits.",
        "psychological_symptoms",
        None,
    ),
    ("Biofeedback 6 sessions", "The psychological screening was negative.", "psychological_symptoms", False),
    (
        "Biofeedback 6 sessions",
        "Her Beck Depression Inventory is 31, severe depression.",
        "psychological_symptoms",
        True,
    ),
    # relief by a share, however written; a procedure given is a prior course
    (
        "Norco 10/325mg #90",
        "Pt reports that Norco takes the edge off by about 40%.",
        "pain_relief_percent",
        40,
    ),
    ("Norco 10/325mg #90", "On Norco her pain is about 50% better.", "pain_relief_percent", 50),
    ("Norco 10/325mg #90", "Norco cut her use of Motrin by 50%.", "pain_relief_percent", None),
    (
        "Lumbar epidural steroid injection L4-5",
        "The first L4-5 epidural was done 4/8/16.",
        "prior_course",
        True,
    ),
    # a fracture a study showed, described in several words
    (
        "Standing AP and lateral radiographs, thoracolumbar spine",
        "A CT of the lumbar spine showed an acute L1 superior endplate compression fracture.",
        "suspected_fracture",
        True,
    ),
    # a study to rule out a lesion is no suspicion of it; the low back's pain is the low back's
    (
        "MRI left ankle",
        'Plan: MRI L ankle "to r/o an occult osteochondral lesion."',
        "internal_derangement_suspected",
        None,
    ),
    (
        "MRI left ankle",
        "Exam raises concern for an osteochondral lesion.",
        "internal_derangement_suspected",
        True,
    ),
    (
        "MRI left ankle",
        "Prior tx for LBP: PT x6, HEP, naproxen; pain persists 6/10.",
        "conservative_care_failed",
        None,
    ),
    # no opioid taken; a device switched on is no drug taken
    (
        "Urine drug screen",
        "The patient takes no opioid or other controlled medication.",
        "opioid_therapy",
        False,
    ),
    ("Urine drug screen", "She takes an opioid at night.", "opioid_therapy", True),
    (
        "Acupuncture x6, right shoulder",
        'At his PT visits a TENS unit was applied; he said it "felt good while it was on."',
        "prior_course",
        None,
    ),
    ("Norco 10/325mg #120", "She is on Norco 10/325.", "prior_course", True),
    # a medication list's drug, its dose and daily count, then since when
    ("Norco 10/325mg #120", "Tx: HEP, Norco 10/325 up to 4/day since 01/2015.", "prior_course", True),
    # function regained: whole shifts worked, an activity named first and then taken up again
    (
        "Naproxen 550mg #60",
        "On naproxen she works full eight-hour shifts on modified duty.",
        "functional_improvement",
        True,
    ),
    ("Naproxen 550mg #60", "On naproxen, household tasks were resumed.", "functional_improvement", True),
    (
        "Naproxen 550mg #60",
        "Even on naproxen she is not managing full shifts.",
        "functional_improvement",
        False,
    ),
]


@pytest.mark.parametrize(("item", "summary", "fact", "expected"), WRITTEN_FINDINGS)
def test_findings_as_clinicians_write_them(item: str, summary: str, fact: str, expected: object) -> None:
    assert read_one(item, summary).get(fact) == expected


@pytest.mark.parametrize(
    ("rationale", "expected"),
    [
        # the Ottawa rules as examiners record them
        ("Point tenderness at the posterior edge of the lateral malleolus was found.", True),
        ("The patient could not take 4 steps unaided in the office.", True),
        ("A fracture has not been excluded.", True),
        ("He was able to take four steps without pain.", None),
        ("No fracture was seen on the films.", False),
    ],
)
def test_a_fracture_suspected_on_the_ottawa_rules(rationale: str, expected: bool | None) -> None:
    assert (
        read_one("X-rays of the left ankle, 3 views", "The injured worker is 45.", rationale).get(
            "suspected_fracture"
        )
        is expected
    )


@pytest.mark.parametrize(
    ("summary", "expected"),
    [
        # the count first, the course done after it; a trial named by its count
        ("Four CBT sessions were authorized and completed in October.", 4),
        ("The claimant completed the 4-visit trial of CBT.", 4),
        # sessions asked for or authorized are not sessions had
        ("Six CBT sessions were requested.", None),
        ("Four CBT sessions were authorized.", None),
    ],
)
def test_prior_sessions_counted_however_written(summary: str, expected: int | None) -> None:
    facts = read_one(
        "Cognitive behavioral therapy, 6 additional sessions", f"The injured worker is 45. {summary}"
    )
    assert facts.get("prior_visits") == expected


@pytest.mark.parametrize(
    ("summary", "expected"),
    [
        # a course that changed nothing, and the pain still there after the care listed
        ('PT x6 in 2014 "without lasting change".', True),
        ("A two-week course of cyclobenzaprine w/o effect.", True),
        ("PT x8 ended in a failure to progress in the strengthening program.", True),
        ("She completed 10 PT visits and a home program, and the leg pain is still 7/10.", True),
        ("PT x8 was completed without complications.", None),
    ],
)
def test_care_that_changed_nothing(summary: str, expected: bool | None) -> None:
    facts = read_one("MRI of the lumbar spine", f"The injured worker is 45. {summary}")
    assert facts.get("conservative_care_failed") is expected
