"""The example requests: every treatment family has one that passes and one that fails, with the
verdicts their names promise; the requests written from the hand-transcribed 2014-2015 cases give
every criterion the status `imr explain` gives the case."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.facts import load_case
from engine.paths import CASES_DIR
from engine.precheck.build import build_request
from engine.precheck.examples import (
    REQUESTS_DIR,
    Generator,
    excluded_by_treatment,
    families,
    family_name,
    never_passes,
)
from engine.precheck.from_case import case_request_path, request_from_case
from engine.precheck.request import read_request_yaml
from engine.precheck.run import Report, precheck
from engine.precheck.verdict import Prechecker, rule_outcome
from engine.rules import RulePack, load_rules

EXAMPLES = sorted(REQUESTS_DIR.glob("*.yaml"))
CASES = sorted((CASES_DIR / "2014-2015").glob("*.yaml"))
REGENERATE = "python -m engine.precheck.examples"


@pytest.fixture(scope="module")
def pack() -> RulePack:
    return load_rules()


@pytest.fixture(scope="module")
def checker(pack: RulePack) -> Prechecker:
    return Prechecker(pack)


@pytest.fixture(scope="module")
def reports(checker: Prechecker) -> dict[Path, Report]:
    return {path: precheck(read_request_yaml(path), checker) for path in EXAMPLES}


def test_there_are_example_requests() -> None:
    assert len(EXAMPLES) > 100
    assert all(p.stem.endswith(("-pass", "-fail")) for p in EXAMPLES), "name examples NAME-pass / NAME-fail"


def test_every_example_has_the_verdict_its_name_promises(reports: dict[Path, Report]) -> None:
    wrong = []
    for path, report in reports.items():
        expected = "would_pass" if path.stem.endswith("-pass") else "would_fail"
        verdict = report.result.lines[-1].verdict
        if verdict != expected:
            wrong.append(f"{path.name}: {verdict}")
    assert not wrong, "\n".join(wrong)


def test_every_treatment_family_has_a_passing_and_a_failing_request(
    pack: RulePack, reports: dict[Path, Report]
) -> None:
    passed: set[str] = set()
    failed: set[str] = set()
    for report in reports.values():
        for line in report.result.lines:
            criteria = {c.id: c for c in line.item.criteria}
            if line.verdict == "would_pass":
                passed.update(line.item.rule_ids)
            if line.verdict == "would_fail":
                failed.update(r.id for r in line.item.rules if rule_outcome(r, criteria) == "fails")
    generator = Generator(pack)
    lacking = []
    for key, rules in families(pack).items():
        ids = {r.id for r in rules}
        cannot_pass = all(never_passes(r) for r in rules) or excluded_by_treatment(generator, rules)
        if not ids & passed and not cannot_pass:
            lacking.append(f"{family_name(key)}: no passing request")
        if not ids & failed:
            lacking.append(f"{family_name(key)}: no failing request")
    assert not lacking, f"families without examples (write them: {REGENERATE}):\n" + "\n".join(lacking)


def test_a_family_that_cannot_pass_says_why(pack: RulePack) -> None:
    generator = Generator(pack)
    reasons = [
        excluded_by_treatment(generator, rules)
        for rules in families(pack).values()
        if not any(never_passes(r) for r in rules)
    ]
    excluded = [r for r in reasons if r]
    # a sedating muscle relaxant, where the guideline wants a non-sedating one
    assert any("non-sedating" in reason for reason in excluded), excluded


def test_a_failing_example_over_a_limit_names_the_request_that_would_comply(
    reports: dict[Path, Report],
) -> None:
    complying = [
        line.compliance
        for path, report in reports.items()
        if path.stem.endswith("-fail")
        for line in report.result.lines
        if line.compliance is not None
    ]
    assert len(complying) >= 10
    assert any(c.verdict == "would_pass" for c in complying)


@pytest.mark.parametrize("case_path", CASES, ids=lambda p: p.stem)
def test_the_request_written_from_a_case_has_the_statuses_imr_explain_gives(
    case_path: Path, checker: Prechecker
) -> None:
    case = load_case(case_path)
    explained = checker.evaluator.evaluate(case)
    request = request_from_case(case, checker)
    written = read_request_yaml(case_request_path(case_path))
    assert written.request == request, (
        f"stale: python -m engine.precheck.from_case rewrites {case_request_path(case_path)}"
    )
    prechecked = checker.evaluate(build_request(written, checker.facts))
    assert len(prechecked.items) == len(explained.items)
    for before, after in zip(explained.items, prechecked.items, strict=True):
        assert after.result == before.result, before.item_id
        assert [(c.id, c.status) for c in after.criteria] == [(c.id, c.status) for c in before.criteria]
