"""The vocabularies in guidelines/: catalog, drugs, treatment kinds, body regions, and their lookups."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from functools import cache
from pathlib import Path
from typing import NamedTuple

import pypdfium2 as pdfium
import pytest

from engine import paths
from engine.errors import InputError
from engine.vocab import Vocabulary, load_vocabulary

LETTERS_DIR: Path = getattr(paths, "LETTERS_DIR", None) or Path(
    os.environ.get("IMR_LETTERS_DIR", paths.PROJECT_ROOT.parent / "shared" / "letters")
)
needs_letters = pytest.mark.skipif(not LETTERS_DIR.is_dir(), reason=f"letters not found at {LETTERS_DIR}")


@pytest.fixture(scope="module")
def vocab() -> Vocabulary:
    return load_vocabulary()


@cache
def _letter_text(path: Path) -> str:
    """A letter's text on one line: PDF pages or the text export (a blank line between lines)."""
    if path.suffix == ".pdf":
        pdf = pdfium.PdfDocument(path)
        try:
            raw = "\n".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
        finally:
            pdf.close()
    else:
        raw = path.read_text(encoding="utf-8")
    return " ".join(line.strip() for line in raw.splitlines() if line.strip())


def _letters() -> list[Path]:
    return sorted(p for p in LETTERS_DIR.rglob("*") if p.suffix in (".pdf", ".txt"))


def _guideline_lines() -> list[tuple[str, str]]:
    """(letter, text) of every "Claims Administrator guideline" and "MAXIMUS guideline" line."""
    lines = []
    pattern = re.compile(
        r"(?:Claims Administrator guideline:|MAXIMUS guideline:)(.*?)"
        r"(?=MAXIMUS guideline:|Decision rationale:)"
    )
    for path in _letters():
        for match in pattern.finditer(_letter_text(path)):
            lines.append((path.name, match.group(1).strip()))
    return lines


def _mtus_names(line: str) -> list[str]:
    """Guideline names of the MTUS parts of a line: each runs to its year, the next follows ", and "."""
    names = []
    for part in re.findall(r"Decision based on MTUS (.*?)(?=Decision based on|$)", line):
        position = 0
        while position < len(part):
            year = re.search(r"\b(?:19|20)\d\d\b", part[position:])
            if year is None:
                if position == 0:
                    names.append(part.strip(" ."))
                break
            names.append(part[position : position + year.end()].strip())
            following = part.find(", and ", position + year.end())
            if following < 0:
                break
            position = following + len(", and ")
    return names


# --- catalog ----------------------------------------------------------------------------------


def test_catalog_has_every_edition_rules_are_filed_under(vocab: Vocabulary) -> None:
    required = [
        "mtus-cpmtg-2009",
        "mtus-cpmtg-2016",
        "mtus-opioids-2016",
        "mtus-acoem-low-back-2004",
        "mtus-acoem-neck-2004",
        "mtus-acoem-shoulder-2004",
        "mtus-acoem-knee-2004",
        "mtus-acoem-forearm-wrist-hand-2004",
        "mtus-acoem-general-2004",
        "mtus-elbow-2007",
        "mtus-acupuncture-2007",
        "mtus-postsurgical-2009",
        "odg",
        "acoem-3rd",
        "imr-practice",
    ]
    missing = [edition_id for edition_id in required if not vocab.has_edition(edition_id)]
    assert missing == []
    assert vocab.edition("no-such-edition") is None
    assert vocab.document_of("mtus-cpmtg-2016").authority == "mtus"  # type: ignore[union-attr]
    assert vocab.document_of("odg").authority == "odg"  # type: ignore[union-attr]


def test_the_2009_chronic_pain_guideline_ends_the_day_before_the_2016_update(vocab: Vocabulary) -> None:
    old, new = vocab.edition("mtus-cpmtg-2009"), vocab.edition("mtus-cpmtg-2016")
    assert old is not None and new is not None
    assert old.effective_from == dt.date(2009, 7, 18)
    assert new.effective_from is not None and old.effective_to == new.effective_from - dt.timedelta(days=1)
    assert new.verify and new.note is not None and "2016-07-28" in new.note
    opioids = vocab.edition("mtus-opioids-2016")
    assert opioids is not None and opioids.effective_from == new.effective_from
    for chapter in ("mtus-acoem-low-back-2004", "mtus-acoem-neck-2004", "mtus-elbow-2007"):
        edition = vocab.edition(chapter)
        assert edition is not None and edition.effective_to == dt.date(2017, 11, 30)


def test_editions_in_force_follow_the_date_mtus_first(vocab: Vocabulary) -> None:
    late_2016 = [e.id for e in vocab.editions_in_force(dt.date(2016, 11, 9))]
    assert "mtus-cpmtg-2016" in late_2016 and "mtus-opioids-2016" in late_2016
    assert "mtus-cpmtg-2009" not in late_2016
    assert late_2016.index("mtus-cpmtg-2016") < late_2016.index("odg") < late_2016.index("acoem-3rd")
    mid_2015 = [e.id for e in vocab.editions_in_force(dt.date(2015, 6, 1))]
    assert "mtus-cpmtg-2009" in mid_2015 and "mtus-cpmtg-2016" not in mid_2015
    assert "mtus-opioids-2016" not in mid_2015
    boundary = [e.id for e in vocab.editions_in_force(dt.date(2016, 7, 28))]
    assert "mtus-cpmtg-2009" in boundary and "mtus-cpmtg-2016" not in boundary
    after_2017 = [e.id for e in vocab.editions_in_force(dt.date(2018, 1, 15))]
    assert "mtus-acoem-low-back-2004" not in after_2017 and "mtus-acupuncture-2007" in after_2017


CITATIONS = [
    ("Chronic Pain Medical Treatment 2016, Section(s): Facet blocks", None, "mtus-cpmtg-2016"),
    ("Chronic Pain Medical Treatment 2009, Section(s): Cyclobenzaprine (Flexeril).", None, "mtus-cpmtg-2009"),
    ("MTUS Chronic Pain Treatment Guidelines Physical Medicine Page(s): 99.", None, "mtus-cpmtg-2009"),
    ("Chronic Pain Treatment Guidelines", 2016, "mtus-cpmtg-2016"),
    ("MTUS Chronic Pain Medical Treatment Guidelines (July 28, 2016)", None, "mtus-cpmtg-2016"),
    ("Chronic Pain Medical Treatment Guidelines MTUS (Effective July 18, 2009)", None, "mtus-cpmtg-2009"),
    ("Chronic Pain Medical Treatment", None, None),
    ("Chronic Pain Medical Treatment", 2009, "mtus-cpmtg-2009"),
    ("Opioid Treatment 2016, Section(s): 4.1 Tapering Opioids", None, "mtus-opioids-2016"),
    ("Low Back Complaints 2004, Section(s): Special Studies", None, "mtus-acoem-low-back-2004"),
    ("Neck and Upper Back Complaints 2004", None, "mtus-acoem-neck-2004"),
    (
        "Forearm, Wrist, and Hand Complaints 2004, Section(s): Initial Care",
        None,
        "mtus-acoem-forearm-wrist-hand-2004",
    ),
    ("Shoulder Complaints 2004", None, "mtus-acoem-shoulder-2004"),
    ("Knee Complaints 2004, Section(s): Surgical Considerations", None, "mtus-acoem-knee-2004"),
    ("Elbow Complaints 2007", None, "mtus-elbow-2007"),
    ("General Approaches 2004, Section(s): Initial Approaches to Treatment", None, "mtus-acoem-general-2004"),
    ("Stress-Related Conditions 2004", None, "mtus-acoem-stress-2004"),
    ("Acupuncture Treatment 2007", None, "mtus-acupuncture-2007"),
    ("Postsurgical Treatment 2009", None, "mtus-postsurgical-2009"),
    ("Low Back Complaints", 2004, "mtus-acoem-low-back-2004"),
    ("Low Back Complaints", 2016, None),
    ("MTUS ACOEM", None, None),
    ("Official Disability Guidelines (ODG), Low Back", None, "odg"),
    (
        "Non-MTUS Citation Official Disability Guidelines (ODG) 2016 Shoulder Chapter: MR arthrogram",
        None,
        "odg",
    ),
    ("Decision based on Non-MTUS Citation Neck and Upper Back, Physical Therapy, ODG Preface", None, "odg"),
    (
        "Non-MTUS Citation ACOEM Occupational Medicine Practice Guidelines, 3rd ed., Low Back Disorders",
        None,
        "acoem-3rd",
    ),
    ("Third Edition ACOEM Guidelines Low Back Disorders Chapter", None, "acoem-3rd"),
    ("Non-MTUS Citation Sildenafil: Drug information, accessed from UpToDate.com on 12/17/2016", None, None),
    ("Neck and Upper Back Complaints 2004", 2016, "mtus-acoem-neck-2004"),
]


@pytest.mark.parametrize(("name", "year", "expected"), CITATIONS)
def test_resolve_citation(vocab: Vocabulary, name: str, year: int | None, expected: str | None) -> None:
    assert vocab.resolve_citation(name, year) == expected


@needs_letters
def test_every_guideline_named_in_the_development_letters_resolves(vocab: Vocabulary) -> None:
    lines = _guideline_lines()
    assert len(lines) >= 2 * 150, "expected two guideline lines per disputed item"
    unresolved = []
    seen_mtus = 0
    for letter, line in lines:
        for name in _mtus_names(line):
            seen_mtus += 1
            edition_id = vocab.resolve_citation(name)
            if name == "ACOEM":  # "Decision based on MTUS ACOEM." names no chapter
                assert edition_id is None
                continue
            year = re.search(r"\b(?:19|20)\d\d\b", name)
            edition = vocab.edition(edition_id) if edition_id else None
            if edition is None or (year and edition.citation_year != int(year.group())):
                unresolved.append((letter, name, edition_id))
        for part in re.findall(r"Decision based on Non-MTUS Citation (.*?)(?=Decision based on|$)", line):
            edition_id = vocab.resolve_citation("Non-MTUS Citation " + part)
            if re.search(r"\bODG\b|Official Disability", part):
                expected = "odg"
            elif "ACOEM" in part:
                expected = "acoem-3rd"
            else:
                expected = None
            if edition_id != expected:
                unresolved.append((letter, part, edition_id))
    assert seen_mtus > 200
    assert unresolved == []


def test_odg_chapters(vocab: Vocabulary) -> None:
    assert vocab.odg_chapters("Official Disability Guidelines (ODG), Neck and Upper Back; Low Back") == [
        "neck-upper-back",
        "low-back",
    ]
    assert vocab.odg_chapters("ODG Low Back - Lumbar & Thoracic (Acute & Chronic), MRIs") == ["low-back"]
    assert vocab.odg_chapters("Official Disability Guidelines (ODG) Pain (Chronic), Zolpidem (Ambien)") == [
        "pain"
    ]
    assert vocab.odg_chapters(
        "Official Disability Guidelines (ODG), Forearm, Wrist, and hand (updated 11/23/16)"
    ) == ["forearm-wrist-hand"]
    assert vocab.odg_chapters("Official Disability Guidelines (ODG) Hips and Pelvis (Acute and Chronic)") == [
        "hip-pelvis"
    ]
    assert vocab.odg_chapters("ODG Preface – Physical Therapy") == ["preface"]
    assert vocab.odg_chapters("University of Michigan Health System") == []


# --- drugs --------------------------------------------------------------------------------------

BRANDS = {
    "Norco": ("hydrocodone/acetaminophen", "opioid"),
    "Vicodin": ("hydrocodone/acetaminophen", "opioid"),
    "Percocet": ("oxycodone/acetaminophen", "opioid"),
    "Ultram": ("tramadol", "opioid"),
    "Ultracet": ("tramadol/acetaminophen", "opioid"),
    "Nucynta": ("tapentadol", "opioid"),
    "Flexeril": ("cyclobenzaprine", "muscle_relaxant"),
    "Fexmid": ("cyclobenzaprine", "muscle_relaxant"),
    "Amrix": ("cyclobenzaprine", "muscle_relaxant"),
    "Zanaflex": ("tizanidine", "muscle_relaxant"),
    "Soma": ("carisoprodol", "muscle_relaxant"),
    "Robaxin": ("methocarbamol", "muscle_relaxant"),
    "Skelaxin": ("metaxalone", "muscle_relaxant"),
    "Norflex": ("orphenadrine", "muscle_relaxant"),
    "Lioresal": ("baclofen", "muscle_relaxant"),
    "Anaprox": ("naproxen", "nsaid"),
    "Naprosyn": ("naproxen", "nsaid"),
    "Mobic": ("meloxicam", "nsaid"),
    "Celebrex": ("celecoxib", "nsaid"),
    "Motrin": ("ibuprofen", "nsaid"),
    "Advil": ("ibuprofen", "nsaid"),
    "Prilosec": ("omeprazole", "ppi"),
    "Protonix": ("pantoprazole", "ppi"),
    "Nexium": ("esomeprazole", "ppi"),
    "Pepcid": ("famotidine", "h2_blocker"),
    "Zantac": ("ranitidine", "h2_blocker"),
    "Neurontin": ("gabapentin", "anticonvulsant"),
    "Gralise": ("gabapentin", "anticonvulsant"),
    "Lyrica": ("pregabalin", "anticonvulsant"),
    "Topamax": ("topiramate", "anticonvulsant"),
    "Cymbalta": ("duloxetine", "antidepressant_snri"),
    "Elavil": ("amitriptyline", "antidepressant_tca"),
    "Effexor": ("venlafaxine", "antidepressant_snri"),
    "Desyrel": ("trazodone", "antidepressant_other"),
    "Ambien": ("zolpidem", "hypnotic"),
    "Lunesta": ("eszopiclone", "hypnotic"),
    "Sonata": ("zaleplon", "hypnotic"),
    "Xanax": ("alprazolam", "benzodiazepine"),
    "Valium": ("diazepam", "benzodiazepine"),
    "Klonopin": ("clonazepam", "benzodiazepine"),
    "Ativan": ("lorazepam", "benzodiazepine"),
    "Lidoderm": ("lidocaine", "local_anesthetic"),
    "Terocin": ("methyl salicylate/capsaicin/menthol/lidocaine", "topical_analgesic"),
    "Voltaren gel": ("diclofenac", "nsaid"),
    "Flector": ("diclofenac", "nsaid"),
    "Zofran": ("ondansetron", "antiemetic"),
    "Colace": ("docusate", "laxative"),
    "Senokot": ("sennosides", "laxative"),
    "Medrol": ("methylprednisolone", "corticosteroid"),
    "Butrans": ("buprenorphine", "opioid"),
    "Duragesic": ("fentanyl", "opioid"),
    "MS Contin": ("morphine", "opioid"),
    "OxyContin": ("oxycodone", "opioid"),
    "Opana": ("oxymorphone", "opioid"),
    "Dilaudid": ("hydromorphone", "opioid"),
    "Kadian": ("morphine", "opioid"),
    "methadone": ("methadone", "opioid"),
    "Suboxone": ("buprenorphine/naloxone", "opioid"),
    "Belbuca": ("buprenorphine", "opioid"),
    "tramadol": ("tramadol", "opioid"),
    "oxycodone": ("oxycodone", "opioid"),
    "gabapentin": ("gabapentin", "anticonvulsant"),
    "pregabalin": ("pregabalin", "anticonvulsant"),
    "naproxen": ("naproxen", "nsaid"),
    "meloxicam": ("meloxicam", "nsaid"),
    "omeprazole": ("omeprazole", "ppi"),
    "methocarbamol": ("methocarbamol", "muscle_relaxant"),
    "baclofen": ("baclofen", "muscle_relaxant"),
    "trazodone": ("trazodone", "antidepressant_other"),
    "duloxetine": ("duloxetine", "antidepressant_snri"),
    "LidoPro": ("methyl salicylate/capsaicin/menthol/lidocaine", "topical_analgesic"),
    "Menthoderm": ("methyl salicylate/menthol", "topical_analgesic"),
}


@pytest.mark.parametrize(("name", "expected"), BRANDS.items())
def test_brand_and_generic_names_resolve(vocab: Vocabulary, name: str, expected: tuple[str, str]) -> None:
    drug = vocab.drug_by_name(name)
    assert drug is not None, name
    assert (drug.generic, drug.drug_class) == expected


# Every drug named in the development letters (items, summaries, rationales), as written.
_NAMED_IN_LETTERS = """
Norco Flexeril Naproxen Naprosyn Cyclobenzaprine Baclofen Tramadol Ibuprofen Ambien Voltaren
Pantoprazole Viagra Lidocaine Carisoprodol Tylenol Ketoprofen Ketoprophen Motrin Meloxicam Celebrex
Zanaflex Orphenadrine Nortriptyline Mobic Lidoderm Gabapentin Diclofenac Dextromethorphan Zolpidem
Tabradol Soprodal Vanadom Soma Robaxin Percocet Pamelor Omeprazole Norflex Neurontin Flurbiprofen
Fexmid Etodolac Dicopanol Deprizine Fanatrex Capsaicin Anaprox Amitriptyline Acetaminophen Xanax
Tizanidine Skelaxin Sildenafil Prozac Prilosec Prednisone Ondansetron Naprelan Nabumetone Mobisyl
Metoprolol Metformin Medrol Ketorolac Inderal Hydrochlorothiazide Diazepam Cymbalta Celecoxib
Aspirin Advil hydrocodone oxycodone venlafaxine bupropion atorvastatin lisinopril lovastatin
propranolol indomethacin piroxicam benzydamine
"""
NAMED_IN_LETTERS = _NAMED_IN_LETTERS.split()


def test_every_drug_named_in_the_development_letters_is_known(vocab: Vocabulary) -> None:
    unknown = [name for name in NAMED_IN_LETTERS if vocab.drug_by_name(name) is None]
    assert unknown == []
    for written in (
        "Tylenol No. 3",
        "EC-Naprosyn",
        "Anaprox DS",
        "Medrol dose pak",
        "Orphenadrine Citrate ER",
    ):
        assert vocab.find_drugs(written), written


# Endings that only drug names have; a word of a letter with one of them must be a known drug.
DRUG_ENDINGS = re.compile(
    r"(?:profen|fenac|coxib|oxicam|azepam|azolam|codone|morphone|prazole|tidine|triptyline|barbital|"
    r"pril|olol|statin|oxetine|afil|sartan|dipine|pramine|xaban|triptan|caine|prednisone|methasone|"
    r"zolpidem|pentin|gabalin|ramate|adol|adone|phine|benzaprine|isoprodol|carbamol)$"
)


@needs_letters
def test_no_unknown_drug_in_the_development_letters(vocab: Vocabulary) -> None:
    unknown: set[str] = set()
    for path in _letters():
        for word in re.findall(r"[A-Za-z]{5,}", _letter_text(path)):
            if DRUG_ENDINGS.search(word.lower()) and vocab.drug_by_name(word) is None:
                unknown.add(word)
    assert unknown == set()


def test_find_drugs_reports_spans_on_word_boundaries(vocab: Vocabulary) -> None:
    text = "Somatic pain; Normal exam. Meds: NORCO 10/325, Soma 350mg, Voltaren Gel 1% and Tylenol #3."
    mentions = vocab.find_drugs(text)
    assert [(m.text, m.generic) for m in mentions] == [
        ("NORCO", "hydrocodone/acetaminophen"),
        ("Soma", "carisoprodol"),
        ("Voltaren Gel", "diclofenac"),
        ("Tylenol #3", "acetaminophen/codeine"),
    ]
    for mention in mentions:
        assert text[mention.span.start : mention.span.end] == mention.text
    gel = mentions[2]
    assert (gel.route, gel.form) == ("topical", "gel")


def test_opioid_facts(vocab: Vocabulary) -> None:
    factors = {
        "hydrocodone": 1,
        "oxycodone": 1.5,
        "morphine": 1,
        "hydromorphone": 4,
        "oxymorphone": 3,
        "codeine": 0.15,
    }
    for generic, factor in factors.items():
        drug = vocab.drug(generic)
        assert drug is not None and drug.mme_factor == factor
    for drug in vocab.drugs.values():
        if drug.drug_class == "opioid":
            assert drug.controlled_schedule is not None, drug.generic
        if drug.mme_factor is not None or drug.mme_tiers:
            assert drug.drug_class == "opioid"
    norco = vocab.drug_by_name("Norco")
    assert norco is not None and norco.ingredients == ["hydrocodone", "acetaminophen"]
    assert vocab.opioid_component(norco) == vocab.drug("hydrocodone")
    methadone = vocab.drug("methadone")
    assert methadone is not None
    assert (
        methadone.mme_per_unit(30) == 8
        and methadone.mme_per_unit(15) == 4
        and methadone.mme_per_unit(None) is None
    )
    assert vocab.drug("no such drug") is None
    assert vocab.opioid_component(vocab.drugs["naproxen"]) is None


def test_sedation_is_recorded_for_muscle_relaxants_and_hypnotics(vocab: Vocabulary) -> None:
    for drug in vocab.drugs.values():
        if drug.drug_class in ("muscle_relaxant", "hypnotic", "benzodiazepine"):
            assert drug.sedating is not None, drug.generic
    assert vocab.drugs["cyclobenzaprine"].sedating is True
    assert vocab.drugs["metaxalone"].sedating is False


def test_require_drug_names_file_and_line_for_an_unknown_drug(vocab: Vocabulary) -> None:
    assert vocab.require_drug("Fexmid", "cases/x.yaml", 12).generic == "cyclobenzaprine"
    with pytest.raises(InputError) as caught:
        vocab.require_drug("Fakeprofen", "cases/x.yaml", 12)
    assert caught.value.one_line().startswith("cases/x.yaml:12: unknown drug 'Fakeprofen'")


def test_case_and_rule_checks(vocab: Vocabulary) -> None:
    assert vocab.item_problems("medication", None, "naproxen", []) == []
    assert vocab.item_problems("imaging", "mri", None, []) == []
    problems = vocab.item_problems("imaging", "facet", "naproxin", ["lidocaine", "unobtainium"])
    assert [field for field, _ in problems] == ["subtype", "generic", "ingredients"]
    assert vocab.item_problems("xray", None, None, [])[0][0] == "kind"
    assert vocab.value_problem("kind", "physical_therapy") is None
    assert vocab.value_problem("drug_class", ["opioid", "nsaid"]) is None
    assert "unknown drug_class 'opiate'" in (vocab.value_problem("drug_class", "opiate") or "")
    assert vocab.value_problem("route", "topical") is None
    assert vocab.value_problem("visits_requested", 99) is None


def test_treatment_kinds_and_regions(vocab: Vocabulary) -> None:
    kinds = set(vocab.kinds)
    for required in (
        "medication",
        "physical_therapy",
        "occupational_therapy",
        "aquatic_therapy",
        "chiropractic",
        "acupuncture",
        "massage",
        "imaging",
        "electrodiagnostic",
        "injection",
        "surgery",
        "surgical_ancillary",
        "dme",
        "brace_support",
        "tens_electrical_stimulation",
        "home_health",
        "functional_restoration",
        "work_conditioning",
        "psychology",
        "urine_drug_test",
        "lab_test",
        "consult",
        "office_visit",
        "gym_membership",
        "transportation",
        "compound_topical",
        "other",
    ):
        assert required in kinds, required
    injection = vocab.kinds["injection"]
    assert {s.id for s in injection.subtypes} >= {
        "epidural_steroid",
        "facet",
        "medial_branch_block",
        "radiofrequency_ablation",
        "trigger_point",
        "joint",
        "viscosupplementation",
        "prp",
        "other",
    }
    assert vocab.kinds["physical_therapy"].visit_based and not vocab.kinds["imaging"].visit_based
    regions = {m.payload for m in vocab.region_words.find("low back, L-spine, neck, both knees and the feet")}
    assert regions == {"lumbar", "cervical", "knee", "foot"}
    assert vocab.region_by_spinal_letter == {"C": "cervical", "T": "thoracic", "L": "lumbar", "S": "lumbar"}


# --- loading errors name file and line -------------------------------------------------------


def _broken(tmp_path: Path, file: str, old: str, new: str) -> tuple[Path, int]:
    for name in ("catalog.yaml", "drugs.yaml", "treatments.yaml", "body-regions.yaml"):
        shutil.copy(paths.GUIDELINES_DIR / name, tmp_path / name)
    target = tmp_path / file
    text = target.read_text(encoding="utf-8")
    assert old in text
    text = text.replace(old, new, 1)
    target.write_text(text, encoding="utf-8")
    return tmp_path, text[: text.index(new)].count("\n") + 1


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        (
            "drugs.yaml",
            "  - generic: omeprazole\n    class: ppi",
            "  - generic: omeprazole\n    class: antacid",
            "unknown drug class 'antacid'",
        ),
        (
            "drugs.yaml",
            "names: [Prilosec, Prilosec OTC]",
            "names: [Prilosec, Norco]",
            "'norco' is already used by 'hydrocodone/acetaminophen'",
        ),
        (
            "drugs.yaml",
            "    names: [Protonix]",
            "    names: [Protonix]\n    mme_factor: 2",
            "only opioids carry an MME factor",
        ),
        (
            "drugs.yaml",
            "    names: [Nexium]",
            "    names: [Nexium]\n    schedule: II",
            "Extra inputs are not permitted",
        ),
        (
            "catalog.yaml",
            "        effective_to: 2016-07-28",
            "        effective_to: 2008-07-28",
            "effective_to 2008-07-28 is before",
        ),
        (
            "treatments.yaml",
            "[massage, massage therapy,",
            "[massage, acupuncture, massage therapy,",
            "already identifies 'acupuncture'",
        ),
        (
            "body-regions.yaml",
            "    chapters: [mtus-acoem-knee-2004]\n    odg_chapters: [knee-leg]",
            "    chapters: [mtus-acoem-knee-2005]\n    odg_chapters: [knee-leg]",
            "unknown guideline edition 'mtus-acoem-knee-2005'",
        ),
        (
            "body-regions.yaml",
            "  leg raise: lumbar",
            "  leg raise: low_back",
            "unknown region 'low_back'",
        ),
        (
            "drugs.yaml",
            "  - generic: esomeprazole\n    class: ppi",
            "  - generic: esomeprazole\n    class: ppi\n    class: ppi",
            "duplicate key",
        ),
    ],
)
def test_a_broken_vocabulary_file_is_reported_by_file_and_line(
    tmp_path: Path, file: str, old: str, new: str, message: str
) -> None:
    directory, line = _broken(tmp_path, file, old, new)
    with pytest.raises(InputError) as caught:
        load_vocabulary(directory)
    error = caught.value
    assert error.path == str(directory / file)
    assert message in error.message
    assert error.line is not None and abs(error.line - line) <= 2, (error.line, line)


class _Condition(NamedTuple):
    fact: str
    op: str
    value: object


def test_treatment_descriptors_for_rules(vocab: Vocabulary) -> None:
    assert "medication" in vocab.kind_ids and len(vocab.kind_ids) == len(vocab.kinds)
    assert vocab.describe_treatment("medication", None, "carisoprodol") == {
        "kind": "medication",
        "subtype": None,
        "generic": "carisoprodol",
        "drug_class": "muscle_relaxant",
        "route": "oral",
        "sedating": True,
    }
    assert vocab.describe_treatment("imaging", "mri", None)["drug_class"] is None
    relaxants = vocab.generics_for(
        [_Condition("kind", "eq", "medication"), _Condition("drug_class", "eq", "muscle_relaxant")]
    )
    assert {"cyclobenzaprine", "tizanidine", "carisoprodol", "baclofen"} <= set(relaxants)
    assert all(vocab.drugs[g].drug_class == "muscle_relaxant" for g in relaxants)
    non_sedating = vocab.generics_for(
        [_Condition("drug_class", "eq", "muscle_relaxant"), _Condition("sedating", "ne", True)]
    )
    assert non_sedating == ["metaxalone"]
    assert vocab.generics_for([_Condition("generic", "in", ("zolpidem", "eszopiclone"))]) == [
        "zolpidem",
        "eszopiclone",
    ]


def test_a_short_acronym_names_a_treatment_only_in_capitals(vocab: Vocabulary) -> None:
    def kinds(text: str) -> list[str]:
        return [m.payload.kind for m in vocab.treatment_words.find(text) if m.payload is not None]

    assert "physical_therapy" in kinds("She has had 8 PT visits.")
    # the patient of a progress note
    assert "physical_therapy" not in kinds("pt returned to work; Pt states the pain is better.")
    assert "physical_therapy" in kinds("physical therapy twice a week")
    assert "imaging" in kinds("two prior MRIs of the neck")
