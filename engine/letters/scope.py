"""What a finding is about: the requested items a sentence names, and so the items a fact belongs to.

A sentence names treatments by drug (brand or generic), by treatment words of a kind ("physical
therapy", "chiropractic"), by drug class ("opioids", "muscle relaxants") or in general
("medications", "sessions", "conservative care"); each name stands for the requested items it can
mean, and the most specific name wins where several overlap. A finding read in a sentence belongs
to the items named beside its words (its object, "initial trial of chiropractic", or its subject,
"Norco was continued"), else to those named in its part of the sentence, else to those the sentence
names at all; a rationale's finding belongs to the rationale's own item; a summary sentence that
names no treatment gives an item fact to every item the fact admits.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from engine.letters.cues import CueBook, FactRules, ItemFilter
from engine.letters.sentences import Sentence
from engine.vocab import Token, Vocabulary, phrase_key, tokenize

_I = re.IGNORECASE
# At most this many names of one sentence decide where its finding lands.
_MENTION_CAP = 12


@dataclass(frozen=True, slots=True)
class ItemTarget:
    """What the clinical reader needs to know of a requested item to attach facts to it."""

    item_id: str
    kind: str
    generic: str | None
    ingredients: frozenset[str]
    drug_class: str | None
    is_drug: bool
    # the dosage form the request names ("patch"), which "the patch" stands for
    form: str | None = None
    # the kind's subtype ("medial_branch_block"): a treatment of another subtype is another treatment
    subtype: str | None = None
    visit_based: bool = False
    # the body parts the request names, each (region, side or None)
    parts: frozenset[tuple[str, str | None]] = frozenset()

    def admitted_by(self, admitted: ItemFilter | None) -> bool:
        if admitted is None:
            return True
        return self.kind in admitted.kinds or (
            self.drug_class is not None and self.drug_class in admitted.drug_classes
        )

    def concerned_by(self, places: frozenset[tuple[str, str | None]], vocab: Vocabulary) -> bool:
        """Whether a finding written of these body parts bears on this request: a request naming no
        body part takes every finding; otherwise one of the parts must be its region, or a region
        whose findings bear on it (guidelines/body-regions.yaml `findings_from`), on the same side
        where both name one."""
        regions = vocab.regions
        return self._placed(places, lambda region, place: place in regions[region].findings_from)

    def treated_at(self, places: frozenset[tuple[str, str | None]], vocab: Vocabulary) -> bool:
        """Whether a treatment written of these body parts is this request's own: as `concerned_by`,
        but a region other than its own must bear on it both ways ("the low back" for a lumbar
        request; not the knee, whose findings bear on a lumbar study but whose therapy is another
        course)."""
        regions = vocab.regions
        return self._placed(
            places,
            lambda region, place: (
                place in regions[region].findings_from and region in regions[place].findings_from
            ),
        )

    def _placed(self, places: frozenset[tuple[str, str | None]], bears: Callable[[str, str], bool]) -> bool:
        if not self.parts or not places:
            return True
        return any(
            (place == region or bears(region, place)) and _same_side(side, place_side)
            for region, side in self.parts
            for place, place_side in places
        )


def _same_side(side: str | None, other: str | None) -> bool:
    return side is None or other is None or side == other or "bilateral" in (side, other)


# a vertebra is numbered from 1 ("L 0-125" is a range of motion, not a level)
_SPINAL_LEVEL = re.compile(
    r"(?<![A-Za-z0-9])(?P<letter>[CTLS])\s?(?:1[0-2]|[1-9])(?:\s*[-–/]\s*[CTLS]?\s?(?:1[0-2]|[1-9]))?(?![A-Za-z0-9%])"
)
# A side word applies to the region named right after it, across at most this many words, or to
# the region before it ("... straight leg raise was positive on the left") across at most
# _SIDE_AFTER.
_SIDE_REACH = 3
_SIDE_AFTER = 6


def places_named(
    text: str, vocab: Vocabulary, tokens: Sequence[Token] | None = None
) -> frozenset[tuple[str, str | None]]:
    """The body parts a sentence names: (region, side or None), spinal levels ("L4-5") included;
    `tokens` may give the text's words (engine.vocab.tokenize)."""
    tokens = tokenize(text) if tokens is None else tokens
    # a sign stands for the region it tests, whatever region's word it holds
    signs = [(m.start, m.end, m.payload) for m in vocab.sign_words.find(text, tokens)]
    found = signs + [
        (m.start, m.end, m.payload)
        for m in vocab.region_words.find(text, tokens)
        if not any(start <= m.start and m.end <= end for start, end, _ in signs)
    ]
    for match in _SPINAL_LEVEL.finditer(text):
        region = vocab.region_by_spinal_letter.get(match.group("letter"))
        if region is not None:
            found.append((match.start(), match.end(), region))
    if not found:
        return frozenset()
    sides = [(m.start, m.end, m.payload) for m in vocab.side_words.find(text, tokens)]
    found.sort()
    places: set[tuple[str, str | None]] = set()
    for number, (start, end, region) in enumerate(found):
        side = None
        if vocab.regions[region].sided:
            before = [
                written
                for _, side_end, written in sides
                if side_end <= start and len(_GAP_WORD.findall(text[side_end:start])) <= _SIDE_REACH
            ]
            # "... on the left", up to the next body part named
            stop = found[number + 1][0] if number + 1 < len(found) else len(text)
            after = [
                written
                for side_start, _, written in sides
                if end <= side_start < stop and len(_GAP_WORD.findall(text[end:side_start])) <= _SIDE_AFTER
            ]
            side = before[-1] if before else (after[0] if after else None)
        places.add((region, side))
    return frozenset(places)


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
    # the treatment kind the words name, where they name one ("physical therapy", a drug)
    kind: str | None = None
    # the kind's subtype the words name ("medial branch block")
    subtype: str | None = None

    @property
    def is_drug(self) -> bool:
        return self.rank == _DRUG

    @property
    def specific(self) -> bool:
        return self.rank >= _KIND


_OTHER_BEFORE = re.compile(r"\b(?:other|another|additional|further|different|alternative)\s+(?:\w+\s+)?$", _I)
# "medications including Norco and Motrin": the list says which medications.
_LIST_FOLLOWS = re.compile(
    r"(?:\s+\w+)?\s*(?:,\s*)?(?:including|includ(?:e|es|ed)|such\s+as|namely|consisting\s+of|of|listed|list|:)\s",
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


class Namer:
    """Finds the treatments a sentence names and the requested items they are, and so where a finding
    read in it belongs."""

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
        self._subtype_of = {t.item_id: t.subtype for t in targets}

    def drugs(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, generic) of every drug the text names."""
        found = self._drugs.get(text)
        if found is None:
            found = (
                [(m.start, m.end, m.payload[0]) for m in self.vocab.drug_names.find(text, self.tokens(text))]
                if self._forms(text.lower()) & self.drug_words
                else []
            )
            self._drugs[text] = found
        return found

    def tokens(self, text: str) -> list[Token]:
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
            _Name(start, end, self._drug_items(generic), _DRUG, True, "medication")
            for start, end, generic in self.drugs(text)
        ]
        drugs = frozenset(t.item_id for t in self.targets if t.is_drug)
        phrases = (
            self.vocab.treatment_words.find(text, self.tokens(text))
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
                found.append(_Name(phrase.start, phrase.end, items, _CLASS, True, word.kind))
            else:
                items = self._items_of_family(word.kind)
                found.append(_Name(phrase.start, phrase.end, items, _KIND, False, word.kind, word.subtype))
        words = self.cues.name_words
        if words is not None:
            for match in words.pattern.finditer(text):
                for sort, what in words.named_by[match.lastgroup or ""]:
                    if sort == "class":
                        items = frozenset(t.item_id for t in self.targets if t.drug_class == what)
                        found.append(_Name(match.start(), match.end(), items, _CLASS, True))
                    elif sort == "form":
                        items = frozenset(t.item_id for t in self.targets if t.form == what)
                        found.append(_Name(match.start(), match.end(), items, _CLASS, True))
                    elif sort == "medications":
                        found.append(_Name(match.start(), match.end(), drugs, _GENERIC, True))
                    elif sort == "kind":
                        # "injections": every requested item of the kind's family, not specifically
                        items = self._items_of_family(what)
                        found.append(_Name(match.start(), match.end(), items, _GENERIC, False))
                    elif sort == "visits":
                        visits = frozenset(t.item_id for t in self.targets if t.visit_based)
                        found.append(_Name(match.start(), match.end(), visits, _GENERIC, False))
                    else:
                        found.append(_Name(match.start(), match.end(), frozenset(), _GENERIC, False))
        names = []
        for name in found:
            # a general word inside or beside a more specific one is part of it ("chiropractic
            # treatment", "12 sessions of physical therapy")
            if any(
                other.rank > name.rank
                and (
                    (other.start - 1 <= name.end and name.start <= other.end + 1)
                    or (name.end < other.start and _OF_JOINS.fullmatch(text, name.end, other.start))
                )
                for other in found
            ):
                continue
            items = self._unless_other(text, name.start, name.items)
            if name.rank <= _CLASS and _LIST_FOLLOWS.match(text, name.end):
                following = [o for o in found if o.is_drug and name.end <= o.start <= name.end + 60]
                items = frozenset() if following else items
            names.append(
                _Name(name.start, name.end, items, name.rank, name.drug_family, name.kind, name.subtype)
            )
        return sorted(names, key=lambda n: (n.start, n.end))

    def _of_subtype(self, name: _Name) -> _Name:
        """The name, naming only the requested items of its subtype (or of none)."""
        if name.subtype is None:
            return name
        items = frozenset(i for i in name.items if self._subtype_of[i] in (None, name.subtype))
        return replace(name, items=items)

    def _items_of_family(self, kind: str) -> frozenset[str]:
        """The requested items of the kind's treatment family."""
        family = self.vocab.kinds[kind].family_id
        return frozenset(t.item_id for t in self.targets if self.vocab.kinds[t.kind].family_id == family)

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

    def is_of_classes(self, generic: str, classes: frozenset[str] | set[str]) -> bool:
        """Whether the drug is, or contains, a drug of one of these classes."""
        drug = self.vocab.drugs[generic]
        parts = [drug] if drug.kind == "single" else [self.vocab.drugs[i] for i in drug.ingredients]
        return drug.drug_class in classes or any(part.drug_class in classes for part in parts)

    def drugs_of_classes(self, sentence: Sentence, classes: Sequence[str]) -> set[str]:
        """The drugs named in the sentence that are, or contain, a drug of one of these classes."""
        wanted = set(classes)
        found: set[str] = set()
        if not self.may_name_drugs(sentence, min(2, len(classes))):
            return found
        for _, _, generic in self.drugs(sentence.text):
            if self.is_of_classes(generic, wanted):
                found.add(generic)
        return found

    def item_targets(
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
        names = self.names(sentence)
        if rules.same_subtype:
            # "the medial branch blocks" are no radiofrequency ablation requested
            names = [self._of_subtype(n) for n in names]
        # a name the cue's words run into ("cannot perform home exercise" in "... home exercise
        # program") is the cue's own
        inside = [n for n in names if matched is not None and n.start < matched[1] and matched[0] < n.end]
        outside = [n for n in names if n not in inside]
        # a general word a list follows ("medications have included Ambien, Naproxen") stands for
        # the list: its names are the subjects
        listed = [n for n in outside if not (n.rank <= _CLASS and _LIST_FOLLOWS.match(sentence.text, n.end))]
        outside = listed if listed else outside
        if rules.applies_to is not None:
            # a treatment the fact cannot be about is not its subject, however near ("~70% relief
            # lasting 10 weeks, Norco cut from 4 a day to 2": the duration is the injection's)
            about = [n for n in outside if n.kind is None or _admits(rules.applies_to, n.kind)]
            outside = about or outside
        if matched is not None and outside:
            near = (
                _glossed(sentence.text, outside, matched)
                or _beside(sentence.text, outside, matched)
                or _in_segment(sentence.text, outside, matched)
            )
            # in an item's rationale, a clause that names no treatment speaks of the item ("her work
            # restrictions were eased, ..., and her opioid use was halved"); a history fact still
            # needs the treatment named somewhere in the sentence
            own_clause = sentence.section == "rationale" and "rationale" not in rules.needs_name
            if not near and not own_clause:
                # the names before it, which a clause naming none refers back to ("ibuprofen ..., on
                # days she takes it"), or any of the sentence
                near = [n for n in outside if n.end <= matched[0]] or outside
            outside = near
        # A drug or treatment named by the cue's own words is specific; "medications" is not, when the
        # sentence lists what they are ("Current medications included X and Y").
        # (a drug in the words of an injection's result, "reduced his Norco from four a day to one", is
        # no treatment the fact could be about)
        specific_inside = [
            n
            for n in inside
            if n.specific
            and not (
                n.is_drug and rules.applies_to is not None and not _admits(rules.applies_to, "medication")
            )
        ]
        named_inside = frozenset().union(
            *(n.items for n in (specific_inside if outside else inside)[:_MENTION_CAP])
        )
        named_outside = frozenset().union(*(n.items for n in outside[:_MENTION_CAP])) if outside else None
        if sentence.section != "summary":
            own = sentence.item_id
            if own not in admitted:
                return []
            if own in named_inside:
                return [own]
            if specific_inside and rules.needs_name:
                # the cue's own words name another treatment ("undergoing physical therapy" in an
                # acupuncture rationale): the finding is about that one
                return []
            if named_outside is not None and own in named_outside:
                return [own]
            # a history fact must name the treatment it is the history of
            return [own] if named_outside is None and "rationale" not in rules.needs_name else []
        if any(_admits(rules.applies_to, n.kind) for n in specific_inside):
            # the cue's own words name treatments of the kinds the fact is about ("included 30
            # physical therapy visits, 18 chiropractic visits"): a general word outside them names
            # no other; a drug in the words of an injection's result ("able to decrease her Norco")
            # is no such treatment
            return [i for i in admitted if i in named_inside]
        chosen = [
            i for i in admitted if i in named_inside or (named_outside is not None and i in named_outside)
        ]
        if chosen or named_outside is not None or "summary" in rules.needs_name:
            return chosen
        if rules.applies_to is None:
            return admitted if len(self.targets) == 1 else []
        return admitted


def _admits(applies_to: ItemFilter | None, kind: str | None) -> bool:
    """Whether a fact whose items are `applies_to` may be about a treatment of this kind."""
    if kind is None:
        return False
    if applies_to is None:
        return True
    return kind in applies_to.kinds or (kind == "medication" and bool(applies_to.drug_classes))


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
# what joins a count word to the treatment it counts ("sessions of physical therapy")
_OF_JOINS = re.compile(r"\s+of\s+(?:the\s+|his\s+|her\s+)?")
_NEAR_WORDS = 4


def _in_segment(text: str, names: list[_Name], matched: tuple[int, int]) -> list[_Name]:
    low, high = _segment(text, matched[0], matched[1])
    return [n for n in names if n.start < high and n.end > low]


_LIST_INTRODUCED = re.compile(r"(?:includ(?:e|es|ed|ing)|consist(?:s|ed)?\s+of|such\s+as|:)\s*$", _I)


def _glossed(text: str, names: list[_Name], matched: tuple[int, int]) -> list[_Name]:
    """The name a parenthesis holding the cue's words follows: a gloss is about what it glosses
    ("cyclobenzaprine 7.5 mg #15 (first relaxant Rx on this claim), scheduled APAP")."""
    opening = text.rfind("(", 0, matched[0])
    if opening == -1 or ")" in text[opening : matched[0]] or text.find(")", matched[1]) == -1:
        return []
    before = [n for n in names if n.end <= opening]
    if not before or re.search(r"[;:]", text[before[-1].end : opening]):
        return []
    return [before[-1]]


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
