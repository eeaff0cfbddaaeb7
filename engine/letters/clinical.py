"""Clinical facts read from a letter's case summary and rationales, each with its evidence.

The summary and every rationale are split into sentences with spans in the letter's normalized
text. Two kinds of sentence are never read:
- sentences that state a conclusion ("... is not medically necessary", "non-certified", "the request
  is not supported", the UR's reasons for its decision): facts used to predict an outcome never come
  from the outcome itself (blind mode);
- sentences that only restate a guideline ("MTUS recommends ...", "There should be documentation of
  ..."): they name every finding the guideline asks for, none of which is about this patient.
The other sentences are matched against the cues of guidelines/cues/*.yaml (engine.letters.cues).
A mention of a fact is negated by a negation in its own clause ("no documentation of objective
functional improvement", "There is no evidence of red flags", "lack of ..."), or, where the fact allows
it, by a negative predicate after it ("... was not documented"); "whether" leaves it undecided.

Where a fact lands: a case-scope fact from the summary is a case finding; an item-scope fact from the
summary attaches to the requested items the sentence names (drug, drug class or treatment words, the
nearest ones in a list), or, when it names nothing, to the items the fact's `applies_to` admits. A
rationale's item facts belong to its own item; its case-scope facts become findings where the
summary is silent, and item values where the rationale disagrees with the summary. Cues that ask
for it are also read in each item's own heading (section "request"), for that item. Within one
section the later sentence wins, unless the fact prefers a value. `prescriptions` reads the dosing
and therapy schedules the summary writes for the requested items.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

from engine.facts import Documented, Evidence, FactValue
from engine.letters.cues import (
    DATE_RE,
    AnyOf,
    Cue,
    CueBook,
    FactRules,
    ItemFilter,
    Key,
    KeySet,
    parse_date,
    parse_number,
)
from engine.letters.items import Frequency, normalize_item
from engine.letters.model import ParsedLetter
from engine.vocab import Token, Vocabulary, phrase_key, tokenize

SectionName = Literal["summary", "rationale", "request"]
_I = re.IGNORECASE

# --- sentences ------------------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9])|(?<=[a-z0-9]\.)(?=[A-Z][a-z]+\b)|\n")
_WORD_BEFORE_PERIOD = re.compile(r"(?:^|[\s(\[\"'])(?P<word>[A-Za-z][A-Za-z.]*)$")
# Abbreviations after which a period does not end the sentence. Words that also end sentences
# ("PT.", "etc.") are not among them; "No." is, before a number.
_ABBREVIATIONS = frozenset(
    [
        "dr",
        "mr",
        "mrs",
        "ms",
        "vs",
        "e.g",
        "i.e",
        "eg",
        "ie",
        "approx",
        "pg",
        "pgs",
        "pp",
        "fig",
        "jr",
        "sr",
        "u.s",
        "jan",
        "feb",
        "aug",
        "sept",
        "oct",
        "nov",
        "dec",
    ]
)
_QUOTES = re.compile(r"[\"“”]")


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence of the summary or of a rationale; `text == letter.text[start:end]`."""

    start: int
    end: int
    text: str
    section: SectionName
    item_id: str | None
    opens_quote: bool = False
    lowered: str = ""


def split_sentences(
    text: str, start: int, end: int, section: SectionName, item_id: str | None = None
) -> list[Sentence]:
    """The sentences of text[start:end], trimmed, each with its absolute span."""
    sentences: list[Sentence] = []
    position = start
    for boundary in _SENTENCE_END.finditer(text, start, end):
        if boundary.group() != "\n" and _is_abbreviation(text, boundary.start()):
            continue
        _append_sentence(sentences, text, position, boundary.end(), section, item_id)
        position = boundary.end()
    _append_sentence(sentences, text, position, end, section, item_id)
    return sentences


def _is_abbreviation(text: str, period: int) -> bool:
    if period >= len(text) or text[period] != ".":
        return False
    before = _WORD_BEFORE_PERIOD.search(text, max(0, period - 12), period)
    if before is None:
        return False
    word = before.group("word").lower().rstrip(".")
    if word in ("no", "p"):
        return text[period + 1 : period + 3].strip()[:1].isdigit()
    return word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha() and before.group("word").isupper())


def _append_sentence(
    sentences: list[Sentence], text: str, start: int, end: int, section: SectionName, item_id: str | None
) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        written = text[start:end]
        opens_quote = len(_QUOTES.findall(written)) % 2 == 1
        sentences.append(Sentence(start, end, written, section, item_id, opens_quote, written.lower()))


# --- blind mode: sentences that state an outcome ----------------------------------------------------

_SUBJECT = (
    r"(?:the|this|that|such|these|a|an)\s+(?:requests?|requested|treatments?|services?|items?|procedures?|"
    r"medications?|studies|study|therapy|prescriptions?)"
)
CONCLUSION = AnyOf(
    r"\bmedically\s+(?:necessary|appropriate|reasonable|indicated)",
    r"\bmedical(?:ly)?\s+necess",
    r"\b(?:partially[-\s]?|non[-\s]?|un)?certif(?:y|ied|ies|ication)\b",
    r"\b(?:upheld|overturned)\b",
    r"\b(?:is|are|was|were|be|been)\s+not\s+(?:medically\s+)?(?:indicated|warranted|supported)\b",
    r"\b(?:is|are|was|were|be|been)\s+(?:medically\s+)?(?:indicated|warranted|supported)\b"
    r"(?!\s+(?:that|by\s+the\s+(?:patient|injured|applicant|claimant)|in\s+the\s+(?:medical\s+)?records?))",
    rf"\b{_SUBJECT}\b[^.;]*?\b(?:is|are|was|were|be|been)\s+(?:\w+ly\s+)?(?:not\s+)?(?:recommended|appropriate|"
    r"reasonable|justified|approved|denied|modified|necessary|established)\b",
    rf"\b(?:therefore|thus|hence|as\s+such|accordingly|consequently|in\s+conclusion|given\s+the\s+above)\b,?\s+{_SUBJECT}\b",
    r"\b(?:denied|modified|approved|authorized|non-?certified)\s+(?:the\s+|this\s+|a\s+)?(?:requests?|requested)\b",
    r"(?<!status\s)(?<!duty\s)\b(?:was|were|been|is|are)\s+(?:\w+ly\s+)?(?:denied|modified)\b",
    r"\b(?:cannot|can\s+not|could\s+not)\s+be\s+(?:considered|recommended|supported|certified|approved)\b",
    r"\bdetermined\s+to\s+(?:not\s+)?be\b",
    r"\b(?:UR|utilization\s+review|claims\s+administrator|reviewer|prior)(?:['’]s)?\s+(?:rationale|reasoning|"
    r"determination|decision)\b",
    r"\brationale\s+(?:follows|is\s+as\s+follows|was\s+as\s+follows)\b",
)


def states_conclusion(sentence: str, present: set[Key] | None = None, lowered: str | None = None) -> bool:
    """Whether a sentence states the outcome of a review (IMR or UR): never read, in any mode.

    `present` may give the keys found in the sentence (see engine.letters.cues.KeyIndex)."""
    return CONCLUSION.search(sentence, present, lowered)


# --- sentences that only restate a guideline ---------------------------------------------------------

_GUIDELINE_MARK = AnyOf(
    r"\b(?:MTUS|ODG|ACOEM|FDA|UpToDate)\b",
    r"\bguidelines?\b",
    r"\bOfficial\s+Disability\b",
    r"\bMedical\s+Treatment\b",
    r"\bliterature\b",
    r"\bstudies\b",
    r"\brecommend(?:s|ed|ations?)?\b",
    r"\bshould\b",
    r"\bmust\b",
    r"\bought\s+to\b",
    r"\bcriteria\b",
    r"\bindications?\s+for\b",
    r"\b(?:is|are)\s+(?:an?\s+)?(?:option|indicated)\b",
    r"\bmay\b",
    r"\bmight\b",
    r"\bcan\s+(?:be|include|help|reduce|improve|lead)\b",
    r"\bpatients\s+(?:with|who)\b",
    r"\bin\s+patients\b",
    r"\bevidence[-\s]based\b",
    r"\bdefined\b",
    r"\bmeans\b",
    r"\bunless\b",
    r"\bplacebo\b",
    r"\bconfidence\s+interval\b",
    r"\brandomized\b",
    r"\btrials\b",
    r"\bthey\s+(?:also\s+)?state\b",
    r"\bSection\s+\d",
    r"\b9792\.\d+",
    r"^\W*\(?(?:\d|[a-h])\)",
)
# A normative frame names the guideline's requirement even where the patient is mentioned.
_NORMATIVE_FRAME = AnyOf(
    r"\bthere\s+(?:should|must)\s+be\b",
    r"\b(?:should|must)\s+(?:be\s+)?(?:documented|include|demonstrate|have\s+been)\b",
    r"\b(?:MTUS|ODG|ACOEM|guidelines?)\b[^.;]{0,60}\b(?:recommends?|states?|supports?|notes?|requires?|indicates?|"
    r"allows?|advises?|suggests?|specif(?:y|ies))\b(?![^.;]{0,40}\b(?:in\s+this\s+case|here)\b)",
    r"\b(?:if|when|unless|once|until)\s+(?:the\s+)?(?:patient|injured\s+worker|applicant|claimant)\b",
    r"^\W*(?:if|unless|once|where)\b",
)
_CASE_OPENING = re.compile(r"^\W*(?:however,?\s+)?(?:in\s+this\s+case|here)\b", _I)
_PERSON = r"(?:injured\s+worker|patient|applicant|claimant|employee|IW|individual)"
# Words that tie a sentence to this patient's record.
_CASE_ANCHOR = AnyOf(
    r"\bin\s+this\s+(?:case|instance|patient)\b",
    r"\bin\s+the\s+(?:present|current|instant)\s+case\b",
    r"\bhere\b",
    rf"\b(?:this|the)\s+{_PERSON}'s",
    rf"(?<!if\s)(?<!when\s)(?<!that\s)(?<!unless\s)\b(?:this|the)\s+{_PERSON}\s+(?:has|had|is|was|does|did|"
    r"reports?|reported|complains?|complained|continues?|remains?|underwent|received|denies|denied|states?|stated|"
    r"notes?|noted|presents?|presented|uses?|used|takes?|took|utilized|utilizes|cannot|can|could|should|would|will)\b",
    r"\b(?:he|she)\s+(?:has|had|is|was|does|did|reports?|reported|continues?|remains?|underwent|received|"
    r"denies|denied|states?|stated)\b",
    r"\b(?:the|these|those)\s+(?:submitted|available|provided|clinical|medical|enclosed|reviewed)?\s*"
    r"(?:documentation|records?|reports?|notes?|progress\s+(?:notes?|reports?))\b",
    r"\bsubmitted\s+for\s+review\b",
    r"\b(?:treating|attending|requesting|primary|prescribing)\s+(?:physician|provider|doctor|clinician)\b",
    r"\bthere\s+(?:is|was|are|were|has\s+been|have\s+been)\s+(?:no|not|a\s+lack|little|insufficient|limited)\b",
    r"\b(?:on|dated|of)\s+" + DATE_RE,
)
# Weaker ties: the past tense and the record's words. Guidelines speak in the general present.
_RECORD_WORDS = re.compile(
    r"\b(?:was|were|had|has\s+been|have\s+been|did|reported|reports|noted|documented|documentation|"
    r"records?|notes|prescribed|prescribing|received|underwent|completed|attended|occurred|revealed|"
    r"showed|demonstrated|provided|submitted|presented|complained|currently|remains|continues)\b",
    _I,
)


def restates_guideline(
    sentence: str,
    section: SectionName = "rationale",
    present: set[Key] | None = None,
    lowered: str | None = None,
) -> bool:
    """Whether a sentence only tells what a guideline says, naming no finding about this patient.

    A rationale sentence that neither names this case nor speaks of the record in the past tense is
    the reviewer restating the guideline; so is any sentence with a guideline's words and no tie to
    this case, or one framed as a requirement ("There should be documentation of ...").
    """
    lowered = sentence.lower() if lowered is None else lowered
    present = _SENTENCE_KEYS.found_in(lowered) if present is None else present
    if _NORMATIVE_FRAME.search(sentence, present, lowered) and _CASE_OPENING.search(sentence) is None:
        return True
    marked = _GUIDELINE_MARK.search(sentence, present, lowered)
    if not marked and section != "rationale":
        return False
    if _CASE_ANCHOR.search(sentence, present, lowered):
        return False
    return marked or _RECORD_WORDS.search(sentence) is None


_SENTENCE_KEYS = KeySet(
    key
    for test in (CONCLUSION, _GUIDELINE_MARK, _NORMATIVE_FRAME, _CASE_ANCHOR)
    for key in test.index.keys.keys
)
# Built once per cue book; the book is held so that its id is never reused for another.
_KEY_SETS: dict[int, tuple[CueBook, KeySet]] = {}


def _key_set(cues: CueBook) -> KeySet:
    """Every key the cues and the sentence tests look for."""
    entry = _KEY_SETS.get(id(cues))
    if entry is None or entry[0] is not cues:
        entry = _KEY_SETS[id(cues)] = (cues, KeySet(cues.index.keys.keys | _SENTENCE_KEYS.keys))
    return entry[1]


# --- negation ------------------------------------------------------------------------------------------

_NEGATOR = re.compile(
    r"\b(?:no|not|never|none|neither|nor|without|cannot|lacks?|lacking|lacked|absence|absent|denie[sd]|deny|"
    r"denying|fail(?:s|ed|ing)?\s+to|unable\s+to|insufficient(?:ly)?|inadequate(?:ly)?|"
    r"(?<!a\s)little|minimal|negative\s+for|ruled\s+out|free\s+of|rather\s+than|instead\s+of|"
    r"unclear|unknown|undocumented)\b|n't\b",
    _I,
)
# A negation written inside a mention ("there were no spasms") negates it too.
_NEGATOR_WORD = re.compile(r"\b(?:no|not|never|none|neither|nor|without|denie[sd]|deny)\b|n't\b", _I)
_CLAUSE_BREAK = re.compile(
    r"[;:]|\b(?:but|however|although|though|whereas|except|yet|while|which|despite|other\s+than|apart\s+from|"
    r"because|given\s+that|so\s+that|as\s+(?=(?:the|he|she|they|his|her|this|there|it)\b))\b"
    r"|,\s+and\s+(?:he|she|they|his|her|this|it|there|on|at)\b",
    _I,
)
# An embedded question leaves a mention undecided: "does not document when the medication was first
# prescribed" says nothing about whether it was; "whether" does so even without a negation.
_EMBEDDED_QUESTION = re.compile(r"\b(?:whether|when|if(?!\s+any\b)|how|what|which|why)\b", _I)
_MODIFIER_PHRASE = re.compile(
    r"(?<=\w)\s+\w[\w\s,'-]*?\b(?:(?:with|from|after|during|following|despite|since)\s+(?:\w+\s+){0,3}|"
    r"to\s+(?:the|his|her|their|this|these|those|prior|previous|recent)\s+(?:\w+\s+){0,2})$",
    _I,
)
_WHETHER = re.compile(r"\b(?:whether|if\s+(?:or\s+not|the\s+\w+\s+(?:has|had|was|is)))\b", _I)
_NEGATED_AFTER = re.compile(
    r"^\W*(?:[\w'-]+\W+){0,5}?(?:(?:is|are|was|were|has|have|had|does|do|did)(?:\s+been)?\s+(?:not|never|neither)\b|"
    r"(?:is|are|was|were)\s+(?:absent|lacking|missing|unclear|unknown|denied|negative)\b|"
    r"not\s+(?:documented|noted|reported|provided|present|evident|seen|found|demonstrated|established|"
    r"described|specified|given|mentioned|included|submitted|available|clear|quantified|objectified|measured|"
    r"recorded|addressed|discussed)\b|(?:isn't|wasn't|aren't|weren't|hasn't|haven't)\b)",
    _I,
)

Polarity = Literal["affirmed", "negated", "undecided"]


def _clause_start(text: str, position: int) -> int:
    start = 0
    for match in _CLAUSE_BREAK.finditer(text, 0, position):
        start = match.end()
    return start


def _clause_end(text: str, position: int) -> int:
    match = _CLAUSE_BREAK.search(text, position)
    return match.start() if match else len(text)


def polarity(sentence: str, start: int, end: int, after: bool = True) -> Polarity:
    """Whether the words sentence[start:end] are affirmed, negated or left undecided in their clause."""
    clause_start = _clause_start(sentence, start)
    if _WHETHER.search(sentence, clause_start, start):
        return "undecided"
    negator = next(reversed(list(_NEGATOR.finditer(sentence, clause_start, start))), None)
    if negator is not None:
        if _EMBEDDED_QUESTION.search(sentence, negator.end(), start):
            return "undecided"
        if _MODIFIER_PHRASE.search(sentence, negator.end(), start):
            # "no documentation of improvement with the previous sessions": the negation is of the
            # improvement; the sessions stand
            return "affirmed"
        return "negated"
    if _NEGATOR_WORD.search(sentence, start, end):
        return "negated"
    if after and _NEGATED_AFTER.search(sentence[end : _clause_end(sentence, end)]) is not None:
        return "negated"
    return "affirmed"


def is_negated(sentence: str, start: int, end: int, after: bool = True) -> bool:
    """Whether the words sentence[start:end] are negated in their clause."""
    return polarity(sentence, start, end, after) == "negated"


# --- what a sentence names ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ItemTarget:
    """What the clinical reader needs to know of a requested item to attach facts to it."""

    item_id: str
    kind: str
    generic: str | None
    ingredients: frozenset[str]
    drug_class: str | None
    is_drug: bool
    visit_based: bool = False

    def admitted_by(self, admitted: ItemFilter | None) -> bool:
        if admitted is None:
            return True
        return self.kind in admitted.kinds or (
            self.drug_class is not None and self.drug_class in admitted.drug_classes
        )


# How specific a name is: a drug names one drug; a treatment word a kind; a class word a drug class;
# "medications", "sessions", "conservative care" any treatment of a sort.
_DRUG, _KIND, _CLASS, _GENERIC = 3, 2, 1, 0


@dataclass(frozen=True, slots=True)
class _Name:
    """A treatment named in a sentence, how specific the words are, and the requested items they name."""

    start: int
    end: int
    items: frozenset[str]
    rank: int
    # names of one family may stand in one list: drugs with drug classes, therapies with therapies
    drug_family: bool

    @property
    def is_drug(self) -> bool:
        return self.rank == _DRUG

    @property
    def specific(self) -> bool:
        return self.rank >= _KIND


_OTHER_BEFORE = re.compile(r"\b(?:other|another|additional|further|different|alternative)\s+(?:\w+\s+)?$", _I)
# "medications including Norco and Motrin": the list says which medications.
_LIST_FOLLOWS = re.compile(
    r"^(?:\s+\w+)?\s*(?:,\s*)?(?:including|includ(?:e|es|ed)|such\s+as|namely|consisting\s+of|of|listed|list|:)\s",
    _I,
)
# Words that may stand between the names of a list: "Flexeril 10 mg #60, and Norco".
_LIST_FILLER = frozenset(
    [
        "and",
        "or",
        "plus",
        "as",
        "well",
        "mg",
        "mcg",
        "g",
        "gm",
        "gms",
        "ml",
        "tab",
        "tabs",
        "tablet",
        "tablets",
        "cap",
        "caps",
        "capsule",
        "capsules",
        "er",
        "xr",
        "cr",
        "sr",
        "dr",
        "hcl",
        "patch",
        "patches",
        "cream",
        "gel",
        "bid",
        "tid",
        "qid",
        "daily",
        "prn",
        "po",
        "the",
    ]
)
_GAP_WORD = re.compile(r"[A-Za-z]+")


class _Namer:
    """Finds the treatments a sentence names and the requested items they are."""

    def __init__(self, vocab: Vocabulary, cues: CueBook, targets: Sequence[ItemTarget]) -> None:
        self.vocab = vocab
        self.cues = cues
        self.targets = targets
        self._names: dict[int, list[_Name]] = {}
        self._drugs: dict[str, list[tuple[int, int, str]]] = {}
        self._tokenized: dict[str, list[Token]] = {}
        self.drug_words = _first_words(vocab, "drugs")
        self.treatment_words = _first_words(vocab, "treatments")
        self._word_forms: dict[str, set[str]] = {}

    def drugs(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, generic) of every drug the text names."""
        found = self._drugs.get(text)
        if found is None:
            found = (
                [(m.start, m.end, m.payload[0]) for m in self.vocab.drug_names.find(text, self._tokens(text))]
                if self._forms(text.lower()) & self.drug_words
                else []
            )
            self._drugs[text] = found
        return found

    def _tokens(self, text: str) -> list[Token]:
        found = self._tokenized.get(text)
        if found is None:
            found = self._tokenized[text] = tokenize(text)
        return found

    def may_name_drugs(self, sentence: Sentence, at_least: int) -> bool:
        """A cheap test: does the sentence hold the first words of `at_least` drug names?"""
        return len(self._forms(sentence.lowered) & self.drug_words) >= at_least

    def _forms(self, lowered: str) -> set[str]:
        found = self._word_forms.get(lowered)
        if found is None:
            found = self._word_forms[lowered] = set(_WORD.findall(lowered))
        return found

    def names(self, sentence: Sentence) -> list[_Name]:
        found = self._names.get(sentence.start)
        if found is None:
            found = self._find(sentence.text)
            self._names[sentence.start] = found
        return found

    def _find(self, text: str) -> list[_Name]:
        found = [
            _Name(start, end, self._drug_items(generic), _DRUG, True)
            for start, end, generic in self.drugs(text)
        ]
        drugs = frozenset(t.item_id for t in self.targets if t.is_drug)
        phrases = (
            self.vocab.treatment_words.find(text, self._tokens(text))
            if self._forms(text.lower()) & self.treatment_words
            else []
        )
        for phrase in phrases:
            word = phrase.payload
            if word is None or word.weak:
                continue
            if word.kind == "medication":
                found.append(_Name(phrase.start, phrase.end, drugs, _GENERIC, True))
            elif word.kind == "compound_topical":
                items = frozenset(t.item_id for t in self.targets if t.kind == word.kind)
                found.append(_Name(phrase.start, phrase.end, items, _CLASS, True))
            else:
                items = frozenset(t.item_id for t in self.targets if t.kind == word.kind)
                found.append(_Name(phrase.start, phrase.end, items, _KIND, False))
        words = self.cues.name_words
        if words is not None:
            for match in words.pattern.finditer(text):
                for sort, drug_class in words.named_by[match.lastgroup or ""]:
                    if sort == "class":
                        items = frozenset(t.item_id for t in self.targets if t.drug_class == drug_class)
                        found.append(_Name(match.start(), match.end(), items, _CLASS, True))
                    elif sort == "medications":
                        found.append(_Name(match.start(), match.end(), drugs, _GENERIC, True))
                    elif sort == "visits":
                        visits = frozenset(t.item_id for t in self.targets if t.visit_based)
                        found.append(_Name(match.start(), match.end(), visits, _GENERIC, False))
                    else:
                        found.append(_Name(match.start(), match.end(), frozenset(), _GENERIC, False))
        names = []
        for name in found:
            # a general word inside or beside a more specific one is part of it ("chiropractic treatment")
            if any(
                other.rank > name.rank and other.start - 1 <= name.end and name.start <= other.end + 1
                for other in found
            ):
                continue
            items = self._unless_other(text, name.start, name.items)
            if name.rank <= _CLASS and _LIST_FOLLOWS.match(text, name.end):
                following = [o for o in found if o.is_drug and name.end <= o.start <= name.end + 60]
                items = frozenset() if following else items
            names.append(_Name(name.start, name.end, items, name.rank, name.drug_family))
        return sorted(names, key=lambda n: (n.start, n.end))

    @staticmethod
    def _unless_other(text: str, start: int, items: frozenset[str]) -> frozenset[str]:
        """ "other medications", "additional therapy" name something besides the requested items."""
        return frozenset() if _OTHER_BEFORE.search(text, max(0, start - 24), start) else items

    def _principal(self, generic: str) -> set[str]:
        """The drug itself, or a combination's ingredients of its own class (hydrocodone in Norco)."""
        drug = self.vocab.drugs[generic]
        if drug.kind == "single":
            return {generic}
        return {i for i in drug.ingredients if self.vocab.drugs[i].drug_class == drug.drug_class} or {generic}

    def _drug_items(self, generic: str) -> frozenset[str]:
        principal = self._principal(generic)
        matched = set()
        for target in self.targets:
            if target.generic is not None:
                if target.generic == generic or principal & self._principal(target.generic):
                    matched.add(target.item_id)
            elif target.ingredients == {generic}:
                matched.add(target.item_id)
        return frozenset(matched)

    def drugs_of_classes(self, sentence: Sentence, classes: Sequence[str]) -> set[str]:
        """The drugs named in the sentence that are, or contain, a drug of one of these classes."""
        wanted = set(classes)
        found: set[str] = set()
        if not self.may_name_drugs(sentence, min(2, len(classes))):
            return found
        for _, _, generic in self.drugs(sentence.text):
            drug = self.vocab.drugs[generic]
            parts = [drug] if drug.kind == "single" else [self.vocab.drugs[i] for i in drug.ingredients]
            if drug.drug_class in wanted or any(part.drug_class in wanted for part in parts):
                found.add(drug.generic)
        return found


_WORD = re.compile(r"[a-z0-9]+")
# Built once per vocabulary; the vocabulary is held so that its id is never reused for another.
_FIRST_WORDS: dict[tuple[int, str], tuple[Vocabulary, frozenset[str]]] = {}


def _first_words(vocab: Vocabulary, of: Literal["drugs", "treatments"]) -> frozenset[str]:
    """The first word of every drug name or treatment phrase of the vocabulary."""
    entry = _FIRST_WORDS.get((id(vocab), of))
    if entry is None or entry[0] is not vocab:
        if of == "drugs":
            phrases = [entry.name for drug in vocab.drugs.values() for entry in drug.name_entries]
        else:
            phrases = [
                phrase
                for kind in vocab.kinds.values()
                for phrase in [
                    *kind.words,
                    *kind.weak_words,
                    *(w for sub in kind.subtypes for w in sub.words),
                ]
            ]
        firsts = {key[0] for key in map(phrase_key, phrases) if key}
        # and the plurals the vocabulary's phrase matching reads as them
        plurals = (
            {w + "s" for w in firsts}
            | {w + "es" for w in firsts}
            | {w[:-1] + "ies" for w in firsts if w[-1:] == "y"}
        )
        entry = _FIRST_WORDS[(id(vocab), of)] = (vocab, frozenset(firsts | plurals))
    return entry[1]


_SEGMENT_BREAK = re.compile(r"[,;]")
_NEAR_WORDS = 4


def _in_segment(text: str, names: list[_Name], matched: tuple[int, int]) -> list[_Name]:
    low, high = _segment(text, matched[0], matched[1])
    return [n for n in names if n.start < high and n.end > low]


_LIST_INTRODUCED = re.compile(r"(?:includ(?:e|es|ed|ing)|consist(?:s|ed)?\s+of|such\s+as|:)\s*$", _I)


def _beside(text: str, names: list[_Name], matched: tuple[int, int]) -> list[_Name]:
    """The names written right after the cue's words (its object: "initial trial of chiropractic"), or
    right before them ("Norco was continued"), with the names listed together with them: of one
    family ("continued use of medication, chiropractic" continues the medication only), or of any
    after words that introduce a list ("Prior treatment included TENS, medication, chiropractic")."""
    any_family = _LIST_INTRODUCED.search(text, 0, matched[1]) is not None
    after = [n for n in names if n.start >= matched[1]]
    before = [n for n in names if n.end <= matched[0]][::-1]
    sides = []
    if after and _near(text[matched[1] : after[0].start]):
        sides.append((_gap_words(text[matched[1] : after[0].start]), 0, after))
    if before and _near(text[before[0].end : matched[0]]):
        sides.append((_gap_words(text[before[0].end : matched[0]]), 1, before))
    if not sides:
        return []
    # the nearer side; at equal distance, the object after the cue's words
    _, _, side = min(sides, key=lambda entry: entry[:2])
    chain = [side[0]]
    for name in side[1:]:
        previous = chain[-1]
        gap = (
            text[previous.end : name.start] if name.start >= previous.end else text[name.end : previous.start]
        )
        if (name.drug_family != previous.drug_family and not any_family) or not _listed_together(gap):
            break
        chain.append(name)
    return chain


def _gap_words(gap: str) -> int:
    return len(_GAP_WORD.findall(gap))


def _near(gap: str) -> bool:
    return not re.search(r"[.;:]", gap) and len(_GAP_WORD.findall(gap)) <= _NEAR_WORDS


def _listed_together(gap: str) -> bool:
    return not re.search(r"[.;:]", gap) and all(w.lower() in _LIST_FILLER for w in _GAP_WORD.findall(gap))


def _segment(text: str, start: int, end: int) -> tuple[int, int]:
    """The comma- or semicolon-separated part of a sentence around text[start:end]."""
    low = 0
    for match in _SEGMENT_BREAK.finditer(text, 0, start):
        low = match.end()
    following = _SEGMENT_BREAK.search(text, end)
    return low, following.start() if following else len(text)


# --- observations ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Observation:
    fact: str
    value: FactValue
    sentence: Sentence
    order: int
    implied: bool = False

    @property
    def evidence(self) -> Evidence:
        return _evidence(self.sentence)


@dataclass
class _Layer:
    """Observations of one scope (the case, or one item) from one section, in letter order.

    A fact's preferred value settles the summary (one abnormal finding documents a deficit); a
    rationale is an argument, and its later sentence is the reviewer's finding.
    """

    section: SectionName
    observations: list[_Observation] = field(default_factory=list)

    def add(self, observation: _Observation) -> None:
        self.observations.append(observation)

    def resolved(self, facts: Mapping[str, FactRules]) -> dict[str, Documented]:
        by_fact: dict[str, list[_Observation]] = {}
        for observation in self.observations:
            by_fact.setdefault(observation.fact, []).append(observation)
        resolved: dict[str, Documented] = {}
        for name, observations in by_fact.items():
            stated = [o for o in observations if not o.implied] or observations
            value = _settled_value(stated, facts[name], self.section == "summary")
            evidence = _unique_evidence(o.evidence for o in stated if _same_value(o.value, value))
            resolved[name] = Documented.model_construct(value=value, evidence=evidence)
        return resolved


def _settled_value(observations: list[_Observation], rules: FactRules, use_preference: bool) -> FactValue:
    if rules.spec.type in ("integer", "number"):
        # "at least": the largest count or duration the record gives
        return max((o.value for o in observations), key=lambda v: float(v))  # type: ignore[arg-type]
    if use_preference and rules.prefer != "latest":
        preferred = rules.prefer == "true"
        if any(o.value is preferred for o in observations):
            return preferred
    return max(observations, key=lambda o: o.order).value


def _evidence(sentence: Sentence) -> Evidence:
    """The sentence as evidence; built without validation: every field comes from the sentence."""
    return Evidence.model_construct(
        quote=sentence.text, section=sentence.section, span=[sentence.start, sentence.end]
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
            elif _same_value(current.value, documented.value):
                merged[name] = Documented(
                    value=current.value, evidence=_unique_evidence([*current.evidence, *documented.evidence])
                )
    return merged


def _same_value(left: FactValue, right: FactValue) -> bool:
    if isinstance(left, bool) or isinstance(right, bool):
        return left is right
    return left == right


# --- the reader ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClinicalFacts:
    """What the summary and rationales document: case findings and each item's own facts.

    `item_facts` are the rationale's (and, where a rationale disagrees with a case finding, its
    value for that item); `request_item_facts` what cues read in the item's own heading (for facts
    whose cues opt in to the request section); `summary_item_facts` what the summary says of each item.
    """

    findings: dict[str, Documented]
    item_facts: dict[str, dict[str, Documented]]
    request_item_facts: dict[str, dict[str, Documented]]
    summary_item_facts: dict[str, dict[str, Documented]]
    diagnoses: list[str]


_MENTION_CAP = 12
_FREQUENCY_HINT = re.compile(
    r"\b(?:daily|times|b\.?i\.?d|t\.?i\.?d|q\.?i\.?d|q\.?d|q\s*\d+\s*h|every|per\s+day|a\s+day|nightly|bedtime|"
    r"q\.?h\.?s|once|twice|thrice|\d+\s*x\s*\d+)\b",
    _I,
)
_PLAN = re.compile(
    r"\b(?:plan|recommend(?:s|ed|ing)?|request(?:s|ed|ing)?|prescrib(?:e|es|ed|ing)|order(?:s|ed)?|authoriz\w+|"
    r"RFA|propos(?:e|es|ed)|would\s+like|referr?(?:al|ed)?)\b",
    _I,
)
# Where a prescription written after a drug's name ends: the next clause, or a sentence going on
# about the patient ("Norco, with which she is able to perform her activities of daily living").
_PRESCRIPTION_END = re.compile(
    r"[;:]|\b(?:and|while|but|which)\s+(?:he|she|the|was|is|were|has|had)\b"
    r"|\b(?:is|are|was|were|has|have|had|she|he|her|his|they|patient|worker|applicant|able|reports?|reported|"
    r"states?|stated|with)\b",
    _I,
)
_INJURY = re.compile(r"\binjur|\bDOI\b|\baccident|\bdate\s+of\s+loss|\bclaim\s+from", _I)
_DATE = re.compile(DATE_RE, _I)
_LIST_SPLIT = re.compile(r"\s*;\s*|,\s*(?:and\s+|or\s+)?|\s+and\s+(?=[^,]*$)")


class ClinicalReader:
    """Reads the clinical facts of one parsed letter; see the module docstring."""

    def __init__(
        self,
        letter: ParsedLetter,
        targets: Sequence[ItemTarget],
        vocab: Vocabulary,
        cues: CueBook,
        decided_by: dt.date | None = None,
    ) -> None:
        self.letter = letter
        self.targets = list(targets)
        self.target_ids = [t.item_id for t in self.targets]
        self.vocab = vocab
        self.cues = cues
        self.decided_by = decided_by
        self.namer = _Namer(vocab, cues, self.targets)
        self._order = 0

    @cached_property
    def sentences(self) -> list[Sentence]:
        """Every sentence that may be read: the summary's, then each rationale's."""
        text = self.letter.text
        found: list[Sentence] = []
        if self.letter.summary is not None:
            found += split_sentences(text, self.letter.summary.start, self.letter.summary.end, "summary")
        for item in self.letter.items:
            if item.rationale is not None:
                found += split_sentences(
                    text, item.rationale.start, item.rationale.end, "rationale", item.item_id
                )
        for item in self.letter.items:
            found += split_sentences(text, item.heading.start, item.heading.end, "request", item.item_id)
        keys = _key_set(self.cues)
        present = keys.found_in_each([sentence.lowered for sentence in found])
        readable = list(self._readable(found, present))
        self._present = [present[i] for i in readable]
        return [found[i] for i in readable]

    @staticmethod
    def _readable(sentences: list[Sentence], present: list[set[Key]]) -> Iterator[int]:
        """The numbers of the sentences that may be read. A conclusion is passed over as if it were not
        written (blind mode: what is read must not depend on it); a guideline quoted over several
        sentences is passed over to its closing quote."""
        in_guideline_quote = False
        for number, sentence in enumerate(sentences):
            if states_conclusion(sentence.text, present[number], sentence.lowered):
                continue
            if in_guideline_quote:
                in_guideline_quote = not sentence.opens_quote
                continue
            if restates_guideline(sentence.text, sentence.section, present[number], sentence.lowered):
                in_guideline_quote = sentence.opens_quote
                continue
            yield number

    @cached_property
    def reference_date(self) -> dt.date | None:
        """The latest date written in the summary (not about the injury, not after the decision)."""
        latest: dt.date | None = None
        for sentence in self.sentences:
            if sentence.section != "summary" or _INJURY.search(sentence.text):
                continue
            for match in _DATE.finditer(sentence.text):
                parsed = parse_date(match.group())
                if parsed is None or not parsed[1]:
                    continue
                day = parsed[0]
                if self.decided_by is not None and day > self.decided_by:
                    continue
                if latest is None or day > latest:
                    latest = day
        return latest

    def read(self) -> ClinicalFacts:
        case_summary = _Layer("summary")
        case_rationale = {i: _Layer("rationale") for i in self.target_ids}
        item_layers_of: dict[SectionName, dict[str, _Layer]] = {
            section: {i: _Layer(section) for i in self.target_ids}
            for section in ("summary", "rationale", "request")
        }
        for sentence, candidates in zip(self.sentences, self._candidates, strict=True):
            item_layers = item_layers_of[sentence.section]
            for observation, matched in self._observations(sentence, candidates):
                rules = self.cues.facts[observation.fact]
                targets: list[str] | None = None
                for each in [observation, *self._implied(observation, rules)]:
                    each_rules = self.cues.facts.get(each.fact)
                    if each_rules is None or (each.value is True and each_rules.spec.type != "boolean"):
                        # a "since" date that gave no duration documents the fact's implications only
                        continue
                    if each_rules.spec.scope == "case":
                        if sentence.section == "summary":
                            case_summary.add(each)
                        elif sentence.section == "rationale" and sentence.item_id in case_rationale:
                            case_rationale[sentence.item_id].add(each)
                        continue
                    if targets is None:
                        targets = self._item_targets(sentence, matched, rules)
                    for item_id in targets:
                        item_layers[item_id].add(each)
        findings = case_summary.resolved(self.cues.facts)
        rationale_case = {i: layer.resolved(self.cues.facts) for i, layer in case_rationale.items()}
        for item_id in self.target_ids:
            for name, documented in rationale_case[item_id].items():
                findings.setdefault(name, documented)
        items: dict[str, dict[str, Documented]] = {}
        for item_id in self.target_ids:
            overrides: dict[str, Documented] = {}
            for name, documented in rationale_case[item_id].items():
                finding = findings[name]
                if _same_value(finding.value, documented.value):
                    findings[name] = merge_layers({name: finding}, {name: documented})[name]
                else:
                    overrides[name] = documented
            items[item_id] = merge_layers(
                overrides, item_layers_of["rationale"][item_id].resolved(self.cues.facts)
            )
        return ClinicalFacts(
            findings=findings,
            item_facts=items,
            request_item_facts={
                i: layer.resolved(self.cues.facts) for i, layer in item_layers_of["request"].items()
            },
            summary_item_facts={
                i: layer.resolved(self.cues.facts) for i, layer in item_layers_of["summary"].items()
            },
            diagnoses=self._diagnoses(),
        )

    # matching

    @cached_property
    def _candidates(self) -> list[list[Cue]]:
        """Per readable sentence, the cues worth running on it (see engine.letters.cues.CueIndex)."""
        index = self.cues.index
        sentences = self.sentences
        return [[self.cues.cues[n] for n in index.hits(each)] for each in self._present[: len(sentences)]]

    def _observations(
        self, sentence: Sentence, candidates: list[Cue]
    ) -> Iterator[tuple[_Observation, tuple[int, int] | None]]:
        live = self._live_facts
        matches = [
            (cue, match)
            for cue in candidates
            if cue.fact in live and cue.reads(sentence.section, sentence.text)
            for match in cue.finditer(sentence.text, sentence.lowered)
        ]
        for cue, match in _most_specific(_outside_titles(sentence.text, matches)):
            value = self._value(cue, match, sentence)
            if value is not None:
                self._order += 1
                yield _Observation(cue.fact, value, sentence, self._order), (match.start(), match.end())
        for name, together in self.cues.co_mentioned:
            rules = self.cues.facts[name]
            if (
                sentence.section in rules.co_mentioned_sections
                and (
                    rules.co_mentioned_unless is None
                    or rules.co_mentioned_unless.search(sentence.text) is None
                )
                and len(self.namer.drugs_of_classes(sentence, together.drug_classes)) >= together.at_least
            ):
                self._order += 1
                yield _Observation(name, True, sentence, self._order), None

    @cached_property
    def _live_facts(self) -> frozenset[str]:
        """Facts that can land somewhere in this letter: case facts, and item facts some item admits."""
        return self.cues.live_facts(lambda admitted: any(t.admitted_by(admitted) for t in self.targets))

    def _value(self, cue: Cue, match: re.Match[str], sentence: Sentence) -> FactValue | None:
        rules = self.cues.facts[cue.fact]
        if cue.how in ("true", "false"):
            if _WHETHER.search(sentence.text, _clause_start(sentence.text, match.start()), match.start()):
                return None
            return cue.how == "true"
        stance = polarity(sentence.text, match.start(), match.end(), cue.negation_after)
        if stance == "undecided":
            return None
        if cue.how == "mention":
            return stance == "affirmed"
        if stance == "negated":
            return None
        if cue.how == "value":
            return cue.value
        if cue.how == "number":
            return self._number(rules, match)
        return self._weeks_since(match)

    def _number(self, rules: FactRules, match: re.Match[str]) -> FactValue | None:
        # an empty value group stands for one ("for the past year")
        number = parse_number(match.group("value") or "1")
        if number is None:
            return None
        unit = match.groupdict().get("unit")
        if unit:
            factor = next((f for pattern, f in rules.units if pattern.fullmatch(unit)), None)
            if factor is None:
                return None
            number *= factor
        if rules.spec.type == "integer":
            return int(number) if number == int(number) else None
        return _whole(round(number, 1))

    def _weeks_since(self, match: re.Match[str]) -> FactValue:
        """Whole weeks from the written date to the reference date; True (use, no number) otherwise."""
        parsed = parse_date(match.group("date"))
        reference = self.reference_date
        if parsed is None or reference is None or parsed[0] >= reference:
            return True
        weeks = (reference - parsed[0]).days // 7
        return weeks if weeks > 0 else True

    @staticmethod
    def _implied(observation: _Observation, rules: FactRules) -> list[_Observation]:
        value = observation.value
        positive = value is True or (
            isinstance(value, int | float) and not isinstance(value, bool) and value > 0
        )
        if not positive:
            return []
        return [
            _Observation(fact, implied, observation.sentence, observation.order, implied=True)
            for fact, implied in rules.implies.items()
        ]

    # placement

    def _item_targets(
        self, sentence: Sentence, matched: tuple[int, int] | None, rules: FactRules
    ) -> list[str]:
        """The items an item fact read in `sentence` is about (see the module docstring).

        The cue's own words may name a treatment ("urine drug screens" for monitoring, "5 physical
        therapy visits"); they decide only where they name a requested item the fact admits.
        """
        admitted = [t.item_id for t in self.targets if t.admitted_by(rules.applies_to)]
        if rules.ignore_names:
            if sentence.section != "summary":
                return [sentence.item_id] if sentence.item_id in admitted else []
            return admitted if rules.applies_to is not None or len(self.targets) == 1 else []
        names = self.namer.names(sentence)
        inside = [n for n in names if matched is not None and n.start >= matched[0] and n.end <= matched[1]]
        outside = [n for n in names if n not in inside]
        if matched is not None and outside:
            outside = (
                _beside(sentence.text, outside, matched)
                or _in_segment(sentence.text, outside, matched)
                or outside
            )
        # A drug or treatment named by the cue's own words is specific; "medications" is not, when the
        # sentence lists what they are ("Current medications included X and Y").
        specific_inside = [n for n in inside if n.specific]
        named_inside = frozenset().union(
            *(n.items for n in (specific_inside if outside else inside)[:_MENTION_CAP])
        )
        named_outside = frozenset().union(*(n.items for n in outside[:_MENTION_CAP])) if outside else None
        if sentence.section != "summary":
            own = sentence.item_id
            if own not in admitted:
                return []
            if own in named_inside or (named_outside is not None and own in named_outside):
                return [own]
            # a history fact must name the treatment it is the history of
            return [own] if named_outside is None and "rationale" not in rules.needs_name else []
        chosen = [
            i for i in admitted if i in named_inside or (named_outside is not None and i in named_outside)
        ]
        if chosen or named_outside is not None or "summary" in rules.needs_name:
            return chosen
        if rules.applies_to is None:
            return admitted if len(self.targets) == 1 else []
        return admitted

    # dosing and schedules in the summary

    def prescriptions(self) -> dict[str, dict[str, Documented]]:
        """What the summary says of each requested drug's dosing ("Norco 10/325 mg every 6 hours":
        doses_per_day, frequency_specified) and of a requested therapy's planned schedule ("physical
        therapy 3 times a week for 4 weeks": visits_per_week, weeks_requested, frequency_specified);
        the latest mention wins."""
        found: dict[str, dict[str, Documented]] = {}
        drug_targets = [t for t in self.targets if t.generic is not None]
        therapy_kinds = {t.kind for t in self.targets if self.vocab.kinds[t.kind].visit_based}
        if not drug_targets and not therapy_kinds:
            return found
        for sentence in self.sentences:
            if sentence.section != "summary" or _FREQUENCY_HINT.search(sentence.text) is None:
                continue
            text = sentence.text
            drugs = self.namer.drugs(text) if drug_targets and self.namer.may_name_drugs(sentence, 1) else []
            treatments = (
                [
                    p
                    for p in self.vocab.treatment_words.find(text)
                    if p.payload is not None and not p.payload.weak
                ]
                if therapy_kinds and _PLAN.search(text)
                else []
            )
            starts = sorted([start for start, _, _ in drugs] + [p.start for p in treatments])
            evidence = [Evidence(quote=text, section="summary", span=[sentence.start, sentence.end])]
            for start, _, generic in drugs:
                items = [t.item_id for t in drug_targets if t.generic == generic]
                frequency = self._frequency_after(text, start, starts) if items else None
                per_day = frequency.per_day_high or frequency.per_day_low if frequency is not None else None
                if per_day is None:
                    continue
                for item_id in items:
                    facts = found.setdefault(item_id, {})
                    facts["frequency_specified"] = Documented(value=True, evidence=evidence)
                    facts["doses_per_day"] = Documented(value=_whole(per_day), evidence=evidence)
            for phrase in treatments:
                kind = phrase.payload.kind if phrase.payload is not None else None
                items = [t.item_id for t in self.targets if t.kind == kind and kind in therapy_kinds]
                frequency = self._frequency_after(text, phrase.start, starts) if items else None
                if frequency is None or frequency.per_week is None:
                    continue
                for item_id in items:
                    facts = found.setdefault(item_id, {})
                    facts["frequency_specified"] = Documented(value=True, evidence=evidence)
                    facts["visits_per_week"] = Documented(value=frequency.per_week.high, evidence=evidence)
                    if frequency.weeks is not None:
                        facts["weeks_requested"] = Documented(value=frequency.weeks.high, evidence=evidence)
        return found

    def _frequency_after(self, text: str, start: int, starts: Sequence[int]) -> Frequency | None:
        """The dosing or schedule written right after a treatment named at `start`."""
        following = bisect.bisect_right(starts, start)
        stop = starts[following] if following < len(starts) else len(text)
        window = text[start:stop]
        clause_end = _PRESCRIPTION_END.search(window)
        if clause_end is not None:
            window = window[: clause_end.start()]
        if _FREQUENCY_HINT.search(window) is None:
            return None
        frequency = normalize_item(window, self.vocab).frequency
        return frequency.value if frequency is not None else None

    # diagnoses

    def _diagnoses(self) -> list[str]:
        found: list[str] = []
        seen: set[str] = set()
        for sentence in self.sentences:
            if sentence.section != "summary":
                continue
            for pattern in self.cues.diagnoses:
                match = pattern.search(sentence.text)
                if match is None:
                    continue
                for part in self._diagnosis_list(match.group("list")):
                    if part.lower() not in seen:
                        seen.add(part.lower())
                        found.append(part)
                break
        return found

    def _diagnosis_list(self, written: str) -> list[str]:
        """The diagnoses of a list; a part that is only a body region or a side ("cervical, thoracic
        and lumbar strain") belongs with the part after it."""
        parts = _split_list(written)
        joined: list[str] = []
        pending: list[str] = []
        for part in parts:
            words = part.split()
            if len(words) == 1 and (
                self.vocab.region_words.exact(part) is not None
                or self.vocab.side_words.exact(part) is not None
            ):
                pending.append(part)
                continue
            joined.append(", ".join([*pending, part]) if pending else part)
            pending = []
        return joined + pending


def _whole(value: float) -> int | float:
    return int(value) if value == int(value) else value


def _split_list(written: str) -> list[str]:
    text = written.strip().rstrip(".").strip()
    parts = _LIST_SPLIT.split(text) if ("," in text or ";" in text) else [text]
    return [" ".join(p.strip(" \"'").split()) for p in parts if p and len(p.strip(" \"'")) > 1]


_GUIDELINE_TITLE = re.compile(
    r"\b(?:(?:CA|California|MTUS|ODG|ACOEM|\d{4}|the)\s+)*(?:Chronic\s+Pain(?:\s+Medical)?(?:\s+Treatment)?|"
    r"Opioid\s+Treatment|Official\s+Disability|Acupuncture(?:\s+Medical)?(?:\s+Treatment)?|"
    r"Post[-\s]?surgical(?:\s+Treatment)?|Medical\s+Treatment(?:\s+Utilization\s+Schedule)?)"
    r"(?:\s+(?:\(?MTUS\)?|\d{4}))*\s+(?:Guidelines?|Schedule|Chapter|section)\b",
    _I,
)


def _outside_titles(text: str, matches: list[tuple[Cue, re.Match[str]]]) -> list[tuple[Cue, re.Match[str]]]:
    """Drop matches on a guideline's title: "Chronic Pain Medical Treatment Guidelines" is no finding."""
    titles = [(m.start(), m.end()) for m in _GUIDELINE_TITLE.finditer(text)]
    if not titles:
        return matches
    return [
        (c, m) for c, m in matches if not any(m.start() < end and start < m.end() for start, end in titles)
    ]


def _most_specific(matches: list[tuple[Cue, re.Match[str]]]) -> list[tuple[Cue, re.Match[str]]]:
    """Per fact, drop a match lying inside a longer match of the same fact, and a mention sharing
    words with an explicit cue's match ("no aberrant behavior": the explicit "no aberrant" decides)."""
    kept: list[tuple[Cue, re.Match[str]]] = []
    for cue, match in matches:
        covered = any(
            other_cue.fact == cue.fact
            and other is not match
            and (
                (
                    other.start() <= match.start()
                    and match.end() <= other.end()
                    and other.end() - other.start() > match.end() - match.start()
                )
                or (
                    other_cue.how != "mention"
                    and cue.how == "mention"
                    and other.start() < match.end()
                    and match.start() < other.end()
                )
            )
            for other_cue, other in matches
        )
        if not covered:
            kept.append((cue, match))
    kept.sort(key=lambda pair: (pair[1].start(), pair[1].end()))
    return kept
