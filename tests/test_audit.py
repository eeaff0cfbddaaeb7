"""`imr audit` end to end on the development letters and on the hand-transcribed cases: every item
stored once, resumable, the figures and lists in --json, the 2014-2015 physical-therapy pair, the
evidence of contradicted rationales, the Parquet export, and what is never overwritten.

The letters' predicted outcomes change as the reading improves: these tests check the mechanisms
(counts against what the reader parses, spans against the letter text), not the figures."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from chromium import Chromium, chromium_binary
from development_letters import all_letter_paths, letter_case, needs_letters

from engine.audit.runner import LocalPool, run_audit
from engine.audit.schema import TABLES
from engine.audit.store import AuditStore
from engine.letters.parse import parse_letter
from engine.paths import CASES_DIR, LETTERS_DIR
from engine.rules import load_rules

IMR = [str(Path(sys.executable).parent / "imr")]


def imr(*args: str | Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [*IMR, *map(str, args)], capture_output=True, text=True, timeout=300, cwd=Path(__file__).parent.parent
    )
    if check and done.returncode != 0:
        raise AssertionError(
            f"imr {' '.join(map(str, args))} exited {done.returncode}: {done.stderr[-2000:]}"
        )
    return done


@dataclass(frozen=True)
class Audited:
    db: Path
    html: Path
    report: dict[str, Any]
    folder: Path


@pytest.fixture(scope="module")
def audited(tmp_path_factory: pytest.TempPathFactory) -> Audited:
    if not LETTERS_DIR.is_dir():
        pytest.skip(f"letters not found at {LETTERS_DIR}")
    folder = tmp_path_factory.mktemp("audit")
    db, html = folder / "letters.db", folder / "report.html"
    done = imr("audit", LETTERS_DIR, "--db", db, "--html", html, "--workers", "2", "--json")
    return Audited(db=db, html=html, report=json.loads(done.stdout), folder=folder)


def _rows(db: Path, sql: str, *args: object) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as connection:
        return connection.execute(sql, args).fetchall()


def _item_ref(member: dict[str, Any]) -> tuple[str, str]:
    return Path(member["source"]).stem, member["item_id"]


@needs_letters
def test_every_letter_and_item_is_stored_once(audited: Audited) -> None:
    paths = all_letter_paths()
    stored = dict(_rows(audited.db, "SELECT l.source, COUNT(i.item_pk) FROM letters l LEFT JOIN items i"
                                    " USING (letter_id) GROUP BY l.letter_id"))  # fmt: skip
    assert sorted(stored) == sorted(os.path.abspath(p) for p in paths)
    for path in paths:
        assert stored[os.path.abspath(path)] == len(letter_case(path.stem).items), path.name
    assert _rows(audited.db, "SELECT COUNT(*) FROM letters WHERE error IS NOT NULL") == [(0,)]
    assert _rows(audited.db, "PRAGMA integrity_check") == [("ok",)]
    assert _rows(audited.db, "PRAGMA foreign_key_check") == []
    run = audited.report["run"]
    assert (run["inputs"], run["audited"], run["failed"]) == (len(paths), len(paths), 0)


@needs_letters
def test_json_holds_every_figure(audited: Audited) -> None:
    report = audited.report
    items = _rows(audited.db, "SELECT COUNT(*) FROM items")[0][0]
    assert report["overall"]["items"] == report["overview"]["items"] == items
    assert report["overall"]["covered"] + report["overall"]["not_covered"] == items
    assert sum(report["overall"]["confusion"].values()) == report["overall"]["compared"]
    assert {b["dimension"] for b in report["breakdowns"]} == {
        "category_dwc", "category_cwci", "drug_class", "specialty", "guideline", "edition", "turnaround",
        "decision_year",
    }  # fmt: skip
    for breakdown in report["breakdowns"]:
        if breakdown["dimension"] in ("category_dwc", "category_cwci", "turnaround", "decision_year"):
            assert sum(g["items"] for g in breakdown["groups"]) == items, breakdown["dimension"]
    verdicts = {c["id"]: c["verdict"] for c in report["published"]}
    assert verdicts["uphold-rate"] in ("within", "below", "above")
    assert verdicts["physician-concentration"] == "not in letters"
    assert report["overview"]["ur_to_decision_days"]["letters"] > 0  # the 2016-2017 headers carry both dates


@needs_letters
def test_the_2014_2015_physical_therapy_letters_come_out_as_a_pair(audited: Audited) -> None:
    upheld, overturned = ("004_8822f2662c004dba", "1"), ("003_562eafed43e403d6", "2")
    groups = [
        g for g in audited.report["inconsistent"]
        if upheld in map(_item_ref, g["upheld"]) and overturned in map(_item_ref, g["overturned"])
    ]  # fmt: skip
    assert groups, "the 2014-2015 physical-therapy pair is missing"
    group = groups[0]
    assert group["family"] == "physical_therapy"
    assert group["share"] >= audited.report["pair_min_share"]
    criteria = {row["criterion_id"] for row in group["side_by_side"]}
    assert {"ODG-PT-01", "CPMTG2009-PM-01"} <= criteria


def test_the_physical_therapy_pair_on_the_hand_transcribed_cases(tmp_path: Path) -> None:
    pack = load_rules()
    with AuditStore(tmp_path / "cases.db") as store:
        summary = run_audit(
            [CASES_DIR / "2014-2015"], store, pack, lambda: LocalPool(pack, None, 1), {}, progress=False
        )
    assert (summary.audited, summary.failed) == (5, 0)
    from engine.audit.pairs import inconsistent_groups

    groups = inconsistent_groups(sqlite3.connect(tmp_path / "cases.db"), pack.content_hash)
    pairs = {
        (Path(u.source).stem, u.item_id, Path(o.source).stem, o.item_id)
        for g in groups for u in g.upheld for o in g.overturned
    }  # fmt: skip
    assert ("004_8822f2662c004dba", "1", "003_562eafed43e403d6", "2") in pairs


@needs_letters
def test_contradicted_rationales_quote_both_sections_of_the_letter(audited: Audited) -> None:
    rows = _rows(
        audited.db,
        "SELECT l.source, k.item_pk, k.rationale_quote, k.rationale_start, k.rationale_end, k.summary_quote,"
        " k.summary_start, k.summary_end, k.rationale_value, k.summary_value"
        " FROM contradictions k JOIN items USING (item_pk) JOIN letters l USING (letter_id)",
    )
    assert rows, "no contradicted rationale found on 79 letters"
    letters: dict[str, Any] = {}
    for source, _, said, s0, s1, shown, t0, t1, said_value, shown_value in rows:
        letter = letters.setdefault(source, parse_letter(source))
        assert letter.text[s0:s1] == said and letter.text[t0:t1] == shown
        assert letter.summary is not None and letter.summary.start <= t0 < t1 <= letter.summary.end
        assert not (letter.summary.start <= s0 < letter.summary.end)
        assert (json.loads(said_value), json.loads(shown_value)) == (False, True)
    # one entry per item and pair of quotes, however many facts the sentence contradicts
    assert len(audited.report["contradicted"]) == len(
        {(pk, said, shown) for _, pk, said, _, _, shown, *_ in rows}
    )


@needs_letters
def test_a_second_run_skips_what_is_audited_and_adds_nothing(audited: Audited) -> None:
    before = {
        table: _rows(audited.db, f"SELECT COUNT(*) FROM {table}")[0][0] for table in TABLES if table != "runs"
    }
    again = json.loads(imr("audit", LETTERS_DIR, "--db", audited.db, "--json").stdout)["run"]
    assert (again["audited"], again["skipped"]) == (0, len(all_letter_paths()))
    after = {
        table: _rows(audited.db, f"SELECT COUNT(*) FROM {table}")[0][0] for table in TABLES if table != "runs"
    }
    assert after == before
    # reporting alone, from the database
    alone = json.loads(imr("audit", "--db", audited.db, "--json").stdout)
    assert alone["overall"] == audited.report["overall"]


@needs_letters
def test_parquet_export_holds_every_table(audited: Audited) -> None:
    folder = audited.folder / "parquet"
    imr("audit", "--db", audited.db, "--export", "parquet", folder, "--json")
    for table in TABLES:
        stored = _rows(audited.db, f"SELECT COUNT(*) FROM {table}")[0][0]
        assert pq.read_table(folder / f"{table}.parquet").num_rows == stored, table
    letters = pq.read_table(folder / "letters.parquet")
    assert str(letters.schema.field("decision_date").type) == "date32[day]"
    again = imr("audit", "--db", audited.db, "--export", "parquet", folder, check=False)
    assert again.returncode == 2 and "refusing to overwrite" in again.stderr


def test_a_file_that_is_not_an_audit_database_is_left_alone(tmp_path: Path) -> None:
    case = CASES_DIR / "2014-2015" / "002_b67151935dfeaf0e.yaml"
    notes = tmp_path / "notes.db"
    notes.write_text("my notes\n")
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE mine (x)")
    for path in (notes, other):
        before = path.read_bytes()
        done = imr("audit", case, "--db", path, check=False)
        assert done.returncode == 2, done.stderr
        assert done.stderr.count("\n") == 1 and "refusing to write" in done.stderr
        assert path.read_bytes() == before


def test_a_page_that_is_not_our_report_is_not_overwritten(tmp_path: Path) -> None:
    page = tmp_path / "index.html"
    page.write_text("<html><body>someone's page</body></html>")
    case = CASES_DIR / "2014-2015" / "002_b67151935dfeaf0e.yaml"
    done = imr("audit", case, "--db", tmp_path / "a.db", "--html", page, check=False)
    assert done.returncode == 2 and "refusing to overwrite" in done.stderr
    assert page.read_text() == "<html><body>someone's page</body></html>"


def test_a_bad_input_is_recorded_and_the_run_goes_on(tmp_path: Path) -> None:
    folder = tmp_path / "inputs"
    folder.mkdir()
    for name in ("001_b817fa713b9d8123.yaml", "002_b67151935dfeaf0e.yaml"):
        (folder / name).write_text((CASES_DIR / "2014-2015" / name).read_text())
    (folder / "broken.txt").write_text("not a letter at all\n")
    (folder / "bad.yaml").write_text("case_id: x\nitems: [\n")
    done = imr("audit", folder, "--db", tmp_path / "a.db", "--json", check=False)
    assert done.returncode == 2
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert (
        len(errors) == 2 and any("broken.txt" in e for e in errors) and any("bad.yaml:" in e for e in errors)
    )
    report = json.loads(done.stdout)
    assert report["overview"]["letters_read"] == 2 and len(report["errors"]) == 2
    assert {e["kind"] for e in report["errors"]} == {"input"}


@needs_letters
def test_the_report_renders_in_chromium_and_shows_the_figures_and_the_pair(audited: Audited) -> None:
    assert chromium_binary() is not None, (
        "the HTML report test needs Debian's chromium: apt-get install chromium"
    )
    report = audited.report
    with Chromium(1280, 900) as browser:
        browser.open(audited.html)
        shown = browser.evaluate("document.body.innerText")
        headings = browser.evaluate("[...document.querySelectorAll('h2')].map(h => h.innerText)")
        bars = browser.evaluate(
            "[...document.querySelectorAll('#chart-categories rect.bar')]"
            ".filter(r => r.getBoundingClientRect().width > 0).length"
        )
        groups = browser.evaluate(
            "[...document.querySelectorAll('#inconsistent .group')].map(g => g.innerText)"
        )
        browser.screenshot(audited.folder / "report.png")
    assert headings == [
        "Overview", "Published figures", "Agreement by category", "All breakdowns", "Flagged items",
        "Inconsistent determinations", "Rationales contradicted by the record", "Errors",
    ]  # fmt: skip
    overview = report["overview"]
    assert f"{overview['letters_read']}\nletters audited" in shown
    assert f"{overview['items']}\nitems" in shown
    assert f"{len(report['inconsistent'])}\ninconsistent groups" in shown
    assert "not in letters" in shown and "88.4-92%" in shown
    categories = next(b for b in report["breakdowns"] if b["dimension"] == "category_dwc")["groups"]
    assert bars >= len(categories) * 2  # upheld and coverage at least, for every category
    pt_pair = [
        g for g in groups
        if "004_8822f2662c004dba item 1" in g.split("Overturned:")[0] and "003_562eafed43e403d6 item 2" in g
    ]  # fmt: skip
    assert pt_pair, "the physical-therapy pair is not on the page"
    assert "ODG-PT-01" in pt_pair[0]  # the criteria side by side
    assert (audited.folder / "report.png").stat().st_size > 20_000
