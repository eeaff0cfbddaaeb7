"""The context of a finding named in a sentence, by trigger words with an explicit scope (ConText).

A finding is affirmed unless a trigger puts it in a context: negated ("no spasm"), stated absent
from the record ("there is no documentation of functional improvement"), possible ("suspected
radiculopathy"), hypothetical ("to rule out a tear", "if the pain persists"), an indication
("Flexeril for spasm"), historical ("history of a fracture"), about someone else ("his mother has
diabetes"), or a guideline's statement ("recommended in patients with spasm"). The triggers, their
directions, scopes, terminators and pseudo-triggers are data: guidelines/context.yaml.

The algorithm follows ConText (Harkema et al. 2009): the sentence is cut into words; trigger phrases
are found left to right, the longest at each place, pseudo-triggers consuming their words without
effect; a forward trigger's scope runs from its last word to the first terminator of its category,
the sentence end, or its category's word limit, a backward trigger's the other way; a finding
takes every category whose scope holds it. Words are matched with a dictionary of phrases by their
first word, so a sentence costs one pass over its words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from engine.paths import GUIDELINES_DIR
from engine.yamlio import load_yaml, validate

CONTEXT_FILE = GUIDELINES_DIR / "context.yaml"

Category = Literal[
    "negated",
    "absent",
    "possible",
    "hypothetical",
    "indication",
    "planned",
    "historical",
    "other_person",
    "guideline",
]
CATEGORIES: tuple[Category, ...] = (
    "negated",
    "absent",
    "possible",
    "hypothetical",
    "indication",
    "planned",
    "historical",
    "other_person",
    "guideline",
)
Direction = Literal["forward", "backward"]

# Words, numbers (with their slashes and apostrophes: "w/o", "can't", "5/5") and the punctuation a
# terminator may be: a hyphen splits "non-tender" into "non" and "tender"; "No." before a number
# ("Tylenol No. 3") is a word of its own, no negation.
_WORD = re.compile(r"no\.(?=\s*\d)|[a-z0-9]+(?:['’/][a-z0-9]+)*|[;:,]", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Word:
    text: str
    start: int
    end: int


def words_of(text: str) -> list[Word]:
    """The words of `text`, lowercased, with their character spans."""
    return [Word(m.group().lower().replace("’", "'"), m.start(), m.end()) for m in _WORD.finditer(text)]


def _phrase(text: str) -> tuple[str, ...]:
    return tuple(word.text for word in words_of(text))


_CHOICE = re.compile(r"\{([^{}]*)\}")


def expand(text: str) -> list[str]:
    """The phrases a written phrase stands for: "{does,did} not show" is "does not show" and "did not
    show"; an empty choice drops the word ("{,clear} evidence of")."""
    match = _CHOICE.search(text)
    if match is None:
        return [text]
    head, tail = text[: match.start()], text[match.end() :]
    return [phrase for choice in match.group(1).split(",") for phrase in expand(head + choice + tail)]


# --- the trigger file -----------------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


Phrase = Annotated[str, Field(min_length=1)]


class _CategorySpec(_Strict):
    max_words: Annotated[int, Field(ge=1, le=60)]
    forward: list[Phrase] = []
    # forward triggers that govern the whole clause after them ("it is possible that ..."): their
    # scope runs to a terminator or the end of the sentence, past `max_words`
    clause: list[Phrase] = []
    # forward triggers that govern only the phrase after them ("instead of surgery", "rather than a
    # brace"): their scope ends at the next comma, semicolon or conjunction
    phrase: list[Phrase] = []
    backward: list[Phrase] = []
    both: list[Phrase] = []


class _Adjectival(_Strict):
    triggers: list[Phrase]
    placing_words: list[Phrase] = []


class _ContextFile(_Strict):
    categories: dict[Category, _CategorySpec]
    pseudo: list[Phrase] = []
    terminators: dict[Literal["all"] | Category, list[Phrase]] = {}
    # terminators of every scope that do not end this category's
    continued_by: dict[Category, list[Phrase]] = {}
    backward_terminators: dict[Category, list[Phrase]] = {}
    adjectival: _Adjectival | None = None
    elided_after: list[Phrase] = []
    # words that open a sentence as an inverted conditional ("Were new deficits documented, ...")
    opening_conditionals: list[Phrase] = []
    # triggers that continue the list they stand in, inside a parenthesis or not
    list_conjunctions: list[Phrase] = []
    # possible-triggers that state no clinician's suspicion: a doubt ("a fracture is unlikely"), a
    # conjecture about the whole clause ("it is possible that ...")
    not_suspicions: list[Phrase] = []
    complements: list[Phrase] = []
    # question words that, right after a forward trigger, open its object ("does not say which
    # activities improved") though elsewhere they end every scope (a relative clause)
    embedded_questions: list[Phrase] = []
    # complements that name a measure of the finding ("the degree of pain relief"): see Modifier
    measures: list[Phrase] = []
    complement_ends: list[Phrase] = []


# A clause trigger's scope: longer than any clause a sentence of a letter has.
_CLAUSE_WORDS = 60
# How many words may stand between a negation and the question word that opens its object ("no
# mention of which", "does not say which", "no indication as to which").
_QUESTION_REACH = 2
# Where a phrase trigger's scope ends.
_PHRASE_ENDS = frozenset({",", ";", ":", "and", "or", "but"})


@dataclass(frozen=True, slots=True)
class Trigger:
    """A trigger phrase: its category, the direction of its scope, and the scope's word limit."""

    phrase: tuple[str, ...]
    category: Category
    direction: Direction
    max_words: int
    phrase_only: bool = False


# What a phrase found in a sentence is: triggers (one phrase may trigger several categories or both
# directions), a pseudo-trigger, a terminator of some categories, the start of a complement that a
# negation does not reach, or the end of one.
@dataclass(frozen=True)
class _Entry:
    triggers: tuple[Trigger, ...] = ()
    pseudo: bool = False
    terminates: frozenset[str] = frozenset()
    terminates_backward: frozenset[str] = frozenset()
    continues: frozenset[str] = frozenset()
    complement: bool = False
    measure: bool = False
    complement_end: bool = False
    question: bool = False


@dataclass(frozen=True, slots=True)
class Modifier:
    """A trigger found in a sentence, the character span it governs, and the complements inside that
    span it does not reach. `measured` are those of the complements that name a measure of what
    follows ("the degree of pain relief was not documented"): a finding that is itself a measured
    result is reached through them (see `holds`)."""

    category: Category
    direction: Direction
    trigger: str
    start: int
    end: int
    scope_start: int
    scope_end: int
    excluded: tuple[tuple[int, int], ...] = ()
    measured: tuple[tuple[int, int], ...] = ()

    def holds(self, start: int, end: int, through_measures: bool = False) -> bool:
        """Whether the words text[start:end] lie in this trigger's reach (their first character in
        its scope, outside its complements, or only inside a measure's where `through_measures`)
        and are not the trigger's own words."""
        if not self.scope_start <= start <= self.scope_end or (self.start < end and start < self.end):
            return False
        spans = self.excluded
        if through_measures:
            spans = tuple(span for span in spans if span not in self.measured)
        return not any(low <= start < high for low, high in spans)


# A trie of phrases by word: each node maps a word to the next node; _END keys the entry of the phrase
# that ends at a node.
_END = ""
Trie = dict[str, "Trie | _Entry"]


@dataclass(frozen=True)
class ContextRules:
    """Every trigger, pseudo-trigger, terminator and complement, in a trie of their words."""

    trie: Trie
    source: Path
    elided_after: frozenset[str] = frozenset()
    adjectives: frozenset[tuple[str, ...]] = frozenset()
    placing_words: frozenset[str] = frozenset()
    opening_conditionals: frozenset[str] = frozenset()
    not_suspicions: frozenset[str] = frozenset()
    list_conjunctions: frozenset[tuple[str, ...]] = frozenset()

    def modifiers(self, text: str, words: Sequence[Word] | None = None) -> list[Modifier]:
        """The triggers of `text` with their scopes, in the order they stand."""
        words = words_of(text) if words is None else words
        found = self._phrases(words)
        modifiers: list[Modifier] = []
        for position, (start, end, entry) in enumerate(found):
            for trigger in entry.triggers:
                if trigger.direction == "backward":
                    if self._before_a_finding(words, trigger, end):
                        trigger = replace(trigger, direction="forward")
                    elif start > 0 and words[start - 1].text in self.elided_after:
                        continue
                if trigger.direction == "forward":
                    first, last = end, self._forward_end(words, found, position, trigger)
                else:
                    first, last = self._backward_start(words, found, position, trigger), start
                if trigger.phrase not in self.list_conjunctions:
                    first, last = _within_parenthesis(text, words, start, first, last)
                if last <= first:
                    continue
                excluded, measured = (
                    _complements(words, found, first, last) if trigger.category in _NEGATIONS else ((), ())
                )
                modifiers.append(
                    Modifier(
                        trigger.category,
                        trigger.direction,
                        " ".join(trigger.phrase),
                        words[start].start,
                        words[end - 1].end,
                        words[first].start,
                        words[last - 1].end,
                        excluded,
                        measured,
                    )
                )
        opening = self._opening_conditional(text, words)
        if opening is not None:
            modifiers.append(opening)
        return modifiers

    def _opening_conditional(self, text: str, words: Sequence[Word]) -> Modifier | None:
        """A sentence opening on an inverted conditional ("Were new radicular symptoms documented,
        the analysis would differ"; "Had the therapy helped, ..."): its clause, to the first comma, is
        a hypothesis. A question ("Were the films reviewed?") is none."""
        if len(words) < 3 or words[0].text not in self.opening_conditionals or text.rstrip().endswith("?"):
            return None
        comma = text.find(",", words[0].end)
        if comma == -1:
            return None
        inside = [w for w in words[1:] if w.end <= comma]
        if not inside:
            return None
        first = words[0]
        return Modifier(
            "hypothetical", "forward", first.text, first.start, first.end, inside[0].start, inside[-1].end
        )

    def _phrases(self, words: Sequence[Word]) -> list[tuple[int, int, _Entry]]:
        """The phrases found left to right, the longest at each place; a phrase's words are not
        searched again."""
        found: list[tuple[int, int, _Entry]] = []
        index = 0
        count = len(words)
        while index < count:
            node = self.trie.get(words[index].text)
            longest: tuple[int, _Entry] | None = None
            position = index
            while isinstance(node, dict):
                position += 1
                entry = node.get(_END)
                if isinstance(entry, _Entry):
                    longest = (position, entry)
                if position >= count:
                    break
                node = node.get(words[position].text)
            if longest is None:
                index += 1
                continue
            found.append((index, longest[0], longest[1]))
            entry = longest[1]
            # a terminator only marks where scopes end: the words after its first ("," in ", it is
            # possible that") may begin a trigger of their own
            pure_terminator = not (
                entry.triggers
                or entry.pseudo
                or entry.complement
                or entry.measure
                or entry.complement_end
                or entry.question
            )
            index = index + 1 if pure_terminator else longest[0]
        return found

    def _before_a_finding(self, words: Sequence[Word], trigger: Trigger, end: int) -> bool:
        """Whether an adjectival trigger stands before the words it modifies ("negative straight leg
        raise"), not after them ("straight leg raise negative bilaterally")."""
        return (
            trigger.phrase in self.adjectives
            and end < len(words)
            and words[end].text not in self.placing_words
        )

    @staticmethod
    def _forward_end(
        words: Sequence[Word], found: Sequence[tuple[int, int, _Entry]], position: int, trigger: Trigger
    ) -> int:
        """One past the last word of a forward trigger's scope."""
        end = found[position][1]
        limit = min(len(words), end + trigger.max_words)
        if trigger.phrase_only:
            limit = next((i for i in range(end, limit) if words[i].text in _PHRASE_ENDS), limit)
        if trigger.category in _NEGATIONS:
            limit = _new_clause(words, end, limit)
        for start, _, entry in found[position + 1 :]:
            if start >= limit:
                break
            if entry.question and start - end <= _QUESTION_REACH:
                continue
            if _terminates(entry, trigger.category):
                return start
        return limit

    @staticmethod
    def _backward_start(
        words: Sequence[Word], found: Sequence[tuple[int, int, _Entry]], position: int, trigger: Trigger
    ) -> int:
        """The first word of a backward trigger's scope."""
        start = found[position][0]
        limit = max(0, start - trigger.max_words)
        for _, end, entry in reversed(found[:position]):
            if end <= limit:
                break
            if _terminates(entry, trigger.category) or trigger.category in entry.terminates_backward:
                return end
        return limit


_NEGATIONS = frozenset({"negated", "absent"})
# not "that", which may join a second clause to the same complement ("no evidence that ..., and that
# the patient has failed ...")
_DETERMINERS = frozenset({"a", "an", "the", "his", "her", "their", "this"})
_FINITE = frozenset({"is", "was", "are", "were", "has", "have", "had"})


def _new_clause(words: Sequence[Word], end: int, limit: int) -> int:
    """Where ", and" opens a clause of its own, a subject and its verb ("no indication of aberrant
    behaviour, and a screen obtained in March was consistent"), the negation ends before it."""
    for i in range(end, limit - 2):
        if words[i].text == "," and words[i + 1].text == "and" and words[i + 2].text in _DETERMINERS:
            following = words[i + 3 : min(limit, i + 12)]
            if any(w.text in _FINITE for w in following) and not any(w.text == "," for w in following):
                return i
    return limit


def _within_parenthesis(
    text: str, words: Sequence[Word], trigger: int, first: int, last: int
) -> tuple[int, int]:
    """A scope opened inside a parenthesis stays in it: a gloss speaks of what it glosses
    ("naproxen (certified, not in dispute), Norco since 2015" denies nothing of the Norco)."""
    at = words[trigger].start
    opening = text.rfind("(", 0, at)
    if opening == -1 or text.rfind(")", opening, at) != -1:
        return first, last
    closing = text.find(")", at)
    if closing == -1:
        return first, last
    inside = [i for i in range(first, last) if opening < words[i].start and words[i].end <= closing]
    # a trigger alone in its parenthesis ("(no)") glosses the words around it
    return (inside[0], inside[-1] + 1) if inside else (first, last)


Spans = tuple[tuple[int, int], ...]


def _complements(
    words: Sequence[Word], found: Sequence[tuple[int, int, _Entry]], first: int, last: int
) -> tuple[Spans, Spans]:
    """The character spans, within words[first:last], that follow a complement phrase up to the next
    complement end; and those of them a measure opened."""
    spans: list[tuple[int, int, bool]] = []
    opened: tuple[int, bool] | None = None
    for start, end, entry in found:
        if start < first or start >= last:
            continue
        if opened is not None and entry.complement_end:
            spans.append((words[opened[0]].start, words[start].start, opened[1]))
            opened = None
        if opened is None and (entry.complement or entry.measure) and end < last:
            opened = (end, entry.measure)
    if opened is not None:
        spans.append((words[opened[0]].start, words[last - 1].end, opened[1]))
    return (
        tuple((low, high) for low, high, _ in spans),
        tuple((low, high) for low, high, measure in spans if measure),
    )


def _terminates(entry: _Entry, category: str) -> bool:
    if category in entry.continues:
        return False
    return "all" in entry.terminates or category in entry.terminates


@dataclass(frozen=True)
class Context:
    """The categories whose scope holds a finding, with the triggers that put it there."""

    categories: frozenset[Category]
    triggers: tuple[Modifier, ...] = ()

    def __contains__(self, category: object) -> bool:
        return category in self.categories


AFFIRMED = Context(frozenset())


def context_of(
    modifiers: Iterable[Modifier], start: int, end: int, through_measures: bool = False
) -> Context:
    """The context of the finding written at text[start:end], given the sentence's modifiers.

    A trigger inside the finding's own words does not modify it ("no-fault" is no negation of
    itself); a finding belongs to a scope when its first character lies in it. A negation reaches a
    measured result through the measure that names it where `through_measures`.
    """
    held = tuple(m for m in modifiers if m.holds(start, end, through_measures))
    if not held:
        return AFFIRMED
    categories = {m.category for m in held}
    for hedge in ("possible", "hypothetical"):
        if hedge in categories and any(
            n.category in _NEGATIONS and any(h.category == hedge and n.holds(h.start, h.end) for h in held)
            for n in held
        ):
            # "no concern for radiculopathy", "no indication that the patient would be at risk of GI
            # events": the possibility itself is denied
            categories.discard(hedge)
    return Context(frozenset(categories), held)


# --- loading -------------------------------------------------------------------------------------


@cache
def load_context_rules(path: Path = CONTEXT_FILE) -> ContextRules:
    """Read and check guidelines/context.yaml; a problem raises InputError naming file and line."""
    document = load_yaml(path)
    parsed = validate(document, _ContextFile)
    entries: dict[tuple[str, ...], _Entry] = {}
    where: dict[tuple[str, ...], tuple[str | int, ...]] = {}

    def entry_of(text: str, loc: tuple[str | int, ...]) -> tuple[tuple[str, ...], _Entry]:
        phrase = _phrase(text)
        if not phrase:
            raise document.error(loc, f"{text!r} has no words")
        where.setdefault(phrase, loc)
        return phrase, entries.get(phrase, _Entry())

    def each(texts: list[str]) -> Iterator[tuple[int, str]]:
        for number, written in enumerate(texts):
            for text in expand(written):
                yield number, text

    for category, spec in parsed.categories.items():
        for direction in ("forward", "backward", "both"):
            for number, text in each(getattr(spec, direction)):
                phrase, entry = entry_of(text, ("categories", category, direction, number))
                ways: tuple[Direction, ...] = ("forward", "backward") if direction == "both" else (direction,)
                added = tuple(Trigger(phrase, category, way, spec.max_words) for way in ways)
                entries[phrase] = replace(entry, triggers=(*entry.triggers, *added))
        for number, text in each(spec.clause):
            phrase, entry = entry_of(text, ("categories", category, "clause", number))
            clause = Trigger(phrase, category, "forward", _CLAUSE_WORDS)
            entries[phrase] = replace(entry, triggers=(*entry.triggers, clause))
        for number, text in each(spec.phrase):
            phrase, entry = entry_of(text, ("categories", category, "phrase", number))
            short = Trigger(phrase, category, "forward", spec.max_words, phrase_only=True)
            entries[phrase] = replace(entry, triggers=(*entry.triggers, short))
    for number, text in each(parsed.pseudo):
        phrase, entry = entry_of(text, ("pseudo", number))
        if entry.triggers:
            raise document.error(("pseudo", number), f"{text!r} is a trigger; a pseudo-trigger is not")
        entries[phrase] = _Entry(pseudo=True)
    for which, texts in parsed.terminators.items():
        for number, text in each(texts):
            phrase, entry = entry_of(text, ("terminators", which, number))
            entries[phrase] = replace(entry, terminates=entry.terminates | {which})
    for which, texts in parsed.continued_by.items():
        for number, text in each(texts):
            phrase, entry = entry_of(text, ("continued_by", which, number))
            if "all" not in entry.terminates:
                raise document.error(("continued_by", which, number), f"{text!r} ends no scope")
            entries[phrase] = replace(entry, continues=entry.continues | {which})
    for which, texts in parsed.backward_terminators.items():
        for number, text in each(texts):
            phrase, entry = entry_of(text, ("backward_terminators", which, number))
            entries[phrase] = replace(entry, terminates_backward=entry.terminates_backward | {which})
    for number, text in each(parsed.complements):
        phrase, entry = entry_of(text, ("complements", number))
        entries[phrase] = replace(entry, complement=True)
    for number, text in each(parsed.measures):
        phrase, entry = entry_of(text, ("measures", number))
        entries[phrase] = replace(entry, measure=True)
    for number, text in each(parsed.embedded_questions):
        phrase, entry = entry_of(text, ("embedded_questions", number))
        entries[phrase] = replace(entry, question=True)
    for number, text in each(parsed.complement_ends):
        phrase, entry = entry_of(text, ("complement_ends", number))
        entries[phrase] = replace(entry, complement_end=True)
    trie: Trie = {}
    for phrase, entry in entries.items():
        node = trie
        for word in phrase:
            child = node.setdefault(word, {})
            assert isinstance(child, dict)
            node = child
        # a pseudo-trigger triggers and ends nothing: its words are passed over
        node[_END] = _Entry(pseudo=True) if entry.pseudo else entry
    elided = frozenset(word for text in parsed.elided_after for word in _phrase(text))
    opening = frozenset(word for text in parsed.opening_conditionals for word in _phrase(text))
    adjectival = parsed.adjectival
    return ContextRules(
        trie,
        path,
        elided,
        frozenset(_phrase(t) for t in adjectival.triggers) if adjectival else frozenset(),
        frozenset(w for t in adjectival.placing_words for w in _phrase(t)) if adjectival else frozenset(),
        opening,
        frozenset(" ".join(_phrase(text)) for _, text in each(parsed.not_suspicions)),
        frozenset(_phrase(text) for text in parsed.list_conjunctions),
    )
