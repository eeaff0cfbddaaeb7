"""Letters to cases on the development letters: valid cases, evidence that quotes the letter, the
hand-checked items, agreement with the hand-transcribed cases, case files that read back, and no
crash on damaged input."""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import engine.paths
from engine.errors import InputError
from engine.facts import Case, Documented, check_case, load_case, load_fact_vocabulary
from engine.letters.caseio import compare_cases, compare_transcribed, summarize, write_case
from engine.letters.extract import build_case, extract_case, request_facts
from engine.letters.items import normalize_item
from engine.letters.model import ParsedLetter, TextSpan
from engine.letters.parse import parse_letter, parse_text
from engine.paths import LETTERS_DIR
from engine.vocab import load_vocabulary
from engine.yamlio import load_yaml

EXPECTED_ITEMS = Path(__file__).parent / "expected_items.yaml"
HAND_CASES = engine.paths.PROJECT_ROOT / "cases" / "2014-2015"


needs_letters = pytest.mark.skipif(
    not LETTERS_DIR.is_dir(), reason=f"development letters not found at {LETTERS_DIR}"
)


def _letter_names() -> list[str]:
    if not LETTERS_DIR.is_dir():
        return []
    return sorted(
        p.relative_to(LETTERS_DIR).as_posix() for p in LETTERS_DIR.glob("*/*") if p.suffix in (".pdf", ".txt")
    )


LETTER_NAMES = _letter_names()


@cache
def _parsed(name: str) -> ParsedLetter:
    return parse_letter(LETTERS_DIR / name)


@cache
def _case(name: str) -> Case:
    return build_case(_parsed(name), load_vocabulary())


def _documented(case: Case) -> list[tuple[str | None, str, Documented]]:
    found: list[tuple[str | None, str, Documented]] = [
        (None, name, fact) for name, fact in case.findings.items() if fact is not None
    ]
    for item in case.items:
        found += [(item.item_id, name, fact) for name, fact in item.facts.items() if fact is not None]
    return found


def _words(text: str) -> str:
    return " ".join(text.split())


# --- every development letter -------------------------------------------------------------------


@needs_letters
def test_all_79_development_letters_are_read() -> None:
    assert len(LETTER_NAMES) == 79


@needs_letters
@pytest.mark.parametrize("name", LETTER_NAMES)
def test_letter_makes_a_valid_case(name: str) -> None:
    case = _case(name)
    assert check_case(case, load_fact_vocabulary(), load_vocabulary()) == []
    assert case.source is not None and case.source.extracted
    assert case.source.file == name
    assert case.source.sha256 == hashlib.sha256((LETTERS_DIR / name).read_bytes()).hexdigest()
    assert [item.item_id for item in case.items] == [item.item_id for item in _parsed(name).items]
    assert case.missing == _parsed(name).missing


@needs_letters
@pytest.mark.parametrize("name", LETTER_NAMES)
def test_every_evidence_span_quotes_the_letter(name: str) -> None:
    text = _parsed(name).text
    quoted = 0
    for item_id, fact, documented in _documented(_case(name)):
        for evidence in documented.evidence:
            assert evidence.span is not None, (item_id, fact)
            start, end = evidence.span
            assert text[start:end] == evidence.quote, (item_id, fact)
            quoted += 1
    assert quoted > 0


@needs_letters
def test_items_agree_with_the_hand_checked_items() -> None:
    if not EXPECTED_ITEMS.is_file():
        pytest.skip("hand-checked items not written")
    for letter in load_yaml(EXPECTED_ITEMS).data["letters"]:
        case = _case(letter["file"])
        expected = letter["items"]
        assert len(case.items) == len(expected), letter["file"]
        for item, wanted in zip(case.items, expected, strict=True):
            heading = _words(wanted["text"])
            if item.ur_portion is None:
                assert _words(item.text) == heading, letter["file"]
            else:
                # the UR form: the case's item is the remaining IMR-eligible portion of the heading
                assert _words(item.text) in heading and _words(item.ur_portion.original_request) in heading
            outcome = wanted["outcome"]
            assert item.decision_word == outcome
            assert item.recorded == (outcome if outcome in ("Upheld", "Overturned") else None)
        if letter.get("case_number"):
            assert case.case_id == letter["case_number"]


# --- what a case holds ---------------------------------------------------------------------------


@needs_letters
def test_case_id_and_dates_come_from_the_header() -> None:
    case = _case("dwc-2016-2017/CM16-0219557.pdf")
    assert case.case_id == "CM16-0219557"
    assert case.dates.ur_denial == dt.date(2016, 11, 9)
    assert case.dates.decision == dt.date(2016, 12, 19)
    assert case.dates.assigned == dt.date(2016, 11, 18)
    # a letter without a header block is named after its file
    assert _case("2014-2015/000_749f852bc9fe9999.txt").case_id == "000_749f852bc9fe9999"
    assert "header" in _case("2014-2015/000_749f852bc9fe9999.txt").missing


@needs_letters
def test_reviewer_and_diagnoses() -> None:
    case = _case("2014-2015/001_b817fa713b9d8123.txt")
    assert case.reviewer is not None and case.reviewer.specialties == ["Occupational Medicine"]
    assert case.diagnoses == [
        "left shoulder degenerative joint disease",
        "rotator cuff tear",
        "lumbar degenerative disc disease",
        "radiculitis",
    ]


@needs_letters
def test_request_facts_are_read_from_the_disputed_text() -> None:
    norco = _case("2014-2015/000_749f852bc9fe9999.txt").items[1]
    assert norco.generic == "hydrocodone/acetaminophen"
    assert norco.facts["strength_mg"].value == 7.5
    assert norco.facts["quantity_specified"].value is False
    request = [e for e in norco.facts["quantity_specified"].evidence if e.section == "request"]
    assert [e.quote for e in request] == ["Norco 7.5/325mg (unspecified quantity)"]
    therapy = _case("2014-2015/004_8822f2662c004dba.txt").items[0]
    assert {
        name: therapy.facts[name].value for name in ("visits_requested", "visits_per_week", "weeks_requested")
    } == {
        "visits_requested": 6,
        "visits_per_week": 2,
        "weeks_requested": 3,
    }
    brace = _case("2014-2015/002_b67151935dfeaf0e.txt").items[0]
    assert brace.kind == "brace_support" and brace.facts["body_region"].value == "lumbar"


@needs_letters
def test_the_ur_form_item_is_the_remaining_portion() -> None:
    item = _case("dwc-2016-2017/CM16-0231706.pdf").items[0]
    assert item.text == "Chiropractic physiotherapy treatment 6 visits"
    assert item.ur_portion is not None
    assert item.ur_portion.original_request.startswith("Chiropractic physiotherapy treatment 12 visits")
    assert item.facts["visits_requested"].value == 6


@needs_letters
def test_ancillary_services_point_at_their_procedure() -> None:
    shoulder = _case("dwc-2016-2017/CM17-0006797.pdf")
    assert shoulder.items[0].kind == "surgery" and shoulder.items[0].ancillary_to is None
    assert [item.ancillary_to for item in shoulder.items[1:]] == ["1", "1", "1", "1"]
    knee = _case("dwc-2016-2017/CM17-0002892.pdf")
    assert [item.ancillary_to for item in knee.items] == [None, "1", "1"]
    # requests with no procedure among them link nothing
    assert all(item.ancillary_to is None for item in _case("dwc-2016-2017/CM16-0231745.pdf").items)


@needs_letters
def test_maximus_citations_resolve_to_catalog_editions() -> None:
    cited = _case("2014-2015/004_8822f2662c004dba.txt").items[0].cited
    assert [(c.edition, c.chapter, c.pages) for c in cited] == [
        ("mtus-cpmtg-2009", None, "98-99 of 127"),
        ("odg", "Low Back", None),
    ]
    none_cited = _case("dwc-2016-2017/CM17-0006797.pdf").items
    assert any(c.none_cited for item in none_cited for c in item.cited)
    # a source outside the catalog keeps its name, with no edition
    viagra = _case("dwc-2016-2017/CM16-0221706.pdf").items[0].cited
    assert [c.edition for c in viagra] == [None] and "UpToDate" in (viagra[0].guideline or "")


@needs_letters
def test_summary_facts_attach_to_the_item_the_sentence_names() -> None:
    case = _case("2014-2015/000_749f852bc9fe9999.txt")
    norco, zanaflex = case.items[1], case.items[2]
    # "The documentation indicated the injured worker had utilized Norco and Zanaflex since at least 12/2014."
    for item in (norco, zanaflex):
        assert item.facts["prior_course"].value is True
        assert any("utilized Norco and Zanaflex" in e.quote for e in item.facts["prior_course"].evidence)
    # "The injured worker denied side effects." names no drug: it goes to the opioid only
    assert norco.facts["side_effects_assessed"].value is True
    assert "side_effects_assessed" not in zanaflex.facts
    # the summary's prescription, "Zanaflex 4 mg twice a day for spasms"
    assert zanaflex.facts["doses_per_day"].value == 2


@needs_letters
def test_rationale_facts_belong_to_their_item_and_override_the_summary() -> None:
    case = _case("2014-2015/000_749f852bc9fe9999.txt")
    assert case.findings["objective_functional_deficits"].value is True
    therapy = case.items[0].facts["objective_functional_deficits"]
    assert therapy.value is False and therapy.evidence[0].section == "rationale"
    assert case.items[2].facts["functional_improvement"].value is False


@needs_letters
def test_durations_of_use() -> None:
    # "Prescribing has occurred consistently for a year."
    fexmid = _case("2014-2015/001_b817fa713b9d8123.txt").items[0]
    assert fexmid.facts["weeks_of_use"].value == 52
    # "for months at minimum" gives no number
    norco = _case("2014-2015/001_b817fa713b9d8123.txt").items[1]
    assert "weeks_of_use" not in norco.facts
    assert norco.facts["long_term_use"].value is True and norco.facts["prior_course"].value is True
    # "utilized cyclobenzaprine since 10/14/2016", the latest visit being 11/30/2016
    cyclobenzaprine = _case("dwc-2016-2017/CM16-0234464.pdf").items[4]
    assert cyclobenzaprine.facts["weeks_of_use"].value == 6


# --- against the hand-transcribed cases ------------------------------------------------------------


@needs_letters
def test_precision_and_recall_against_the_hand_cases() -> None:
    if not HAND_CASES.is_dir():
        pytest.skip("hand-transcribed cases not written")
    _, summary = compare_transcribed([HAND_CASES], LETTERS_DIR)
    print(f"\n{summary.cases} hand cases; items {summary.items_text_agree}/{summary.items_transcribed} agree")
    for name, tp, fp, fn, precision, recall in summary.rows():
        p = "-" if precision is None else f"{precision:.2f}"
        r = "-" if recall is None else f"{recall:.2f}"
        print(f"{name:<38} tp {tp:3d}  fp {fp:3d}  fn {fn:3d}  precision {p:>4}  recall {r:>4}")
    assert summary.cases == 5
    assert summary.items_text_agree == summary.items_transcribed == summary.items_extracted
    # floors below what extraction reaches: the transcriptions grow as facts are added
    assert summary.overall.recall is not None and summary.overall.recall >= 0.7
    transcribed = summary.overall_transcribed
    assert transcribed.precision is not None and transcribed.precision >= 0.85


def test_compare_cases_counts_name_item_and_value_each_item_sees(tmp_path: Path) -> None:
    base = {
        "case_id": "x",
        "findings": {"age": {"value": 50, "evidence": [{"quote": "50", "section": "summary"}]}},
        "items": [{"item_id": "1", "text": "Norco 10/325mg #60", "kind": "medication"}],
    }
    transcribed = Case.model_validate(base)
    extracted = Case.model_validate(
        {
            **base,
            "findings": {"age": {"value": 51, "evidence": [{"quote": "51", "section": "summary"}]}},
            "items": [
                {
                    "item_id": "1",
                    "text": "Norco 10/325mg #60",
                    "kind": "medication",
                    "facts": {
                        "quantity": {"value": 60, "evidence": [{"quote": "#60", "section": "request"}]}
                    },
                }
            ],
        }
    )
    comparison = compare_cases(extracted, transcribed)
    assert comparison.true_positives == []
    # the case finding counts for the item that sees it
    assert {(d.key.item_id, d.key.name) for d in comparison.false_positives} == {
        ("1", "age"),
        ("1", "quantity"),
    }
    assert [(d.key.name, d.extracted, d.transcribed) for d in comparison.false_negatives] == [("age", 51, 50)]
    assert comparison.items_text_agree == 1
    summary = summarize([comparison, compare_cases(transcribed, transcribed)])
    age = next(s for s in summary.per_fact if s.name == "age")
    assert (age.true_positives, age.false_positives, age.false_negatives) == (1, 1, 1)
    assert age.precision == age.recall == 0.5


# --- case files ----------------------------------------------------------------------------------


@needs_letters
@pytest.mark.parametrize("name", LETTER_NAMES)
def test_case_file_reads_back_identically(name: str, tmp_path: Path) -> None:
    case = _case(name)
    path = write_case(case, tmp_path / "case.yaml")
    assert path.read_text(encoding="utf-8").startswith("# Extracted by imr-engine")
    assert load_case(path) == case


@needs_letters
def test_write_case_never_overwrites_unless_asked(tmp_path: Path) -> None:
    case = _case("2014-2015/000_749f852bc9fe9999.txt")
    path = tmp_path / "case.yaml"
    path.write_text("my notes\n", encoding="utf-8")
    with pytest.raises(InputError) as raised:
        write_case(case, path)
    assert str(path) in str(raised.value) and "\n" not in str(raised.value)
    assert path.read_text(encoding="utf-8") == "my notes\n"
    write_case(case, path, overwrite=True)
    assert load_case(path) == case


# --- damaged input --------------------------------------------------------------------------------


def test_a_text_that_is_no_letter_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("Shopping list: milk, eggs.\n", encoding="utf-8")
    with pytest.raises(InputError) as raised:
        extract_case(path)
    assert str(raised.value).startswith(str(path)) and "\n" not in str(raised.value)


def test_a_letter_without_items_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "header-only.txt"
    path.write_text("Case Number: CM16-0000001\nDate Assigned: 11/18/2016\n", encoding="utf-8")
    with pytest.raises(InputError, match="no disputed items"):
        extract_case(path)


@needs_letters
def test_a_letter_missing_its_summary_gives_a_partial_case() -> None:
    letter = _parsed("dwc-2016-2017/CM16-0219557.pdf")
    assert letter.summary is not None
    start = letter.text.index("CLINICAL CASE SUMMARY")
    text = letter.text[:start] + letter.text[letter.summary.end :]
    case = build_case(parse_text(text, "cut.txt", "", "text"), load_vocabulary())
    assert "summary" in case.missing
    assert [item.text for item in case.items] == ["Facet joint injections L4-5, L5-S1"]
    assert all(e.section != "summary" for _, _, fact in _documented(case) for e in fact.evidence)


def _mangled(text: str, seed: int, edits: int) -> str:
    rng = random.Random(seed)
    lines = text.split("\n")
    for _ in range(edits):
        if not lines:
            break
        index = rng.randrange(len(lines))
        match rng.randrange(5):
            case 0:
                del lines[index]
            case 1:
                lines.insert(rng.randrange(len(lines) + 1), lines[index])
            case 2:
                line = lines[index]
                cut = rng.randrange(len(line) + 1)
                lines[index] = line[:cut] + rng.choice(
                    [":", ".", " Upheld", "\n", "Decision rationale: ", ""]
                )
            case 3:
                lines[index] = "".join(rng.choice([c, c.upper(), "", "  "]) for c in lines[index])
            case _:
                other = rng.randrange(len(lines))
                lines[index], lines[other] = lines[other], lines[index]
    return "\n".join(lines)


@needs_letters
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(LETTER_NAMES or ["-"]),
    seed=st.integers(min_value=0, max_value=2**32),
    edits=st.integers(min_value=1, max_value=25),
)
def test_mangled_letters_give_a_case_or_an_input_error(name: str, seed: int, edits: int) -> None:
    text = _mangled(_parsed(name).text, seed, edits)
    try:
        letter = parse_text(text, "mangled.txt", "", "text")
        case = build_case(letter, load_vocabulary())
    except InputError as error:
        assert "\n" not in str(error)
        return
    assert check_case(case, load_fact_vocabulary(), load_vocabulary()) == []
    for _, _, fact in _documented(case):
        for evidence in fact.evidence:
            assert evidence.span is not None
            assert letter.text[evidence.span[0] : evidence.span[1]] == evidence.quote


DATED_LETTER = """\
Case Number: CM99-00002
Date Assigned: 01/10/2017 Date of Injury: 03/01/2016
Decision Date: 02/01/2017 UR Denial Date: 01/05/2017
CLINICAL CASE SUMMARY
The expert reviewer developed the following clinical case summary based on a review of the case file:
The patient reports low back pain.
IMR ISSUES, DECISIONS AND RATIONALES
The Final Determination was based on decisions for the disputed items/services set forth below:
MRI of the lumbar spine: Upheld
MAXIMUS guideline: Decision based on MTUS.
Decision rationale: It is for imaging.
"""


def test_the_weeks_since_the_injury_come_from_the_header_dates() -> None:
    # injury 03/01/2016, UR decision 01/05/2017: 310 days; the header's two dates are the evidence
    case = build_case(parse_text(DATED_LETTER, "dated.txt", "", "text"), load_vocabulary())
    since = case.findings["weeks_since_injury"]
    assert since is not None and since.value == 44.3
    quoted = [(e.section, e.quote) for e in since.evidence]
    assert quoted == [("header", "03/01/2016"), ("header", "01/05/2017")]


@pytest.mark.parametrize(
    ("heading", "hours"),
    [
        ("Home health aide, 4 hours/day, 5 days/week for 6 weeks", 20),
        ("Home health aide 8 hours per day, 7 days per week for 4 weeks", 56),
        # a service so many hours a day, days unwritten, is daily
        ("Home health aide 4 hours a day for 6 weeks", 28),
    ],
)
def test_the_hours_a_week_of_a_service_requested_by_the_day(heading: str, hours: int) -> None:
    vocab = load_vocabulary()
    facts = request_facts(
        normalize_item(heading, vocab), TextSpan(start=0, end=len(heading), text=heading), vocab
    )
    assert facts["hours_per_week"].value == hours
