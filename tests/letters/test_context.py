"""The context layer (engine/letters/context.py, guidelines/context.yaml): what a trigger word does to a
finding named after or before it, its scope, terminators, pseudo-triggers and complements, and the
file's checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import InputError
from engine.letters.context import context_of, expand, load_context_rules, words_of


def categories(sentence: str, finding: str) -> set[str]:
    start = sentence.index(finding)
    rules = load_context_rules()
    return set(context_of(rules.modifiers(sentence), start, start + len(finding)).categories)


@pytest.mark.parametrize(
    ("sentence", "finding", "expected"),
    [
        # negation, forward and backward
        ("There were no spasms in the paracervical muscles.", "spasms", {"negated"}),
        ("The patient denies numbness, tingling, or weakness.", "weakness", {"negated"}),
        ("Straight leg raise was negative bilaterally.", "Straight leg raise", {"negated"}),
        ("The abdomen is non-tender.", "tender", {"negated"}),
        ("Muscle spasm was noted on examination.", "Muscle spasm", set()),
        # the alternative set aside is a phrase long; a joint lacking degrees is a finding; a
        # negation ends at the patient's next predicate; a diagnosis written as not made is denied
        ("She walks 45 minutes instead of 15, does her own shopping.", "does her own shopping", set()),
        ("He chose injections rather than surgery.", "surgery", {"negated"}),
        ("The knee lacks 15 degrees of flexion and strength is 4/5.", "strength is 4/5", set()),
        ("He denies numbness and has weakness of the left leg.", "weakness", set()),
        ("A diagnosis of migraine has not been made.", "migraine", {"negated"}),
        # a diagnosis a test excluded, either way round, is denied; its exclusion sought is a question;
        # a person excluded from a program is no diagnosis excluded
        ("The EMG excluded cervical radiculopathy.", "radiculopathy", {"negated"}),
        ("Radiculopathy was excluded by the normal EMG.", "Radiculopathy", {"negated"}),
        ("Exclusion of a fracture required a CT.", "fracture", {"hypothetical"}),
        ("He was excluded from the program, and radiculopathy is present.", "radiculopathy", set()),
        # "without change" is the course's result, which negates nothing after it; "without benefit" does
        ("PT x6 without lasting change, a failed NSAID trial, persistent pain.", "failed NSAID trial", set()),
        ("PT x6 without benefit, a failed NSAID trial.", "failed NSAID trial", {"negated"}),
        # the question of a measure stays out of the absence, which reaches only measured results
        ("There is no indication of how much relief the drug provides.", "drug", set()),
        # a relative clause about a relative is still about them
        ("Her mother, who is diabetic, has numbness in both feet.", "numbness", {"other_person"}),
        # a relative's clause runs on to its end, past a long verb phrase
        (
            "Her son is being treated for opioid use disorder with buprenorphine.",
            "buprenorphine",
            {"other_person"},
        ),
        (
            "His wife reports that he has had numbness since the fall, but he denies weakness.",
            "weakness",
            {"negated"},
        ),
        # what is not documented of the patient follows "is not documented to be"
        ("The patient is not documented to be at high risk for GI events.", "high risk", {"absent"}),
        # what is yet to be done, and what may come
        ("A urine drug screen will be obtained at the next visit.", "urine drug screen", {"planned"}),
        ("Keep it on hand for future flare-ups.", "flare-ups", {"indication", "hypothetical"}),
        # "were negative for" looks forward: the longer phrase is not "were negative" looking back
        ("X-rays of the knee were negative for degenerative changes.", "degenerative changes", {"negated"}),
        ("X-rays of the knee were negative.", "X-rays", {"negated"}),
        # a conjecture governs its whole clause, however long
        (
            "It is possible that the burning pain and discoloration of the foot represent early CRPS.",
            "CRPS",
            {"possible"},
        ),
        (
            "Possible tear of the meniscus, with a confirmed fracture of the tibial plateau.",
            "fracture",
            set(),
        ),
        # a participle after a comma comments on the clause before it
        (
            "The therapist documents no further gains this month, indicating a plateau in progress.",
            "plateau",
            set(),
        ),
        ("A partial-thickness tear could be present on the MRI.", "partial-thickness tear", {"possible"}),
        # a negation inside a parenthesis glosses what the parenthesis follows
        ("Naproxen (certified, not in dispute), Norco 10/325 since 01/2015.", "Norco", set()),
        ("Naproxen (certified, not in dispute), Norco 10/325 since 01/2015.", "dispute", {"negated"}),
        ("He has (no) spasm.", "spasm", {"negated"}),
        # a treatment given for another body part or claim is not this request's history
        (
            "The therapy received in 2012 was for a different body part under another claim.",
            "therapy",
            {"other_person"},
        ),
        # utilization review's reason for its denial is no finding of the record
        ("UR denied it because the OA has not been confirmed on imaging.", "OA", {"other_person", "negated"}),
        # ", and" opening a clause of its own (a subject and its verb) ends a negation
        (
            "There is no indication of aberrant behavior, and a screen obtained in March was consistent.",
            "screen",
            set(),
        ),
        ("There is no fever, chills, and night sweats.", "night sweats", {"negated"}),
        # ... but not ", and that", which joins a second clause to the same complement
        (
            "There is no evidence that pain is reduced, and that the patient has improved function.",
            "improved function",
            {"absent"},
        ),
        # what further treatment is made to depend on is a condition, not a finding
        (
            "Additional treatment is based upon documented objective, functional improvement.",
            "functional improvement",
            {"guideline"},
        ),
        # what has to be shown is a condition, not a finding
        (
            "Eight treatments exceed the six allowed before functional improvement has to be shown.",
            "functional improvement",
            {"guideline"},
        ),
        # a treatment that may come is not one given or planned
        ("The surgeon said a fusion might eventually be needed.", "fusion", {"possible"}),
        ("A fusion was needed after the fall.", "fusion", set()),
        # a positive finding ends a negation looking back past it
        ("Positive straight leg raise on the left and negative on the right.", "straight leg raise", set()),
        # the reviewer states the record lacks it: documented as absent
        (
            "There was no documentation of objective functional improvement.",
            "functional improvement",
            {"absent"},
        ),
        ("There is a lack of documentation of functional improvement.", "functional improvement", {"absent"}),
        ("The records do not establish signs of radiculopathy.", "radiculopathy", {"absent"}),
        ("Functional improvement was not documented.", "Functional improvement", {"absent"}),
        # no account given, nothing said or done, looked for in vain
        ("There is no account of ongoing low back spasm.", "spasm", {"absent"}),
        ("The notes do not say the Norco gives any pain relief.", "pain relief", {"absent"}),
        ("In three years no one has sent a single urine specimen.", "urine specimen", {"absent"}),
        ("One looks in vain through the PR-2s to find a functional gain.", "functional gain", {"absent"}),
        ("A home exercise program has not been described.", "home exercise program", {"absent"}),
        # a list after one trigger: "no evidence of X or any findings consistent with Y"
        (
            "There was no evidence of spasm or any findings consistent with radiculopathy.",
            "radiculopathy",
            {"absent"},
        ),
        # pseudo-triggers: the words of a trigger that trigger nothing
        ("MRI of the lumbar spine without contrast showed a disc protrusion.", "disc protrusion", set()),
        ("There was no change in the radicular pain.", "radicular pain", set()),
        ("She reported very little, if any, functional improvement.", "functional improvement", {"negated"}),
        # what a negated finding was sought with, and what an attribute is of, stay affirmed
        ("No functional improvement with the previous sessions was shown.", "previous sessions", set()),
        ("The quantity of prior sessions was not provided.", "prior sessions", set()),
        ("There is no documentation of the outcome of the prior injection.", "injection", {"historical"}),
        (
            "There is no documentation of improvement with the previous sessions and remaining deficits.",
            "remaining deficits",
            {"absent"},
        ),
        # an embedded question leaves its content unread, not denied
        ("The note does not say whether the patient had prior therapy.", "prior therapy", {"hypothetical"}),
        ("The report does not reflect when the medication was prescribed.", "prescribed", set()),
        # the criteria a reviewer finds unmet, listed past "but not limited to"
        (
            "The patient does not meet criteria for an MRI including, but not limited to,"
            " red flags or neurological dysfunction.",
            "neurological dysfunction",
            {"absent"},
        ),
        # terminators: a turn of the sentence ends the scope
        ("The patient had no spasm, but there was tenderness.", "tenderness", set()),
        (
            "While the report does not discuss therapy, the UR letter states she had therapy.",
            "had therapy",
            set(),
        ),
        # possible, hypothetical, indication, planned
        ("An MRI was requested to rule out a rotator cuff tear.", "rotator cuff tear", {"hypothetical"}),
        (
            "It is possible that the previous therapy was several years ago.",
            "several years ago",
            {"possible", "historical"},
        ),
        ("The findings are suspicious for a meniscal tear.", "meniscal tear", {"possible"}),
        (
            "The records do not establish signs to cause concern for radiculopathy.",
            "radiculopathy",
            {"absent"},
        ),
        ("If the pain persists, injections may be considered.", "pain persists", {"hypothetical"}),
        # an inverted conditional opening the sentence, to its comma; a question is none
        (
            "Were a progressive deficit documented, the analysis would differ.",
            "progressive deficit",
            {"hypothetical"},
        ),
        ("Were the films reviewed?", "films", set()),
        (
            "The patient is at risk for gastrointestinal bleeding.",
            "gastrointestinal bleeding",
            {"hypothetical"},
        ),
        ("Flexeril was prescribed for muscle spasm.", "muscle spasm", {"indication"}),
        ("Physical therapy was requested for the lumbar spine.", "Physical therapy", {"planned"}),
        # historical and someone else's
        ("She has a history of peptic ulcer disease.", "peptic ulcer disease", {"historical"}),
        ("His mother has diabetes.", "diabetes", {"other_person"}),
        # another reviewer's stated reason
        ("The UR reviewer stated there was spasm.", "spasm", {"other_person"}),
        # a guideline's clause inside a sentence about this patient
        (
            "MTUS supports relaxants in patients with acute spasm; here, the patient has spasm.",
            "acute spasm",
            {"guideline"},
        ),
        (
            "MTUS supports relaxants in patients with acute spasm; here, the patient has spasm.",
            "has spasm",
            set(),
        ),
    ],
)
def test_context_of_a_finding(sentence: str, finding: str, expected: set[str]) -> None:
    assert categories(sentence, finding) == expected


@pytest.mark.parametrize(
    ("sentence", "finding", "measured", "expected"),
    [
        # a missing measure of a measured result is its absence; of anything else, not
        ("The degree and duration of pain relief were not documented.", "pain relief", True, {"absent"}),
        ("The degree and duration of pain relief were not documented.", "pain relief", False, set()),
        ("There is no record of the extent of functional gains.", "functional gains", True, {"absent"}),
        ("The duration of the physical therapy was not provided.", "physical therapy", False, set()),
        # a study's confirmation: its result is denied, the complaint it would confirm is not
        ("There is no EMG corroborating radiculopathy.", "radiculopathy", True, {"negated"}),
        ("There is no EMG corroborating radiculopathy.", "radiculopathy", False, set()),
        # any other complement still shields the measured result ("no relief with the medication" is
        # the medication's doing, "pain relief from" names the source)
        ("The number of sessions with pain relief was not provided.", "pain relief", True, set()),
    ],
)
def test_a_negation_reaches_a_measured_result_through_its_measure(
    sentence: str, finding: str, measured: bool, expected: set[str]
) -> None:
    start = sentence.index(finding)
    modifiers = load_context_rules().modifiers(sentence)
    assert set(context_of(modifiers, start, start + len(finding), measured).categories) == expected


def test_a_trigger_is_no_context_of_its_own_words() -> None:
    sentence = "No aberrant behavior was noted."
    rules = load_context_rules()
    assert context_of(rules.modifiers(sentence), 0, len("No aberrant behavior")).categories == frozenset()


def test_words_keep_slashes_and_split_hyphens() -> None:
    assert [w.text for w in words_of("Pain-free, w/o r/o; non-tender.")] == [
        "pain",
        "free",
        ",",
        "w/o",
        "r/o",
        ";",
        "non",
        "tender",
    ]


def test_choices_expand() -> None:
    assert expand("{does,did} not {show,note}") == [
        "does not show",
        "does not note",
        "did not show",
        "did not note",
    ]
    assert expand("no {,clear }evidence") == ["no evidence", "no clear evidence"]


def test_the_trigger_file_is_checked(tmp_path: Path) -> None:
    bad = tmp_path / "context.yaml"
    bad.write_text("categories:\n  negated:\n    max_words: 8\n    forward: ['---']\n")
    with pytest.raises(InputError, match=r"context\.yaml:4: .*has no words"):
        load_context_rules.__wrapped__(bad)
    bad.write_text("categories:\n  negated:\n    max_words: 8\n    sideways: [no]\n")
    with pytest.raises(InputError, match=r"context\.yaml:4"):
        load_context_rules.__wrapped__(bad)
    bad.write_text("categories:\n  negated:\n    max_words: 8\n    forward: [nope]\npseudo: [nope]\n")
    with pytest.raises(InputError, match=r"context\.yaml:5: .*pseudo"):
        load_context_rules.__wrapped__(bad)
    bad.write_text(
        "categories:\n  other_person:\n    max_words: 8\n    forward: [mother]\n"
        "terminators:\n  all: [but]\ncontinued_by:\n  other_person: [who]\n"
    )
    with pytest.raises(InputError, match=r"context\.yaml:8: 'who' ends no scope"):
        load_context_rules.__wrapped__(bad)
