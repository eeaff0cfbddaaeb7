"""Input limits: what no letter or case can be is refused at once, in a line saying how to raise the limit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from engine.errors import InputError
from engine.inputs import read_bytes
from engine.paths import CASES_DIR, LETTERS_DIR, PROJECT_ROOT

IMR = str(Path(sys.executable).parent / "imr")
LETTER = LETTERS_DIR / "2014-2015" / "000_749f852bc9fe9999.txt"
CASE = CASES_DIR / "2014-2015" / "000_749f852bc9fe9999.yaml"
needs_letters = pytest.mark.skipif(not LETTERS_DIR.is_dir(), reason="development letters not present")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [IMR, *args], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120, check=False
    )


def test_a_file_past_the_size_limit_is_refused_unread(tmp_path: Path) -> None:
    big = tmp_path / "big.pdf"
    with big.open("wb") as stream:
        stream.truncate(50_000_000)  # sparse: nothing is written, and nothing must be read
    started = time.monotonic()
    with pytest.raises(InputError, match=r"50MB, over the 10MB input limit .*--max-bytes"):
        read_bytes(str(big))
    assert time.monotonic() - started < 5


def test_a_million_short_lines_are_refused_by_the_character_limit_and_the_limit_can_be_raised(
    tmp_path: Path,
) -> None:
    text = tmp_path / "lines.txt"
    text.write_text("\n".join("ab c" for _ in range(1_000_000)))
    refused = run("check", "--json", str(text))
    assert refused.returncode == 2
    (case,) = json.loads(refused.stdout)["cases"]
    assert "over the 1M input limit" in case["error"] and "--max-chars" in case["error"]
    raised = run("check", "--json", "--max-chars", "6M", str(text))
    (case,) = json.loads(raised.stdout)["cases"]
    assert "not an IMR determination letter" in case["error"]


@needs_letters
def test_a_letter_of_more_items_than_the_limit_is_refused_and_the_limit_can_be_raised(tmp_path: Path) -> None:
    heading = "Physical Therapy QTY 12: Upheld"
    block = "".join(
        f"Physical Therapy QTY {i % 20 + 1}: Upheld\n\n"
        "Claims Administrator guideline: Decision based on MTUS.\n\n"
        "MAXIMUS guideline: Decision based on MTUS.\n\n"
        "Decision rationale: Not medically necessary.\n\n"
        for i in range(150)
    )
    letter = tmp_path / "many.txt"
    letter.write_text(LETTER.read_text().replace(heading, block + heading, 1))
    refused = run("check", str(letter))
    assert refused.returncode == 2 and "153 disputed items, over the limit of 100" in refused.stderr
    assert "--max-items" in refused.stderr
    assert run("check", "--max-items", "200", str(letter)).returncode == 0


def test_a_case_of_more_items_than_the_limit_is_refused_with_its_line(tmp_path: Path) -> None:
    text = CASE.read_text()
    items = text.index("items:\n")
    extra = "".join(f'  - item_id: "x{i}"\n    text: t\n    kind: physical_therapy\n' for i in range(120))
    (tmp_path / "case.yaml").write_text(
        text[: items + len("items:\n")] + extra + text[items + len("items:\n") :]
    )
    done = run("check", str(tmp_path / "case.yaml"))
    first_item_line = text[:items].count("\n") + 2
    assert done.returncode == 2 and f"case.yaml:{first_item_line}: 123 disputed items" in done.stderr


@needs_letters
@pytest.mark.parametrize(
    ("run_of", "message"), [("7" * 30, "a number of 30 digits"), ("a" * 150, "a run of 150 letters")]
)
def test_a_run_no_word_or_number_can_be_is_refused_with_its_line(
    tmp_path: Path, run_of: str, message: str
) -> None:
    text = LETTER.read_text()
    anchor = "The injured worker is a 68-year-old male"
    line = text[: text.index(anchor)].count("\n") + 1
    (tmp_path / "run.txt").write_text(text.replace(anchor, f"{anchor} {run_of}", 1))
    done = run("check", str(tmp_path / "run.txt"))
    assert done.returncode == 2 and f"run.txt:{line}: {message}" in done.stderr


def test_a_size_option_takes_units_and_refuses_nonsense() -> None:
    done = run("check", "--max-bytes", "lots", str(CASE))
    assert done.returncode == 2 and "is not a size" in done.stderr
    assert run("check", "--max-bytes", "20M", str(CASE)).returncode == 0
    assert os.path.exists(CASE)
