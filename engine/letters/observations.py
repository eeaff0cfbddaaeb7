"""Observations of a fact, one per finding read in a sentence, and how those of one section settle
into a documented value (the latest stated, the largest count, or the value a fact prefers), with
every quote behind it; and the layers (summary, rationale) merged, the item's own deciding."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from engine.facts import Documented, Evidence, FactValue
from engine.letters.cues import FactRules
from engine.letters.sentences import SectionName, Sentence


@dataclass(frozen=True, slots=True)
class Observation:
    fact: str
    value: FactValue
    sentence: Sentence
    order: int
    implied: bool = False
    # the reviewer states the record lacks it ("there is no documentation of ...")
    stated_absent: bool = False

    @property
    def evidence(self) -> Evidence:
        return sentence_evidence(self.sentence, "absence" if self.stated_absent else "record")


@dataclass
class Layer:
    """Observations of one scope (the case, or one item) from one section, in letter order.

    A fact's preferred value settles the summary (one abnormal finding documents a deficit); a
    rationale is an argument, and its later sentence is the reviewer's finding.
    """

    section: SectionName
    observations: list[Observation] = field(default_factory=list)

    def add(self, observation: Observation) -> None:
        self.observations.append(observation)

    def resolved(self, facts: Mapping[str, FactRules]) -> dict[str, Documented]:
        by_fact: dict[str, list[Observation]] = {}
        for observation in self.observations:
            by_fact.setdefault(observation.fact, []).append(observation)
        resolved: dict[str, Documented] = {}
        for name, observations in by_fact.items():
            stated = [o for o in observations if not o.implied] or observations
            value = _settled_value(stated, facts[name], self.section == "summary")
            evidence = _unique_evidence(o.evidence for o in stated if same_value(o.value, value))
            resolved[name] = Documented.model_construct(value=value, evidence=evidence)
        return resolved


def _settled_value(observations: list[Observation], rules: FactRules, use_preference: bool) -> FactValue:
    if rules.spec.type in ("integer", "number"):
        # "at least": the largest count or duration the record gives
        return max((o.value for o in observations), key=lambda v: float(v))  # type: ignore[arg-type]
    if use_preference and rules.prefer != "latest":
        preferred = rules.prefer == "true"
        if any(o.value is preferred for o in observations):
            return preferred
    return max(observations, key=lambda o: o.order).value


def sentence_evidence(sentence: Sentence, role: Literal["record", "absence"] = "record") -> Evidence:
    """The sentence as evidence; built without validation: every field comes from the sentence."""
    return Evidence.model_construct(
        quote=sentence.text, section=sentence.section, span=[sentence.start, sentence.end], role=role
    )


def _unique_evidence(evidence: Iterable[Evidence]) -> list[Evidence]:
    seen: set[tuple[int, int] | str] = set()
    unique = []
    for item in evidence:
        key = (item.span[0], item.span[1]) if item.span else item.quote
        if key not in seen:
            seen.add(key)
            unique.append(item)
    return unique


def merge_layers(*layers: Mapping[str, Documented]) -> dict[str, Documented]:
    """Facts by precedence: the first layer documenting a fact decides it; agreeing layers add evidence."""
    merged: dict[str, Documented] = {}
    for layer in layers:
        for name, documented in layer.items():
            current = merged.get(name)
            if current is None:
                merged[name] = documented
            elif same_value(current.value, documented.value):
                merged[name] = Documented(
                    value=current.value, evidence=_unique_evidence([*current.evidence, *documented.evidence])
                )
    return merged


def same_value(left: FactValue, right: FactValue) -> bool:
    if isinstance(left, bool) or isinstance(right, bool):
        return left is right
    return left == right
