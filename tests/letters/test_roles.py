"""The role of a sentence (engine/letters/roles.py, guidelines/roles.yaml): a conclusion, a
guideline's statement, or the record."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from engine.letters.roles import load_roles


@pytest.mark.parametrize(
    "sentence",
    [
        "Therefore, the request for Norco 10/325mg #90 is not medically necessary.",
        "The request for 12 sessions of physical therapy is medically necessary and appropriate.",
        "No, the request for multilevel lumbar facet injections was not medically necessary.",
        "On 11-04-2016 the request for cervical spine MRI was non-certified by utilization review.",
        "Proceeding with cervical spine MRI is not indicated.",
        "Medical necessity has not been established.",
        "The request is not supported by the guidelines.",
        "Utilization Review partially-certified the prescribed Fexmid and Norco.",
        "Physical therapy was denied due to lack of documentation of functional improvement.",
        "Given the authorized initial trial, additional sessions are not appropriate at this time.",
        "Further visits would be warranted.",
        # ... but not where the sentence concludes in other words, or denies the surgery
        "The surgery was certified, therefore the cold therapy unit is medically necessary.",
        "UR non-certified the arthroscopy on 12/22/2016.",
    ],
)
def test_sentences_stating_a_conclusion(sentence: str) -> None:
    assert load_roles().role(sentence, "rationale") == "conclusion"


@pytest.mark.parametrize(
    "sentence",
    [
        "The injured worker denied side effects.",
        "Work status was modified.",
        "The records indicated the patient had 6 prior sessions.",
        "There is no evidence of red flags.",
        "There is no documentation as to why additional sessions are necessary.",
        # utilization review's certification of the surgery a service goes with is the record
        "The knee arthroscopy with partial meniscectomy was certified by utilization review on 12/22/2016.",
        "The surgeon requested a rotator cuff repair, which utilization review certified on 01/03/2017.",
        "UR modified the request for acupuncture x 8 to acupuncture x 2.",
        # another drug glossed as certified
        "Tx: HEP, naproxen 550 mg bid (certified by UR this cycle, not in dispute), Norco since 01/2015.",
        # a surgery already done, glossed as certified
        "S/p L5-S1 TLIF 08/23/2016 (certified; 2-night inpatient stay).",
    ],
)
def test_findings_are_not_conclusions(sentence: str) -> None:
    assert load_roles().role(sentence, "rationale") != "conclusion"


@pytest.mark.parametrize(
    "sentence",
    [
        "MTUS recommends manual therapy for chronic pain if caused by musculoskeletal conditions.",
        "There should be documentation of objective functional improvement.",
        "Muscle relaxants are recommended as a second-line option for acute exacerbations.",
        "For a flare up, or a recurrence of symptoms, re-evaluation of previous treatment is necessary.",
        "If there is no improvement, the medicines are tapered and discontinued.",
        "They also state, a response to the use of AEDs has been defined as a 30%-50% reduction in pain.",
        "Studies have shown that epidural injections give short-term relief at best.",
        # a guideline's patient is "he or she"; its conditions speak of "the previous injection"
        "The goal is to return the patient to his or her usual job.",
        "Repeat blocks are supported only when the previous injection produced lasting relief.",
        "Randomized studies show no lasting benefit from passive modalities.",
        # a definition, whoever "the individual" in it is
        "To be homebound means the individual cannot leave home without help.",
        "Homebound is defined as confined to the home by the patient's condition.",
        # the guideline's criteria, in its own words about findings
        "ODG criteria include subjective findings of locking and objective findings of effusion.",
        "According to the ODG, repeat imaging is reserved for a significant change in findings.",
        "Clinicians should determine whether the patient is at risk for GI events.",
        # the literature by author and year, and what a treatment is indicated for
        "Active modalities are associated with better outcomes (Fritz, 2007).",
        "NSAIDs are indicated for osteoarthritis of the knee and hip.",
        # a numbered criterion as the guideline lists it, not yet checked against the record
        "(3) medical management therapies such as stretching have failed to control pain.",
        # a condition on what remains is the guideline's
        "Further therapy is reasonable when objective deficits in range of motion or strength remain.",
    ],
)
def test_guideline_restatements(sentence: str) -> None:
    assert load_roles().role(sentence, "rationale") == "guideline"


@pytest.mark.parametrize(
    "sentence",
    [
        "The patient has been taking Ambien for longer than the 2-6 week period recommended by the ODG.",
        "In this case, there is no documentation of objective functional improvement.",
        "Prescribing has occurred consistently for a year.",
        "Treatment for spasm is not adequately documented.",
        # a study of this patient reports in the past tense; the literature in the present
        "Nerve conduction studies showed moderate median neuropathy at the wrist.",
        # the course so far, in the present perfect
        "Treatment to date has included chiropractic care; acupuncture and medications.",
        "Therapies have included a TENS unit and a home exercise program.",
        # a note's shorthand: the patient's own without an article, grades, the treater, the report
        "Patient's work status is modified duty.",
        "Motor strength is 4/5 in the left extensor hallucis longus.",
        "Sensation is within normal limits.",
        "Per the most recent progress report, the treater requests a refill.",
        "Examination of the lumbar spine revealed tenderness.",
        "There is also a lack of documentation of a home exercise program.",
        "According to a June 3, 2016 orthopedic report, the knee is swollen.",
        "Objectively, there is tenderness over the lateral epicondyle.",
        "The MRI does not show a meniscal tear.",
        "Date of injury is March 2, 2015.",
        "This is a request for Tramadol 50 mg #90.",
        # what happened to this patient, and a date as notes write it
        "Symptoms have persisted despite 12 sessions of physical therapy.",
        "Ten therapy sessions and an NSAID have not relieved the leg pain.",
        # a finding said to remain; the reviewer's judgement of what the record just showed
        "Quadriceps weakness and inability to manage stairs reciprocally remain.",
        "That is a significant change.",
        "The response to the 09/07/2016 injections meets each element of the repeat-block criterion.",
        "The 9/2015 EMG confirmed an acute left S1 radiculopathy.",
        # what has not yet happened to this patient
        "A fracture has not been excluded.",
        # a particular person, this record's documents and request, the simple past
        "Her current ibuprofen and tramadol control the pain well.",
        "The PR-2s record pain at 8/10.",
        "The working diagnosis is right S1 radiculopathy.",
        "The request states no goals for the additional acupuncture.",
        "This is an initial prescription for a short course.",
        "No pain contract is on file.",
        "The benefit of the last cervical epidural wore off after three weeks.",
        "While relaxants are supported for acute exacerbations, here the patient has used one for months.",
        "MTUS supports relaxants for acute exacerbations, but the submitted exam describes no spasm.",
        "Recent exam findings include positive straight leg raise on the left.",
        "Subjective complaints include neck pain radiating to the left arm.",
        # the month, not the modal
        "A cortisone injection in May provided only two weeks of relief.",
        "Mechanism of injury occurred when the injured worker fell from a ladder.",
        "The recommendation was to continue physical therapy for the left shoulder.",
        "There is also documentation of long term neck problems.",
        # "this is a first ..." names this request, no drug's monograph
        "This is a first Rx NSAID, not a renewal of a drug that has failed.",
        # what UR certified is another request: the record
        "Tx: meloxicam 7.5 mg qd for ankle pain (UR certified 03/15/2016); omeprazole 20 mg qd.",
        # a reviewer's check of the record against the guideline's numbered criteria
        "(3) PT x8, daily stretching, pain still 6/10 w/ HA 2-3x/wk: met.",
        "(4) no arm sx, Spurling neg, normal neuro exam - not met.",
    ],
)
def test_findings_about_the_patient_are_read(sentence: str) -> None:
    assert load_roles().role(sentence, "rationale") == "record"


@pytest.mark.parametrize(
    ("sentence", "in_summary", "in_rationale"),
    [
        # a rule of treatment's general wording is the guideline's in a rationale, and in a case summary
        # the record's plan or advice
        ("Norco 5/325 #20 to start post-op; she may resume naproxen on day 3.", "record", "guideline"),
        ("Continued exercise should be emphasized.", "record", "guideline"),
        ("A home program is an option once the course ends.", "record", "guideline"),
        # a guideline named is the guideline's in either
        ("UR cited the MTUS guidelines for its decision on the topical cream.", "guideline", "guideline"),
        ("ODG limits the device to a 30-day trial.", "guideline", "guideline"),
    ],
)
def test_general_wording_is_the_guidelines_only_in_a_rationale(
    sentence: str, in_summary: str, in_rationale: str
) -> None:
    assert (load_roles().role(sentence, "summary"), load_roles().role(sentence, "rationale")) == (
        in_summary,
        in_rationale,
    )


# today: development 148/150, held out 142/150 (the held-out file's failures are never printed)
ROLE_FLOORS = {"dev.yaml": 0.97, "held-out.yaml": 0.92}


@pytest.mark.parametrize("file", sorted(ROLE_FLOORS))
def test_a_second_readers_rationale_sentences_take_their_roles(file: str) -> None:
    entries = yaml.safe_load((Path(__file__).parent / "roles" / file).read_text(encoding="utf-8"))
    roles = load_roles()
    wrong = [e for e in entries if roles.role(e["sentence"], "rationale") != e["role"]]
    assert len(entries) >= 100
    shown = [e["sentence"] for e in wrong] if file == "dev.yaml" else []
    assert 1 - len(wrong) / len(entries) >= ROLE_FLOORS[file], (len(wrong), shown)
