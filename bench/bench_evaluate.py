"""Evaluation speed: items/s through durable_rules and through the plain-Python oracle, same rules,
same cases, same run, one core; and `imr explain` wall time, cold.

Budget (DESIGN.md): durable_rules at least 5,000 items/s and at least half the oracle's speed;
`imr explain` on one case under 0.5 s.

    .venv/bin/python bench/bench_evaluate.py [--cases N]
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import time
from pathlib import Path

from engine.evaluate import Evaluator
from engine.facts import (
    TREATMENT_DESCRIPTORS,
    Case,
    Documented,
    Evidence,
    RequestedItem,
    load_fact_vocabulary,
)
from engine.oracle import OracleMatcher
from engine.paths import CASES_DIR, PROJECT_ROOT
from engine.rules import load_rules
from engine.vocab import load_vocabulary


def synthetic_cases(count: int, seed: int = 1) -> list[Case]:
    """Cases of 1-4 items whose kinds and drugs the rules cover, each fact present with p=0.7."""
    pack = load_rules()
    vocab = load_vocabulary()
    specs = load_fact_vocabulary().specs
    rng = random.Random(seed)
    evidence = [Evidence(quote="bench", section="summary")]
    treatments: list[tuple[str, str | None]] = []
    for rule in pack.rules:
        for kind in rule.kinds:
            generics = vocab.generics_for(rule.applies_to) if kind == "medication" else [None]
            treatments.extend((kind, g) for g in generics[:3])
    names = sorted(
        n
        for n in pack.referenced_facts
        if n not in TREATMENT_DESCRIPTORS and specs[n].type in ("boolean", "integer", "number", "enum")
    )

    def value(name: str) -> object:
        spec = specs[name]
        if spec.type == "boolean":
            return rng.random() < 0.5
        if spec.type == "integer":
            return rng.randint(0, 30)
        if spec.type == "number":
            return float(rng.randint(0, 200))
        return rng.choice(spec.values or ("",))

    cases = []
    for n in range(count):
        items = []
        for i in range(rng.randint(1, 4)):
            kind, generic = rng.choice(treatments)
            facts = {k: Documented(value=value(k), evidence=evidence) for k in names if rng.random() < 0.7}
            items.append(
                RequestedItem(item_id=str(i + 1), text="bench", kind=kind, generic=generic, facts=facts)  # type: ignore[arg-type]
            )
        cases.append(Case(case_id=f"bench-{n}", items=items))
    return cases


def items_per_second(evaluator: Evaluator, cases: list[Case], rounds: int = 3) -> float:
    import datetime as dt

    when = dt.date(2017, 1, 1)
    items = sum(len(c.items) for c in cases)
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for case in cases:
            evaluator.evaluate(case, when)
        best = min(best, time.perf_counter() - start)
    return items / best


def explain_wall_time() -> float:
    case = sorted((CASES_DIR / "2014-2015").glob("*.yaml"))[0]
    imr = Path(sys.executable).parent / "imr"
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        subprocess.run([str(imr), "explain", str(case)], cwd=PROJECT_ROOT, capture_output=True, check=True)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=3000)
    args = parser.parse_args()
    pack = load_rules()
    cases = synthetic_cases(args.cases)
    items = sum(len(c.items) for c in cases)
    durable = items_per_second(Evaluator(pack), cases)
    oracle = items_per_second(Evaluator(pack, matcher=OracleMatcher(pack)), cases)
    print(
        f"rules {pack.version}: {len(pack.rules)} rules, {len(pack.criteria)} criteria; "
        f"{len(cases)} cases, {items} items"
    )
    print(f"oracle (baseline)   {oracle:10,.0f} items/s   1.00x")
    print(f"durable_rules       {durable:10,.0f} items/s   {durable / oracle:.2f}x of the oracle")
    print(
        f"budget: durable >= 5,000 items/s ({'ok' if durable >= 5000 else 'MISSED'}), "
        f">= 0.5x oracle ({'ok' if durable >= 0.5 * oracle else 'MISSED'})"
    )
    explain = explain_wall_time()
    print(
        f"imr explain, cold   {explain:10.3f} s wall   budget 0.5 s ({'ok' if explain < 0.5 else 'MISSED'})"
    )


if __name__ == "__main__":
    main()
