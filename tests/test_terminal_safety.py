"""Text from a letter, case or rule file is shown as written: never markup, never terminal control."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from engine.paths import CASES_DIR, PROJECT_ROOT
from engine.terminal import safe

IMR = str(Path(sys.executable).parent / "imr")
CASE = CASES_DIR / "2014-2015" / "000_749f852bc9fe9999.yaml"
LINK = "[link=https://example.invalid]click here[/link]"
ESCAPE = "\x1b]8;;https://example.invalid\x1b\\x\x1b[31m"
BIDI = "abc\u202edcba\u2066"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [IMR, *args], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120, check=False
    )


def _hostile_case(tmp_path: Path) -> Path:
    text = CASE.read_text()
    text = text.replace("case_id: 2014-2015/000_749f852bc9fe9999", f"case_id: {json.dumps('x' + BIDI)}")
    text = text.replace("text: Physical Therapy QTY 12", f"text: {json.dumps('Physical Therapy ' + LINK)}")
    text = text.replace('quote: "Physical Therapy QTY 12"', f"quote: {json.dumps('QTY 12 ' + ESCAPE)}")
    path = tmp_path / "hostile.yaml"
    path.write_text(text)
    return path


def _no_control(output: str) -> None:
    assert "\x1b" not in output and "\u202e" not in output and "\u2066" not in output


@pytest.mark.parametrize("command", [["check"], ["explain"]], ids=" ".join)
def test_markup_in_a_case_is_shown_as_written_and_controls_as_escapes(
    tmp_path: Path, command: list[str]
) -> None:
    done = run(*command, str(_hostile_case(tmp_path)))
    assert done.returncode == 0, done.stderr
    flat = " ".join(done.stdout.split())
    assert "[link=https://example.invalid]click" in flat.replace("│ ", "").replace(" │", "")
    assert "\\u202e" in done.stdout
    _no_control(done.stdout)
    if command == ["explain"]:
        assert "\\x1b]8;;https://example.invalid" in done.stdout


def test_an_error_line_about_hostile_text_is_inert(tmp_path: Path) -> None:
    text = CASE.read_text().replace("  age:\n", f"  {json.dumps('age' + ESCAPE + BIDI)}:\n")
    (tmp_path / "bad.yaml").write_text(text)
    done = run("check", str(tmp_path / "bad.yaml"))
    assert done.returncode == 2
    (line,) = done.stderr.splitlines()
    _no_control(line)
    assert "unknown fact" in line and "\\x1b" in line


def test_a_hostile_file_name_is_shown_inert(tmp_path: Path) -> None:
    path = tmp_path / "x\x1b[2Jy.yaml"
    path.write_text("case_id: x\nitems: [\n")
    done = run("check", str(tmp_path))
    assert done.returncode == 2
    _no_control(done.stdout + done.stderr)
    assert "x\\x1b[2Jy.yaml" in done.stderr


def test_json_keeps_the_text_exactly_and_escaped(tmp_path: Path) -> None:
    done = run("check", "--json", str(_hostile_case(tmp_path)))
    _no_control(done.stdout)
    (case,) = json.loads(done.stdout)["cases"]
    assert case["case_id"] == "x" + BIDI
    assert any(item["text"] == "Physical Therapy " + LINK for item in case["items"])


def test_safe_keeps_ordinary_text_and_escapes_only_what_acts_on_a_terminal() -> None:
    assert (
        safe("Norco 7.5/325 mg — 3× daily, “as needed” [sic]")
        == "Norco 7.5/325 mg — 3× daily, “as needed” [sic]"
    )
    assert safe("a\tb\nc") == "a b c"
    assert safe("\x07\x9b\u200f\U000e0041") == "\\x07\\x9b\\u200f\\U000e0041"
