"""The literal text a cue's match must contain, so that a sentence is searched only with the cues it
can satisfy: each regex's required words, word starts or pieces (`required_literals`), and the
indexes that find the cues whose keys a sentence holds."""

from __future__ import annotations

import re
import re._constants as sre_constants
import re._parser as sre_parser
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from engine.letters.cue_numbers import DATE_RE, NUMBER_RE


def at_word_starts(
    pattern: re.Pattern[str], text: str, first: re.Match[str] | None = None
) -> Iterator[re.Match[str]]:
    """The matches of `pattern` in `text` that start where no word character precedes (`first`: the
    first match of pattern.search(text), if the caller has it)."""
    position = 0
    while position <= len(text):
        match = first if first is not None else pattern.search(text, position)
        first = None
        if match is None:
            return
        start = match.start()
        if start > 0 and _is_word_char(text[start - 1]):
            position = start + 1
            continue
        yield match
        position = match.end() if match.end() > start else start + 1


# What a text must hold: (text, kind) -- a whole word, the start of a word, or a piece of text.
Key = tuple[str, int]

WHOLE, PREFIX, PIECE = 0, 1, 2

# A literal that may begin inside a word is marked: it is looked for as a piece of text.
_INSIDE = "\x01"

# Words whose keys a KeySet remembers: letters share most of their words, but not all of them.
_WORDS_KEPT = 100_000

_WORD_RUN = re.compile(r"\w+")


class KeySet:
    """Keys to look for in texts: whole words, word starts (filed by their first three letters),
    and pieces of text."""

    def __init__(self, keys: Iterable[Key]) -> None:
        self.keys = frozenset(keys)
        self.whole = frozenset(text for text, kind in self.keys if kind == WHOLE)
        heads: dict[str, list[str]] = {}
        for text, kind in self.keys:
            if kind == PREFIX:
                heads.setdefault(text[:3], []).append(text)
        self.heads = {head: tuple(words) for head, words in heads.items()}
        self.pieces = tuple(sorted(text for text, kind in self.keys if kind == PIECE))
        # the keys of each word seen so far: letters share most of their words
        self._keys_of_word: dict[str, tuple[Key, ...]] = {}
        self._keyless: set[str] = set()
        self._keyed: set[str] = set()

    def found_in(self, lowered: str) -> set[Key]:
        """The keys a lowercased text holds."""
        return self.found_in_each([lowered])[0]

    def found_in_each(self, texts: Sequence[str]) -> list[set[Key]]:
        """The keys each of several lowercased texts holds (faster than one text at a time)."""
        words_of = [set(_WORD_RUN.findall(text)) for text in texts]
        if len(self._keyless) + len(self._keyed) > _WORDS_KEPT:
            # names, numbers and misspellings keep coming over a long run: start the memo afresh
            self._keys_of_word, self._keyless, self._keyed = {}, set(), set()
        keys_of_word = self._keys_of_word
        for word in set().union(*words_of).difference(self._keyed, self._keyless):
            keys = [(word, WHOLE)] if word in self.whole else []
            keys += [(prefix, PREFIX) for prefix in self.heads.get(word[:3], ()) if word.startswith(prefix)]
            if keys:
                keys_of_word[word] = tuple(keys)
                self._keyed.add(word)
            else:
                self._keyless.add(word)
        joined = "\n".join(texts)
        pieces = [piece for piece in self.pieces if piece in joined]
        found = []
        for text, words in zip(texts, words_of, strict=True):
            keys = {key for word in words & self._keyed for key in keys_of_word[word]}
            keys.update((piece, PIECE) for piece in pieces if piece in text)
            found.append(keys)
        return found


def _key(literal: str) -> Key | None:
    """What a text holding the literal must hold: its most telling word (whole, or a word's start
    where the literal ends inside a word), else the literal itself as a piece of text."""
    if literal.startswith(_INSIDE):
        piece = literal[len(_INSIDE) :]
        return (piece, PIECE) if len(piece.strip()) >= _MIN_LITERAL else None
    best: tuple[int, Key] | None = None
    for match in _WORD_RUN.finditer(literal):
        word = match.group()
        if len(word) < _MIN_LITERAL:
            continue
        kind = PREFIX if match.end() == len(literal) else WHOLE
        score = (1 if word in _COMMON else len(word)) * 2 - kind
        if best is None or score > best[0]:
            best = (score, (word, kind))
    if best is not None:
        return best[1]
    return (literal, PIECE) if len(literal.strip()) >= _MIN_LITERAL else None


def keyed(needs: Needs, at_most: int = 3) -> tuple[frozenset[Key], ...]:
    """The (at most `at_most`) most telling needs as keys: words before pieces of text (words are
    looked up, pieces searched for), longer and rarer words first; needs of common words only are
    no use."""
    found = []
    for need in needs:
        keys = [_key(literal) for literal in need]
        if not keys or any(key is None for key in keys):
            continue
        known = frozenset(key for key in keys if key is not None)
        score = min(1 if text.strip() in _COMMON else len(text.strip()) for text, _ in known)
        if score >= _MIN_LITERAL:
            found.append((any(kind == PIECE for _, kind in known), -score, len(known), known))
    ranked = sorted(found, key=lambda entry: entry[:3])
    # pieces of text are searched for, not looked up: worth it only where no word will do
    chosen = [keys for number, (pieces, _, _, keys) in enumerate(ranked) if number == 0 or not pieces]
    return tuple(chosen[:at_most])


class KeyIndex:
    """Entries (by number) filed under the words their texts must hold; `hits` gives the entries the
    keys found in a text allow, so only those need a regex run. An entry with no telling word always hits."""

    def __init__(self, needs: Sequence[Needs], at_most: int = 3) -> None:
        self.always: set[int] = set()
        self.by_key: dict[Key, list[int]] = {}
        self.rest: dict[int, tuple[frozenset[Key], ...]] = {}
        keys: set[Key] = set()
        for number, entry_needs in enumerate(needs):
            keyed_needs = keyed(entry_needs, at_most)
            if not keyed_needs:
                self.always.add(number)
                continue
            self.rest[number] = keyed_needs[1:]
            for key in keyed_needs[0]:
                self.by_key.setdefault(key, []).append(number)
            keys.update(key for need in keyed_needs for key in need)
        self.keys = KeySet(keys)
        self.filed = frozenset(self.by_key)

    def hits(self, present: set[Key]) -> list[int]:
        """The entries (by number, in order) whose keys `present` (a superset of the text's keys
        among this index's, as KeySet.found_in gives them) holds."""
        candidates: set[int] = set()
        for key in present & self.filed:
            candidates.update(self.by_key[key])
        found = set(self.always)
        rest = self.rest
        for number in candidates:
            for need in rest[number]:
                if need.isdisjoint(present):
                    break
            else:
                found.add(number)
        return sorted(found)


def compile_cue(pattern: str) -> re.Pattern[str]:
    """A cue regex as matched: macros expanded, case-insensitive, on word boundaries."""
    expanded = pattern.replace("{number}", NUMBER_RE).replace("{date}", DATE_RE)
    return re.compile(rf"(?<!\w)(?:{expanded})(?!\w)", re.IGNORECASE)


def compile_fast_cue(pattern: str) -> re.Pattern[str] | None:
    """The cue regex for lowercased text (see Cue.fast); None where lowercasing cannot be trusted."""
    return _fast(rf"(?:{pattern.replace('{number}', NUMBER_RE).replace('{date}', DATE_RE)})(?!\w)")


def _fast(pattern: str) -> re.Pattern[str] | None:
    expanded = _lowercased(pattern)
    if expanded is None:
        return None
    try:
        return re.compile(expanded)
    except re.error:
        return None


_KEEP_CASE = re.compile(r"\\N\{[^}]*\}|\\.|\(\?P[<=][^>)]*[>)]", re.DOTALL)


def _lowercased(pattern: str) -> str | None:
    """The pattern with its literal letters lowercased; escapes (\\W, \\S, ...) and group names kept."""
    if "(?i" in pattern or "(?-i" in pattern or "\\p" in pattern:
        return None
    parts = []
    position = 0
    for kept in _KEEP_CASE.finditer(pattern):
        parts.append(pattern[position : kept.start()].lower())
        parts.append(kept.group())
        position = kept.end()
    parts.append(pattern[position:].lower())
    return "".join(parts)


_MIN_LITERAL = 3

_MAX_VARIANTS = 48

_MAX_CLASS = 6

Needs = tuple[frozenset[str], ...]


def required_literals(pattern: re.Pattern[str]) -> Needs:
    """What every match of `pattern` contains: sets of lowercased literals, one of each set, the most
    telling first; () when nothing is known.

    A literal begins at a word start or with a non-word character wherever it occurs in a match, so
    the words it holds are words (or, at its end, word starts) of the text -- unless it is marked as
    one that may begin inside a word (see KeySet).
    """
    try:
        parsed = sre_parser.parse(pattern.pattern, pattern.flags)
    except (re.error, RecursionError, AttributeError, TypeError):
        return ()
    options = _options(list(parsed), at_word_start=False)
    usable = [o for o in options if _telling(o) >= _MIN_LITERAL]
    usable.sort(key=lambda o: (-_telling(o), len(o)))
    chosen: list[frozenset[str]] = []
    for option in usable:
        if option not in chosen:
            chosen.append(option)
    return tuple(chosen)


# Words too common in letters to tell a text apart.
_COMMON = frozenset(
    [
        "the",
        "and",
        "for",
        "with",
        "was",
        "were",
        "has",
        "have",
        "had",
        "his",
        "her",
        "this",
        "that",
        "from",
        "into",
        "not",
        "are",
        "of",
        "to",
        "in",
        "on",
        "at",
        "by",
        "or",
        "as",
        "be",
        "been",
        "its",
        "their",
        "there",
        "these",
        "those",
        "any",
        "all",
    ]
)

_NOT_WORD_CATEGORIES = frozenset(
    {"CATEGORY_NOT_WORD", "CATEGORY_SPACE", "CATEGORY_UNI_NOT_WORD", "CATEGORY_UNI_SPACE"}
)

_WORD_CATEGORIES = frozenset({"CATEGORY_WORD", "CATEGORY_UNI_WORD"})

_BOUNDARY_ATS = frozenset({"AT_BOUNDARY", "AT_BEGINNING", "AT_BEGINNING_STRING", "AT_UNI_BOUNDARY"})


def _telling(option: frozenset[str]) -> int:
    """How selective a set of literals is: the shortest one's length, common words counting as 1."""
    return min(1 if s.strip(_INSIDE + " ") in _COMMON else len(s.strip(_INSIDE + " ")) for s in option)


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


def _exact(items: list[tuple[Any, Any]]) -> frozenset[str] | None:
    """The strings a sequence of regex items matches, if it only ever matches a few fixed strings."""
    variants = {""}
    for op, argument in items:
        pieces: frozenset[str] | None = None
        if op is sre_constants.LITERAL:
            pieces = frozenset({chr(argument).lower()})
        elif (
            op is sre_constants.IN
            and len(argument) <= _MAX_CLASS
            and all(code is sre_constants.LITERAL for code, _ in argument)
        ):
            pieces = frozenset(chr(value).lower() for _, value in argument)
        elif op is sre_constants.SUBPATTERN:
            pieces = _exact(list(argument[-1]))
        elif op is sre_constants.BRANCH:
            branches = [_exact(list(branch)) for branch in argument[1]]
            if all(branch is not None for branch in branches):
                pieces = frozenset().union(*(b for b in branches if b is not None))
        elif op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT) and argument[1] == 1:
            body = _exact(list(argument[2]))
            if body is not None:
                pieces = body | {""} if argument[0] == 0 else body
        if pieces is None:
            return None
        variants = {v + p for v in variants for p in pieces}
        if len(variants) > _MAX_VARIANTS:
            return None
    return frozenset(variants)


def _anchored(variants: frozenset[str], at_word_start: bool) -> frozenset[str]:
    """The literals, those that may begin inside a word marked so (unless they begin with a
    non-word character); () if one of them is empty."""
    if not all(variants):
        return frozenset()
    return frozenset(v if at_word_start or not _is_word_char(v[0]) else _INSIDE + v for v in variants)


def _consumes_only_non_word(items: list[tuple[Any, Any]]) -> bool:
    return len(items) == 1 and (
        (items[0][0] is sre_constants.LITERAL and not _is_word_char(chr(items[0][1])))
        or (
            items[0][0] is sre_constants.IN
            and all(
                code is sre_constants.CATEGORY and str(value) in _NOT_WORD_CATEGORIES
                for code, value in items[0][1]
            )
        )
    )


def _boundary_after(items: list[tuple[Any, Any]], before: bool, optional: bool) -> bool:
    """Whether no word character precedes the position after a few fixed strings (or none of them)."""
    exact = _exact(items)
    if exact is None:
        return False
    if optional:
        exact = exact | {""}
    return all((not variant and before) or (variant and not _is_word_char(variant[-1])) for variant in exact)


def _ends_non_word(items: list[tuple[Any, Any]]) -> bool:
    """Whether every string the sequence matches ends with a non-word character (never empty)."""
    if not items:
        return False
    op, argument = items[-1]
    if op is sre_constants.LITERAL:
        return not _is_word_char(chr(argument))
    if op is sre_constants.IN:
        return all(
            (code is sre_constants.LITERAL and not _is_word_char(chr(value)))
            or (code is sre_constants.CATEGORY and str(value) in _NOT_WORD_CATEGORIES)
            for code, value in argument
        )
    if op is sre_constants.SUBPATTERN:
        return _ends_non_word(list(argument[-1]))
    if op is sre_constants.BRANCH:
        return all(_ends_non_word(list(branch)) for branch in argument[1])
    if op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT, sre_constants.POSSESSIVE_REPEAT):
        return argument[0] >= 1 and _ends_non_word(list(argument[2]))
    return False


def _options(items: list[tuple[Any, Any]], at_word_start: bool) -> list[frozenset[str]]:
    """Sets of alternative literals that a match of the sequence must contain, one of each set;
    `at_word_start` says whether the sequence starts where no word character precedes."""
    options: list[frozenset[str]] = []
    run: set[str] = set()
    run_at_start = at_word_start
    boundary = at_word_start

    def flush() -> bool:
        """Close the literal run; whether it leaves the position after a non-word character."""
        exact = frozenset(run)
        run.clear()
        if not exact or exact == {""}:
            return False
        anchored = _anchored(exact, run_at_start)
        if anchored:
            options.append(anchored)
        return all(v and not _is_word_char(v[-1]) for v in exact)

    for op, argument in items:
        pieces = _exact([(op, argument)])
        if pieces is not None:
            if run and len(run) * len(pieces) > _MAX_VARIANTS:
                boundary = flush()
            if not run:
                run_at_start = boundary
                run.update(pieces)
            else:
                grown = {v + p for v in run for p in pieces}
                run.clear()
                run.update(grown)
            continue
        if run:
            boundary = flush()
        if op is sre_constants.AT:
            boundary = str(argument) in _BOUNDARY_ATS
        elif op is sre_constants.ASSERT_NOT:
            direction, asserted = argument
            looks_at_word = (
                len(asserted) == 1
                and asserted[0][0] is sre_constants.IN
                and any(
                    code is sre_constants.CATEGORY and str(value) in _WORD_CATEGORIES
                    for code, value in asserted[0][1]
                )
            )
            if direction == -1 and looks_at_word:
                boundary = True
        elif op is sre_constants.ASSERT:
            pass
        elif op is sre_constants.SUBPATTERN:
            options.extend(_options(list(argument[-1]), boundary))
            boundary = _boundary_after(list(argument[-1]), boundary, optional=False)
        elif op is sre_constants.ATOMIC_GROUP:
            options.extend(_options(list(argument), boundary))
            boundary = False
        elif op is sre_constants.BRANCH:
            per_branch = [_options(list(branch), boundary) for branch in argument[1]]
            if all(per_branch):
                # one literal set per branch, the best of each, together
                best = [max(o, key=lambda x: (_telling(x), -len(x))) for o in per_branch]
                options.append(frozenset().union(*best))
            boundary = _boundary_after([(op, argument)], boundary, optional=False)
        elif op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT, sre_constants.POSSESSIVE_REPEAT):
            low, _, repeated = argument
            if _consumes_only_non_word(list(repeated)):
                boundary = boundary or low >= 1
                continue
            if low >= 1:
                options.extend(_options(list(repeated), boundary))
            boundary = _ends_non_word(list(repeated)) and (low >= 1 or boundary)
        else:
            boundary = op is sre_constants.IN and all(
                code is sre_constants.CATEGORY and str(value) in _NOT_WORD_CATEGORIES
                for code, value in argument
            )
    if run:
        flush()
    return options


class AnyOf:
    """Alternative regexes searched as one, each run only on text holding the words it needs.

    Far faster than one big alternation where most texts hold none of the branches' words.
    """

    def __init__(self, *branches: str) -> None:
        self.branches = tuple(re.compile(branch, re.IGNORECASE) for branch in branches)
        self.index = KeyIndex([required_literals(pattern) for pattern in self.branches], at_most=1)
        # as for cues (see Cue.fast): lowercased, a leading \b checked by hand
        self.fast = tuple(
            (_fast(branch[2:]), True) if branch.startswith("\\b") else (_fast(branch), False)
            for branch in branches
        )

    @staticmethod
    def problem(branch: str) -> str | None:
        """Why `branch` is not a valid regex, or None."""
        try:
            re.compile(branch, re.IGNORECASE)
        except re.error as exc:
            return f"{branch!r}: {exc}"
        return None

    def search(self, text: str, present: set[Key] | None = None, lowered: str | None = None) -> bool:
        """Whether a branch matches `text`; `present` may give the keys found in it (see KeyIndex) and
        `lowered` text.lower()."""
        return next(self._starts(text, present, lowered), None) is not None

    def starts_within(
        self, text: str, limit: int, present: set[Key] | None = None, lowered: str | None = None
    ) -> bool:
        """Whether a match of some branch starts within the first `limit` characters."""
        return any(start <= limit for start in self._starts(text, present, lowered))

    def _starts(self, text: str, present: set[Key] | None, lowered: str | None) -> Iterator[int]:
        lowered = text.lower() if lowered is None else lowered
        for number in self.index.hits(self.index.keys.found_in(lowered) if present is None else present):
            fast, at_word_start = self.fast[number]
            if fast is None or len(lowered) != len(text):
                match = self.branches[number].search(text)
            elif at_word_start:
                match = next(at_word_starts(fast, lowered), None)
            else:
                match = fast.search(lowered)
            if match is not None:
                yield match.start()
