"""The cache never runs code it did not write, and stays within its bounds."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from engine import cache
from engine.paths import CASES_DIR, PROJECT_ROOT

IMR = str(Path(sys.executable).parent / "imr")
CASES = CASES_DIR / "2014-2015"


class _Planted:
    """Unpickling this runs a shell command: what an attacker would place in the cache folder."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, (f"touch {self.marker}",))


def run(cache_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [IMR, *args],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "IMR_CACHE_DIR": str(cache_dir)},
    )


@pytest.fixture
def filled_cache(tmp_path: Path) -> Path:
    folder = tmp_path / "cache"
    assert run(folder, "check", str(CASES)).returncode == 0
    assert sorted(p.name.split("-")[0] for p in folder.glob("*.imrcache")) == ["facts", "rules", "vocabulary"]
    return folder


def test_a_pickle_planted_under_an_entrys_name_is_never_executed(filled_cache: Path, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    payload = pickle.dumps(_Planted(marker))
    for entry in filled_cache.glob("*.imrcache"):
        # right name, right header, a seal made with some other key
        entry.write_bytes(b"imr-cache 1\n" + b"\0" * 32 + payload)
        entry.with_suffix(".pickle").write_bytes(payload)  # and where an earlier version looked
    done = run(filled_cache, "check", str(CASES))
    assert done.returncode == 0, done.stderr
    assert not marker.exists()
    assert "13 items" in done.stdout


def test_an_entry_changed_in_place_is_rebuilt_not_trusted(filled_cache: Path) -> None:
    (entry,) = filled_cache.glob("rules-*.imrcache")
    data = bytearray(entry.read_bytes())
    data[-10] ^= 0xFF
    entry.write_bytes(bytes(data))
    assert run(filled_cache, "check", str(CASES)).returncode == 0
    assert entry.read_bytes() != bytes(data)  # written anew


def test_a_cache_folder_others_can_write_is_not_used(tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    folder.mkdir(mode=0o777)
    folder.chmod(0o777)
    assert run(folder, "check", str(CASES)).returncode == 0
    assert list(folder.iterdir()) == []


def test_a_key_others_can_read_is_not_used(filled_cache: Path) -> None:
    (filled_cache / "key").chmod(0o644)
    before = {p: p.stat().st_mtime_ns for p in filled_cache.glob("*.imrcache")}
    assert run(filled_cache, "check", str(CASES)).returncode == 0
    assert {p: p.stat().st_mtime_ns for p in filled_cache.glob("*.imrcache")} == before


def test_the_cache_holds_at_most_its_bound(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IMR_CACHE_DIR", str(tmp_path / "cache"))
    source = tmp_path / "input.txt"
    for i in range(cache.MAX_ENTRIES + 10):
        source.write_text(str(i))
        assert cache.load_cached("n", [source], lambda i=i: [i], list) == [i]
    assert cache.info().entries == cache.MAX_ENTRIES
    source.write_text(str(cache.MAX_ENTRIES + 9))  # the newest entry is kept and served
    assert cache.load_cached("n", [source], lambda: ["rebuilt"], list) == [cache.MAX_ENTRIES + 9]


def test_cache_clear_empties_the_folder_and_a_run_rebuilds_it(filled_cache: Path) -> None:
    done = run(filled_cache, "cache", "clear")
    assert done.returncode == 0 and "removed 4 files" in done.stdout
    assert list(filled_cache.iterdir()) == []
    assert run(filled_cache, "check", str(CASES)).returncode == 0
    info = run(filled_cache, "cache", "info")
    assert "3 entries" in info.stdout
