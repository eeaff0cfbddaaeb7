"""A case means one thing: the same result on any day, one letter per file, ancillaries with an index."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from engine.batch import read_case
from engine.errors import InputError
from engine.paths import CASES_DIR, LETTERS_DIR, PROJECT_ROOT

IMR = str(Path(sys.executable).parent / "imr")
CASE = CASES_DIR / "2014-2015" / "000_749f852bc9fe9999.yaml"
needs_letters = pytest.mark.skipif(not LETTERS_DIR.is_dir(), reason="development letters not present")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [IMR, *args], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120, check=False
    )


def _undated(tmp_path: Path) -> Path:
    # no UR or decision date, and the citation names no catalog edition: nothing picks the editions
    text = re.sub(
        r"(?m)^\s*- edition: mtus-cpmtg-2009\n\s*guideline:", "      - guideline:", CASE.read_text()
    )
    path = tmp_path / "undated.yaml"
    path.write_text(text)
    return path


def test_a_case_no_date_can_place_needs_as_of_instead_of_today(tmp_path: Path) -> None:
    undated = _undated(tmp_path)
    refused = run("check", str(undated))
    assert refused.returncode == 2
    assert refused.stderr.strip() == (
        f"error: {undated}: no UR denial date, IMR decision date or cited guideline edition picks the "
        "guideline editions; give the date with --as-of YYYY-MM-DD"
    )
    dated = run("check", "--json", "--as-of", "2015-06-01", str(undated))
    (case,) = json.loads(dated.stdout)["cases"]
    assert case["as_of"] == "2015-06-01" and case["as_of_basis"] == "--as-of"
    assert run("explain", str(undated)).returncode == 2


def _with_ancillary(tmp_path: Path, links: dict[str, str]) -> Path:
    text = CASE.read_text()
    for item, index in links.items():
        marker = f'  - item_id: "{item}"\n'
        assert marker in text
        text = text.replace(marker, f'{marker}    ancillary_to: "{index}"\n', 1)
    path = tmp_path / "ancillary.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("links", "message"),
    [
        ({"1": "1"}, "item 1 is ancillary_to itself"),
        ({"1": "2", "2": "1"}, "item 1 is ancillary_to item 2, whose index procedures lead back to item 1"),
    ],
)
def test_an_item_ancillary_to_itself_or_in_a_cycle_of_ancillaries_is_refused(
    tmp_path: Path, links: dict[str, str], message: str
) -> None:
    path = _with_ancillary(tmp_path, links)
    with pytest.raises(InputError, match=message) as error:
        read_case(path)
    assert error.value.line is not None


@needs_letters
def test_two_letters_in_one_file_are_refused_not_merged_into_one_case(tmp_path: Path) -> None:
    first = (LETTERS_DIR / "2014-2015" / "000_749f852bc9fe9999.txt").read_text()
    second = (LETTERS_DIR / "2014-2015" / "002_b67151935dfeaf0e.txt").read_text()
    path = tmp_path / "two.txt"
    path.write_text(first + "\n\n" + second)
    with pytest.raises(InputError, match="holds more than one letter") as error:
        read_case(path)
    assert "give each letter a file of its own" in str(error.value)
    assert read_case(LETTERS_DIR / "2014-2015" / "002_b67151935dfeaf0e.txt").items  # each alone reads


@needs_letters
def test_json_evidence_keeps_the_section_and_span_the_terminal_shows() -> None:
    letter = LETTERS_DIR / "dwc-2016-2017" / "CM16-0219557.pdf"
    done = run("check", "--json", str(letter))
    details = [
        detail
        for item in json.loads(done.stdout)["cases"][0]["items"]
        for criterion in item["criteria"]
        for detail in criterion["evidence_detail"]
    ]
    assert details and all({"quote", "section", "span"} <= set(d) for d in details)
    assert any(d["span"] and d["section"] in ("summary", "rationale", "request") for d in details)
