"""`imr precheck --interactive`, end to end: answers piped in, and typed into a real terminal (tmux)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import yaml

from engine.precheck.request import read_request_yaml

IMR = str(Path(sys.executable).parent / "imr")
TMUX = shutil.which("tmux") or "/usr/bin/tmux"

# physical therapy, 8 visits twice a week for the lumbar spine, after 6 visits already given
ANSWERS = [
    "2016-11-02",  # date of the request
    "Lumbar radiculopathy",
    "M54.16",
    "8",  # quantity
    "2 times a week",
    "lumbar spine",
    "2012-06-12",  # date of injury
    "PR-2",
    "2016-10-28",  # the report's date
    "y",  # prior course
    "She completed six visits in the spring.",
    "6",  # prior visits
    "Six visits were completed.",
]


def interview(tmp_path: Path, answers: list[str], *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [IMR, "precheck", "--interactive", "physical therapy", *extra],
        cwd=tmp_path,
        env={**os.environ, "COLUMNS": "250"},
        input="\n".join(answers) + "\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_piped_answers_give_the_verdict_and_the_request_file(tmp_path: Path) -> None:
    done = interview(tmp_path, ANSWERS)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    # asked in guideline order, and only what can still change the verdict
    assert out.index("A prior course of the requested treatment was given") < out.index(
        "Visits of the requested therapy"
    )
    assert (
        "complex regional pain syndrome" not in out.lower().split("pre-check of request")[0]
    )  # 8 visits: within 10
    # 6 given + 8 asked is past the 10-visit course: the line fails, whatever else the record says
    assert "WOULD FAIL" in out
    # the figure the course allows; the questions skipped leave the rest to document
    assert "at most 4 visits: 8 requested" in out
    assert "with the figures the guideline allows: physical therapy, quantity 4" in out
    assert "not asked (no answer could change the verdict)" in out
    written = tmp_path / "request-physical-therapy.yaml"
    loaded = read_request_yaml(written).request
    line = loaded.items[0]
    assert (line.quantity, line.frequency, line.body_part) == (8, "2 times a week", "lumbar spine")
    assert line.clinical["prior_visits"].value == 6  # type: ignore[union-attr]
    assert loaded.attachments[0].type == "PR-2"
    again = subprocess.run(
        [IMR, "precheck", str(written), "--json"], capture_output=True, text=True, timeout=120, check=False
    )
    assert '"verdict": "would_fail"' in again.stdout


def test_an_existing_file_is_only_replaced_when_the_user_says_so(tmp_path: Path) -> None:
    target = tmp_path / "mine.yaml"
    target.write_text("keep me\n")
    done = interview(tmp_path, [*ANSWERS, "n", ""], "-o", str(target))
    assert done.returncode == 0, done.stderr
    assert "request not written" in done.stdout
    assert target.read_text() == "keep me\n"
    other = interview(tmp_path, [*ANSWERS, "n", "other.yaml"], "-o", str(target))
    assert other.returncode == 0, other.stderr
    assert target.read_text() == "keep me\n" and (tmp_path / "other.yaml").exists()
    replaced = interview(tmp_path, [*ANSWERS, "y"], "-o", str(target))
    assert replaced.returncode == 0, replaced.stderr
    assert yaml.safe_load(target.read_text())["items"][0]["quantity"] == 8


def test_the_end_of_input_answers_not_documented(tmp_path: Path) -> None:
    done = interview(tmp_path, ANSWERS[:9])
    assert done.returncode == 0, done.stderr
    # every clinical question unanswered: the deficits therapy is to treat are not documented
    assert "NEEDS DOCUMENTATION" in done.stdout
    request = read_request_yaml(tmp_path / "request-physical-therapy.yaml").request
    clinical = {**request.clinical, **request.items[0].clinical}
    assert clinical["prior_course"] == "not documented"
    assert clinical["objective_functional_deficits"] == "not documented"


def _screen(session: str) -> str:
    return subprocess.run(
        [TMUX, "capture-pane", "-p", "-J", "-S", "-200", "-t", session],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def _wait_for(session: str, text: str, times: int = 1, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        screen = _screen(session)
        if screen.count(text) >= times:
            return screen
        time.sleep(0.2)
    raise AssertionError(f"{text!r} never appeared:\n{_screen(session)}")


def test_in_a_real_terminal(tmp_path: Path) -> None:
    assert Path(TMUX).exists(), "tmux is needed for this test (.ci/run installs it)"
    session = f"imr-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "TERM": "xterm-256color"}
    subprocess.run(
        [
            TMUX,
            "new-session",
            "-d",
            "-s",
            session,
            "-x",
            "160",
            "-y",
            "50",
            "-c",
            str(tmp_path),
            f"{IMR} precheck --interactive 'physical therapy'; echo EXITED $?; sleep 60",
        ],
        env=env,
        check=True,
    )
    try:
        prompts = [
            "Date of the request",
            "Diagnosis",
            "ICD code",
            "Quantity",
            "Frequency",
            "Body part",
            "Date of injury",
            "Report (",
            "Date of the report",
            "A prior course",
            "the report's words",
            "Visits of the requested therapy",
            "the report's words",
        ]
        asked: dict[str, int] = {}
        for prompt, answer in zip(prompts, ANSWERS, strict=True):
            asked[prompt] = asked.get(prompt, 0) + 1
            _wait_for(session, prompt, asked[prompt])
            subprocess.run([TMUX, "send-keys", "-t", session, answer, "Enter"], check=True)
        screen = _wait_for(session, "EXITED 0")
        assert "WOULD FAIL" in screen
        assert "request written to request-physical-therapy.yaml" in screen
        assert read_request_yaml(tmp_path / "request-physical-therapy.yaml").request.items[0].quantity == 8
    finally:
        subprocess.run([TMUX, "kill-session", "-t", session], check=False)


@pytest.mark.parametrize("treatment", ["", "   "])
def test_an_empty_treatment_is_bad_input(tmp_path: Path, treatment: str) -> None:
    done = subprocess.run(
        [IMR, "precheck", "--interactive", treatment],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2 and "name the treatment" in done.stderr
