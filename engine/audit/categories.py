"""What an audited item is, for grouping: its service category in the DWC and CWCI schemes
(guidelines/service-categories.yaml), its drug class, and its treatment family."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Annotated

from pydantic import Field

from engine.facts import StrictModel
from engine.paths import GUIDELINES_DIR
from engine.vocab import Vocabulary, load_vocabulary
from engine.yamlio import load_yaml, validate

CATEGORIES_FILE = GUIDELINES_DIR / "service-categories.yaml"
SCHEMES = ("dwc", "cwci")
_DRUG_KINDS = frozenset({"medication", "compound_topical"})


class Category(StrictModel):
    id: str
    label: Annotated[str, Field(min_length=1)]
    kinds: list[str]


class Scheme(StrictModel):
    label: Annotated[str, Field(min_length=1)]
    categories: list[Category]


class _CategoryFile(StrictModel):
    schemes: dict[str, Scheme]


class ServiceCategories:
    """The category label of every treatment kind, per scheme."""

    def __init__(self, schemes: dict[str, Scheme]) -> None:
        self.schemes = schemes
        self._label = {
            (name, kind): category.label
            for name, scheme in schemes.items()
            for category in scheme.categories
            for kind in category.kinds
        }

    def label(self, scheme: str, kind: str) -> str:
        return self._label[scheme, kind]


@cache
def load_categories(path: Path = CATEGORIES_FILE) -> ServiceCategories:
    """Read the categories and check each scheme sorts every treatment kind exactly once."""
    document = load_yaml(path)
    parsed = validate(document, _CategoryFile)
    kinds = set(load_vocabulary().kind_ids)
    if set(parsed.schemes) != set(SCHEMES):
        raise document.error(("schemes",), f"schemes must be exactly {', '.join(SCHEMES)}")
    for name, scheme in parsed.schemes.items():
        seen: set[str] = set()
        for i, category in enumerate(scheme.categories):
            for j, kind in enumerate(category.kinds):
                where = ("schemes", name, "categories", i, "kinds", j)
                if kind not in kinds:
                    raise document.error(where, f"unknown treatment kind {kind!r}")
                if kind in seen:
                    raise document.error(where, f"kind {kind!r} is in two categories of scheme {name!r}")
                seen.add(kind)
        if missing := sorted(kinds - seen):
            raise document.error(("schemes", name), f"scheme {name!r} leaves out {', '.join(missing)}")
    return ServiceCategories(parsed.schemes)


def drug_class(vocab: Vocabulary, kind: str, generic: str | None) -> str | None:
    """The drug class of a requested drug; a compounded topical is its own class."""
    if kind == "compound_topical":
        return "compound"
    if generic is None:
        return None
    drug = vocab.drug(generic)
    return drug.drug_class if drug is not None else None


def treatment_family(kind: str, subtype: str | None, klass: str | None) -> str:
    """The family inconsistent determinations are sought in: a drug by its class, else the kind and
    its subtype (two lumbar epidurals, two knee arthroscopies)."""
    if kind in _DRUG_KINDS:
        return f"{kind}: {klass or 'unknown class'}"
    return f"{kind}: {subtype}" if subtype else kind
