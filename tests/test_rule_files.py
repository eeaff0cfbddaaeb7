"""Every YAML rule test under tests/rules/, through durable_rules and the oracle; and their coverage."""

from __future__ import annotations

import pytest

from engine.evaluate import Evaluator
from engine.oracle import OracleMatcher
from engine.rules import RulePack, load_rules
from engine.ruletests import RuleTest, coverage_failures, load_rule_tests, run_test

PACK = load_rules()
TESTS = load_rule_tests()
EVALUATORS: list[tuple[str, Evaluator]] = []


@pytest.fixture(scope="module")
def evaluators() -> list[tuple[str, Evaluator]]:
    if not EVALUATORS:
        EVALUATORS.extend(
            [("durable_rules", Evaluator(PACK)), ("oracle", Evaluator(PACK, matcher=OracleMatcher(PACK)))]
        )
    return EVALUATORS


@pytest.mark.parametrize("test", TESTS, ids=[f"{t.file}::{t.name}" for t in TESTS])
def test_rule(test: RuleTest, evaluators: list[tuple[str, Evaluator]]) -> None:
    failures = run_test(test, evaluators)
    assert not failures, "\n".join(map(str, failures))


def test_every_rule_file_criterion_and_threshold_is_tested() -> None:
    pack: RulePack = PACK
    failures = coverage_failures(pack, TESTS)
    assert not failures, "\n".join(map(str, failures))
