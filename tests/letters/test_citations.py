"""Guideline lines as real letters write them, parsed into their parts (both sides of tricky cases)."""

from __future__ import annotations

from engine.letters.citations import parse_guideline_line, split_sections
from engine.letters.model import GuidelineCitation


def _parts(citation: GuidelineCitation) -> tuple[object, ...]:
    return (
        citation.source,
        citation.guideline,
        citation.year,
        citation.chapter,
        citation.sections,
        citation.pages,
    )


def test_one_line_holds_several_mtus_parts_and_a_non_mtus_source() -> None:
    line = (
        "MAXIMUS guideline: Decision based on MTUS Low Back Complaints 2004, Section(s): Summary, and "
        "Chronic "
        "Pain Medical Treatment 2016, Section(s): Facet blocks. Decision based on Non-MTUS Citation ACOEM "
        "Occupational Medicine Practice Guidelines, 3rd ed., Low Back Disorders, pg. 607."
    )
    assert [_parts(c) for c in parse_guideline_line(line)] == [
        ("mtus", "Low Back Complaints", 2004, None, ["Summary"], None),
        ("mtus", "Chronic Pain Medical Treatment", 2016, None, ["Facet blocks"], None),
        (
            "non_mtus",
            "ACOEM Occupational Medicine Practice Guidelines",
            None,
            "Low Back Disorders",
            [],
            "607",
        ),
    ]


def test_spans_are_absolute_and_quote_the_line() -> None:
    line = "Decision based on MTUS Shoulder Complaints 2004, and Low Back Complaints 2004."
    offset = 1234
    citations = parse_guideline_line(line, offset)
    assert [c.raw.text for c in citations] == [
        "Decision based on MTUS Shoulder Complaints 2004",
        "Low Back Complaints 2004",
    ]
    for citation in citations:
        assert line[citation.raw.start - offset : citation.raw.end - offset] == citation.raw.text


def test_the_label_is_optional() -> None:
    body = "Decision based on MTUS Acupuncture Treatment 2007."
    with_label = parse_guideline_line("Claims Administrator guideline: " + body)
    without = parse_guideline_line(body)
    assert [_parts(c) for c in with_label] == [_parts(c) for c in without]
    assert [_parts(c) for c in without] == [("mtus", "Acupuncture Treatment", 2007, None, [], None)]


def test_a_part_name_with_commas_is_not_split_but_a_following_part_is() -> None:
    line = (
        "Decision based on MTUS Shoulder Complaints 2004, Section(s): Initial Care, and Elbow Complaints "
        "2007, "
        "and Forearm, Wrist, and Hand Complaints 2004."
    )
    assert [(c.guideline, c.year, c.sections) for c in parse_guideline_line(line)] == [
        ("Shoulder Complaints", 2004, ["Initial Care"]),
        ("Elbow Complaints", 2007, []),
        ("Forearm, Wrist, and Hand Complaints", 2004, []),
    ]


def test_a_section_list_ending_in_and_does_not_swallow_the_next_part() -> None:
    line = (
        "Decision based on MTUS General Approaches 2004, Section(s): Initial Approaches to Treatment, and "
        "Neck "
        "and Upper Back Complaints 2004, Section(s): Summary."
    )
    assert [(c.guideline, c.sections) for c in parse_guideline_line(line)] == [
        ("General Approaches", ["Initial Approaches to Treatment"]),
        ("Neck and Upper Back Complaints", ["Summary"]),
    ]


def test_official_section_titles_with_commas_stay_whole() -> None:
    line = (
        "Decision based on MTUS Chronic Pain Medical Treatment 2016, Section(s): NSAIDs (non-steroidal "
        "anti-inflammatory drugs), NSAIDs, GI symptoms & cardiovascular risk, NSAIDs, specific drug list & "
        "adverse effects."
    )
    (citation,) = parse_guideline_line(line)
    assert citation.sections == [
        "NSAIDs (non-steroidal anti-inflammatory drugs)",
        "NSAIDs, GI symptoms & cardiovascular risk",
        "NSAIDs, specific drug list & adverse effects",
    ]
    (tens,) = parse_guideline_line(
        "Decision based on MTUS Chronic Pain Medical Treatment 2016, Section(s): TENS, chronic pain "
        "(transcutaneous electrical nerve stimulation)."
    )
    assert tens.sections == ["TENS, chronic pain (transcutaneous electrical nerve stimulation)"]


def test_separate_sections_are_split_including_parenthesised_commas() -> None:
    (two,) = parse_guideline_line(
        "Decision based on MTUS Low Back Complaints 2004, Section(s): Diagnostic Criteria, Special "
        "Studies, Summary."
    )
    assert two.sections == ["Diagnostic Criteria", "Special Studies", "Summary"]
    (drug,) = parse_guideline_line(
        "Decision based on MTUS Chronic Pain Medical Treatment 2016, Section(s): Naproxen (Naprosyn, "
        "EC-Naprosyn, EC-Naprosyn, Anaprox, Anaprox DS [otc], Naprelan), NSAIDs (non-steroidal "
        "anti-inflammatory drugs)."
    )
    assert drug.sections == [
        "Naproxen (Naprosyn, EC-Naprosyn, EC-Naprosyn, Anaprox, Anaprox DS [otc], Naprelan)",
        "NSAIDs (non-steroidal anti-inflammatory drugs)",
    ]
    assert split_sections("NSAIDs, Proton Pump Inhibitors (PPIs)", official=True) == [
        "NSAIDs",
        "Proton Pump Inhibitors (PPIs)",
    ]


def test_numbered_opioid_sections_split_only_before_their_numbers() -> None:
    (citation,) = parse_guideline_line(
        "Decision based on MTUS Opioid Treatment 2016, Section(s): 3.3.9 Opioids for Chronic Pain and "
        "Chronic "
        "Opioid Treatment: Maintenance of Chronic Opioid Treatment, 4.1 Tapering Opioids: Indications for "
        "Tapering Opioids."
    )
    assert (citation.guideline, citation.year) == ("Opioid Treatment", 2016)
    assert citation.sections == [
        (
            "3.3.9 Opioids for Chronic Pain and Chronic Opioid Treatment: Maintenance of Chronic Opioid "
            "Treatment"
        ),
        "4.1 Tapering Opioids: Indications for Tapering Opioids",
    ]


def test_2009_guideline_cited_by_page() -> None:
    (opioids,) = parse_guideline_line(
        "MAXIMUS guideline: Decision based on MTUS Chronic Pain Treatment Guidelines Opioids Page(s): 77-81, "
        "89 and 94."
    )
    assert _parts(opioids) == (
        "mtus",
        "Chronic Pain Treatment Guidelines",
        None,
        None,
        ["Opioids"],
        "77-81, 89 and 94",
    )
    regulation, odg = parse_guideline_line(
        "Decision based on MTUS Chronic Pain Treatment Guidelines 8 C.C.R. 9792.20 - 9792.26 MTUS (Effective "
        "July 18, 2009) Page(s): 98-99 of 127. Decision based on Non-MTUS Citation ODG, Low Back Chapter, "
        "Physical Medicine."
    )
    assert _parts(regulation) == ("mtus", "Chronic Pain Treatment Guidelines", 2009, None, [], "98-99 of 127")
    assert _parts(odg) == ("non_mtus", "ODG", None, "Low Back", ["Physical Medicine"], None)
    # Free-text section names of that era are not official titles: their commas separate sections.
    (medications,) = parse_guideline_line(
        "Decision based on MTUS Chronic Pain Treatment Guidelines Medications for Chronic pain, ongoing "
        "management, opioid dosing Page(s): 60, 78, 86."
    )
    assert medications.sections == ["Medications for Chronic pain", "ongoing management", "opioid dosing"]
    assert medications.pages == "60, 78, 86"


def test_no_evidence_and_not_mtus_based_statements() -> None:
    (none_cited,) = parse_guideline_line(
        "The Claims Administrator did not cite any medical evidence for its decision."
    )
    assert none_cited.source == "none_cited" and none_cited.guideline is None
    statement, odg = parse_guideline_line(
        "The Expert Reviewer did not base their decision on the MTUS. Decision based on Non-MTUS Citation "
        "Official Disability Guidelines (ODG) Pain (Chronic), Zolpidem (Ambien)."
    )
    assert statement.source == "not_mtus_based"
    assert _parts(odg) == (
        "non_mtus",
        "Official Disability Guidelines (ODG)",
        None,
        "Pain (Chronic)",
        ["Zolpidem (Ambien)"],
        None,
    )
    outside, _ = parse_guideline_line(
        "The Claims Administrator based their decision on recommendation(s) outside of the MTUS Guidelines. "
        "Decision based on Non-MTUS Citation Official Disability Guidelines (ODG)."
    )
    assert outside.source == "not_mtus_based"


def test_odg_chapter_spellings() -> None:
    cases = {
        (
            "Official Disability Guidelines (ODG), Low back, Lumbar & Thoracic (Acute & Chronic) - Orthotrac "
            "vest."
        ): (
            "Low Back",
            ["Orthotrac vest"],
        ),
        "Official Disability Guidelines (ODG) Lower Back section, MRI.": ("Low Back", ["MRI"]),
        "Official Disability Guidelines (ODG), Knee & Leg (updated 11/22/16) Chapter: Home Health Services: "
        "Criteria for skilled nursing facility.": (
            "Knee and Leg",
            ["Home Health Services: Criteria for skilled nursing facility"],
        ),
        "Official Disability Guidelines (ODG) Neck & upper back, Cervical pillow.": (
            "Neck and Upper Back",
            ["Cervical pillow"],
        ),
        "Official Disability Guidelines (ODG) Hips and Pelvis (Acute and Chronic), MRI (magnetic resonance "
        "imaging).": ("Hip and Pelvis", ["MRI (magnetic resonance imaging)"]),
        # A topic named before the chapter is not mistaken for a chapter.
        "Official Disability Guidelines (ODG) MRI Elbow.": (None, ["MRI Elbow"]),
        "Official Disability Guidelines (ODG), Physical Therapy Guidelines.": (
            None,
            ["Physical Therapy Guidelines"],
        ),
    }
    for source, expected in cases.items():
        (citation,) = parse_guideline_line("Decision based on Non-MTUS Citation " + source)
        assert (citation.chapter, citation.sections) == expected, source


def test_odg_year_and_publisher() -> None:
    (citation,) = parse_guideline_line(
        "Decision based on Non-MTUS Citation Official Disability Guidelines (ODG), Work Loss Data Institute "
        "(21th Annual Edition), 2016, Neck and Upper Back (Acute & Chronic) Chapter."
    )
    assert (citation.year, citation.chapter, citation.sections) == (2016, "Neck and Upper Back", [])


def test_several_odg_chapters_in_one_citation() -> None:
    by_comma = parse_guideline_line(
        "Decision based on Non-MTUS Citation Official Disability Guidelines (ODG), Neck and Upper Back, "
        "Low Back."
    )
    by_semicolon = parse_guideline_line(
        "Decision based on Non-MTUS Citation Official Disability Guidelines, Neck and Upper Back, TENS "
        "(Transcutaneous electrical nerve stimulation); Low Back - Lumbar & Thoracic (Acute & Chronic)."
    )
    assert [(c.chapter, c.sections) for c in by_comma] == [("Neck and Upper Back", []), ("Low Back", [])]
    assert [(c.guideline, c.chapter, c.sections) for c in by_semicolon] == [
        (
            "Official Disability Guidelines",
            "Neck and Upper Back",
            ["TENS (Transcutaneous electrical nerve stimulation)"],
        ),
        ("Official Disability Guidelines", "Low Back", []),
    ]
    repeated_name = parse_guideline_line(
        "Decision based on Non-MTUS Citation Official Disability Guidelines (ODG), Shoulder (updated "
        "12/12/16), "
        "Physical therapy, ODG physical therapy guidelines, ODG Elbow (updated 11/23/16), Physical "
        "therapy; ODG "
        "Forearm, Wrist and Hand (updated 12/20/16), Physical therapy."
    )
    assert [(c.chapter, c.sections) for c in repeated_name] == [
        ("Shoulder", ["Physical therapy", "ODG physical therapy guidelines"]),
        ("Elbow", ["Physical therapy"]),
        ("Forearm, Wrist and Hand", ["Physical therapy"]),
    ]


def test_other_medical_treatment_guidelines_start_another_source() -> None:
    odg, acoem = parse_guideline_line(
        "Decision based on Non-MTUS Citation Official Disability Guidelines (ODG) Hips and Pelvis (Acute and "
        "Chronic), MRI (magnetic resonance imaging) and Other Medical Treatment Guidelines ACOEM Hip and "
        "Groin "
        "Disorders, Diagnostic Testing, MRI."
    )
    assert odg.chapter == "Hip and Pelvis"
    assert _parts(acoem) == (
        "non_mtus",
        "ACOEM",
        None,
        "Hip and Groin Disorders",
        ["Diagnostic Testing", "MRI"],
        None,
    )


def test_a_reference_that_is_not_a_guideline_stays_whole() -> None:
    (reference,) = parse_guideline_line(
        "Decision based on Non-MTUS Citation University of Michigan Health System. Gastroesophageal reflux "
        "disease (GERD). Ann Arbor (MI): University of Michigan Health System; 2007 Jan. 10."
    )
    assert reference.source == "non_mtus"
    assert reference.guideline is not None
    assert reference.guideline.startswith("University of Michigan Health System.")
    assert reference.guideline.endswith("2007 Jan. 10")
    assert reference.chapter is None


def test_text_without_a_known_statement_is_kept_as_one_citation() -> None:
    (citation,) = parse_guideline_line("MAXIMUS guideline: Per the ODG.")
    assert (citation.source, citation.guideline) == ("non_mtus", "Per the ODG")
    assert parse_guideline_line("MAXIMUS guideline: ") == []
