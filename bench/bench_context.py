"""The context layer on the shared NegEx test rows: negation precision, recall and F1, and speed.

    .venv/bin/python bench/bench_context.py [--rounds N] [ANNOTATIONS_TSV]

Each row of ../shared/negex/annotations-1-60.tsv is a sentence, a concept written in capitals in it,
and its annotated status (Affirmed or Negated). The concept's context comes from
engine/letters/context.py (guidelines/context.yaml); "negated" and "absent" count as Negated. The
figures are printed beside the reference figures of the NegEx implementation quoted in the test set's
SOURCES.md. Speed: sentences per second, against the bare cutting of each sentence into words measured
in the same run; where medspaCy is installed, its ConText on a blank spaCy pipeline is scored and
timed on the same rows too.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

from engine.letters.context import context_of, load_context_rules, words_of
from engine.paths import PROJECT_ROOT

NEGEX_ROWS = PROJECT_ROOT.parent / "shared" / "negex" / "annotations-1-60.tsv"
# SOURCES.md of the test set: that repository's NegEx with its bundled triggers, on these rows
NEGEX_REFERENCE = {"accuracy": 0.964, "precision": 0.947, "recall": 0.885, "f1": 0.915}
NEGATIONS = frozenset({"negated", "absent"})


def locate(sentence: str, concept: str) -> tuple[int, int]:
    """Where the concept stands: written in capitals, else anywhere; its longest leading words."""
    words = concept.split()
    while words:
        for candidate, flags in ((" ".join(words).upper(), 0), (" ".join(words), re.IGNORECASE)):
            pattern = r"\s+".join(map(re.escape, candidate.split()))
            match = re.search(pattern, sentence, flags)
            if match:
                return match.start(), match.end()
        words = words[:-1]
    return 0, len(sentence)


def scores(predicted: list[bool], gold: list[bool]) -> dict[str, float]:
    tp = sum(p and g for p, g in zip(predicted, gold, strict=True))
    fp = sum(p and not g for p, g in zip(predicted, gold, strict=True))
    fn = sum(g and not p for p, g in zip(predicted, gold, strict=True))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    agree = sum(p == g for p, g in zip(predicted, gold, strict=True))
    return {"accuracy": agree / len(gold), "precision": precision, "recall": recall, "f1": f1}


def best_rate(work: Callable[[], object], count: int, rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return count / best


def medspacy_negation(rows: list[tuple[str, tuple[int, int], bool]]) -> Callable[[], list[bool]] | None:
    """medspaCy's ConText with its default rules on a blank English pipeline, if it is installed."""
    try:
        import medspacy  # noqa: F401
        import spacy
    except ImportError:
        return None
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    context = nlp.add_pipe("medspacy_context", config={"rules": "default"})
    sentencizer = nlp.get_pipe("sentencizer")

    def run() -> list[bool]:
        found = []
        for sentence, (start, end), _ in rows:
            doc = sentencizer(nlp.make_doc(sentence))
            doc.ents = [doc.char_span(start, end, label="CONCEPT", alignment_mode="expand")]
            found.append(bool(context(doc).ents[0]._.is_negated))
        return found

    return run


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("annotations", nargs="?", type=Path, default=NEGEX_ROWS)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    if not args.annotations.is_file():
        sys.exit(f"no NegEx annotations at {args.annotations}")
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    with args.annotations.open(encoding="utf-8") as handle:
        rows = [
            (row["sentence"], locate(row["sentence"], row["concept"]), row["status"] == "Negated")
            for row in csv.DictReader(handle, delimiter="\t")
        ]
    gold = [negated for _, _, negated in rows]
    rules = load_context_rules()

    def ours() -> list[bool]:
        return [
            bool(context_of(rules.modifiers(sentence), start, end).categories & NEGATIONS)
            for sentence, (start, end), _ in rows
        ]

    def words_only() -> None:
        for sentence, _, _ in rows:
            words_of(sentence)

    print(
        f"{len(rows)} (concept, sentence) rows, {sum(gold)} negated; one core, best of {args.rounds} rounds"
    )
    print(f"{'':<34}{'accuracy':>9}{'precision':>10}{'recall':>8}{'F1':>7}")
    results = {
        "NegEx (reference, SOURCES.md)": NEGEX_REFERENCE,
        "imr-engine context layer": scores(ours(), gold),
    }
    medspacy = medspacy_negation(rows)
    if medspacy is not None:
        results["medspaCy ConText (default rules)"] = scores(medspacy(), gold)
    for name, figures in results.items():
        print(
            f"{name:<34}{figures['accuracy']:9.3f}{figures['precision']:10.3f}"
            f"{figures['recall']:8.3f}{figures['f1']:7.3f}"
        )
    ours_f1 = results["imr-engine context layer"]["f1"]
    verdict = "ok" if ours_f1 >= NEGEX_REFERENCE["f1"] else "BELOW NegEx"
    print(f"negation F1 at least NegEx's {NEGEX_REFERENCE['f1']}: {verdict}")
    baseline = best_rate(words_only, len(rows), args.rounds)
    rates = {
        "(a) words only (baseline)": baseline,
        "(b) context layer": best_rate(ours, len(rows), args.rounds),
    }
    if medspacy is not None:
        rates["(c) medspaCy ConText"] = best_rate(medspacy, len(rows), args.rounds)
    for name, rate in rates.items():
        print(f"{name:<34}{rate:10.0f} sentences/s   {rate / baseline:5.2f}x baseline")
    if medspacy is None:
        print("medspaCy not installed: `pip install medspacy` in a separate environment to compare it")


if __name__ == "__main__":
    main()
