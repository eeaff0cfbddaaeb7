"""YAML rule tests: `tests/rules/<edition>/<topic>.yaml` mirrors `rules/<edition>/<topic>.yaml`.

Each test is one requested item with plain fact values and the statuses it must get. The runner
evaluates it through durable_rules and through the plain-Python oracle and checks both. A test
without `as_of` is evaluated on the first day since which guidelines/catalog.yaml has the editions
in force now (after the last edition start or end it records): today's guidelines, on a date that
does not move with the day the tests run. It also
checks that the tests cover the rules: every rule file has a test file, every criterion is seen
both met and not met, and every numeric threshold is tried on the boundary and past it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field

from engine.evaluate import CriterionStatus, Evaluator, ItemResultKind
from engine.facts import Case, CaseDates, Documented, Evidence, RequestedItem, StrictModel
from engine.oracle import OracleMatcher, _leaf_truth
from engine.paths import PROJECT_ROOT, RULES_DIR
from engine.rules import AllOf, AnyOf, Condition, FirstDocumented, Leaf, Never, RulePack
from engine.vocab import Vocabulary
from engine.yamlio import YamlDocument, load_yaml, validate

RULE_TESTS_DIR = PROJECT_ROOT / "tests" / "rules"


class _Item(StrictModel):
    kind: str
    subtype: str | None = None
    generic: str | None = None
    route: str | None = None
    ingredients: list[str] = []
    ancillary: bool = False
    text: str | None = None


class _Expect(StrictModel):
    criteria: dict[str, CriterionStatus] = {}
    result: ItemResultKind | None = None
    rules: list[str] | None = None


class _Test(StrictModel):
    name: Annotated[str, Field(min_length=1)]
    as_of: dt.date | None = None
    item: _Item
    facts: dict[str, Any] = {}
    expect: _Expect


class _TestFile(StrictModel):
    tests: Annotated[list[_Test], Field(min_length=1)]


@dataclass(frozen=True)
class RuleTest:
    name: str
    file: str
    line: int | None
    case: Case
    as_of: dt.date | None
    expect: _Expect


@dataclass
class Failure:
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass
class TestReport:
    tests: int = 0
    failures: list[Failure] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


def _case_for(test: _Test, doc: YamlDocument, index: int) -> Case:
    evidence = [Evidence(quote=f"rule test: {test.name}", section="derived")]
    facts = {name: Documented(value=value, evidence=evidence) for name, value in test.facts.items()}
    item = test.item
    items = [
        RequestedItem(
            item_id="1",
            text=item.text or f"rule test item ({item.kind})",
            kind=item.kind,
            subtype=item.subtype,
            generic=item.generic,
            route=item.route,
            ingredients=item.ingredients,
            facts=facts,
            ancillary_to="index" if item.ancillary else None,
        )
    ]
    if item.ancillary:
        # the index procedure itself stays out of the rules (kind "other"): the test sets
        # index_procedure_supported directly when it needs it
        items.insert(0, RequestedItem(item_id="index", text="index procedure (rule test)", kind="other"))
    try:
        return Case(case_id=f"{doc.path.name}#{index}", dates=CaseDates(), items=items)
    except ValueError as exc:
        raise doc.error(("tests", index), str(exc)) from None


def load_rule_tests(paths: Iterable[Path] = (RULE_TESTS_DIR,)) -> list[RuleTest]:
    from engine.facts import check_case, load_fact_vocabulary
    from engine.vocab import load_vocabulary

    tests: list[RuleTest] = []
    for root in paths:
        files = sorted(root.rglob("*.yaml")) if root.is_dir() else [root]
        for path in files:
            doc = load_yaml(path)
            parsed = validate(doc, _TestFile)
            for i, test in enumerate(parsed.tests):
                case = _case_for(test, doc, i)
                problems = check_case(case, load_fact_vocabulary(), load_vocabulary())
                if problems:
                    loc, message = problems[0]
                    # the synthetic case puts the tested item last; map its facts back to the test
                    mapped = (
                        ("tests", i, "facts", *loc[3:4])
                        if loc[:1] == ("items",) and "facts" in loc
                        else ("tests", i)
                    )
                    raise doc.error(mapped, message)
                tests.append(
                    RuleTest(
                        name=test.name,
                        file=str(path.relative_to(PROJECT_ROOT))
                        if path.is_relative_to(PROJECT_ROOT)
                        else str(path),
                        line=doc.line_of(("tests", i)),
                        case=case,
                        as_of=test.as_of,
                        expect=test.expect,
                    )
                )
    return tests


def current_editions_date(vocab: Vocabulary) -> dt.date:
    """The first day on which the editions in force are those in force now, as far as the catalog says."""
    changes = [
        day
        for document in vocab.catalog.documents
        for edition in document.editions
        for day in (
            edition.effective_from,
            edition.effective_to + dt.timedelta(days=1) if edition.effective_to else None,
        )
        if day is not None
    ]
    return max(changes)


def run_test(
    test: RuleTest, evaluators: Sequence[tuple[str, Evaluator]], default_as_of: dt.date | None = None
) -> list[Failure]:
    """Evaluate one test through each evaluator; every difference from `expect` is a failure."""
    failures: list[Failure] = []
    where = f"{test.file}:{test.line} {test.name!r}"
    if default_as_of is None:
        default_as_of = current_editions_date(evaluators[0][1].vocab)
    for label, evaluator in evaluators:
        result = evaluator.evaluate(test.case, as_of=test.as_of or default_as_of).items[-1]
        statuses = {c.id: c.status for c in result.criteria}
        for cid, expected in test.expect.criteria.items():
            actual = statuses.get(cid, "not applied")
            if actual != expected:
                failures.append(Failure(where, f"[{label}] {cid}: expected {expected}, got {actual}"))
        if test.expect.result is not None and result.result != test.expect.result:
            failures.append(
                Failure(where, f"[{label}] result: expected {test.expect.result}, got {result.result}")
            )
        if test.expect.rules is not None and result.rule_ids != test.expect.rules:
            failures.append(
                Failure(where, f"[{label}] rules: expected {test.expect.rules}, got {result.rule_ids}")
            )
    return failures


def _leaves(condition: Condition) -> Iterable[Leaf]:
    if isinstance(condition, Leaf):
        yield condition
    elif isinstance(condition, AllOf | AnyOf | FirstDocumented):
        for part in condition.parts:
            yield from _leaves(part)


def coverage_failures(
    pack: RulePack, tests: Sequence[RuleTest], test_root: Path = RULE_TESTS_DIR
) -> list[Failure]:
    """Rules the tests leave unexercised: a rule file with no test file, a criterion never seen both
    met and not met, a numeric threshold never tried exactly on its boundary and on its other side."""
    failures: list[Failure] = []
    for rule_file in sorted({r.file for r in pack.rules}):
        relative = (
            Path(rule_file).relative_to(RULES_DIR.name) if rule_file.startswith(RULES_DIR.name) else None
        )
        if relative is not None and not (test_root / relative).exists():
            failures.append(Failure(rule_file, f"no test file tests/rules/{relative}"))
    seen: dict[str, set[str]] = defaultdict(set)
    leaf_values: dict[tuple[str, Leaf], list[dict[str, Any]]] = defaultdict(list)
    for test in tests:
        values = {}
        for item in test.case.items:
            values = {k: d.value for k, d in item.facts.items() if d is not None}
        for cid, status in test.expect.criteria.items():
            seen[cid].add(status)
            if cid in pack.criteria:
                for leaf in _leaves(pack.criteria[cid].condition):
                    leaf_values[(cid, leaf)].append(values)
    for rule in pack.rules:
        for criterion in rule.criteria:
            where = f"{criterion.file}:{criterion.line} {criterion.id}"
            needed = {"not_met"} if isinstance(criterion.condition, Never) else {"met", "not_met"}
            missing = needed - seen[criterion.id]
            if missing:
                failures.append(Failure(where, "never tested " + " or ".join(sorted(missing))))
            for leaf in _leaves(criterion.condition):
                if leaf.op not in ("lt", "lte", "gt", "gte"):
                    continue
                tried = leaf_values[(criterion.id, leaf)]
                outcomes = {_leaf_truth(leaf, v) for v in tried} - {None}
                on_boundary = any(_on_boundary(leaf, v) for v in tried)
                if outcomes != {True, False} or not on_boundary:
                    failures.append(
                        Failure(
                            where,
                            f"threshold {leaf.describe()} needs tests on its boundary and on both sides",
                        )
                    )
    return failures


def _on_boundary(leaf: Leaf, values: dict[str, Any]) -> bool:
    if any(name not in values for name in leaf.facts):
        return False
    total = (
        values[leaf.fact] + values.get(leaf.minus, 0) - values.get(leaf.plus, 0)
        if leaf.minus or leaf.plus
        else values[leaf.fact]
    )
    return bool(total == leaf.value) or (leaf.op in ("lt", "gt") and abs(total - leaf.value) <= 1)  # type: ignore[operator]


def run_rule_tests(pack: RulePack, tests: Sequence[RuleTest], check_coverage: bool = True) -> TestReport:
    durable = Evaluator(pack)
    oracle = Evaluator(pack, matcher=OracleMatcher(pack))
    report = TestReport(tests=len(tests))
    default_as_of = current_editions_date(durable.vocab)
    for test in tests:
        report.failures.extend(
            run_test(test, [("durable_rules", durable), ("oracle", oracle)], default_as_of)
        )
    if check_coverage:
        report.failures.extend(coverage_failures(pack, tests))
    return report
