"""The command line on good and bad input: bad input is one line naming file and line, exit 2."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from engine.paths import CASES_DIR, PROJECT_ROOT, RULES_DIR

IMR = str(Path(sys.executable).parent / "imr")
CASE = CASES_DIR / "2014-2015" / "000_749f852bc9fe9999.yaml"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [IMR, *args], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120, check=False
    )


def assert_bad_input(done: subprocess.CompletedProcess[str], where: str) -> None:
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert re.search(re.escape(where) + r":\d+: ", lines[0]), lines[0]


@pytest.fixture
def rule_copy(tmp_path: Path) -> Path:
    """A copy of one real rule file, in a rules tree of its own, to break."""
    folder = tmp_path / "rules" / "mtus-cpmtg-2009"
    folder.mkdir(parents=True)
    shutil.copy(RULES_DIR / "mtus-cpmtg-2009" / "muscle-relaxants.yaml", folder)
    return folder / "muscle-relaxants.yaml"


def _break(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("rules:\n", "rules: [\n", "invalid YAML"),
        ("fact: acute_exacerbation", "fact: acute_exacerbation_typo", "unknown fact"),
        ("lte: 3}", 'lte: "3"}', "expects number"),
        ("generic: cyclobenzaprine}", "generic: cyclobenzaprinne}", "unknown generic"),
        ('        citation: {section: Muscle relaxants (for pain), pages: "63"}\n', "", "citation"),
        ("edition: mtus-cpmtg-2009", "edition: mtus-cpmtg-2008", "unknown guideline edition"),
        ("id: CPMTG2009-MR-02", "id: CPMTG2009-MR-01", "duplicate id"),
        # a criterion set aside says why; a blocking one has no reason to give
        ("        set_aside_because: >-\n", "        uncertain: >-\n", "add set_aside_because"),
        ("        when: never\n", "        when: never\n        set_aside_because: x\n", "goes only with"),
    ],
)
def test_a_broken_rule_file_is_one_line_naming_file_and_line(
    rule_copy: Path, old: str, new: str, message: str
) -> None:
    _break(rule_copy, old, new)
    done = run("rules", "lint", "--rules", str(rule_copy.parent.parent))
    assert_bad_input(done, "muscle-relaxants.yaml")
    assert message in done.stderr


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("items:\n", "items: {\n", "invalid YAML"),
        ("  age:\n", "  age_typo:\n", "unknown fact"),
        ("value: 68", 'value: "68"', "expects integer"),
        ("generic: hydrocodone/acetaminophen", "generic: hydrocodeine", "unknown drug"),
        ("    kind: physical_therapy", "    kind: physical_therapy\n    colour: blue", "Extra inputs"),
    ],
)
def test_a_broken_case_file_is_one_line_naming_file_and_line(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    case = tmp_path / "case.yaml"
    shutil.copy(CASE, case)
    _break(case, old, new)
    done = run("explain", str(case))
    assert_bad_input(done, "case.yaml")
    assert message in done.stderr


def test_check_goes_on_past_a_bad_file_and_exits_2(tmp_path: Path) -> None:
    shutil.copy(CASE, tmp_path / "good.yaml")
    (tmp_path / "bad.yaml").write_text("case_id: x\nitems: [\n")
    done = run("check", "--json", str(tmp_path))
    assert done.returncode == 2
    document = json.loads(done.stdout)
    by_source = {Path(c["source"]).name if c.get("error") else c["case_id"]: c for c in document["cases"]}
    assert "bad.yaml" in by_source and "invalid YAML" in by_source["bad.yaml"]["error"]
    assert any("items" in c for c in document["cases"])


def test_check_json_has_designs_shape_and_every_criterion_cites() -> None:
    done = run("check", "--json", str(CASES_DIR / "2014-2015"))
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert re.fullmatch(r"[0-9a-f]{64}", document["rules_version"])
    items = [i for c in document["cases"] for i in c["items"]]
    assert len(items) == 13
    for item in items:
        assert {"item_id", "text", "recorded", "predicted", "status", "rule_ids", "criteria"} <= set(item)
        assert item["status"] in {"reproduced", "flagged", "not_covered", "predicted"}
        for criterion in item["criteria"]:
            assert {"id", "status", "text", "citation", "facts", "evidence"} <= set(criterion)
            assert criterion["status"] in {"met", "not_met", "not_documented"}
            citation = criterion["citation"]
            assert set(citation) == {"guideline", "edition", "section", "pages"}
            assert citation["guideline"] and citation["edition"] and citation["section"]


def test_same_input_same_output() -> None:
    first = run("check", "--json", str(CASES_DIR / "2014-2015"))
    second = run("check", "--json", str(CASES_DIR / "2014-2015"))
    assert first.stdout == second.stdout


def test_explain_names_each_criterion_with_its_citation_and_evidence() -> None:
    done = run("explain", str(CASE), "2")
    assert done.returncode == 0, done.stderr
    assert "CPMTG2009-OP-02" in done.stdout and "p.78, 80" in done.stdout
    assert "lack of documentation" in done.stdout  # an evidence quote from the letter
    assert "item 1" not in done.stdout


def test_a_set_aside_criterion_shows_why_in_explain_and_rules_show() -> None:
    from engine.rules import load_rules

    reason = load_rules().criteria["CPMTG2009-OP-07"].set_aside_because
    assert reason and "p.79" in reason
    explained = run("explain", str(CASE), "2")
    assert explained.returncode == 0, explained.stderr
    assert "(set aside: An exclusion: opioids are discontinued" in " ".join(explained.stdout.split())
    shown = run("rules", "show", "CPMTG2009-OP-07")
    assert shown.returncode == 0, shown.stderr
    assert "not documented: set aside: " + reason in " ".join(shown.stdout.split())


def test_explain_of_an_unknown_item_is_bad_input() -> None:
    done = run("explain", str(CASE), "9")
    assert done.returncode == 2 and "no item '9'" in done.stderr


LETTER_DIR = Path(__import__("engine.paths", fromlist=["LETTERS_DIR"]).LETTERS_DIR)
needs_letters = pytest.mark.skipif(not LETTER_DIR.is_dir(), reason="development letters not present")


@needs_letters
def test_extract_writes_cases_that_load_and_never_overwrites_without_force(tmp_path: Path) -> None:
    letter = LETTER_DIR / "dwc-2016-2017" / "CM16-0219557.pdf"
    done = run("extract", str(letter), "-o", str(tmp_path))
    assert done.returncode == 0, done.stderr
    (written,) = tmp_path.glob("*.yaml")
    before = written.read_text()
    assert "extracted: true" in before
    assert run("explain", str(written)).returncode == 0
    written.write_text(before + "# a note the user added\n")
    again = run("extract", str(letter), "-o", str(tmp_path))
    assert again.returncode == 2 and "exists" in again.stderr
    assert written.read_text().endswith("# a note the user added\n")
    assert run("extract", str(letter), "-o", str(tmp_path), "--force").returncode == 0
    assert written.read_text() == before


@needs_letters
def test_extract_compare_prints_precision_and_recall_per_fact() -> None:
    done = run("extract", "--compare", str(CASES_DIR / "2014-2015"), "--json")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["cases"] == 5
    assert summary["overall"]["true_positives"] > 50


@needs_letters
def test_check_reads_letters_directly_and_a_bad_one_does_not_stop_the_run(tmp_path: Path) -> None:
    shutil.copy(LETTER_DIR / "dwc-2016-2017" / "CM16-0219557.pdf", tmp_path)
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4\n garbage")
    done = run("check", "--json", str(tmp_path))
    assert done.returncode == 2
    cases = json.loads(done.stdout)["cases"]
    assert sorted(c.get("error") is None for c in cases) == [False, True]
    assert "Traceback" not in done.stderr
