"""How the items of one letter relate: services ancillary to an index item, and partial certifications.

`ancillary_links(readings)` links each service that belongs to another item -- a pre- or
post-operative service, an "associated surgical service", an assistant surgeon, equipment requested
with a surgery, a laxative requested with an opioid -- to its index item, and says why (the basis
`imr explain` shows). `ur_portion_facts(item, vocab)` reads the utilization review form of a
partly certified request: the original request's count, and the authorized part as the course the
remaining portion continues ("two visits left after an authorized six-visit trial continue that
trial"), or as the certified surgery a remaining post-operative service belongs to.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from engine.facts import Documented, Evidence
from engine.letters.item_model import NormalizedItem
from engine.letters.items import normalize_item, procedures_named
from engine.letters.model import ParsedItem, TextSpan
from engine.procedures import SURGERY
from engine.vocab import Vocabulary

# Kinds an ancillary service can belong to, most likely first.
_INDEX_KINDS = (SURGERY, "injection", "electrodiagnostic", "inpatient_stay")
_ANCILLARY_TEXT = re.compile(
    r"^\s*(?:associated\s+surgical\s+services?\b|pre[-\s]?op(?:erative)?\b|post[-\s]?op(?:erative)?\b|"
    r"peri[-\s]?op(?:erative)?\b|assist(?:ant|ing)?\b|(?:PA|RN|MD|surgical)\s+assist)",
    re.IGNORECASE,
)
# Equipment requested in the same letter as a surgery serves the surgery.
_EQUIPMENT_KINDS = frozenset({"brace_support", "dme"})
_DRUG_KINDS = frozenset({"medication", "compound_topical"})
# A laxative requested with an opioid serves the opioid (constipation prophylaxis starts with it).
_SERVES_OPIOID = frozenset({"laxative"})
_OPIOID = "opioid"


class ItemReading(Protocol):
    """What this module reads of one item (engine.letters.extract's reading)."""

    @property
    def item(self) -> ParsedItem: ...

    @property
    def text(self) -> TextSpan: ...

    @property
    def normalized(self) -> NormalizedItem: ...


@dataclass(frozen=True)
class Link:
    """An ancillary service's index item, and why it was linked."""

    index_id: str
    basis: str


def ancillary_links(readings: Sequence[ItemReading], vocab: Vocabulary) -> dict[str, Link]:
    """Ancillary services -> their index item (see the module docstring)."""
    links: dict[str, Link] = {}
    for position, reading in enumerate(readings):
        role = _role(reading, readings, vocab)
        if role is None:
            continue
        why, kinds = role
        index = _index_item(readings, position, kinds, vocab)
        if index is not None:
            basis = f"{why}; {_chosen(readings, position, index)}"
            links[reading.item.item_id] = Link(index.item.item_id, basis)
    return links


def _role(
    reading: ItemReading, readings: Sequence[ItemReading], vocab: Vocabulary
) -> tuple[str, tuple[str, ...]] | None:
    """Why the item serves another item, and the kinds its index may be; None if it stands alone."""
    normalized = reading.normalized
    if normalized.kind in _INDEX_KINDS:
        return None
    if normalized.kind == "surgical_ancillary":
        service = (normalized.ancillary or "associated service").replace("_", " ")
        return f"the item is a service of a surgery ({service})", _INDEX_KINDS
    context = normalized.surgical_context
    marker = _ANCILLARY_TEXT.search(reading.text.text)
    if context is not None or marker is not None:
        words = (
            reading.text.text[context.span.start : context.span.end]
            if context is not None
            else marker.group().strip()  # type: ignore[union-attr]
        )
        return f"the item names itself a surgical service (“{words}”)", _INDEX_KINDS
    if normalized.kind in _EQUIPMENT_KINDS and any(r.normalized.kind == SURGERY for r in readings):
        return "equipment requested in the same letter as a surgery serves the surgery", (SURGERY,)
    drug = normalized.drug
    if (
        drug is not None
        and drug.drug_class in _SERVES_OPIOID
        and any(r is not reading and _is_opioid(r, vocab) for r in readings)
    ):
        return "a laxative requested with an opioid prevents the opioid's constipation", (_OPIOID,)
    return None


def _is_opioid(reading: ItemReading, vocab: Vocabulary) -> bool:
    drug = reading.normalized.drug
    if drug is None or reading.normalized.kind not in _DRUG_KINDS:
        return False
    generics = [drug.generic] if drug.generic else [i.generic for i in drug.ingredients]
    return any(
        (found := vocab.drug(g)) is not None and vocab.opioid_component(found) is not None for g in generics
    )


def _index_item(
    readings: Sequence[ItemReading], position: int, kinds: tuple[str, ...], vocab: Vocabulary
) -> ItemReading | None:
    """The item a service belongs to: the most specific kind, sharing a body region where possible,
    else the nearest one before it."""
    regions = {part.region for part in readings[position].normalized.body_parts}
    for kind in kinds:
        candidates = [
            (i, r)
            for i, r in enumerate(readings)
            if i != position and (r.normalized.kind == kind or (kind == _OPIOID and _is_opioid(r, vocab)))
        ]
        if not candidates:
            continue
        if regions:
            shared = [(i, r) for i, r in candidates if regions & _regions(r)]
            candidates = shared or candidates
        before = [(i, r) for i, r in candidates if i < position]
        return (before[-1] if before else candidates[0])[1]
    return None


def _regions(reading: ItemReading) -> set[str]:
    regions = {part.region for part in reading.normalized.body_parts}
    if reading.normalized.implied_region is not None:
        regions.add(reading.normalized.implied_region.value)
    return regions


def _chosen(readings: Sequence[ItemReading], position: int, index: ItemReading) -> str:
    same = [r for r in readings if r.normalized.kind == index.normalized.kind and r is not readings[position]]
    kind = "opioid" if index.normalized.drug is not None else index.normalized.kind.replace("_", " ")
    what = f"item {index.item.item_id} is the letter's {kind}"
    if len(same) == 1:
        return what
    shared = _regions(index) & {p.region for p in readings[position].normalized.body_parts}
    if shared:
        return f"{what} for the same region ({', '.join(sorted(shared))})"
    return f"{what} nearest before it"


_CLAUSE_BREAK = re.compile(r"[,;:]|\band\b|\bwith\b|\bnow\b")


# --- partial certification ---------------------------------------------------------------------------


def ur_portion_facts(
    item: ParsedItem, remaining: NormalizedItem, vocab: Vocabulary
) -> tuple[dict[str, Documented], dict[str, Documented]]:
    """Facts of the UR form: (what the request states, what stands unless the record says otherwise).

    The authorized visits stand only where the record gives no count of its own: a count the
    summary gives may already include them.

    The original request's count is the request as submitted, which IMR decides as a whole. The
    authorized part of a therapy is the course the remaining portion continues; an authorized surgery
    is the certified index of a remaining service that belongs to it.
    """
    ur = item.ur_portion
    if ur is None:
        return {}, {}
    stated: dict[str, Documented] = {}
    standing: dict[str, Documented] = {}
    original = normalize_item(ur.original_request.text, vocab)
    visit_based = vocab.kinds[remaining.kind].visit_based
    if visit_based and original.kind == remaining.kind and original.visits is not None:
        stated["visits_original_request"] = _documented(original.visits.value.high, ur.original_request)
    if ur.authorized is None:
        return stated, standing
    authorized = normalize_item(ur.authorized.text, vocab)
    if visit_based and authorized.kind == remaining.kind:
        # the authorized part comes before the remaining portion whatever preceded the request
        stated["prior_course"] = _documented(True, ur.authorized)
        if authorized.visits is not None:
            standing["prior_visits"] = _documented(authorized.visits.value.high, ur.authorized)
    elif authorized.kind == SURGERY and remaining.kind != SURGERY:
        stated["surgery_certified_or_performed"] = _documented(True, ur.authorized)
        procedures = [p.value for p in authorized.procedures]
        if procedures:
            stated["index_procedures"] = _documented(procedures, ur.authorized)
    return stated, standing


def _documented(value: bool | int | list[str], where: TextSpan) -> Documented:
    evidence = Evidence(quote=where.text.strip(), section="request", span=[where.start, where.end])
    return Documented(value=value, evidence=[evidence])


def certified_index(
    statement: Documented, facts: Mapping[str, Documented], vocab: Vocabulary
) -> dict[str, Documented]:
    """The letter's statement that a surgery was certified or performed, as the index of a service.

    It is the service's index unless it is about another body region: a service of the knee does
    not follow a fusion the summary mentions. The procedures it names become the index procedures.
    """
    if statement.value is not True or "surgery_certified_or_performed" in facts:
        return {}
    procedures: list[str] = []
    regions: set[str] = set()
    for evidence in statement.evidence:
        # the region of a surgery is named in the clause that names it
        for clause in _CLAUSE_BREAK.split(evidence.quote):
            named = procedures_named(clause, vocab)
            if not named:
                continue
            procedures += [p for p in named if p not in procedures]
            regions |= {match.payload for match in vocab.region_words.find(clause)}
            regions |= {r for p in named if (r := vocab.procedures.implied_region([p])) is not None}
    own = facts.get("body_region")
    if own is not None and regions and own.value not in regions:
        return {}
    found: dict[str, Documented] = {"surgery_certified_or_performed": statement}
    if procedures and "index_procedures" not in facts:
        found["index_procedures"] = Documented(value=procedures, evidence=list(statement.evidence))
    return found
