"""The vocabularies in guidelines/: guideline catalog, drugs, treatment kinds and body regions.

Each file is read with file:line errors and checked against the others (a drug's class, an
ingredient, a body region's guideline chapter must exist). `load_vocabulary()` returns one cached
`Vocabulary` holding the four and the indexes the letter reader and the rule loader need: drug
names found in free text, guideline citations resolved to catalog editions, editions in force on a
date, and the checks a case or rule file must pass.

Names are matched on words, not characters: case and punctuation are ignored and a plural "s"
is accepted, so "MRI's", "EMG/NCS" and "Forearm, Wrist, & Hand" match their vocabulary entries.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Annotated, Any, Generic, Literal, Protocol, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from engine.cache import load_cached
from engine.errors import InputError
from engine.paths import GUIDELINES_DIR
from engine.procedures import SURGERY, ProcedureTable, build_procedure_table
from engine.yamlio import YamlDocument, load_yaml, validate

CATALOG_FILE = "catalog.yaml"
DRUGS_FILE = "drugs.yaml"
TREATMENTS_FILE = "treatments.yaml"
BODY_REGIONS_FILE = "body-regions.yaml"


class VocabModel(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


NonEmpty = Annotated[str, Field(min_length=1)]
KebabId = Annotated[str, Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")]
SnakeId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]


class Span(VocabModel):
    """Character offsets [start, end) of the words a value was read from."""

    start: Annotated[int, Field(ge=0)]
    end: Annotated[int, Field(ge=0)]

    @model_validator(mode="after")
    def _ordered(self) -> Span:
        if self.end < self.start:
            raise ValueError(f"span end {self.end} before start {self.start}")
        return self


# --- word matching ----------------------------------------------------------------------------

_TOKEN = re.compile(r"[A-Za-z0-9]+|[#&]")
# Words of one phrase may be separated by spaces and light punctuation, never by a clause break.
_PHRASE_GAP = re.compile(r"[\s\-/,.'’()]{0,4}")


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    start: int
    end: int


def tokenize(text: str) -> list[Token]:
    """Lowercased words and numbers of `text` with their offsets; "&" reads as "and"."""
    return [
        Token("and" if m.group() == "&" else m.group().lower(), m.start(), m.end())
        for m in _TOKEN.finditer(text)
    ]


def phrase_key(phrase: str) -> tuple[str, ...]:
    return tuple(token.text for token in tokenize(phrase))


@lru_cache(maxsize=65536)
def _singular_forms(word: str) -> tuple[str, ...]:
    """The word and the singulars it may be the plural of ("mris" -> "mri"; "cts" stays "cts")."""
    forms = [word]
    if word.isalpha():
        if len(word) >= 4 and word.endswith("s"):
            forms.append(word[:-1])
        if len(word) >= 5 and word.endswith("es"):
            forms.append(word[:-2])
        if len(word) >= 5 and word.endswith("ies"):
            forms.append(word[:-3] + "y")
    return tuple(forms)


def _in_capitals(word: str) -> bool:
    """An acronym as written, its plural's "s" aside ("PT", "MRIs")."""
    return word.isupper() or (len(word) > 2 and word.endswith("s") and word[:-1].isupper())


P = TypeVar("P")


@dataclass(frozen=True, slots=True)
class PhraseMatch(Generic[P]):
    start: int
    end: int
    payload: P


class PhraseMatcher(Generic[P]):
    """Finds known phrases in text: leftmost, then longest, never overlapping."""

    def __init__(self) -> None:
        self._payloads: dict[tuple[str, ...], P] = {}
        self._by_first_word: dict[str, list[tuple[str, ...]]] = {}
        # short acronyms that are a treatment only in capitals: "PT" is physical therapy, "pt" the
        # patient of a progress note ("pt returned to work")
        self._capitals: set[tuple[str, ...]] = set()

    def add(self, phrase: str, payload: P) -> P | None:
        """Register a phrase; if it is already registered, keep the first and return its payload."""
        key = phrase_key(phrase)
        if not key:
            raise ValueError(f"phrase {phrase!r} has no words")
        if key in self._payloads:
            return self._payloads[key]
        self._payloads[key] = payload
        written = phrase.strip()
        if written.isalpha() and written.isupper() and len(written) <= 4:
            self._capitals.add(key)
        keys = self._by_first_word.setdefault(key[0], [])
        keys.append(key)
        keys.sort(key=len, reverse=True)
        return None

    def exact(self, phrase: str) -> P | None:
        return self._payloads.get(phrase_key(phrase))

    def find(self, text: str, tokens: Sequence[Token] | None = None) -> list[PhraseMatch[P]]:
        words = tokenize(text) if tokens is None else tokens
        found: list[PhraseMatch[P]] = []
        i = 0
        while i < len(words):
            best: tuple[str, ...] | None = None
            for form in _singular_forms(words[i].text):
                for key in self._by_first_word.get(form, ()):
                    if best is not None and len(key) <= len(best):
                        break
                    if key in self._capitals and not _in_capitals(text[words[i].start : words[i].end]):
                        continue
                    if self._matches_at(text, words, i, key):
                        best = key
                        break
            if best is None:
                i += 1
                continue
            last = words[i + len(best) - 1]
            found.append(PhraseMatch(words[i].start, last.end, self._payloads[best]))
            i += len(best)
        return found

    @staticmethod
    def _matches_at(text: str, words: Sequence[Token], i: int, key: tuple[str, ...]) -> bool:
        if i + len(key) > len(words):
            return False
        for j in range(1, len(key)):
            previous, word = words[i + j - 1], words[i + j]
            if key[j] not in _singular_forms(word.text):
                return False
            if not _PHRASE_GAP.fullmatch(text, previous.end, word.start):
                return False
        return True


# --- guideline catalog ------------------------------------------------------------------------

Authority = Literal["mtus", "odg", "acoem", "imr-practice"]
CitedBy = Literal["page", "section", "chapter_and_section"]


class Edition(VocabModel):
    """One edition of a guideline document; its id names the rules/<edition-id>/ folder."""

    id: KebabId
    label: NonEmpty
    citation_year: int | None
    cited_by: CitedBy
    effective_from: dt.date | None
    effective_to: dt.date | None
    reference: NonEmpty
    verify: bool
    note: NonEmpty | None = None
    citation_aliases: list[NonEmpty]

    def in_force(self, on: dt.date) -> bool:
        starts = self.effective_from is None or self.effective_from <= on
        ends = self.effective_to is None or on <= self.effective_to
        return starts and ends


class OdgChapter(VocabModel):
    id: KebabId
    title: NonEmpty
    aliases: Annotated[list[NonEmpty], Field(min_length=1)]


class Document(VocabModel):
    id: KebabId
    title: NonEmpty
    authority: Authority
    regulation: NonEmpty
    precedence: Annotated[int, Field(ge=0)]
    citation_aliases: list[NonEmpty]
    chapters: list[OdgChapter] = []
    editions: Annotated[list[Edition], Field(min_length=1)]


class Catalog(VocabModel):
    documents: Annotated[list[Document], Field(min_length=1)]


# --- drugs ------------------------------------------------------------------------------------

Route = Literal["oral", "topical", "transdermal", "injection", "buccal", "sublingual", "intranasal", "rectal"]
ROUTES: tuple[Route, ...] = (
    "oral",
    "topical",
    "transdermal",
    "injection",
    "buccal",
    "sublingual",
    "intranasal",
    "rectal",
)
Schedule = Literal["II", "III", "IV", "V"]
GenericId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9 .\-]*(?:/[a-z0-9][a-z0-9 .\-]*)*$")]


class DrugName(VocabModel):
    """A name that implies its own route or dosage form ("Voltaren gel", "Lidoderm")."""

    name: NonEmpty
    route: Route | None = None
    form: NonEmpty | None = None


class MmeTier(VocabModel):
    up_to_mg_per_day: Annotated[float, Field(gt=0)] | None
    factor: Annotated[float, Field(gt=0)]


class Drug(VocabModel):
    generic: GenericId
    drug_class: SnakeId = Field(alias="class")
    route: Route
    kind: Literal["single", "combination", "compound"] = "single"
    ingredients: list[GenericId] = []
    names: list[NonEmpty | DrugName] = []
    cox2_selective: bool = False
    sedating: bool | None = None
    mme_factor: Annotated[float, Field(gt=0)] | None = None
    mme_unit: Literal["mg", "mcg/hr"] = "mg"
    mme_tiers: list[MmeTier] = []
    controlled_schedule: Schedule | None = None
    verify: bool = False
    note: NonEmpty | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Drug:
        if self.kind == "single" and self.ingredients:
            raise ValueError("a single drug lists no ingredients (kind: combination or compound)")
        if self.kind != "single" and len(self.ingredients) < 2:
            raise ValueError(f"a {self.kind} lists at least two ingredients")
        if self.mme_factor is not None and self.mme_tiers:
            raise ValueError("give mme_factor or mme_tiers, not both")
        if self.mme_tiers and self.mme_tiers[-1].up_to_mg_per_day is not None:
            raise ValueError("the last mme tier must be open (up_to_mg_per_day: null)")
        if self.verify and not self.note:
            raise ValueError("verify: true needs a note saying what to verify")
        return self

    @property
    def name_entries(self) -> list[DrugName]:
        """Every name of the drug, the generic first."""
        entries = [DrugName(name=self.generic)]
        entries += [DrugName(name=n) if isinstance(n, str) else n for n in self.names]
        return entries

    def mme_per_unit(self, mg_per_day: float | None = None) -> float | None:
        """MME per mg of the opioid component; tiered factors need the daily dose."""
        if self.mme_factor is not None:
            return self.mme_factor
        if not self.mme_tiers or mg_per_day is None:
            return None
        for tier in self.mme_tiers:
            if tier.up_to_mg_per_day is None or mg_per_day <= tier.up_to_mg_per_day:
                return tier.factor
        return None


class DrugFile(VocabModel):
    classes: dict[SnakeId, NonEmpty]
    drugs: Annotated[list[Drug], Field(min_length=1)]


class DrugMention(VocabModel):
    """A drug named in a text: the words as written, where, and what they resolve to."""

    text: NonEmpty
    span: Span
    generic: NonEmpty
    name: NonEmpty
    route: Route | None = None
    form: NonEmpty | None = None


# --- treatment kinds and body regions -----------------------------------------------------------


class TreatmentSubtype(VocabModel):
    id: SnakeId
    label: NonEmpty
    words: list[NonEmpty]
    # surgical procedures only (engine/procedures.py)
    approach: bool = False
    regions: list[SnakeId] = []
    cpt: list[NonEmpty] = []
    postsurgical: list[NonEmpty] = []


class TreatmentKind(VocabModel):
    id: SnakeId
    label: NonEmpty
    priority: Annotated[int, Field(ge=0)]
    visit_based: bool = False
    # kinds of one family are one treatment to the reader of a letter: what a letter says of
    # physical therapy is said of an occupational or aquatic therapy request too
    family: SnakeId | None = None
    words: list[NonEmpty]
    weak_words: list[NonEmpty] = []
    subtypes: list[TreatmentSubtype] = []

    @property
    def family_id(self) -> str:
        return self.family or self.id

    def subtype(self, subtype_id: str) -> TreatmentSubtype | None:
        return next((s for s in self.subtypes if s.id == subtype_id), None)


class TreatmentFile(VocabModel):
    ignore_phrases: list[NonEmpty]
    postsurgical_precedence: list[SnakeId] = []
    kinds: Annotated[list[TreatmentKind], Field(min_length=1)]


@dataclass(frozen=True, slots=True)
class TreatmentWord:
    """What a treatment phrase identifies: a kind, maybe a subtype; weak words yield to others."""

    kind: str
    subtype: str | None
    weak: bool


Side = Literal["left", "right", "bilateral"]
SpinalLetter = Literal["C", "T", "L", "S"]
RegionGroup = Literal["spine", "head", "trunk", "upper_extremity", "lower_extremity"]


class SideWords(VocabModel):
    left: list[NonEmpty]
    right: list[NonEmpty]
    bilateral: list[NonEmpty]


class BodyRegion(VocabModel):
    id: SnakeId
    label: NonEmpty
    group: RegionGroup
    sided: bool
    spinal_letters: list[SpinalLetter] = []
    words: Annotated[list[NonEmpty], Field(min_length=1)]
    chapters: list[KebabId]
    odg_chapters: list[KebabId]
    findings_from: list[SnakeId] = []


class BodyRegionFile(VocabModel):
    side_words: SideWords
    regions: Annotated[list[BodyRegion], Field(min_length=1)]
    # signs and tests that hold a region's word, by the region they test ("straight leg raise": the
    # lumbar roots, not the leg)
    signs: dict[NonEmpty, SnakeId] = {}


# Kinds the item normalizer names in code; the treatments file must define them.
REQUIRED_KINDS = frozenset(
    {"medication", "compound_topical", "other", "surgical_ancillary", "imaging", "physical_modality", SURGERY}
)


# --- the vocabulary -----------------------------------------------------------------------------

_DRUG_DESCRIPTORS = frozenset({"generic", "drug_class", "route", "sedating"})


class DescriptorCondition(Protocol):
    """A rule's `fact <op> value` test, as far as the vocabulary reads it."""

    @property
    def fact(self) -> str: ...

    @property
    def op(self) -> str: ...

    @property
    def value(self) -> object: ...


def _meets(actual: object, condition: DescriptorCondition) -> bool:
    wanted = condition.value
    match condition.op:
        case "eq":
            return actual == wanted
        case "ne":
            return actual != wanted
        case "in":
            return isinstance(wanted, tuple | list) and actual in wanted
        case "not_in":
            return isinstance(wanted, tuple | list) and actual not in wanted
    return False


_CITATION_LEADS: tuple[tuple[str, ...], ...] = (
    ("decision", "based", "on"),
    ("non", "citation"),
    ("the",),
)
_NON_MTUS = ("non", "mtus", "citation")
# "MTUS" is dropped everywhere: letters write it before and inside names ("... Guidelines MTUS
# (Effective July 18, 2009)").
_CITATION_FILLERS = frozenset({"mtus", "guideline", "guidelines", "chapter"})
_MONTHS = frozenset(
    {
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "effective",
    }
)


def _citation_key(name: str) -> tuple[str, ...]:
    """Words of a guideline name with leading "Decision based on", "MTUS", ... and fillers removed."""
    words = [w for w in phrase_key(name) if w not in _CITATION_FILLERS]
    stripped = True
    while stripped:
        stripped = False
        for lead in _CITATION_LEADS:
            if tuple(words[: len(lead)]) == lead:
                words = words[len(lead) :]
                stripped = True
    return tuple(words)


def _contains(words: tuple[str, ...], part: tuple[str, ...]) -> bool:
    return any(words[i : i + len(part)] == part for i in range(len(words) - len(part) + 1))


def _year_of(word: str) -> int | None:
    return int(word) if len(word) == 4 and word.isdigit() and 1990 <= int(word) <= 2099 else None


def _year_after(words: tuple[str, ...]) -> int | None:
    """The year right after a guideline's name: "2016", "(July 28, 2016)", "(Effective July 18, 2009)"."""
    for word in words[:4]:
        year = _year_of(word)
        if year is not None:
            return year
        if word not in _MONTHS and not (word.isdigit() and len(word) <= 2):
            return None
    return None


class Vocabulary:
    """The four vocabularies of guidelines/ with their lookups."""

    def __init__(
        self,
        catalog: Catalog,
        drug_file: DrugFile,
        treatment_file: TreatmentFile,
        region_file: BodyRegionFile,
        source_files: Sequence[Path],
        procedures: ProcedureTable,
    ) -> None:
        self.catalog = catalog
        self.procedures = procedures
        self.drug_classes = dict(drug_file.classes)
        self.drugs: dict[str, Drug] = {d.generic: d for d in drug_file.drugs}
        self.kinds: dict[str, TreatmentKind] = {k.id: k for k in treatment_file.kinds}
        self.regions: dict[str, BodyRegion] = {r.id: r for r in region_file.regions}
        self.source_files = tuple(source_files)

        self._editions: dict[str, Edition] = {}
        self._document_of: dict[str, Document] = {}
        for document in sorted(catalog.documents, key=lambda d: d.precedence):
            for edition in document.editions:
                self._editions[edition.id] = edition
                self._document_of[edition.id] = document
        self._edition_aliases: dict[tuple[str, ...], str] = {}
        self._document_aliases: dict[tuple[str, ...], Document] = {}
        self._odg_chapters: PhraseMatcher[str] = PhraseMatcher()
        for document in catalog.documents:
            for alias in document.citation_aliases:
                self._document_aliases.setdefault(_citation_key(alias), document)
            for edition in document.editions:
                for alias in edition.citation_aliases:
                    self._edition_aliases.setdefault(_citation_key(alias), edition.id)
            for chapter in document.chapters:
                for alias in chapter.aliases:
                    self._odg_chapters.add(alias, chapter.id)

        self.drug_names: PhraseMatcher[tuple[str, DrugName]] = PhraseMatcher()
        for drug in drug_file.drugs:
            for entry in drug.name_entries:
                self.drug_names.add(entry.name, (drug.generic, entry))

        self.treatment_words: PhraseMatcher[TreatmentWord | None] = PhraseMatcher()
        for phrase in treatment_file.ignore_phrases:
            self.treatment_words.add(phrase, None)
        for kind in treatment_file.kinds:
            for phrase in kind.words:
                self.treatment_words.add(phrase, TreatmentWord(kind.id, None, weak=False))
            for phrase in kind.weak_words:
                self.treatment_words.add(phrase, TreatmentWord(kind.id, None, weak=True))
            for subtype in kind.subtypes:
                for phrase in subtype.words:
                    self.treatment_words.add(phrase, TreatmentWord(kind.id, subtype.id, weak=False))

        self.region_words: PhraseMatcher[str] = PhraseMatcher()
        for region in region_file.regions:
            for phrase in region.words:
                self.region_words.add(phrase, region.id)
        self.sign_words: PhraseMatcher[str] = PhraseMatcher()
        for phrase, region_id in region_file.signs.items():
            self.sign_words.add(phrase, region_id)
        self.side_words: PhraseMatcher[Side] = PhraseMatcher()
        for side in ("left", "right", "bilateral"):
            for phrase in getattr(region_file.side_words, side):
                self.side_words.add(phrase, side)
        self.region_by_spinal_letter: dict[str, str] = {
            letter: region.id for region in region_file.regions for letter in region.spinal_letters
        }

    # drugs

    def drug(self, generic: str) -> Drug | None:
        return self.drugs.get(generic)

    def drug_by_name(self, name: str) -> Drug | None:
        """The drug a whole name (generic, brand or other name) denotes, or None."""
        found = self.drug_names.exact(name)
        return self.drugs[found[0]] if found else None

    def require_drug(self, name: str, path: str | Path | None, line: int | None) -> Drug:
        """The drug `name` denotes; an unknown name is bad input in file `path` at `line`."""
        drug = self.drug_by_name(name)
        if drug is None:
            raise InputError(
                path,
                f"unknown drug {name!r}: not in guidelines/{DRUGS_FILE} (add it with its generic and class)",
                line,
            )
        return drug

    def find_drugs(self, text: str) -> list[DrugMention]:
        """Drugs named in `text` (brand, generic or other name), in order of appearance."""
        mentions = []
        for match in self.drug_names.find(text):
            generic, entry = match.payload
            mentions.append(
                DrugMention(
                    text=text[match.start : match.end],
                    span=Span(start=match.start, end=match.end),
                    generic=generic,
                    name=entry.name,
                    route=entry.route,
                    form=entry.form,
                )
            )
        return mentions

    def opioid_component(self, drug: Drug) -> Drug | None:
        """The opioid a drug is or contains (the ingredient an MME is counted on)."""
        if drug.kind == "single":
            return drug if drug.drug_class == "opioid" else None
        return next(
            (self.drugs[i] for i in drug.ingredients if self.drugs[i].drug_class == "opioid"),
            None,
        )

    # treatments and regions

    @property
    def kind_ids(self) -> tuple[str, ...]:
        return tuple(self.kinds)

    def kind(self, kind_id: str) -> TreatmentKind | None:
        return self.kinds.get(kind_id)

    def describe_treatment(
        self, kind: str, subtype: str | None, generic: str | None
    ) -> dict[str, str | bool | None]:
        """The treatment descriptors rules may test, read off the vocabularies (None: not known).

        The route is the drug's usual one; a request's own route ("Voltaren gel") is the item's.
        """
        drug = self.drugs.get(generic) if generic is not None else None
        return {
            "kind": kind,
            "subtype": subtype,
            "generic": generic,
            "drug_class": drug.drug_class if drug else None,
            "route": drug.route if drug else None,
            "sedating": drug.sedating if drug else None,
        }

    def generics_for(self, conditions: Iterable[DescriptorCondition]) -> list[str]:
        """Generics whose descriptors meet every eq/ne/in/not_in condition on a drug descriptor."""
        drug_conditions = [c for c in conditions if c.fact in _DRUG_DESCRIPTORS]
        return [
            drug.generic
            for drug in self.drugs.values()
            if all(
                _meets(self.describe_treatment("medication", None, drug.generic)[c.fact], c)
                for c in drug_conditions
            )
        ]

    def region(self, region_id: str) -> BodyRegion | None:
        return self.regions.get(region_id)

    # guideline catalog

    def edition(self, edition_id: str) -> Edition | None:
        return self._editions.get(edition_id)

    def has_edition(self, edition_id: str) -> bool:
        return edition_id in self._editions

    def document_of(self, edition_id: str) -> Document | None:
        return self._document_of.get(edition_id)

    def editions_in_force(self, on: dt.date) -> list[Edition]:
        """Editions that govern a request made on `on`, MTUS first (document precedence)."""
        return [edition for edition in self._editions.values() if edition.in_force(on)]

    def resolve_citation(self, guideline_name: str, year: int | None = None) -> str | None:
        """The edition id a letter's guideline name denotes, or None if unknown or ambiguous.

        `guideline_name` may run on past the name ("Low Back Complaints 2004, Section(s): ...");
        a year written after the name wins over `year`. A "Non-MTUS Citation" never resolves to
        an MTUS edition; one that names ODG anywhere ("Neck and Upper Back, ..., ODG Preface") is ODG.
        """
        non_mtus = _contains(phrase_key(guideline_name)[:6], _NON_MTUS)
        words = _citation_key(guideline_name)
        for length in range(len(words), 0, -1):
            edition_id = self._edition_aliases.get(words[:length])
            if edition_id is None or (non_mtus and self._document_of[edition_id].authority == "mtus"):
                continue
            edition = self._editions[edition_id]
            wanted = _year_after(words[length:]) or year
            alias_has_year = any(_year_of(w) is not None for w in words[:length])
            if alias_has_year or wanted is None or edition.citation_year in (None, wanted):
                return edition_id
            break
        for length in range(len(words), 0, -1):
            document = self._document_aliases.get(words[:length])
            if document is None or (non_mtus and document.authority == "mtus"):
                continue
            wanted = _year_after(words[length:]) or year
            candidates = [e for e in document.editions if wanted is None or e.citation_year in (None, wanted)]
            return candidates[0].id if len(candidates) == 1 else None
        if non_mtus:
            for alias, document in self._document_aliases.items():
                if document.authority == "odg" and _contains(words, alias):
                    return document.editions[0].id
        return None

    def odg_chapters(self, text: str) -> list[str]:
        """ODG chapter ids named in a citation, in order ("Neck and Upper Back; Low Back")."""
        chapters: list[str] = []
        for match in self._odg_chapters.find(text):
            if match.payload not in chapters:
                chapters.append(match.payload)
        return chapters

    # checks for case and rule files

    def value_problem(self, fact: str, value: object) -> str | None:
        """Why `value` is not a known vocabulary value for `fact`, or None (also for other facts)."""
        allowed = self._vocabulary_values(fact)
        if allowed is None:
            return None
        values = value if isinstance(value, list | tuple) else [value]
        for v in values:
            if v not in allowed:
                source = DRUGS_FILE
                if fact in ("kind", "subtype", "procedures", "index_procedures"):
                    source = TREATMENTS_FILE
                if fact in ("body_region", "body_regions", "laterality"):
                    source = BODY_REGIONS_FILE
                return f"unknown {fact} {v!r} (see guidelines/{source})"
        return None

    def _vocabulary_values(self, fact: str) -> frozenset[object] | None:
        match fact:
            case "kind":
                return frozenset(self.kinds)
            case "subtype":
                return frozenset(s.id for k in self.kinds.values() for s in k.subtypes)
            case "generic" | "ingredients":
                return frozenset(self.drugs)
            case "drug_class":
                return frozenset(self.drug_classes)
            case "route":
                return frozenset(ROUTES)
            case "body_region" | "body_regions":
                return frozenset(self.regions)
            case "laterality":
                return frozenset(("left", "right", "bilateral"))
            case "procedures" | "index_procedures":
                return frozenset(s.id for s in self.kinds[SURGERY].subtypes)
        return None

    def item_problems(
        self, kind: str, subtype: str | None, generic: str | None, ingredients: Sequence[str]
    ) -> list[tuple[str, str]]:
        """(field, problem) for each treatment descriptor of a requested item the vocabulary lacks."""
        problems: list[tuple[str, str]] = []
        known_kind = self.kinds.get(kind)
        if known_kind is None:
            problems.append(("kind", f"unknown treatment kind {kind!r} (see guidelines/{TREATMENTS_FILE})"))
        elif subtype is not None and known_kind.subtype(subtype) is None:
            choices = ", ".join(s.id for s in known_kind.subtypes) or "none"
            problems.append(("subtype", f"kind {kind!r} has no subtype {subtype!r} (subtypes: {choices})"))
        if generic is not None and generic not in self.drugs:
            problems.append(("generic", f"unknown drug {generic!r} (see guidelines/{DRUGS_FILE})"))
        for ingredient in ingredients:
            if ingredient not in self.drugs:
                problems.append(("ingredients", f"unknown drug {ingredient!r} (see guidelines/{DRUGS_FILE})"))
        return problems


# --- loading --------------------------------------------------------------------------------------


def _check_unique(
    doc: YamlDocument, seen: dict[str, str], key: str, owner: str, loc: Sequence[str | int]
) -> None:
    if key in seen and seen[key] != owner:
        raise doc.error(loc, f"{key!r} is already used by {seen[key]!r}")
    seen[key] = owner


def _check_catalog(doc: YamlDocument) -> Catalog:
    catalog = validate(doc, Catalog)
    document_ids: dict[str, str] = {}
    edition_ids: dict[str, str] = {}
    edition_aliases: dict[str, str] = {}
    document_aliases: dict[str, str] = {}
    for i, document in enumerate(catalog.documents):
        _check_unique(doc, document_ids, document.id, f"document {i}", ("documents", i, "id"))
        if document.chapters and document.authority != "odg":
            raise doc.error(("documents", i, "chapters"), "only ODG lists chapters")
        for j, alias in enumerate(document.citation_aliases):
            key = " ".join(_citation_key(alias))
            if not key:
                raise doc.error(("documents", i, "citation_aliases", j), f"alias {alias!r} has no words")
            _check_unique(doc, document_aliases, key, document.id, ("documents", i, "citation_aliases", j))
        for j, edition in enumerate(document.editions):
            loc: tuple[str | int, ...] = ("documents", i, "editions", j)
            _check_unique(doc, edition_ids, edition.id, document.id, (*loc, "id"))
            start, end = edition.effective_from, edition.effective_to
            if start is not None and end is not None and end < start:
                raise doc.error(
                    (*loc, "effective_to"), f"effective_to {end} is before effective_from {start}"
                )
            if edition.verify and not edition.note:
                raise doc.error((*loc, "verify"), "verify: true needs a note saying what to verify")
            for k, alias in enumerate(edition.citation_aliases):
                key = " ".join(_citation_key(alias))
                _check_unique(doc, edition_aliases, key, edition.id, (*loc, "citation_aliases", k))
    return catalog


def _check_drugs(doc: YamlDocument) -> DrugFile:
    drug_file = validate(doc, DrugFile)
    generics = {d.generic: d for d in drug_file.drugs}
    names: dict[str, str] = {}
    for i, drug in enumerate(drug_file.drugs):
        loc: tuple[str | int, ...] = ("drugs", i)
        if list(generics).index(drug.generic) != i:
            raise doc.error((*loc, "generic"), f"drug {drug.generic!r} is listed twice")
        if drug.drug_class not in drug_file.classes:
            raise doc.error((*loc, "class"), f"unknown drug class {drug.drug_class!r} (see classes)")
        for j, ingredient in enumerate(drug.ingredients):
            if ingredient not in generics or ingredient == drug.generic:
                raise doc.error(
                    (*loc, "ingredients", j), f"ingredient {ingredient!r} is not a drug of this file"
                )
        is_opioid = drug.drug_class == "opioid"
        if (drug.mme_factor is not None or drug.mme_tiers) and not is_opioid:
            raise doc.error((*loc, "mme_factor"), "only opioids carry an MME factor")
        if is_opioid and drug.kind != "single":
            opioids = [generics[g] for g in drug.ingredients if generics[g].drug_class == "opioid"]
            if opioids and opioids[0].mme_factor != drug.mme_factor:
                raise doc.error(
                    (*loc, "mme_factor"),
                    f"MME factor must be that of its opioid {opioids[0].generic!r} ({opioids[0].mme_factor})",
                )
        for j, entry in enumerate(drug.name_entries):
            name_loc = (*loc, "names", j - 1) if j else (*loc, "generic")
            key = " ".join(phrase_key(entry.name))
            if not key:
                raise doc.error(name_loc, f"name {entry.name!r} has no words")
            if key in names and names[key] == drug.generic:
                raise doc.error(name_loc, f"name {entry.name!r} is listed twice for {drug.generic!r}")
            _check_unique(doc, names, key, drug.generic, name_loc)
    return drug_file


def _check_treatments(doc: YamlDocument, region_ids: frozenset[str]) -> tuple[TreatmentFile, ProcedureTable]:
    treatment_file = validate(doc, TreatmentFile)
    kind_ids: dict[str, str] = {}
    phrases: dict[str, str] = {}
    for j, phrase in enumerate(treatment_file.ignore_phrases):
        _check_unique(doc, phrases, " ".join(phrase_key(phrase)), "ignore_phrases", ("ignore_phrases", j))
    for i, kind in enumerate(treatment_file.kinds):
        loc: tuple[str | int, ...] = ("kinds", i)
        _check_unique(doc, kind_ids, kind.id, f"kind {i}", (*loc, "id"))
        subtype_ids: dict[str, str] = {}
        word_lists: list[tuple[tuple[str | int, ...], str, list[str]]] = [
            ((*loc, "words"), kind.id, kind.words),
            ((*loc, "weak_words"), kind.id, kind.weak_words),
        ]
        for j, subtype in enumerate(kind.subtypes):
            _check_unique(doc, subtype_ids, subtype.id, f"subtype {j}", (*loc, "subtypes", j, "id"))
            word_lists.append(((*loc, "subtypes", j, "words"), f"{kind.id}/{subtype.id}", subtype.words))
        for list_loc, owner, words in word_lists:
            for j, phrase in enumerate(words):
                key = " ".join(phrase_key(phrase))
                if not key:
                    raise doc.error((*list_loc, j), f"phrase {phrase!r} has no words")
                if key in phrases:
                    raise doc.error((*list_loc, j), f"phrase {phrase!r} already identifies {phrases[key]!r}")
                phrases[key] = owner
    missing = sorted(REQUIRED_KINDS - set(kind_ids))
    if missing:
        raise doc.error(("kinds",), f"the treatments file must define kind(s): {', '.join(missing)}")
    surgery = list(kind_ids).index(SURGERY)
    procedures = build_procedure_table(
        doc,
        surgery,
        treatment_file.kinds[surgery].subtypes,
        region_ids,
        treatment_file.postsurgical_precedence,
    )
    return treatment_file, procedures


def _check_regions(doc: YamlDocument, catalog: Catalog) -> BodyRegionFile:
    region_file = validate(doc, BodyRegionFile)
    editions = {e.id for d in catalog.documents for e in d.editions}
    odg_chapters = {c.id for d in catalog.documents for c in d.chapters}
    region_ids: dict[str, str] = {}
    phrases: dict[str, str] = {}
    letters: dict[str, str] = {}
    for side in ("left", "right", "bilateral"):
        for j, phrase in enumerate(getattr(region_file.side_words, side)):
            _check_unique(doc, phrases, " ".join(phrase_key(phrase)), side, ("side_words", side, j))
    for i, region in enumerate(region_file.regions):
        loc: tuple[str | int, ...] = ("regions", i)
        _check_unique(doc, region_ids, region.id, f"region {i}", (*loc, "id"))
        for j, phrase in enumerate(region.words):
            key = " ".join(phrase_key(phrase))
            if key in phrases:
                raise doc.error((*loc, "words", j), f"word {phrase!r} already identifies {phrases[key]!r}")
            phrases[key] = region.id
        for j, letter in enumerate(region.spinal_letters):
            _check_unique(doc, letters, letter, region.id, (*loc, "spinal_letters", j))
        for j, chapter in enumerate(region.chapters):
            if chapter not in editions:
                raise doc.error(
                    (*loc, "chapters", j), f"unknown guideline edition {chapter!r} (see {CATALOG_FILE})"
                )
        for j, chapter in enumerate(region.odg_chapters):
            if chapter not in odg_chapters:
                raise doc.error(
                    (*loc, "odg_chapters", j), f"unknown ODG chapter {chapter!r} (see {CATALOG_FILE})"
                )
    known = {region.id for region in region_file.regions}
    for i, region in enumerate(region_file.regions):
        for j, other in enumerate(region.findings_from):
            if other not in known:
                raise doc.error(("regions", i, "findings_from", j), f"unknown body region {other!r}")
    for phrase, region_id in region_file.signs.items():
        if region_id not in known:
            raise doc.error(("signs", phrase), f"unknown region {region_id!r}")
    return region_file


class _FastStrictLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """libyaml's parser with the same refusal of duplicate keys as engine.yamlio."""


def _refuse_duplicate_keys(loader: _FastStrictLoader, node: yaml.MappingNode, deep: bool = False) -> Any:
    keys = [loader.construct_object(key_node, deep=deep) for key_node, _ in node.value]
    try:
        duplicated = len(keys) != len(set(keys))
    except TypeError:  # an unhashable key: construct_mapping reports it
        duplicated = False
    if duplicated:
        raise yaml.constructor.ConstructorError(None, None, "duplicate key", node.start_mark)
    return loader.construct_mapping(node, deep=deep)


_FastStrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _refuse_duplicate_keys)

M = TypeVar("M")


def _read(path: Path, check: Callable[[YamlDocument], M]) -> M:
    """Parse and check one file. The vocabulary loads at every start of the CLI, and keeping line
    numbers makes parsing several times slower, so lines are only recovered to report a problem."""
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_FastStrictLoader)
        return check(YamlDocument(path=path, data=data, root=None))
    except (OSError, UnicodeDecodeError, yaml.YAMLError, InputError):
        return check(load_yaml(path))


@cache
def load_vocabulary(directory: Path = GUIDELINES_DIR) -> Vocabulary:
    """Read and cross-check the four vocabulary files; the first problem raises InputError."""
    paths = [directory / name for name in (CATALOG_FILE, DRUGS_FILE, TREATMENTS_FILE, BODY_REGIONS_FILE)]
    # checked vocabularies are cached by the content of the files and of this module
    code = [Path(__file__), Path(__file__).with_name("procedures.py")]
    return load_cached("vocabulary", [*paths, *code], lambda: _build_vocabulary(paths), Vocabulary)


def _build_vocabulary(paths: list[Path]) -> Vocabulary:
    catalog = _read(paths[0], _check_catalog)
    drug_file = _read(paths[1], _check_drugs)
    region_file = _read(paths[3], lambda doc: _check_regions(doc, catalog))
    region_ids = frozenset(r.id for r in region_file.regions)
    treatment_file, procedures = _read(paths[2], lambda doc: _check_treatments(doc, region_ids))
    return Vocabulary(catalog, drug_file, treatment_file, region_file, paths, procedures)
