"""Procedures read from an item's words and CPT codes, and generic headings completed by the citation.

The procedure table is the surgery subtypes of guidelines/treatments.yaml; the citation table is
guidelines/citations.yaml. Headings here are written as surgeons and reviewers write requests.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from engine import paths
from engine.errors import InputError
from engine.facts import Evidence
from engine.letters.citing import CitedReading, cited_region, load_citation_table, resolved_treatment
from engine.letters.items import normalize_item, procedures_named
from engine.vocab import Vocabulary, load_vocabulary


@pytest.fixture(scope="module")
def vocab() -> Vocabulary:
    return load_vocabulary()


@pytest.mark.parametrize(
    ("text", "procedures", "region"),
    [
        (
            "Right shoulder arthroscopic rotator cuff repair and subacromial decompression",
            ["rotator_cuff_repair", "shoulder_decompression"],
            "shoulder",
        ),
        ("Left shoulder arthroscopy, SLAP repair", ["labral_repair"], "shoulder"),
        ("Right shoulder arthroscopic Bankart repair", ["shoulder_stabilization"], "shoulder"),
        ("Arthroscopic distal clavicle excision (Mumford)", ["distal_clavicle_resection"], "shoulder"),
        ("Manipulation under anesthesia, left shoulder", ["manipulation_under_anesthesia"], "shoulder"),
        (
            "Left knee arthroscopy with partial medial meniscectomy and chondroplasty",
            ["meniscectomy", "chondroplasty"],
            "knee",
        ),
        ("Right knee ACL reconstruction", ["acl_reconstruction"], "knee"),
        ("Left total knee arthroplasty", ["arthroplasty"], "knee"),
        ("Right carpal tunnel release", ["carpal_tunnel_release"], "wrist"),
        ("Right long finger A1 pulley release", ["trigger_finger_release"], "finger"),
        ("Left De Quervain release", ["de_quervain_release"], "wrist"),
        ("Right lateral epicondylar release", ["lateral_epicondylar_release"], "elbow"),
        ("Left ulnar nerve transposition", ["ulnar_nerve_transposition"], "elbow"),
        ("L4-5 microdiscectomy", ["discectomy"], "lumbar"),
        ("ACDF C5-C6", ["spinal_fusion"], "cervical"),
        ("Spinal cord stimulator trial", ["scs_trial"], None),
        (
            "Right hip arthroscopy with labral repair and femoroplasty",
            ["labral_repair", "hip_impingement_surgery"],
            "hip",
        ),
        ("Right inguinal hernia repair", ["hernia_repair"], "groin"),
        ("Arthroscopy of the left knee", ["arthroscopy"], "knee"),
    ],
)
def test_procedures_are_read_from_the_words_surgeons_write(
    vocab: Vocabulary, text: str, procedures: list[str], region: str | None
) -> None:
    item = normalize_item(text, vocab)
    assert item.kind == "surgery"
    assert [p.value for p in item.procedures] == procedures
    assert item.subtype is not None and item.subtype.value == procedures[0]
    named = [p.region for p in item.body_parts] or (
        [item.implied_region.value] if item.implied_region is not None else []
    )
    assert (named[0] if named else None) == region


def test_an_approach_alone_is_kept_only_when_no_procedure_is_named(vocab: Vocabulary) -> None:
    assert [p.value for p in normalize_item("Right knee arthroscopy", vocab).procedures] == ["arthroscopy"]
    with_procedure = normalize_item("Right knee arthroscopy with meniscectomy", vocab)
    assert [p.value for p in with_procedure.procedures] == ["meniscectomy"]
    assert [s.value for s in with_procedure.subtypes] == ["arthroscopy", "meniscectomy"]


def test_cpt_codes_name_the_procedure_and_its_region_and_are_not_counted(vocab: Vocabulary) -> None:
    item = normalize_item("Surgery CPT 29827, 29826", vocab)
    assert [p.value for p in item.procedures] == ["rotator_cuff_repair", "shoulder_decompression"]
    assert item.implied_region is not None and item.implied_region.value == "shoulder"
    assert item.quantity is None
    knee = normalize_item("Arthroplasty (27447)", vocab)
    assert knee.implied_region is not None and knee.implied_region.value == "knee"
    # a code of a range and a code listed on its own: the one listed names its procedure
    assert (
        vocab.procedures.code("64721") is not None
        and vocab.procedures.code("64721").procedure == "carpal_tunnel_release"
    )
    assert (
        vocab.procedures.code("64712") is not None
        and vocab.procedures.code("64712").procedure == "nerve_release"
    )
    assert vocab.procedures.code("99213") is None


def test_the_postsurgical_group_of_several_procedures_is_the_longer_course(vocab: Vocabulary) -> None:
    table = vocab.procedures
    assert (
        table.postsurgical_group(["shoulder_decompression", "rotator_cuff_repair"], "shoulder")
        == "rotator_cuff_repair"
    )
    assert table.postsurgical_group(["spinal_fusion"], "cervical") == "cervical_fusion"
    assert table.postsurgical_group(["spinal_fusion"], "lumbar") == "lumbar_fusion"
    assert table.postsurgical_group(["arthroplasty"], "hip") is None
    assert table.postsurgical_group(["trigger_finger_release"], "finger") is None


def test_procedures_named_in_a_sentence(vocab: Vocabulary) -> None:
    sentence = "She underwent a right carpal tunnel release and a trigger finger release on 11/01/2016."
    assert procedures_named(sentence, vocab) == ["carpal_tunnel_release", "trigger_finger_release"]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Spine surgery consultation", "consult"),
        ("Orthopedic surgeon consultation for possible knee arthroscopy", "consult"),
        ("Pain management evaluation for epidural steroid injection", "consult"),
        ("Referral to a hand surgeon for carpal tunnel release", "consult"),
        ("Right L5-S1 epidural steroid injection", "injection"),
    ],
)
def test_a_consultation_about_a_procedure_is_a_consultation(vocab: Vocabulary, text: str, kind: str) -> None:
    assert normalize_item(text, vocab).kind == kind


def test_an_unknown_drug_is_named_and_nothing_is_guessed(vocab: Vocabulary) -> None:
    item = normalize_item("Xyzzol 10mg #30", vocab)
    assert item.kind == "medication"
    assert item.drug is None
    assert item.unknown_drug is not None and item.unknown_drug.value == "Xyzzol"
    assert normalize_item("Norco 10/325mg #90", vocab).unknown_drug is None


@pytest.mark.parametrize(
    ("text", "ingredients"),
    [
        ("Terocin patch #30", ["lidocaine", "menthol"]),
        ("Theraflex cream 180gm", ["flurbiprofen", "cyclobenzaprine"]),
        ("Keratek gel", ["methyl salicylate", "menthol"]),
        (
            "Flurbiprofen 20%/Cyclobenzaprine 4%/Lidocaine 5% cream 180gm",
            ["flurbiprofen", "cyclobenzaprine", "lidocaine"],
        ),
    ],
)
def test_compounded_topicals_resolve_by_their_ingredients(
    vocab: Vocabulary, text: str, ingredients: list[str]
) -> None:
    item = normalize_item(text, vocab)
    assert item.kind == "compound_topical"
    assert item.drug is not None and [i.generic for i in item.drug.ingredients] == ingredients


# --- the citation completes a generic heading ---------------------------------------------------------


def _cited(kind: str | None, subtype: str | None = None, region: str | None = None) -> CitedReading:
    return CitedReading(kind, subtype, region, Evidence(quote="MAXIMUS guideline: ...", section="citation"))


@pytest.mark.parametrize(
    ("heading", "cited", "resolved"),
    [
        (
            ("other", None),
            _cited("tens_electrical_stimulation", "interferential"),
            ("tens_electrical_stimulation", "interferential"),
        ),
        (
            ("dme", None),
            _cited("tens_electrical_stimulation", "interferential"),
            ("tens_electrical_stimulation", "interferential"),
        ),
        (("lab_test", "sampled"), _cited("urine_drug_test"), ("urine_drug_test", None)),
        (
            ("tens_electrical_stimulation", None),
            _cited("tens_electrical_stimulation", "h_wave"),
            ("tens_electrical_stimulation", "h_wave"),
        ),
        # a heading that names its subtype stands
        (
            ("tens_electrical_stimulation", "tens"),
            _cited("tens_electrical_stimulation", "interferential"),
            ("tens_electrical_stimulation", "tens"),
        ),
        # another family of treatment: the heading stands
        (("physical_therapy", None), _cited("chiropractic"), ("physical_therapy", None)),
        # a citation that names no single kind resolves nothing
        (("other", None), _cited(None), ("other", None)),
    ],
)
def test_the_citation_completes_a_generic_heading(
    heading: tuple[str, str | None], cited: CitedReading, resolved: tuple[str, str | None]
) -> None:
    assert resolved_treatment(*heading, cited) == resolved


def test_the_cited_chapter_gives_a_whole_limb_or_unnamed_region() -> None:
    cited = _cited("imaging", "mri", "shoulder")
    assert cited_region("imaging", ["upper_extremity"], cited) == "shoulder"
    assert cited_region("imaging", [], cited) == "shoulder"
    assert cited_region("imaging", ["knee"], cited) is None
    # electrodiagnostic studies are judged by limb: the limb stands
    assert cited_region("electrodiagnostic", ["upper_extremity"], cited) is None


def test_a_broken_citation_table_is_reported_by_file_and_line(tmp_path: Path) -> None:
    broken = tmp_path / "citations.yaml"
    text = (paths.GUIDELINES_DIR / "citations.yaml").read_text(encoding="utf-8")
    broken.write_text(
        text.replace("mtus-acoem-knee-2004: knee", "mtus-acoem-knee-2004: kneecap"), encoding="utf-8"
    )
    with pytest.raises(InputError) as caught:
        load_citation_table.__wrapped__(broken)
    assert caught.value.path == str(broken)
    assert "unknown body region 'kneecap'" in caught.value.message
    assert caught.value.line is not None


def test_a_broken_cpt_entry_is_reported_by_file_and_line(tmp_path: Path) -> None:
    for name in ("catalog.yaml", "drugs.yaml", "treatments.yaml", "body-regions.yaml"):
        shutil.copy(paths.GUIDELINES_DIR / name, tmp_path / name)
    target = tmp_path / "treatments.yaml"
    text = target.read_text(encoding="utf-8")
    target.write_text(text.replace('cpt: ["29827",', 'cpt: ["29827 shoulderblade",', 1), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_vocabulary.__wrapped__(tmp_path)
    assert "unknown body region 'shoulderblade'" in caught.value.message
    assert caught.value.line is not None
