"""The durable_rules path: its pitfalls guarded, and agreement with the plain-Python oracle."""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.compile import compile_pack
from engine.errors import InputError
from engine.evaluate import DurableMatcher, Evaluator, durable_matcher
from engine.facts import Case, Documented, Evidence, RequestedItem, load_fact_vocabulary
from engine.oracle import OracleMatcher
from engine.paths import PROJECT_ROOT
from engine.rules import RulePack, load_rules
from engine.vocab import load_vocabulary

EVIDENCE = [Evidence(quote="test", section="summary")]


@pytest.fixture(scope="module")
def pack() -> RulePack:
    return load_rules()


def _documented(value: object) -> Documented:
    return Documented(value=value, evidence=EVIDENCE)  # type: ignore[arg-type]


def _case(case_id: str, items: list[tuple[str, str | None, dict[str, object]]]) -> Case:
    return Case(
        case_id=case_id,
        items=[
            RequestedItem(
                item_id=str(i + 1),
                text=f"{kind} {generic or ''}",
                kind=kind,
                generic=generic,
                facts={k: _documented(v) for k, v in facts.items()},
            )
            for i, (kind, generic, facts) in enumerate(items)
        ],
    )


def test_every_compiled_rule_is_anchored_on_kind(pack: RulePack) -> None:
    # An unanchored rule also matches the session's own state fact: an endless action loop.
    compiled = compile_pack(pack, load_vocabulary().kind_ids)
    for kind, ruleset in compiled.rulesets.items():
        for name, rule in ruleset.items():
            (pattern,) = rule["all"]
            expression = pattern["m"]
            first = expression["$and"][0] if "$and" in expression else expression
            assert first == {"kind": kind}, name


def test_a_rule_without_kind_is_a_load_error(tmp_path: Path) -> None:
    folder = tmp_path / "rules" / "mtus-cpmtg-2009"
    folder.mkdir(parents=True)
    (folder / "x.yaml").write_text(
        textwrap.dedent(
            """\
            edition: mtus-cpmtg-2009
            topic: test
            rules:
              - id: T-1
                title: no anchor
                applies_to: {drug_class: opioid}
                criteria:
                  - id: T-1-01
                    text: t
                    when: {fact: pain_relief, eq: true}
                    citation: {section: s, pages: "1"}
            """
        )
    )
    with pytest.raises(InputError) as error:
        load_rules([folder], root=tmp_path / "rules")
    assert "x.yaml:6" in str(error.value) and "kind" in str(error.value)


def test_no_fact_leaks_from_one_case_into_the_next(pack: RulePack) -> None:
    evaluator = Evaluator(pack)
    documented = _case(
        "a", [("medication", "cyclobenzaprine", {"weeks_of_use": 2, "acute_exacerbation": True})]
    )
    bare = _case("b", [("medication", "cyclobenzaprine", {})])
    when = dt.date(2015, 1, 1)
    before = evaluator.evaluate(documented, when).items[0]
    after = evaluator.evaluate(bare, when).items[0]
    fresh = Evaluator(pack).evaluate(bare, when).items[0]
    status = {c.id: c.status for c in after.criteria}
    assert {c.id: c.status for c in before.criteria}["CPMTG2009-MR-01"] == "met"
    assert status["CPMTG2009-MR-01"] == "not_documented"
    assert status == {c.id: c.status for c in fresh.criteria}


def test_null_is_not_documented_and_strings_are_not_numbers(pack: RulePack, tmp_path: Path) -> None:
    case_file = tmp_path / "case.yaml"
    case_file.write_text(
        textwrap.dedent(
            """\
            case_id: t
            items:
              - item_id: "1"
                text: Flexeril 10mg #60
                kind: medication
                generic: cyclobenzaprine
                facts:
                  weeks_of_use: {value: "14", evidence: [{quote: q, section: summary}]}
            """
        )
    )
    from engine.facts import load_case

    with pytest.raises(InputError) as error:
        load_case(case_file)
    assert "case.yaml:8" in str(error.value) and "expects number" in str(error.value)
    case_file.write_text(
        case_file.read_text().replace('{value: "14", evidence: [{quote: q, section: summary}]}', "null")
    )
    result = Evaluator(pack).evaluate(load_case(case_file), dt.date(2015, 1, 1))
    mr01 = next(c for c in result.items[0].criteria if c.id == "CPMTG2009-MR-01")
    assert mr01.status == "not_documented" and mr01.missing == ["weeks_of_use", "long_term_use"]


def test_ten_thousand_cases_in_one_process_stay_within_the_session_cap() -> None:
    # Run in a child process: a durable_rules abort (SIGABRT) must fail this test, not kill pytest.
    script = textwrap.dedent(
        """
        import datetime as dt, random, resource
        from engine.evaluate import Evaluator
        from engine.facts import Case, Documented, Evidence, RequestedItem
        from engine.rules import load_rules
        ev = Evaluator(load_rules())
        evidence = [Evidence(quote="q", section="summary")]
        rng = random.Random(7)
        kinds = [("medication", "hydrocodone/acetaminophen"), ("medication", "cyclobenzaprine"),
                 ("physical_therapy", None), ("medication", "zolpidem")]
        names = ["weeks_of_use", "pain_relief", "functional_improvement", "prior_course",
                 "visits_requested", "prior_visits", "acute_exacerbation"]
        def value(name):
            return rng.random() < 0.5 if name in ("pain_relief", "functional_improvement",
                "prior_course", "acute_exacerbation") else rng.randint(0, 20)
        start = None
        for n in range(10000):
            items = []
            for i, (kind, generic) in enumerate(rng.sample(kinds, 3)):
                facts = {k: Documented(value=value(k), evidence=evidence) for k in names
                         if rng.random() < 0.6}
                items.append(RequestedItem(item_id=str(i), text="t", kind=kind, generic=generic, facts=facts))
            ev.evaluate(Case(case_id=str(n), items=items), dt.date(2017, 1, 1))
            if n == 1000:
                start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        end = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(start, end)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    start, end = map(int, done.stdout.split())
    assert end - start < 20_000, f"RSS grew {end - start} KB over 9,000 cases: sessions are leaking"


def test_a_ruleset_durable_rules_refuses_is_reported_not_crashed(pack: RulePack) -> None:
    from engine.compile import CompiledPack
    from engine.evaluate import EngineError

    broken = CompiledPack(
        name="broken",
        rulesets={"x": {"r": {"all": [{"m": {"$nonsense": {"x": 1}}}]}}},
        facts_by_kind={"x": frozenset()},
    )
    with pytest.raises(EngineError):
        DurableMatcher(pack, broken).create_all()


# --- differential: durable_rules against the oracle on random facts --------------------------


def _fact_strategy(name: str) -> st.SearchStrategy[object]:
    spec = load_fact_vocabulary().specs[name]
    match spec.type:
        case "boolean":
            return st.booleans()
        case "integer":
            return st.integers(min_value=0, max_value=40)
        case "number":
            return st.one_of(st.integers(0, 400).map(float), st.floats(0, 400, allow_nan=False))
        case "enum":
            return st.sampled_from(spec.values or ())
    return st.nothing()


def _comparable_facts(pack: RulePack) -> list[str]:
    specs = load_fact_vocabulary().specs
    from engine.facts import TREATMENT_DESCRIPTORS

    return sorted(
        n
        for n in pack.referenced_facts
        if n not in TREATMENT_DESCRIPTORS and specs[n].type in ("boolean", "integer", "number", "enum")
    )


@functools.cache
def _treatments() -> list[tuple[str, str | None]]:
    """(kind, generic) pairs the rules apply to: every kind, and for drugs a few generics per rule."""
    vocab = load_vocabulary()
    pairs: set[tuple[str, str | None]] = set()
    for rule in _shared_pack().rules:
        for kind in rule.kinds:
            generics = vocab.generics_for(rule.applies_to)[:3] if kind == "medication" else []
            pairs.update((kind, g) for g in generics or [None])
    return sorted(pairs, key=repr)


@st.composite
def random_items(draw: st.DrawFn) -> list[RequestedItem]:
    names = _comparable_facts(_shared_pack())
    items = []
    for i in range(draw(st.integers(1, 3))):
        kind, generic = draw(st.sampled_from(_treatments()))
        chosen = draw(st.lists(st.sampled_from(names), unique=True, max_size=12))
        facts = {n: _documented(draw(_fact_strategy(n))) for n in chosen}
        items.append(RequestedItem(item_id=str(i + 1), text="t", kind=kind, generic=generic, facts=facts))
    return items


_PACK = None


def _shared_pack() -> RulePack:
    global _PACK
    if _PACK is None:
        _PACK = load_rules()
    return _PACK


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_durable_rules_and_the_oracle_agree_on_random_facts(data: st.DataObject) -> None:
    pack = _shared_pack()
    items = data.draw(random_items())
    case = Case(case_id="random", items=items)
    when = dt.date(2015, 1, 1)
    durable = _evaluators(pack)[0].evaluate(case, when)
    oracle = _evaluators(pack)[1].evaluate(case, when)
    assert json.dumps(durable.model_dump(mode="json")) == json.dumps(oracle.model_dump(mode="json"))


_EVALUATORS: dict[int, tuple[Evaluator, Evaluator]] = {}


def _evaluators(pack: RulePack) -> tuple[Evaluator, Evaluator]:
    if id(pack) not in _EVALUATORS:
        _EVALUATORS[id(pack)] = (Evaluator(pack), Evaluator(pack, matcher=OracleMatcher(pack)))
    return _EVALUATORS[id(pack)]


def _rule_file(tmp_path: Path, criteria: str, rules: int = 1) -> Path:
    folder = tmp_path / "rules" / "mtus-cpmtg-2009"
    folder.mkdir(parents=True, exist_ok=True)
    body = "edition: mtus-cpmtg-2009\ntopic: t\nrules:\n"
    for r in range(rules):
        body += (
            f"  - id: T-{r}\n    title: t\n    applies_to: {{kind: physical_therapy}}\n    criteria:\n"
            + criteria.replace("@", str(r))
        )
    (folder / "t.yaml").write_text(body)
    return folder


def test_a_criterion_durable_rules_cannot_compile_is_a_located_load_error(tmp_path: Path) -> None:
    # durable_rules refuses more than ~31 expressions in one rule (error 113): lint must say which.
    leaves = "\n".join(
        f"                - {{fact: visits_requested, lte: {v}, minus: prior_visits}}" for v in range(20)
    )
    criteria = (
        "      - id: T-@-01\n        text: t\n        citation: {section: s}\n        when:\n"
        "          any:\n            - any:\n" + leaves + "\n            - {fact: prior_course, eq: true}\n"
    )
    folder = _rule_file(tmp_path, criteria)
    pack = load_rules([folder], root=tmp_path / "rules")
    with pytest.raises(InputError) as error:
        durable_matcher(pack, load_vocabulary()).create_all()
    assert "t.yaml:4" in str(error.value) and "T-0" in str(error.value)


def test_too_many_tests_under_one_alpha_node_is_refused_before_durable_rules_hangs(tmp_path: Path) -> None:
    # Past 512 tests under one alpha node durable_rules' create_ruleset spins forever: refuse early.
    criteria = "".join(
        f"      - id: T-@-{i:02d}\n        text: t\n        citation: {{section: s}}\n"
        f"        when: {{fact: visits_requested, lte: 1@{i:02d}}}\n"
        for i in range(60)
    )
    pack = load_rules([_rule_file(tmp_path, criteria, rules=5)], root=tmp_path / "rules")
    with pytest.raises(InputError) as error:
        durable_matcher(pack, load_vocabulary()).create_all()
    assert "physical_therapy" in str(error.value) and "hangs past 512" in str(error.value)


def test_first_documented_skips_a_part_missing_any_of_its_facts(tmp_path: Path) -> None:
    # the part `visits_requested <= 10 - prior_visits` cannot decide without prior_visits, even
    # though visits_requested is present: the next part decides, through durable_rules and oracle
    criteria = (
        "      - id: T-@-01\n        text: t\n        citation: {section: s}\n        when:\n"
        "          first_documented:\n"
        "            - {fact: visits_requested, lte: 10, minus: prior_visits}\n"
        "            - {fact: visits_requested, lte: 6}\n"
    )
    pack = load_rules([_rule_file(tmp_path, criteria)], root=tmp_path / "rules")
    when = dt.date(2015, 1, 1)
    for facts, expected in [
        ({"visits_requested": 8}, "not_met"),
        ({"visits_requested": 6}, "met"),
        ({"visits_requested": 8, "prior_visits": 2}, "met"),
        ({"visits_requested": 8, "prior_visits": 3}, "not_met"),
    ]:
        case = _case("c", [("physical_therapy", None, facts)])
        for evaluator in (Evaluator(pack), Evaluator(pack, matcher=OracleMatcher(pack))):
            (criterion,) = evaluator.evaluate(case, when).items[0].criteria
            assert criterion.status == expected, (facts, type(evaluator.matcher).__name__)


def test_numbers_python_writes_with_an_exponent_neither_crash_nor_diverge() -> None:
    # durable_rules' C parser segfaults on 1e-06 or 1e+16: a child process shows a crash as a failure
    script = textwrap.dedent(
        """
        import datetime as dt
        from engine.evaluate import Evaluator
        from engine.facts import Case, Documented, Evidence, RequestedItem
        from engine.oracle import OracleMatcher
        from engine.rules import load_rules
        pack = load_rules()
        evidence = [Evidence(quote="q", section="summary")]
        for value in (1e-06, 5e-324, 1.4e-06, 2e16, 1e300, 0.25):
            item = RequestedItem(item_id="1", text="t", kind="medication", generic="ibuprofen",
                facts={"weeks_since_injury": Documented(value=value, evidence=evidence)})
            case = Case(case_id="c", items=[item])
            a = Evaluator(pack).evaluate(case, dt.date(2017, 1, 1)).model_dump(mode="json")
            b = Evaluator(pack, matcher=OracleMatcher(pack)).evaluate(case, dt.date(2017, 1, 1))
            assert a == b.model_dump(mode="json"), value
        print("ok")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0 and done.stdout.strip() == "ok", (done.returncode, done.stderr[-1500:])


def test_a_cross_cutting_mtus_rule_does_not_silence_odg(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    for edition, body in {
        "mtus-cpmtg-2016": "    cross_cutting: true\n",
        "odg": "",
    }.items():
        folder = rules / edition
        folder.mkdir(parents=True)
        (folder / "t.yaml").write_text(
            f"edition: {edition}\ntopic: t\nrules:\n  - id: T-{edition.upper()}\n    title: t\n"
            f"    applies_to: {{kind: physical_therapy}}\n{body}    criteria:\n"
            f"      - id: T-{edition.upper()}-01\n        text: t\n        citation: {{section: s}}\n"
            "        when: {fact: visits_requested, lte: 6}\n"
        )
    pack = load_rules([rules], root=rules)
    case = _case("c", [("physical_therapy", None, {"visits_requested": 6})])
    result = Evaluator(pack).evaluate(case, dt.date(2017, 1, 1)).items[0]
    assert result.rule_ids == ["T-MTUS-CPMTG-2016", "T-ODG"] and result.result == "supported"


def test_matchers_of_one_pack_share_their_rulesets_in_a_process(pack: RulePack) -> None:
    vocab = load_vocabulary()
    matchers = [durable_matcher(pack, vocab) for _ in range(5)]
    for matcher in matchers:
        matcher.create_all()
    assert all(m.handles == matchers[0].handles for m in matchers)
    case = Case.model_validate(
        {"case_id": "shared", "items": [{"item_id": "1", "text": "Cyclobenzaprine", "kind": "medication"}]}
    )
    results = {str(Evaluator(pack, vocab, m).evaluate(case, dt.date(2017, 1, 1))) for m in matchers[:3]}
    assert len(results) == 1
    handles = dict(matchers[0].handles)
    for matcher in matchers:
        matcher.close()
    again = durable_matcher(pack, vocab)
    again.create_all()
    assert again.handles == handles  # kept for the process, not created anew


def _iany_holds_an_or(expression: object) -> bool:
    if isinstance(expression, dict):
        for key, value in expression.items():
            if key == "$iany" and "$or" in json.dumps(value):
                return True
            if _iany_holds_an_or(value):
                return True
    if isinstance(expression, list):
        return any(_iany_holds_an_or(part) for part in expression)
    return False


def test_no_compiled_rule_puts_an_or_inside_iany(pack: RulePack) -> None:
    # durable_rules leaves the type of an `$or` node under `$iany` unset: see the test below
    rulesets = durable_matcher(pack, load_vocabulary()).compiled.rulesets
    rules = [(name, rule["all"]) for ruleset in rulesets.values() for name, rule in ruleset.items()]
    assert [name for name, pattern in rules if _iany_holds_an_or(pattern)] == []
    # the bundled rules do test lists of several values, so the guard is exercised
    assert any('{"$or": [{"$iany"' in json.dumps(pattern) for _, pattern in rules)


@pytest.mark.parametrize("leftover", [0x09, 0x0C])
def test_every_ruleset_is_created_whatever_the_heap_held_before(leftover: int) -> None:
    # glibc's MALLOC_PERTURB_ fills freed memory with one byte, here JSON_IDENTIFIER (0x09) or
    # JSON_EXPRESSION (0x0C); a node durable_rules leaves unset then reads as that type, and the
    # ruleset is refused (error 102) whatever the process did before
    done = subprocess.run(
        [str(Path(sys.executable).parent / "imr"), "rules", "lint"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=PROJECT_ROOT,
        env={**os.environ, "MALLOC_PERTURB_": str(leftover)},
    )
    assert done.returncode == 0, done.stderr[-1000:]
    assert done.stdout.startswith("ok:")
