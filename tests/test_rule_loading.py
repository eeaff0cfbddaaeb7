"""Rule files an author can get wrong: each refused in one line naming file and line, never a hang."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from engine.errors import InputError
from engine.evaluate import Evaluator, durable_matcher
from engine.paths import CASES_DIR, PROJECT_ROOT, RULES_DIR
from engine.rules import load_rules
from engine.vocab import load_vocabulary

IMR = str(Path(sys.executable).parent / "imr")
SOURCE = RULES_DIR / "mtus-cpmtg-2009" / "muscle-relaxants.yaml"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [IMR, *args], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60, check=False
    )


def _rules(tmp_path: Path, old: str = "", new: str = "", name: str = "muscle-relaxants.yaml") -> Path:
    folder = tmp_path / "rules" / "mtus-cpmtg-2009"
    folder.mkdir(parents=True)
    text = SOURCE.read_text()
    assert old in text
    (folder / name).write_text(text.replace(old, new, 1))
    return tmp_path / "rules"


def _assert_lint_refuses(rules: Path, message: str, line: int) -> None:
    done = run("rules", "lint", "--rules", str(rules))
    assert done.returncode == 2, done.stdout + done.stderr
    (error,) = done.stderr.strip().splitlines()
    assert message in error and f".yaml:{line}: " in error, error


def test_an_in_list_past_what_durable_rules_can_take_is_refused_instead_of_hanging(tmp_path: Path) -> None:
    values = ", ".join(str(v) for v in range(1, 520))
    rules = _rules(tmp_path, "{fact: weeks_of_use, lte: 3}", f"{{fact: weeks_of_use, in: [{values}]}}")
    _assert_lint_refuses(rules, "'in' lists 519 values; at most 400", 18)


def test_too_many_alternatives_blame_the_rule_that_adds_them_with_its_line(tmp_path: Path) -> None:
    folder = tmp_path / "rules" / "mtus-cpmtg-2009"
    folder.mkdir(parents=True)
    body = "edition: mtus-cpmtg-2009\ntopic: t\nrules:\n"
    for r in range(3):
        criteria = "".join(
            f"      - id: T-{r}-{i:03d}\n        text: t\n        citation: {{section: s}}\n"
            f"        when: {{fact: visits_requested, in: [{2 * (60 * r + i)}, {2 * (60 * r + i) + 1}]}}\n"
            for i in range(60)
        )
        body += f"  - id: T-{r}\n    title: t\n    applies_to: {{kind: physical_therapy}}\n    criteria:\n"
        body += criteria
    (folder / "wide.yaml").write_text(body)
    pack = load_rules([tmp_path / "rules"], root=tmp_path / "rules")
    with pytest.raises(InputError) as error:
        durable_matcher(pack, load_vocabulary()).create_all()
    assert error.value.path is not None and error.value.path.endswith("wide.yaml")
    # each rule adds 180 tests under the kind: the third takes the node past 400
    third_rule_line = body.splitlines().index("  - id: T-2") + 1
    assert error.value.line == third_rule_line and "rule T-2" in error.value.message


@pytest.mark.parametrize(
    ("value", "message"),
    [(".nan", "not a number (nan)"), (".inf", "beyond any clinical figure"), ("1:30", "base-60")],
)
def test_a_threshold_no_guideline_can_mean_is_refused_for_what_it_is(
    tmp_path: Path, value: str, message: str
) -> None:
    _assert_lint_refuses(_rules(tmp_path, "lte: 3}", f"lte: {value}}}"), message, 18)


def test_a_small_threshold_is_written_as_it_is_and_evaluated(tmp_path: Path) -> None:
    # json writes 0.00001 as 1e-05, which durable_rules' parser cannot read: it goes in fixed notation
    rules = _rules(tmp_path, "lte: 3}", "lte: 0.00001}")
    assert run("rules", "lint", "--rules", str(rules)).returncode == 0
    pack = load_rules([rules], root=rules)
    case = CASES_DIR / "2014-2015" / "000_749f852bc9fe9999.yaml"
    from engine.facts import load_case

    assert Evaluator(pack).evaluate(load_case(case)).items


def test_yml_rule_files_are_loaded_not_ignored(tmp_path: Path) -> None:
    rules = _rules(tmp_path, "lte: 3}", 'lte: "3"}', name="muscle-relaxants.yml")
    done = run("rules", "lint", "--rules", str(rules))
    assert done.returncode == 2 and "muscle-relaxants.yml:18" in done.stderr


def test_rules_from_an_empty_folder_are_refused_not_a_pass_with_no_rules(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    done = run("rules", "lint", "--rules", str(tmp_path / "empty"))
    assert done.returncode == 2 and "no rule files" in done.stderr


def test_a_rule_that_ends_before_it_starts_is_refused(tmp_path: Path) -> None:
    rules = _rules(
        tmp_path,
        "    applies_to: {kind: medication, drug_class: muscle_relaxant}",
        "    effective_from: 2015-01-01\n    effective_to: 2010-01-01\n"
        "    applies_to: {kind: medication, drug_class: muscle_relaxant}",
    )
    _assert_lint_refuses(rules, "the end comes before the start", 13)


def test_an_impossible_effective_date_is_refused_with_its_line(tmp_path: Path) -> None:
    rules = _rules(
        tmp_path,
        "    applies_to: {kind: medication, drug_class: muscle_relaxant}",
        "    effective_from: 2015-02-30\n    applies_to: {kind: medication, drug_class: muscle_relaxant}",
    )
    _assert_lint_refuses(rules, "2015-02-30 is not a date of the calendar", 12)


def test_lint_of_a_copy_of_a_real_rule_file_still_passes(tmp_path: Path) -> None:
    # the guards above refuse what is wrong, not what is merely unusual
    rules = tmp_path / "rules"
    shutil.copytree(RULES_DIR, rules)
    assert run("rules", "lint", "--rules", str(rules)).returncode == 0
