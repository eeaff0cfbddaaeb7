"""Clinical facts read from a letter's case summary and rationales, each with its evidence.

The reading is a pipeline of stages, each a module of its own:
- sentences (engine.letters.sentences): the summary, every rationale and every item heading, cut
  into sentences with their spans in the letter's normalized text;
- roles (engine.letters.roles): conclusions are never read (blind mode), nor sentences that only
  restate a guideline; the others are the record, or the reviewer's statement of what it lacks;
- concepts (engine.letters.cues): the terms of each fact, guidelines/cues/*.yaml, matched in the
  sentences that are read; and measures (engine.letters.motion): a range of motion recorded in
  degrees short of the region's normal, guidelines/normal-motion.yaml;
- context (engine.letters.context): the trigger words around a term that negate it ("no spasm"),
  state it absent ("there is no documentation of functional improvement") -- both document it as
  false, with the quote -- or leave it unread (possible, hypothetical, an indication, about someone
  else, a guideline's clause);
- scope (engine.letters.scope): the requested items a finding is about;
- facts (here): the observations of each scope and section, settled into documented facts
  (engine.letters.observations).

Where a fact lands: a case-scope fact from the summary is a case finding; an item-scope fact from the
summary attaches to the requested items the sentence names (drug, drug class or treatment words, the
nearest ones in a list), or, when it names nothing, to the items the fact's `applies_to` admits. A
rationale's item facts belong to its own item; its case-scope facts become findings where the
summary is silent, and item values where the rationale disagrees with the summary. Cues that ask
for it are also read in each item's own heading (section "request"), for that item. Within one
section the later sentence wins, unless the fact prefers a value. The dosing and therapy schedules
the summary writes for the requested items are schedules.py's.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property

from engine.facts import Documented, FactValue
from engine.letters.context import Context, ContextRules, Modifier, context_of, load_context_rules
from engine.letters.cue_keys import Key, KeySet
from engine.letters.cue_numbers import DATE_RE, parse_date, parse_number, plain_number
from engine.letters.cues import Cue, CueBook, FactRules
from engine.letters.diagnoses import read_diagnoses
from engine.letters.model import ParsedLetter
from engine.letters.motion import MotionReader, load_motion_reader
from engine.letters.observations import Layer, Observation, merge_layers, same_value
from engine.letters.roles import RoleLexicon, load_roles
from engine.letters.scope import ItemTarget, Namer, places_named
from engine.letters.sentences import SectionName, Sentence, split_sentences
from engine.vocab import Vocabulary

_I = re.IGNORECASE
# Contexts that leave a term unread: it is not a finding about this patient.
_UNREAD = frozenset({"possible", "hypothetical", "other_person", "guideline"})
# a strength in percent, or a topical form, right after a drug's name
_TOPICAL_STRENGTH = re.compile(
    r"\s*(?:\d+(?:\.\d+)?\s*%|(?:topical|gel|cream|patch(?:es)?|ointment|lotion|solution)\b)", re.I
)
_ABSENT = frozenset({"negated", "absent"})
# Terms that state their fact's value outright (a mention's value depends on its context).
_EXPLICIT = frozenset({"true", "false", "lower", "higher"})

# --- observations ----------------------------------------------------------------------------------------


def _describes_a_denied_twin(
    fact: str,
    match: re.Match[str],
    context: Context,
    read: Sequence[tuple[str, re.Match[str], Context, FactValue]],
    modifiers: Sequence[Modifier],
) -> bool:
    """Whether a finding affirmed only because a complement shields it from a forward negation
    describes a finding of the same fact that negation denies before it ("no evidence of trigger
    points with a twitch response": the twitch response is the denied trigger points' own, not the
    record's)."""
    if context.categories & _ABSENT:
        return False
    start = match.start()
    shielding = [
        m
        for m in modifiers
        if m.category in _ABSENT
        and m.direction == "forward"
        and m.scope_start <= start <= m.scope_end
        and not m.holds(start, match.end())
    ]
    return any(
        other_fact == fact
        and other_value is False
        and other.end() <= start
        and negation in other_context.triggers
        for negation in shielding
        for other_fact, other, other_context, other_value in read
    )


# Built once per cue book and role lexicon; both are held so that their ids are never reused.
_KEY_SETS: dict[tuple[int, int], tuple[CueBook, RoleLexicon, KeySet]] = {}


def _key_set(cues: CueBook, roles: RoleLexicon) -> KeySet:
    """Every key the cues and the sentence roles look for."""
    entry = _KEY_SETS.get((id(cues), id(roles)))
    if entry is None or entry[0] is not cues or entry[1] is not roles:
        keys = KeySet(cues.index.keys.keys | roles.keys.keys)
        entry = _KEY_SETS[(id(cues), id(roles))] = (cues, roles, keys)
    return entry[2]


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
_INJURY = re.compile(r"\binjur|\bDOI\b|\baccident|\bdate\s+of\s+loss|\bclaim\s+from", _I)
_DATE = re.compile(DATE_RE, _I)


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
        self.namer = Namer(vocab, cues, self.targets)
        self.roles: RoleLexicon = load_roles()
        self.context: ContextRules = load_context_rules()
        self.motion: MotionReader = load_motion_reader()
        self._order = 0
        self._modifiers: dict[int, list[Modifier]] = {}
        self._named_places: dict[tuple[int, int], frozenset[tuple[str, str | None]]] = {}

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
        keys = _key_set(self.cues, self.roles)
        present = keys.found_in_each([sentence.lowered for sentence in found])
        readable = list(self._readable(found, present))
        self._present = [present[i] for i in readable]
        return [found[i] for i in readable]

    def _readable(self, sentences: list[Sentence], present: list[set[Key]]) -> Iterator[int]:
        """The numbers of the sentences that may be read. A conclusion is passed over as if it were not
        written (blind mode: what is read must not depend on it); a guideline quoted over several
        sentences is passed over to its closing quote, or to a sentence that opens on the record."""
        in_guideline_quote = False
        for number, sentence in enumerate(sentences):
            role = self.roles.role(sentence.text, sentence.section, present[number], sentence.lowered)
            if role == "conclusion":
                continue
            if in_guideline_quote and not (
                role != "guideline"
                and self.roles.opens_on_record(sentence.text, present[number], sentence.lowered)
            ):
                if sentence.closes_quote:
                    in_guideline_quote = sentence.opens_quote
                continue
            in_guideline_quote = False
            if role == "guideline":
                in_guideline_quote = sentence.opens_quote
                continue
            yield number

    def _near_context(self, cue: Cue, match: re.Match[str], sentence: Sentence) -> Context:
        """The context of a `near` cue's terms: a negation between them counts ("range of motion was
        not limited"), and so does one around them; a trigger that is one of the terms ("straight leg
        raise negative") is part of the finding."""
        modifiers = self._modifiers_of(sentence)
        own = cue.terms
        kept = [
            m
            for m in modifiers
            if not (
                own is not None
                and match.start() <= m.start
                and m.end <= match.end()
                and own.fullmatch(sentence.text[m.start : m.end])
            )
        ]
        return context_of(kept, match.end() - 1, match.end(), self.cues.facts[cue.fact].measured)

    def _modifiers_of(self, sentence: Sentence) -> list[Modifier]:
        modifiers = self._modifiers.get(sentence.start)
        if modifiers is None:
            modifiers = self._modifiers[sentence.start] = self.context.modifiers(sentence.text)
        return modifiers

    def _context(self, sentence: Sentence, start: int, end: int, measured: bool = False) -> Context:
        """The context of the words sentence.text[start:end] (`measured`: of a measured result)."""
        return context_of(self._modifiers_of(sentence), start, end, measured)

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
        case_summary = Layer("summary")
        regional: list[tuple[Observation, frozenset[tuple[str, str | None]]]] = []
        case_rationale = {i: Layer("rationale") for i in self.target_ids}
        item_layers_of: dict[SectionName, dict[str, Layer]] = {
            section: {i: Layer(section) for i in self.target_ids}
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
                            places = (
                                frozenset() if each_rules.spec.whole_case else self._places(sentence, matched)
                            )
                            if places:
                                regional.append((each, places))
                            else:
                                case_summary.add(each)
                        elif sentence.section == "rationale" and sentence.item_id in case_rationale:
                            case_rationale[sentence.item_id].add(each)
                        continue
                    if targets is None:
                        targets = self._item_targets(sentence, matched, rules)
                    for item_id in targets:
                        item_layers[item_id].add(each)
        findings = case_summary.resolved(self.cues.facts)
        summary_items = {i: layer.resolved(self.cues.facts) for i, layer in item_layers_of["summary"].items()}
        for target in self.targets:
            # a finding the summary writes of a body part bears on the requests for it
            scoped = Layer("summary", list(case_summary.observations))
            scoped.observations += [o for o, places in regional if target.concerned_by(places, self.vocab)]
            scoped.observations.sort(key=lambda o: o.order)
            for name, documented in scoped.resolved(self.cues.facts).items():
                finding = findings.get(name)
                if finding is None or not same_value(finding.value, documented.value):
                    summary_items[target.item_id][name] = documented
        rationale_case = {i: layer.resolved(self.cues.facts) for i, layer in case_rationale.items()}
        for item_id in self.target_ids:
            # a rationale's finding about the patient as a whole stands for the case where the
            # summary is silent; one about the complaint treated belongs to its own item
            for name, documented in rationale_case[item_id].items():
                if self.cues.facts[name].spec.whole_case:
                    findings.setdefault(name, documented)
        items: dict[str, dict[str, Documented]] = {}
        for item_id in self.target_ids:
            overrides: dict[str, Documented] = {}
            for name, documented in rationale_case[item_id].items():
                finding = summary_items[item_id].get(name) or findings.get(name)
                if finding is not None and same_value(finding.value, documented.value):
                    if name in findings and same_value(findings[name].value, documented.value):
                        findings[name] = merge_layers({name: findings[name]}, {name: documented})[name]
                    else:
                        overrides[name] = merge_layers({name: documented}, {name: finding})[name]
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
            summary_item_facts=summary_items,
            diagnoses=read_diagnoses(self.sentences, self.cues, self.vocab),
        )

    def _item_targets(
        self, sentence: Sentence, matched: tuple[int, int] | None, rules: FactRules
    ) -> list[str]:
        """The items an item fact of `sentence` is about; a summary sentence that names body parts
        speaks of the requests for them ("a cortisone injection in the right shoulder" says nothing
        of a lumbar epidural, therapy of the knee nothing of therapy of the low back), as a
        rationale's sentences speak of their own item unless the finding's clause names another
        part ("the 2013 course was for the shoulder"). Item facts are the request's and its
        treatment's history, so the part must be the request's own."""
        targets = self.namer.item_targets(sentence, matched, rules)
        if sentence.section == "request" or not targets:
            return targets
        places = (
            self._places(sentence, matched)
            if sentence.section == "summary"
            else self._clause_places(sentence, matched)
        )
        if not places:
            return targets
        return [i for i in targets if self._target_by_id[i].treated_at(places, self.vocab)]

    @cached_property
    def _target_by_id(self) -> dict[str, ItemTarget]:
        return {target.item_id: target for target in self.targets}

    def _places(
        self, sentence: Sentence, matched: tuple[int, int] | None
    ) -> frozenset[tuple[str, str | None]]:
        """The body parts a summary sentence names, when some requested item names one (the scope of
        a finding matters only then): those of the finding's own clause where it names some."""
        if not any(target.parts for target in self.targets):
            return frozenset()
        return self._clause_places(sentence, matched) or self._named_in(sentence, 0, len(sentence.text))

    def _clause_places(
        self, sentence: Sentence, matched: tuple[int, int] | None
    ) -> frozenset[tuple[str, str | None]]:
        """The body parts the finding's clause names, between semicolons ("all prior therapy was for
        the low back; the knee has never been treated"); none where it names none."""
        if matched is None or not any(target.parts for target in self.targets):
            return frozenset()
        text = sentence.text
        low = text.rfind(";", 0, matched[0]) + 1
        high = text.find(";", matched[1])
        return self._named_in(sentence, low, len(text) if high == -1 else high)

    def _named_in(self, sentence: Sentence, low: int, high: int) -> frozenset[tuple[str, str | None]]:
        key = (sentence.start + low, sentence.start + high)
        found = self._named_places.get(key)
        if found is None:
            part = sentence.text[low:high]
            found = self._named_places[key] = places_named(part, self.vocab, self.namer.tokens(part))
        return found

    # matching

    @cached_property
    def _candidates(self) -> list[list[Cue]]:
        """Per readable sentence, the cues worth running on it (see engine.letters.cues.CueIndex)."""
        index = self.cues.index
        sentences = self.sentences
        return [[self.cues.cues[n] for n in index.hits(each)] for each in self._present[: len(sentences)]]

    def _observations(
        self, sentence: Sentence, candidates: list[Cue]
    ) -> Iterator[tuple[Observation, tuple[int, int] | None]]:
        live = self._live_facts
        matches = [
            (cue, match)
            for cue in candidates
            if cue.fact in live and cue.reads(sentence.section, sentence.text)
            for match in cue.finditer(sentence.text, sentence.lowered)
        ]
        read = []
        # where an explicit term decides its fact, a drug it names says nothing more ("tramadol,
        # which was stopped in 2015")
        decided: dict[str, list[tuple[int, int]]] = {}
        for cue, match in _most_specific(_outside_titles(sentence.text, matches)):
            context = self._cue_context(cue, match, sentence)
            value = self._value(cue, match, context)
            if value is not None:
                read.append((cue.fact, match, context, value))
                if cue.how in _EXPLICIT:
                    decided.setdefault(cue.fact, []).append((match.start(), match.end()))
        modifiers = self._modifiers_of(sentence) if read else []
        for fact, match, context, value in read:
            if value is True and _describes_a_denied_twin(fact, match, context, read, modifiers):
                continue
            self._order += 1
            absent = "absent" in context.categories
            observation = Observation(fact, value, sentence, self._order, stated_absent=absent)
            yield observation, (match.start(), match.end())
        for name, classes in self.cues.drugs_named:
            if name not in live or not self.namer.may_name_drugs(sentence, 1):
                continue
            rules = self.cues.facts[name]
            for start, end, generic in self.namer.drugs(sentence.text):
                if not self.namer.is_of_classes(generic, classes) or any(
                    low <= start and end <= high for low, high in decided.get(name, ())
                ):
                    continue
                context = self._context(sentence, start, end)
                # a drug stopped or taken in the past is not taken now, nor denied
                historical = "historical" in context.categories and not context.categories & _ABSENT
                value = None if historical else self._mention_value(rules, context)
                if value is not None:
                    self._order += 1
                    absent = "absent" in context.categories
                    yield Observation(name, value, sentence, self._order, stated_absent=absent), (start, end)
        motion_fact = self.motion.fact
        if motion_fact in live:
            # a range of motion measured short of the region's normal
            rules = self.cues.facts[motion_fact]
            for measure in self.motion.limited(sentence.text):
                context = self._context(sentence, measure.start, measure.end)
                value = self._mention_value(rules, context)
                if value is not None:
                    self._order += 1
                    absent = "absent" in context.categories
                    yield (
                        Observation(motion_fact, value, sentence, self._order, stated_absent=absent),
                        (measure.start, measure.end),
                    )
        for name, together in self.cues.co_mentioned:
            rules = self.cues.facts[name]
            if (
                sentence.section in rules.co_mentioned_sections
                and (
                    rules.co_mentioned_unless is None
                    or rules.co_mentioned_unless.search(sentence.text) is None
                )
                and len(
                    self._current_drugs_of_classes(sentence, together.drug_classes, together.systemic_only)
                )
                >= together.at_least
            ):
                self._order += 1
                yield Observation(name, True, sentence, self._order), None

    def _current_drugs_of_classes(
        self, sentence: Sentence, classes: Sequence[str], systemic_only: bool = False
    ) -> set[str]:
        """The drugs of these classes the sentence names as taken: not negated, stopped in the past,
        hypothetical or a guideline's ("she stopped ibuprofen and started naproxen" names one); where
        `systemic_only`, not a topical one."""
        named = self.namer.drugs_of_classes(sentence, classes)
        if len(named) < 2:
            return named
        current: set[str] = set()
        for start, end, generic in self.namer.drugs(sentence.text):
            if generic not in named:
                continue
            if systemic_only and _TOPICAL_STRENGTH.match(sentence.text, end):
                # a compounded cream's ingredient ("flurbiprofen 10% ... 120 g") acts where it is applied
                continue
            context = self._context(sentence, start, end)
            if not context.categories & (_UNREAD | _ABSENT | {"historical"}):
                current.add(generic)
        return current

    @cached_property
    def _live_facts(self) -> frozenset[str]:
        """Facts that can land somewhere in this letter: case facts, and item facts some item admits."""
        return self.cues.live_facts(lambda admitted: any(t.admitted_by(admitted) for t in self.targets))

    def _cue_context(self, cue: Cue, match: re.Match[str], sentence: Sentence) -> Context:
        """The context of a cue's finding: a `near` cue's last term's, or, where the regex names the
        finding's words (?P<term>...) after words that only anchor it ("MRI ... showed ... nerve root
        impingement"), those words' (a negation between anchor and finding counts); else the match's."""
        if cue.near:
            return self._near_context(cue, match, sentence)
        measured = self.cues.facts[cue.fact].measured
        if "term" in match.re.groupindex and match.start("term") >= 0:
            return self._context(sentence, match.start("term"), match.end("term"), measured)
        return self._context(sentence, match.start(), match.end(), measured)

    def _value(self, cue: Cue, match: re.Match[str], context: Context) -> FactValue | None:
        """What a term's match says of its fact, in its context: a mention is true, or false where
        negated or stated absent; an explicit term ("true"/"false" cues), a value, a number or a date
        stands as written, and is not read where negated (the negation of "full range of motion" or
        "an acute injury" says nothing certain), but for a test written with its negative result.
        Possible, hypothetical, someone else's or a guideline's terms are never read, nor, for the
        facts that say so, indicated, planned or historical ones."""
        rules = self.cues.facts[cue.fact]
        negated = any(
            m.category in _ABSENT and (cue.negation_after or m.direction == "forward")
            for m in context.triggers
        )
        if context.categories & self._unread(rules, context, negated, cue.unread):
            return None
        if cue.how in ("mention", "near"):
            return not negated
        if cue.how == "false" and cue.terms is not None:
            # a test with its negative result ("McMurray neg") stands as written: a negation before it
            # is a list's running on ("no effusion, ligaments stable, McMurray neg")
            return False
        if negated:
            return None
        if cue.how in ("true", "false"):
            return cue.how == "true"
        if cue.how in ("lower", "higher"):
            return _compared(cue.how, match)
        if cue.how == "value":
            return cue.value
        if cue.how == "number":
            return self._number(rules, match)
        return self._weeks_since(match)

    def _unread(
        self, rules: FactRules, context: Context, negated: bool, extra: frozenset[str] = frozenset()
    ) -> frozenset[str]:
        """The contexts that leave a fact's term unread here: a past use denied is a denial ("no
        documentation of previous use of tramadol"); a suspicion fact's suspected term, a suspicion."""
        unread = _UNREAD | rules.unread | extra
        if rules.suspicion and self._suspected(context):
            unread = unread - {"possible"}
        if negated:
            unread = unread - {"historical"}
        return unread

    def _suspected(self, context: Context) -> bool:
        """Whether a possible context is a clinician's suspicion of its finding."""
        return "possible" in context and not any(
            m.category == "possible" and m.trigger in self.context.not_suspicions for m in context.triggers
        )

    def _mention_value(self, rules: FactRules, context: Context) -> bool | None:
        """A mention in its context: true, false where negated or stated absent, None where unread."""
        negated = bool(context.categories & _ABSENT)
        if context.categories & self._unread(rules, context, negated):
            return None
        return not negated

    def _number(self, rules: FactRules, match: re.Match[str]) -> FactValue | None:
        if "value" not in match.re.groupindex:
            return _percent_reduction(match)
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
        return plain_number(round(number, 1))

    def _weeks_since(self, match: re.Match[str]) -> FactValue:
        """Whole weeks from the written date to the reference date; True (use, no number) otherwise."""
        parsed = parse_date(match.group("date"))
        reference = self.reference_date
        if parsed is None or reference is None or parsed[0] >= reference:
            return True
        weeks = (reference - parsed[0]).days // 7
        return weeks if weeks > 0 else True

    @staticmethod
    def _implied(observation: Observation, rules: FactRules) -> list[Observation]:
        value = observation.value
        number = value if isinstance(value, int | float) and not isinstance(value, bool) else None
        if not (value is True or (number is not None and number > 0)):
            return []
        implied = dict(rules.implies)
        if number is not None:
            for by_value in rules.implies_by_value:
                if by_value.holds(number):
                    implied.update(by_value.facts)
        return [
            Observation(fact, documented, observation.sentence, observation.order, implied=True)
            for fact, documented in implied.items()
        ]


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
    """Per fact, drop a match lying inside a longer match of the same fact (an explicit cue's
    match only inside another explicit one), and a mention sharing words with an explicit cue's
    match ("no aberrant behavior": the explicit "no aberrant" decides; "radiographs showed swelling
    without evidence of fracture": the explicit "without evidence of fracture" does)."""
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
                    and not (cue.how not in ("mention", "near") and other_cue.how in ("mention", "near"))
                )
                or (
                    other_cue.how not in ("mention", "near")
                    and cue.how in ("mention", "near")
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


def _compared(how: str, match: re.Match[str]) -> bool | None:
    """Whether a measure written twice moved the way its cue asks: lower (a pain score) or higher."""
    before, after = parse_number(match.group("before")), parse_number(match.group("after"))
    if before is None or after is None:
        return None
    return after < before if how == "lower" else after > before


def _percent_reduction(match: re.Match[str]) -> FactValue | None:
    """The share by which a score fell, in whole percent ("pain 7/10 -> 1/10": 86)."""
    before, after = parse_number(match.group("before")), parse_number(match.group("after"))
    if before is None or after is None or before <= 0 or after > before:
        return None
    return round((before - after) / before * 100)
