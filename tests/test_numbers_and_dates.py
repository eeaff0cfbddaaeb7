"""Numbers and dates no letter, case or rule can mean are one located line of bad input, never a crash."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from engine.errors import InputError
from engine.paths import CASES_DIR, LETTERS_DIR, PROJECT_ROOT
from engine.yamlio import load_yaml

IMR = str(Path(sys.executable).parent / "imr")
CASE = CASES_DIR / "2014-2015" / "000_749f852bc9fe9999.yaml"
LETTER = LETTERS_DIR / "2014-2015" / "000_749f852bc9fe9999.txt"
needs_letters = pytest.mark.skipif(not LETTERS_DIR.is_dir(), reason="development letters not present")
HUGE = "9" * 320


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [IMR, *args], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120, check=False
    )


def _variant(tmp_path: Path, name: str, source: Path, old: str, new: str) -> Path:
    text = source.read_text()
    assert old in text
    path = tmp_path / name
    path.write_text(text.replace(old, new, 1))
    return path


@needs_letters
@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("Physical Therapy QTY 12:", f"Physical Therapy QTY {HUGE}:"),  # a quantity
        ("Norco 7.5/325mg (unspecified", f"Norco {HUGE}mg (unspecified"),  # a strength
        ("(unspecified quantity): Upheld", f"{HUGE} times a day: Upheld"),  # a frequency
    ],
)
def test_a_320_digit_number_in_a_letter_fails_that_letter_alone(tmp_path: Path, old: str, new: str) -> None:
    bad = _variant(tmp_path, "bad.txt", LETTER, old, new)
    shutil.copy(LETTER, tmp_path / "good.txt")
    done = run("check", "--json", str(tmp_path))
    assert done.returncode == 2, done.stderr
    cases = {Path(c["source"]).name: c for c in json.loads(done.stdout)["cases"]}
    assert "beyond any clinical figure" in cases["bad.txt"]["error"]
    assert cases["bad.txt"]["failure"] == "input"
    assert len(cases) == 2 and any(c.get("items") for c in cases.values())
    assert done.stderr.strip().splitlines() == [f"error: {cases['bad.txt']['error']}"]
    assert str(bad) in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("value: 68", "value: .inf", "expects integer, got float inf"),
        ("value: 68", "value: -.inf", "expects integer, got float -inf"),
        ("value: 7.5", "value: .nan", "not a number (nan)"),
        ("value: 7.5", "value: .inf", "beyond any clinical figure"),
        ("value: 7.5", "value: 1.7e+308", "beyond any clinical figure"),
        ("injury: 1994-11-11", "injury: 1994-02-30", "1994-02-30 is not a date of the calendar"),
        ("value: 68", "value: 1:08", "base-60"),
        ("value: 68", "value: 064", "octal"),
    ],
)
def test_an_impossible_number_or_date_in_a_case_names_file_and_line_and_the_run_goes_on(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    _variant(tmp_path, "bad.yaml", CASE, old, new)
    shutil.copy(CASE, tmp_path / "good.yaml")
    done = run("check", "--json", str(tmp_path))
    assert done.returncode == 2, done.stderr
    cases = json.loads(done.stdout)["cases"]
    (failed,) = [c for c in cases if c.get("error")]
    assert message in failed["error"]
    assert f"{tmp_path / 'bad.yaml'}:" in failed["error"].split(" ")[0]
    assert sum(bool(c.get("items")) for c in cases) == 1


@pytest.mark.parametrize(
    ("text", "value"),
    [("a: 1_000", 1000), ("a: 0", 0), ("a: -12", -12), ("a: 0.5", 0.5), ("a: '1:30'", "1:30")],
)
def test_plain_numbers_still_read_as_written(tmp_path: Path, text: str, value: object) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(text + "\n")
    assert load_yaml(path).data == {"a": value}


def test_a_yaml_alias_bomb_is_refused_before_it_expands(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)]
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError, match="aliases") as error:
        load_yaml(path)
    assert error.value.line == 1  # where the value used again is anchored
