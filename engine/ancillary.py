"""Services that belong to another item, and what the items of one case establish for each other.

An ancillary service (pre-operative clearance or tests, an assistant surgeon, post-operative
therapy, cold therapy, a brace, a post-operative drug; a laxative for an opioid) follows its index
item: the index is decided first, and its result and what it names -- procedures, body region,
side, levels -- become facts of the service. Three cases, as IMR reviewers decide them:
- the index is an item of the same case (`ancillary_to`): the service follows its result, then is
  judged on its own criteria;
- the letter states that the surgery was certified by utilization review or already performed
  (`surgery_certified_or_performed`, on the service's facts): it is judged on its own criteria;
- neither: the index procedure is not documented, and the trace says so.

Items of one case also share what they establish: an opioid requested in the case is the opioid
therapy a laxative, an antiemetic or a drug screen requires, and an NSAID requested is the NSAID use
a stomach protectant requires. What an item's own facts document is never overwritten.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, Protocol

from engine.facts import Case, Documented, Evidence, RequestedItem, StrictModel
from engine.vocab import Vocabulary

IndexSource = Literal["case_item", "certified_or_performed", "not_documented"]
IndexResult = Literal["supported", "not_supported", "no_applicable_rule"]

# What an index item names that its services share when they do not name it themselves.
_SHARED_FROM_INDEX = ("body_region", "laterality", "level_count")
# Drug classes whose need follows from another drug of the case.
_NEEDS_OPIOID = frozenset({"laxative", "antiemetic"})
_NEEDS_NSAID = frozenset({"ppi", "h2_blocker", "gi_protectant"})


class IndexLink(StrictModel):
    """Which index an ancillary service followed, where that came from, and why."""

    source: IndexSource
    item_id: str | None = None
    text: str | None = None
    result: IndexResult | None = None
    procedures: list[str] = []
    basis: str
    evidence: list[Evidence] = []


class DecidedItem(Protocol):
    """What this module reads of an item's result (engine.evaluate.ItemResult)."""

    @property
    def result(self) -> IndexResult: ...


class ItemValues(Protocol):
    """What this module reads of an item's facts (engine.evaluate.ItemFacts)."""

    @property
    def values(self) -> dict[str, object]: ...


def is_ancillary(item: RequestedItem) -> bool:
    """The item serves another: it is linked to an index item, or names itself a surgical service."""
    return item.ancillary_to is not None or item.facts.get("surgical_service") is not None


def _derived(quote: str) -> list[Evidence]:
    return [Evidence(quote=quote, section="derived")]


def index_facts(
    case: Case,
    item: RequestedItem,
    results: Mapping[str, DecidedItem],
    values: Mapping[str, ItemValues],
    vocab: Vocabulary,
) -> tuple[dict[str, Documented], IndexLink | None]:
    """The facts an ancillary service takes from its index, and the link shown in its trace."""
    if not is_ancillary(item):
        return {}, None
    if item.ancillary_to is not None:
        return _from_case_item(case, item, results, values, vocab)
    # the letter reader puts the statement on each service it concerns (its UR form, or a summary
    # sentence about a surgery of the service's region); a case file writes it on the item
    stated = item.facts.get("surgery_certified_or_performed")
    own = _own_role(item)
    if stated is not None and stated.value is True:
        facts: dict[str, Documented] = {
            "index_procedure_supported": Documented(value=True, evidence=list(stated.evidence))
        }
        procedures = _values(item.facts.get("index_procedures"))
        _put_postsurgical(facts, item, procedures, _value(item.facts.get("body_region")), vocab)
        return facts, IndexLink(
            source="certified_or_performed",
            procedures=procedures,
            basis=f"{own}; the letter states that the surgery was certified or performed",
            evidence=list(stated.evidence),
        )
    return {}, IndexLink(
        source="not_documented",
        basis=(
            f"{own}; no surgery is requested in this letter and the letter does not say one was "
            "certified or performed: the index procedure is not documented"
        ),
    )


def _from_case_item(
    case: Case,
    item: RequestedItem,
    results: Mapping[str, DecidedItem],
    values: Mapping[str, ItemValues],
    vocab: Vocabulary,
) -> tuple[dict[str, Documented], IndexLink]:
    index = next(i for i in case.items if i.item_id == item.ancillary_to)
    decided = results.get(index.item_id)
    index_values = values[index.item_id].values if index.item_id in values else {}
    procedures = [p for p in _values(index_values.get("procedures")) if isinstance(p, str)]
    facts: dict[str, Documented] = {}
    name = f"item {index.item_id} ({index.text})"
    if decided is not None and decided.result != "no_applicable_rule":
        verdict = "supported" if decided.result == "supported" else "not supported"
        facts["index_procedure_supported"] = Documented(
            value=decided.result == "supported",
            evidence=_derived(f"Index procedure ({name}) is {verdict} by the rules."),
        )
    if procedures:
        facts["index_procedures"] = Documented(
            value=procedures, evidence=_derived(f"Procedures of the index, {name}: {', '.join(procedures)}.")
        )
    for fact in _SHARED_FROM_INDEX:
        shared = index_values.get(fact)
        if fact not in item.facts and isinstance(shared, str | int) and not isinstance(shared, bool):
            facts[fact] = Documented(
                value=shared, evidence=_derived(f"{fact} of the index, {name}: {shared}.")
            )
    region = _value(item.facts.get("body_region")) or _text(index_values.get("body_region"))
    _put_postsurgical(facts, item, procedures, region, vocab)
    basis = item.ancillary_basis or "linked to the index item in the case file"
    return facts, IndexLink(
        source="case_item",
        item_id=index.item_id,
        text=index.text,
        result=decided.result if decided is not None else None,
        procedures=procedures,
        basis=basis,
    )


def _put_postsurgical(
    facts: dict[str, Documented],
    item: RequestedItem,
    procedures: list[str],
    region: str | None,
    vocab: Vocabulary,
) -> None:
    """The Postsurgical Treatment Guidelines group of the index procedures, unless the item says it."""
    if "postsurgical_procedure" in item.facts or not procedures:
        return
    group = vocab.procedures.postsurgical_group(procedures, region)
    if group is not None:
        facts["postsurgical_procedure"] = Documented(
            value=group,
            evidence=_derived(f"{', '.join(procedures)} belongs to the postsurgical group {group}."),
        )


def _own_role(item: RequestedItem) -> str:
    role = item.facts.get("surgical_service")
    if role is None:
        return "the item serves a surgery"
    quote = role.evidence[0].quote if role.evidence else item.text
    return f"the item names itself a {role.value} service (“{quote}”)"


def shared_facts(case: Case, vocab: Vocabulary) -> dict[str, dict[str, Documented]]:
    """What the items of the case establish for each other (see the module docstring)."""
    opioids = [i for i in case.items if _drug_classes(i, vocab) & {"opioid"}]
    nsaids = [i for i in case.items if _drug_classes(i, vocab) & {"nsaid"}]
    shared: dict[str, dict[str, Documented]] = {}
    for item in case.items:
        classes = _drug_classes(item, vocab)
        facts: dict[str, Documented] = {}
        wants_opioid = bool(classes & _NEEDS_OPIOID) or item.kind == "urine_drug_test"
        others = [o for o in opioids if o.item_id != item.item_id]
        if wants_opioid and others and "opioid_therapy" not in item.facts:
            facts["opioid_therapy"] = Documented(value=True, evidence=_requested(others[0]))
        others = [n for n in nsaids if n.item_id != item.item_id]
        if classes & _NEEDS_NSAID and others and "nsaid_use" not in item.facts:
            facts["nsaid_use"] = Documented(value=True, evidence=_requested(others[0]))
        if facts:
            shared[item.item_id] = facts
    return shared


def _requested(other: RequestedItem) -> list[Evidence]:
    return _derived(f"Item {other.item_id} of the same request asks for {other.text}.")


def _drug_classes(item: RequestedItem, vocab: Vocabulary) -> set[str]:
    generics = [item.generic] if item.generic else list(item.ingredients)
    drugs = [vocab.drug(g) for g in generics]
    classes = {d.drug_class for d in drugs if d is not None}
    for drug in drugs:
        if drug is not None and vocab.opioid_component(drug) is not None:
            classes.add("opioid")
    return classes


def _value(documented: Documented | None) -> str | None:
    return documented.value if documented is not None and isinstance(documented.value, str) else None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _values(value: object) -> list[str]:
    if isinstance(value, Documented):
        value = value.value
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []
