"""Property: whatever letters, PDFs, cases and rule files hold, a run ends in a documented way.

Hypothesis builds folders of real development letters and hand cases, a few of them made hostile
(numbers past any figure, impossible dates, YAML 1.1 traps, markup and terminal controls, truncated
or damaged PDFs, concatenated letters, binary junk), and runs `imr check` over each folder. Every
run must: exit 0 or 2 (never an engine failure), give exactly one error line per hostile input that
fails, naming its file, never a traceback, within a time bound; evaluate every other input; and
change no input.
"""

from __future__ import annotations

import json
import random
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from engine.cli import app
from engine.paths import CASES_DIR, LETTERS_DIR, PROJECT_ROOT, RULES_DIR

pytestmark = pytest.mark.skipif(not LETTERS_DIR.is_dir(), reason="development letters not present")

IMR = str(Path(sys.executable).parent / "imr")
TEXT_LETTERS = sorted((LETTERS_DIR / "2014-2015").glob("*.txt"))
PDF_LETTERS = sorted((LETTERS_DIR / "dwc-2016-2017").glob("*.pdf"))[:6]
CASES = sorted((CASES_DIR / "2014-2015").glob("*.yaml"))
RULE_FILE = RULES_DIR / "mtus-cpmtg-2009" / "muscle-relaxants.yaml"
# every input is read within this (seconds); a run ends well within a few of them
INPUT_TIMEOUT = 60
RUN_BOUND = 240

HOSTILE_NUMBERS = [
    "9" * 309,
    "9" * 20,
    "1e400",
    "1.7e+308",
    ".inf",
    "-.inf",
    ".nan",
    "-0",
    "1:30",
    "012",
    "0x1f",
    "1_000_000_000_000_000",
]
HOSTILE_DATES = ["1994-02-30", "2014-13-01", "0000-00-00", "9999-12-31", "2015-02-29"]
HOSTILE_TEXT = [
    "[link=https://example.invalid]click[/link]",
    "[bold red]Overturned[/]",
    "\x1b]8;;https://example.invalid\x1b\\x\x1b[2J",
    "\u202eevil\u2066",
    "\x00\x01\x02",
    "\ufeff\u200b",
    "Case Number: CM99-9999999",
    "IMR ISSUES, DECISIONS AND RATIONALES",
    "Decision rationale:",
    "x: Upheld",
    "((((((((((((((((((((",
    "a" * 150,
    "7" * 40,
    "\n" * 50,
]


def _insert(text: str, piece: str, at: float) -> str:
    cut = int(len(text) * at)
    return text[:cut] + piece + text[cut:]


@st.composite
def hostile_letter(draw: st.DrawFn) -> bytes:
    text = draw(st.sampled_from(TEXT_LETTERS)).read_text()
    for _ in range(draw(st.integers(1, 4))):
        piece = draw(
            st.sampled_from(HOSTILE_TEXT)
            | st.sampled_from(HOSTILE_NUMBERS).map(lambda n: f" QTY {n} ")
            | st.sampled_from(HOSTILE_NUMBERS).map(lambda n: f" Norco {n}mg {n} times a day ")
            | st.text(max_size=40)
        )
        text = _insert(text, piece, draw(st.floats(0, 1)))
    shape = draw(st.sampled_from(["as is", "truncated", "doubled", "binary", "empty"]))
    if shape == "truncated":
        text = text[: int(len(text) * draw(st.floats(0, 1)))]
    elif shape == "doubled":
        text = text + "\n\n" + text
    data = text.encode("utf-8", "surrogatepass")
    if shape == "binary":
        data = draw(st.binary(min_size=1, max_size=2000)) + data[:500]
    elif shape == "empty":
        data = b""
    return data


@st.composite
def hostile_pdf(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(PDF_LETTERS)).read_bytes())
    shape = draw(st.sampled_from(["truncated", "flipped", "header only", "junk after header"]))
    if shape == "truncated":
        return bytes(data[: draw(st.integers(8, len(data) - 1))])
    if shape == "flipped":
        rng = random.Random(draw(st.integers(0, 2**32)))
        for _ in range(draw(st.integers(1, 64))):
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        return bytes(data)
    if shape == "header only":
        return b"%PDF-1.7\n"
    return b"%PDF-1.4\n" + draw(st.binary(max_size=4000))


@st.composite
def hostile_case(draw: st.DrawFn) -> bytes:
    text = draw(st.sampled_from(CASES)).read_text()
    values = list(re.finditer(r"(?m)^(\s*value:) (\S.*)$", text))
    dates = list(re.finditer(r"(?m)^(\s*(?:injury|ur_denial|decision|assigned):) (\S+)$", text))
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["number", "date", "text", "structure"]))
        if kind == "number" and values:
            match = draw(st.sampled_from(values))
            replacement = f"{match.group(1)} {draw(st.sampled_from(HOSTILE_NUMBERS))}"
            text = text[: match.start()] + replacement + text[match.end() :]
        elif kind == "date" and dates:
            match = draw(st.sampled_from(dates))
            replacement = f"{match.group(1)} {draw(st.sampled_from(HOSTILE_DATES))}"
            text = text[: match.start()] + replacement + text[match.end() :]
        elif kind == "text":
            hostile = json.dumps(draw(st.sampled_from(HOSTILE_TEXT)))
            text = re.sub(r"(?m)^(\s*text:) .*$", lambda m, h=hostile: f"{m.group(1)} {h}", text, count=1)
        else:
            text = draw(
                st.sampled_from(
                    [
                        "",
                        "- a list\n",
                        "a: &x [1, 2]\nb: *x\n",
                        "[" * 200,
                        text.replace("items:", "items: 5\nx:", 1),
                        text + "\ncase_id: duplicate\n",
                        "\t" + text,
                    ]
                )
            )
        values = list(re.finditer(r"(?m)^(\s*value:) (\S.*)$", text))
        dates = list(re.finditer(r"(?m)^(\s*(?:injury|ur_denial|decision|assigned):) (\S+)$", text))
    return text.encode()


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _assert_run_ends_well(folder: Path, hostile: list[Path], good: list[Path]) -> None:
    before = _snapshot(folder)
    started = time.monotonic()
    result = CliRunner().invoke(
        app,
        ["check", "--json", "--quiet", "--timeout", str(INPUT_TIMEOUT), str(folder)],
        catch_exceptions=False,
    )
    assert time.monotonic() - started < RUN_BOUND
    assert result.exit_code in (0, 2), (result.exit_code, result.stderr)
    assert "Traceback" not in result.stdout + result.stderr
    cases = {c["source"] if c.get("error") else None: c for c in json.loads(result.stdout)["cases"]}
    errors = result.stderr.strip().splitlines() if result.stderr.strip() else []
    hostile_names = {str(p) for p in hostile}
    for line in errors:
        assert line.startswith("error: "), line
        assert any(line.startswith(f"error: {name}") for name in hostile_names), line
    failed = {c["source"] for c in json.loads(result.stdout)["cases"] if c.get("error")}
    assert failed <= hostile_names and len(errors) == len(failed)
    assert all(c["failure"] == "input" for c in json.loads(result.stdout)["cases"] if c.get("error"))
    evaluated = [c for c in json.loads(result.stdout)["cases"] if c.get("items")]
    assert len(evaluated) >= len(good), cases.keys()
    assert result.exit_code == (2 if failed else 0)
    assert _snapshot(folder) == before


def _folder(tmp_path: Path, hostile: list[tuple[str, bytes]]) -> tuple[Path, list[Path], list[Path]]:
    folder = tmp_path / f"run-{time.monotonic_ns()}"
    folder.mkdir()
    good = [folder / "good-case.yaml", folder / "good-letter.txt"]
    good[0].write_bytes(CASES[0].read_bytes())
    good[1].write_bytes(TEXT_LETTERS[1].read_bytes())
    paths = []
    for i, (suffix, data) in enumerate(hostile):
        path = folder / f"hostile-{i}{suffix}"
        path.write_bytes(data)
        paths.append(path)
    return folder, paths, good


COMMON = settings(
    max_examples=6,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


@pytest.mark.timeout(900)
@COMMON
@given(letters=st.lists(hostile_letter(), min_size=1, max_size=5))
def test_hostile_letters_end_in_one_line_each_and_the_others_are_read(
    tmp_path: Path, letters: list[bytes]
) -> None:
    _assert_run_ends_well(*_folder(tmp_path, [(".txt", data) for data in letters]))


@pytest.mark.timeout(900)
@COMMON
@given(pdfs=st.lists(hostile_pdf(), min_size=1, max_size=5))
def test_hostile_pdfs_end_in_one_line_each_and_the_others_are_read(tmp_path: Path, pdfs: list[bytes]) -> None:
    _assert_run_ends_well(*_folder(tmp_path, [(".pdf", data) for data in pdfs]))


@pytest.mark.timeout(900)
@COMMON
@given(cases=st.lists(hostile_case(), min_size=1, max_size=5))
def test_hostile_cases_end_in_one_line_each_and_the_others_are_read(
    tmp_path: Path, cases: list[bytes]
) -> None:
    _assert_run_ends_well(*_folder(tmp_path, [(".yaml", data) for data in cases]))


@st.composite
def hostile_rule_file(draw: st.DrawFn) -> str:
    text = RULE_FILE.read_text()
    kind = draw(st.sampled_from(["threshold", "list", "dates", "text", "structure"]))
    if kind == "threshold":
        return text.replace("lte: 3}", f"lte: {draw(st.sampled_from(HOSTILE_NUMBERS))}}}", 1)
    if kind == "list":
        values = ", ".join(str(v) for v in range(draw(st.integers(1, 2000))))
        return text.replace("{fact: weeks_of_use, lte: 3}", f"{{fact: weeks_of_use, in: [{values}]}}", 1)
    if kind == "dates":
        start, end = draw(st.sampled_from(HOSTILE_DATES)), draw(st.sampled_from(HOSTILE_DATES))
        return text.replace(
            "    applies_to:", f"    effective_from: {start}\n    effective_to: {end}\n    applies_to:", 1
        )
    if kind == "text":
        return text.replace("title: ", f"title: {json.dumps(draw(st.sampled_from(HOSTILE_TEXT)))} ", 1)
    return draw(
        st.sampled_from(["", "rules: 5\n", "a: &x [1]\nb: *x\n", text.replace("rules:", "rules: [", 1)])
    )


@pytest.mark.timeout(900)
@settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(rule_file=hostile_rule_file())
def test_a_hostile_rule_file_is_linted_in_one_line_or_passes_never_hangs(
    tmp_path: Path, rule_file: str
) -> None:
    folder = tmp_path / f"rules-{time.monotonic_ns()}" / "mtus-cpmtg-2009"
    folder.mkdir(parents=True)
    (folder / "muscle-relaxants.yaml").write_text(rule_file)
    done = subprocess.run(
        [IMR, "rules", "lint", "--rules", str(folder.parent)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=RUN_BOUND,
        check=False,
    )
    assert done.returncode in (0, 2), done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    if done.returncode == 2:
        (line,) = done.stderr.strip().splitlines()
        assert line.startswith(f"error: {folder / 'muscle-relaxants.yaml'}")
        assert "\x1b" not in line and "\u202e" not in line
    assert (folder / "muscle-relaxants.yaml").read_text() == rule_file
