"""`imr extract -o`: every letter keeps its case file, nothing is replaced unasked, modes follow umask."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from engine.paths import LETTERS_DIR, PROJECT_ROOT

IMR = str(Path(sys.executable).parent / "imr")
LETTER = LETTERS_DIR / "dwc-2016-2017" / "CM16-0219557.pdf"
pytestmark = pytest.mark.skipif(not LETTERS_DIR.is_dir(), reason="development letters not present")


def run(*args: str, umask: int = 0o022) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [IMR, *args],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        preexec_fn=lambda: os.umask(umask),
    )


@pytest.fixture
def two_copies(tmp_path: Path) -> Path:
    letters = tmp_path / "letters"
    letters.mkdir()
    shutil.copy(LETTER, letters / "a.pdf")
    shutil.copy(LETTER, letters / "b.pdf")
    return letters


def test_two_letters_of_one_case_number_both_keep_their_file_and_a_note_says_so(
    two_copies: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    done = run("extract", str(two_copies), "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.glob("*.yaml")) == ["CM16-0219557-2.yaml", "CM16-0219557.yaml"]
    (note,) = [line for line in done.stderr.splitlines() if line.startswith("note:")]
    assert "b.pdf" in note and "a.pdf" in note and "CM16-0219557-2.yaml" in note


def test_force_replaces_files_from_before_the_run_never_one_it_wrote(
    two_copies: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "CM16-0219557.yaml").write_text("# the user's own file\n")
    refused = run("extract", str(two_copies), "-o", str(out))
    assert refused.returncode == 2 and "exists; not overwritten" in refused.stderr
    assert (out / "CM16-0219557.yaml").read_text() == "# the user's own file\n"
    forced = run("extract", str(two_copies), "-o", str(out), "--force")
    assert forced.returncode == 0, forced.stderr
    assert "extracted: true" in (out / "CM16-0219557.yaml").read_text()
    assert "extracted: true" in (out / "CM16-0219557-2.yaml").read_text()


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_written_case_files_get_the_mode_the_umask_gives(tmp_path: Path, umask: int, mode: int) -> None:
    out = tmp_path / "out"
    assert run("extract", str(LETTER), "-o", str(out), umask=umask).returncode == 0
    (written,) = out.glob("*.yaml")
    assert written.stat().st_mode & 0o777 == mode
