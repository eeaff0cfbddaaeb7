"""What the reviewer's guideline citation names, for an item whose heading is generic.

The MAXIMUS guideline line names what was judged -- the treatment and the body part -- not how it
was decided (the decision is in the rationale and the decision word, which this never reads). So
where the heading says too little, the citation completes it:
- a heading nothing in the treatment vocabulary names ("Interspec IF II") takes the cited kind;
- a test named only by what it samples ("Urine test", a generic lab test) takes the cited test;
- a kind named without its subtype ("Stimulator unit") takes the cited subtype of that kind;
- a procedure, study or brace of no region, or of a whole limb or "the spine", takes the region of
  the cited clinical-topic chapter ("Knee Complaints", ODG "Shoulder").
Cited section names are read with the treatment vocabulary (guidelines/treatments.yaml) and with
guidelines/citations.yaml, which also maps chapters to regions. A citation that names several
kinds resolves nothing: nothing is guessed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, cached_property, lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field

from engine.facts import Evidence
from engine.letters.items import normalize_item
from engine.letters.model import GuidelineCitation
from engine.paths import GUIDELINES_DIR
from engine.vocab import VocabModel, Vocabulary, phrase_key
from engine.yamlio import load_yaml, validate

CITATIONS_FILE = GUIDELINES_DIR / "citations.yaml"

# Kinds whose guideline is chosen by the body region treated; electrodiagnostic studies are judged
# by limb, so a limb is a region they name.
_REGIONAL_KINDS = frozenset(
    {"imaging", "injection", "surgery", "brace_support", "physical_therapy", "occupational_therapy"}
)
_GENERIC_REGIONS = frozenset({"upper_extremity", "lower_extremity", "spine"})


class _Section(VocabModel):
    names: Annotated[list[Annotated[str, Field(min_length=1)]], Field(min_length=1)]
    kinds: Annotated[list[str], Field(min_length=1)]
    subtype: str | None = None


class CitationTable(VocabModel):
    sections: list[_Section] = []
    families: list[list[str]] = []
    chapters: dict[str, str] = {}
    odg_chapters: dict[str, str] = {}

    def same_family(self, kind: str, other: str) -> bool:
        return kind == other or any(kind in family and other in family for family in self.families)

    def section(self, name: str) -> _Section | None:
        return self._by_key.get(phrase_key(name))

    @cached_property
    def _by_key(self) -> dict[tuple[str, ...], _Section]:
        found: dict[tuple[str, ...], _Section] = {}
        for section in self.sections:
            for name in section.names:
                found.setdefault(phrase_key(name), section)
        return found


@cache
def load_citation_table(path: Path = CITATIONS_FILE) -> CitationTable:
    """guidelines/citations.yaml, checked against the vocabularies (file:line errors)."""
    from engine.vocab import load_vocabulary

    vocab = load_vocabulary()
    document = load_yaml(path)
    table = validate(document, CitationTable)
    for i, entry in enumerate(table.sections):
        for kind in entry.kinds:
            if kind not in vocab.kinds:
                raise document.error(("sections", i, "kinds"), f"unknown treatment kind {kind!r}")
        if entry.subtype is not None and all(
            vocab.kinds[k].subtype(entry.subtype) is None for k in entry.kinds
        ):
            raise document.error(("sections", i, "subtype"), f"no kind listed has subtype {entry.subtype!r}")
    for i, family in enumerate(table.families):
        for kind in family:
            if kind not in vocab.kinds:
                raise document.error(("families", i), f"unknown treatment kind {kind!r}")
    for key, mapping in (("chapters", table.chapters), ("odg_chapters", table.odg_chapters)):
        for name, region in mapping.items():
            if region not in vocab.regions:
                raise document.error((key, name), f"unknown body region {region!r}")
            if key == "chapters" and not vocab.has_edition(name):
                raise document.error((key, name), f"unknown guideline edition {name!r}")
    return table


@dataclass(frozen=True)
class CitedReading:
    """What the reviewer's citations name: one kind (and subtype) if they agree, the chapter's region."""

    kind: str | None
    subtype: str | None
    region: str | None
    evidence: Evidence


@lru_cache(maxsize=4096)
def _section_treatment(section: str, vocab: Vocabulary) -> tuple[str, str | None] | None:
    """The treatment a cited section's name names, if any (letters cite the same sections often)."""
    reading = normalize_item(section, vocab)
    if reading.kind == "other":
        return None
    return reading.kind, reading.subtype.value if reading.subtype is not None else None


def read_citations(
    citations: Sequence[GuidelineCitation], vocab: Vocabulary, table: CitationTable | None = None
) -> CitedReading | None:
    """The treatment and region the reviewer's citations name, or None when they name neither."""
    table = table or load_citation_table()
    named: set[tuple[str, str | None]] = set()
    regions: set[str] = set()
    quoted: GuidelineCitation | None = None
    for citation in citations:
        if citation.source in ("none_cited", "not_mtus_based") or citation.guideline is None:
            continue
        for section in citation.sections:
            entry = table.section(section)
            if entry is not None:
                named.update((kind, entry.subtype) for kind in entry.kinds)
                continue
            treatment = _section_treatment(section, vocab)
            if treatment is not None:
                named.add(treatment)
        region = _chapter_region(citation, vocab, table)
        if region is not None:
            regions.add(region)
        quoted = quoted or citation
    if quoted is None:
        return None
    kinds = {kind for kind, _ in named}
    kind = kinds.pop() if len(kinds) == 1 else None
    subtypes = {subtype for k, subtype in named if k == kind and subtype is not None}
    raw = quoted.raw
    evidence = Evidence(quote=raw.text.strip(), section="citation", span=[raw.start, raw.end])
    return CitedReading(
        kind=kind,
        subtype=subtypes.pop() if len(subtypes) == 1 else None,
        region=regions.pop() if len(regions) == 1 else None,
        evidence=evidence,
    )


def _chapter_region(citation: GuidelineCitation, vocab: Vocabulary, table: CitationTable) -> str | None:
    name = citation.guideline if citation.source == "mtus" else f"Non-MTUS Citation {citation.guideline}"
    edition = vocab.resolve_citation(name or "", citation.year)
    if edition in table.chapters:
        return table.chapters[edition]
    if citation.chapter is not None:
        for chapter in vocab.odg_chapters(citation.chapter):
            if chapter in table.odg_chapters:
                return table.odg_chapters[chapter]
    return None


# A test named only by what it samples is generic whatever kind its words give it.
_GENERIC_SUBTYPES = frozenset({"sampled"})


def resolved_treatment(
    kind: str, subtype: str | None, cited: CitedReading | None, table: CitationTable | None = None
) -> tuple[str, str | None]:
    """The item's kind and subtype, completed by the citation where the heading is generic."""
    if cited is None or cited.kind is None:
        return kind, subtype
    table = table or load_citation_table()
    if kind == "other":
        return cited.kind, cited.subtype
    generic = subtype is None or subtype in _GENERIC_SUBTYPES
    if generic and table.same_family(kind, cited.kind) and (cited.kind != kind or cited.subtype is not None):
        return cited.kind, cited.subtype
    return kind, subtype


def cited_region(kind: str, regions: Sequence[str], cited: CitedReading | None) -> str | None:
    """The region the citation gives a regional item that names none, or only a whole limb."""
    if cited is None or cited.region is None or kind not in _REGIONAL_KINDS:
        return None
    if regions and not set(regions) <= _GENERIC_REGIONS:
        return None
    return cited.region
