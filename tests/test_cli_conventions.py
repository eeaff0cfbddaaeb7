"""What a user of a Python command line expects of `imr`: -h, --version, --json and --quiet everywhere,
- for standard input, progress on standard error, whole lines when piped, documented exit codes."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from engine.paths import CASES_DIR, LETTERS_DIR, PROJECT_ROOT

IMR = str(Path(sys.executable).parent / "imr")
CASE = CASES_DIR / "2014-2015" / "000_749f852bc9fe9999.yaml"
LETTER = LETTERS_DIR / "2014-2015" / "000_749f852bc9fe9999.txt"
RULE_TESTS = PROJECT_ROOT / "tests" / "rules" / "mtus-cpmtg-2009" / "muscle-relaxants.yaml"
needs_letters = pytest.mark.skipif(not LETTERS_DIR.is_dir(), reason="development letters not present")

COMMANDS = [
    ["check"],
    ["explain"],
    ["extract"],
    ["rules", "list"],
    ["rules", "show"],
    ["rules", "lint"],
    ["rules", "test"],
    ["rules", "coverage"],
]


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [IMR, *args], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120, check=False, input=stdin
    )


def test_version_prints_the_installed_version() -> None:
    done = run("--version")
    assert done.returncode == 0 and re.fullmatch(r"imr \d+\.\d+\.\d+\S*\n", done.stdout)


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_dash_h_is_help_and_help_names_values_not_python_types(command: list[str]) -> None:
    short, long = run(*command, "-h"), run(*command, "--help")
    assert short.returncode == 0 and short.stdout == long.stdout
    assert "Usage: imr" in short.stdout
    assert not re.search(r"<(?:bool|int|float|text|path|list\[|%Y)", short.stdout), short.stdout


def test_shell_completion_is_offered() -> None:
    done = subprocess.run(
        [IMR],
        env={**os.environ, "_IMR_COMPLETE": "complete_bash", "COMP_WORDS": "imr ch", "COMP_CWORD": "1"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.stdout.split() == ["check"]


@pytest.mark.parametrize(
    "command",
    [
        ["check", str(CASE)],
        ["explain", str(CASE)],
        ["rules", "list"],
        ["rules", "show", "CPMTG2009-MR"],
        ["rules", "lint"],
        ["rules", "test", str(RULE_TESTS)],
        ["rules", "coverage", str(CASE)],
    ],
    ids=" ".join,
)
def test_every_command_prints_one_json_document_with_json(command: list[str]) -> None:
    done = run(*command, "--json")
    assert done.returncode == 0, done.stderr
    assert isinstance(json.loads(done.stdout), dict)


@needs_letters
def test_extract_json_is_the_cases_read_not_ignored() -> None:
    done = run("extract", "--json", str(LETTER))
    assert done.returncode == 0, done.stderr
    (letter,) = json.loads(done.stdout)["letters"]
    assert letter["path"] == str(LETTER) and letter["case"]["items"]


def test_quiet_silences_notes_but_never_errors(tmp_path: Path) -> None:
    shutil.copy(CASE, tmp_path / "good.yaml")
    (tmp_path / "notes.md").write_text("not a case\n")
    (tmp_path / "bad.yaml").write_text("case_id: x\n")
    loud, quiet = run("check", str(tmp_path)), run("check", "--quiet", str(tmp_path))
    assert "skipped:" in loud.stderr and "skipped:" not in quiet.stderr
    assert quiet.stderr.count("error:") == 1 and quiet.returncode == 2


def test_dash_reads_a_case_from_standard_input() -> None:
    done = run("check", "--json", "-", stdin=CASE.read_text())
    assert done.returncode == 0, done.stderr
    (case,) = json.loads(done.stdout)["cases"]
    assert case["case_id"] == "2014-2015/000_749f852bc9fe9999"


@needs_letters
def test_dash_reads_a_letter_from_standard_input() -> None:
    done = run("explain", "--json", "-", stdin=LETTER.read_text())
    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)["items"]) == 3


def test_bad_input_on_standard_input_is_named_as_such() -> None:
    done = run("check", "-", stdin="case_id: x\nitems: [\n")
    assert done.returncode == 2 and done.stderr.startswith("error: <stdin>:")


def test_a_piped_table_keeps_long_case_ids_whole(tmp_path: Path) -> None:
    long_id = "CM-" + "0123456789" * 12
    text = CASE.read_text().replace("case_id: 2014-2015/000_749f852bc9fe9999", f"case_id: {long_id}")
    (tmp_path / "long.yaml").write_text(text)
    done = run("check", str(tmp_path / "long.yaml"))
    assert done.returncode == 0, done.stderr
    assert long_id in done.stdout
    assert "coverage 3/3" in done.stdout.splitlines()[-1]  # the summary line is not wrapped either


def test_the_progress_bar_is_drawn_on_standard_error_when_output_is_redirected(tmp_path: Path) -> None:
    for i in range(30):
        shutil.copy(CASE, tmp_path / f"case-{i:02d}.yaml")
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [IMR, "check", "--json", str(tmp_path)], cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=terminal
    )
    os.close(terminal)
    drawn = b""
    while True:
        ready, _, _ = select.select([controller], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(controller, 4096)
        except OSError:  # the terminal closes with the process
            break
        if not chunk:
            break
        drawn += chunk
    stdout, _ = process.communicate(timeout=60)
    os.close(controller)
    assert process.returncode == 0
    assert len(json.loads(stdout)["cases"]) == 30
    assert b"evaluating" in drawn


def test_negative_workers_is_a_usage_error_not_an_internal_one() -> None:
    done = run("check", "--workers", "-1", str(CASE))
    assert done.returncode == 2
    assert "--workers" in done.stderr and "internal error" not in done.stderr


@needs_letters
def test_a_closed_pipe_ends_quietly_with_its_own_exit_code() -> None:
    process = subprocess.Popen(
        [IMR, "check", "--json", "--quiet", str(LETTERS_DIR)],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.readline()
    process.stdout.close()  # as `imr check DIR | head -1` does
    stderr = process.stderr.read()
    assert process.wait(timeout=120) == 141
    assert stderr.strip().splitlines() == ["imr: output closed before it was complete"]


def test_failing_rule_tests_exit_3_not_like_an_engine_bug(tmp_path: Path) -> None:
    broken = tmp_path / "muscle-relaxants.yaml"
    broken.write_text(RULE_TESTS.read_text().replace("CPMTG2009-MR-01: not_met}", "CPMTG2009-MR-01: met}", 1))
    done = run("rules", "test", str(broken))
    assert done.returncode == 3
    assert "FAIL" in done.stdout and done.stderr.strip() == "imr: 2 rule test failures"
