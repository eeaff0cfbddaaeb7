"""Letter files to one canonical text: the text every span in a ParsedLetter refers to.

`normalize` turns extracted or converted text into one line per paragraph, with the letter's
structural lines (section titles, header fields, credentials, item headings, guideline lines,
"Decision rationale:") each starting a line of their own. It removes page furniture (page numbers,
repeated page headers), joins lines broken mid-sentence, and repairs words hyphenated across line
ends only when the letter itself spells the word unhyphenated elsewhere.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from engine.errors import InputError
from engine.inputs import read_bytes
from engine.letters.pdf import looks_like_pdf, pdf_bytes_to_text
from engine.limits import check_bytes, check_chars

# --- structural vocabulary of DWC/MAXIMUS IMR determination letters, shared with parse.py ---------

SECTION_TITLE_RE = re.compile(
    r"^(?:(?P<how>HOW\s+THE\s+IMR\s+FINAL\s+DETERMINATION\s+WAS\s+MADE)"
    r"|(?P<summary>CLINICAL\s+CASE\s+SUMMARY)"
    r"|(?P<issues>IMR\s+ISSUES,?\s+DECISIONS,?\s+AND\s+RATIONALES?))\s*$",
    re.IGNORECASE,
)
HEADER_FIELD_RE = re.compile(
    r"^(?:Case\s+Number|Date\s+Assigned|Date\s+of\s+Injury|Decision\s+Date|UR\s+Denial\s+Date|Priority"
    r"|Application\s+Received)\s*:",
    re.IGNORECASE,
)
CREDENTIAL_RE = re.compile(
    r"^(?:(?P<licensure>State\(s\)\s+of\s+Licensure)|(?P<specialty>Certification\(s\)\s*/\s*Specialty)"
    r"|(?P<intro>The\s+Expert\s+Reviewer\s+has\s+the\s+following\s+credentials))\s*:\s*",
    re.IGNORECASE,
)
LABEL_RE = re.compile(
    r"^(?:(?P<claims>Claims\s+Administrator\s+guidelines?)|(?P<maximus>MAXIMUS\s+guidelines?)"
    r"|(?P<rationale>Decision\s+rationale))\s*:\s*",
    re.IGNORECASE,
)
# Boilerplate lines that end with a colon and introduce a block (items, summary, credentials).
INTRO_END_RE = re.compile(
    r"(?:set\s+forth\s+below|including\s+all\s+medical\s+records|following\s+credentials)\s*:\s*$",
    re.IGNORECASE,
)
KNOWN_DECISIONS = frozenset({"upheld", "overturned", "withheld"})
# "<heading>: <Decision>" -- the decision is one or two capitalised words after the last colon.
DECISION_TAIL_RE = re.compile(r":\s*(?P<word>[A-Z][A-Za-z]+(?:[ -][A-Za-z]+)?)\s*\.?\s*$")
LONE_DECISION_RE = re.compile(r"^(?P<word>[A-Za-z]+)\s*\.?\s*$")
# The partial-certification form of a heading, which runs over several sentences.
UR_FORM_START_RE = re.compile(r"\bwas\s+the\s+original\s+request\b", re.IGNORECASE)
UR_FORM_CONTINUATION_RE = re.compile(
    r"IMR\s+eligible|authorized\s+by\s+the\s+Claims|^The\s+(?:original|remaining)\s+", re.IGNORECASE
)
# Every IMR rationale ends on a medical-necessity conclusion; no item heading says it.
RATIONALE_CONCLUSION_RE = re.compile(r"medically\s+necessary", re.IGNORECASE)
_CLOSERS = "\"'”’)]"


def ends_sentence(text: str) -> bool:
    """Whether text ends with a full stop, question or exclamation mark (closing quotes allowed)."""
    return text.rstrip(_CLOSERS)[-1:] in (".", "?", "!")


def is_intro_end(text: str) -> bool:
    return text.endswith(":") and INTRO_END_RE.search(text) is not None


def decision_of(line: str) -> str | None:
    """The decision word ending a candidate heading line, if the line has that shape."""
    if ":" not in line:
        return None
    match = DECISION_TAIL_RE.search(line)
    return match.group("word") if match else None


# --- reading files --------------------------------------------------------------------------------


class RawLetter(BaseModel):
    """A letter file's text as extracted, before normalization."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    text: str
    sha256: str
    format: Literal["pdf", "text"]


_BINARY_CONTROL_SHARE = 0.01
_BINARY_CONTROLS_RE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")


def read_letter_text(path: str | Path, data: bytes | None = None) -> RawLetter:
    """Read a PDF or text letter (or its bytes, already read). The format comes from the bytes, not
    the file's extension; a file past the input limits is refused before it is decoded."""
    if data is None:
        data = read_bytes(str(path))
    check_bytes(len(data), path)
    if not data:
        raise InputError(path, "empty file")
    digest = hashlib.sha256(data).hexdigest()
    fmt: Literal["pdf", "text"] = "pdf" if looks_like_pdf(data) else "text"
    text = pdf_bytes_to_text(data, path) if fmt == "pdf" else decode_text(data, path)
    check_chars(len(text), path)
    _check_runs(text, path, with_line=fmt == "text")
    return RawLetter(text=text, sha256=digest, format=fmt)


# No word or number of a letter is this long (the longest drug names have about 25 letters, claim
# and phone numbers a dozen digits); the readers' patterns try a run of letters or digits from each
# of its characters, so a long run costs time quadratic in its length.
_MAX_RUN = 100
_MAX_DIGITS = 24
_LONG_RUN_RE = re.compile(rf"(?P<digits>\d{{{_MAX_DIGITS + 1},}})|[^\W_]{{{_MAX_RUN + 1},}}")
# Either run lies in a run of letters and digits at least this long; looked for from each run's
# start only, this finds in one pass the few texts worth the search above.
_LONG_WORD_RE = re.compile(rf"(?<![^\W_])[^\W_]{{{min(_MAX_DIGITS, _MAX_RUN) + 1}}}")


def _check_runs(text: str, path: str | Path, with_line: bool) -> None:
    """Refuse a run past _MAX_RUN, naming its line in a text file (a PDF's text has no lines of its own)."""
    run = _LONG_RUN_RE.search(text) if _LONG_WORD_RE.search(text) else None
    if run is not None:
        length = run.end() - run.start()
        message = (
            f"a number of {length} digits: no letter's number has more than {_MAX_DIGITS}"
            if run.group("digits")
            else f"a run of {length} letters or digits: no letter's word is longer than {_MAX_RUN}"
        )
        raise InputError(path, message, text.count("\n", 0, run.start()) + 1 if with_line else None)


def decode_text(data: bytes, path: str | Path) -> str:
    """Decode a text letter (UTF-8, UTF-16 with BOM, or Windows-1252); binary data is refused."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise InputError(path, "not a text file: invalid UTF-16") from None
    elif b"\x00" in data:
        raise InputError(path, "not a text or PDF letter: binary data")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError:
                raise InputError(path, "not a text or PDF letter: undecodable bytes") from None
    if len(_BINARY_CONTROLS_RE.findall(text)) > _BINARY_CONTROL_SHARE * len(text):
        raise InputError(path, "not a text or PDF letter: binary data")
    if not text.strip():
        raise InputError(path, "empty file")
    return text


# --- normalization --------------------------------------------------------------------------------

# pdfium marks a hyphen at a line end, where it has joined the two halves, with U+FFFE (or U+0002).
_LINE_END_HYPHEN = "\ufffe"
_CHAR_FIXES = str.maketrans(
    {
        "\x02": _LINE_END_HYPHEN,
        "\u00a0": " ",
        "\t": " ",
        "\u200b": None,
        "\u00ad": None,
        "\ufeff": None,
        "\u2028": "\n",
        "\u2029": "\n",
        "\v": "\n",
    }
)
_OTHER_CONTROLS_RE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_CHARS_TO_FIX_RE = re.compile("[" + "".join(chr(code) for code in _CHAR_FIXES) + "]")
_SPACES_RE = re.compile(r" {2,}")
_FURNITURE_RE = re.compile(
    r"^(?:(?P<page_label>(?i:page)\s*\d{1,3}(?:\s*(?i:of)\s*\d{1,3})?)"
    r"|(?P<page_number>-\s*\d{1,3}\s*-|\d{1,3}|\d{1,3}\s+of\s+\d{1,3})"
    r"|(?P<case_number>(?:Case\s+(?:Number|No\.?|#)\s*:?\s*)?[A-Z]{2}\d{2}-\d{5,8}))$"
)
# One match per line instead of four: which kind of structural line, if any, a line is.
_STRUCTURE_RE = re.compile(
    "|".join(
        f"(?P<{name}>{pattern.pattern.removeprefix('^')})"
        for name, pattern in (
            ("title", SECTION_TITLE_RE),
            ("header", HEADER_FIELD_RE),
            ("credential", CREDENTIAL_RE),
            ("label", LABEL_RE),
        )
    ),
    re.IGNORECASE,
)
_DIGITS_RE = re.compile(r"\d+")
_WORD_RE = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)*")
# Words are bounded: an unbounded run tried at every start of a long run of letters takes time
# quadratic in its length; no word is longer than this.
_MAX_WORD = 64
_HYPHENATED_RE = re.compile(rf"([A-Za-z]{{1,{_MAX_WORD}}})\ufffe\n?([A-Za-z]{{1,{_MAX_WORD}}})")
_TRAILING_WORD_RE = re.compile(rf"([A-Za-z]{{1,{_MAX_WORD}}})-$")
_LEADING_WORD_RE = re.compile(r"^([a-z]+)")
_MAX_HEADING_LINES = 8
_MAX_UR_FORM_LINES = 12
# Lines with trailing blanks are soft wraps in pdfium output; a paragraph's last line has none.
_TRAILING_BLANK_SHARE = 0.3
_SHORT_LINE_SHARE = 0.7
# Hard-wrapped text keeps lines under ~200 characters; a longer line means paragraphs are not wrapped.
_UNWRAPPED_WIDTH = 250


class _Kind(Enum):
    PLAIN = 0
    TITLE = 1
    HEADER = 2
    CREDENTIAL = 3
    GUIDELINE = 4
    RATIONALE = 5


@dataclass(slots=True)
class _Line:
    text: str
    trailing_blank: bool
    break_before: bool
    kind: _Kind = _Kind.PLAIN


def normalize(raw: str) -> str:
    """The canonical text of a letter: one paragraph or structural line per line."""
    text = _clean_characters(raw)
    words = _LetterWords(text)
    if _LINE_END_HYPHEN in text:
        text = _HYPHENATED_RE.sub(lambda m: words.join(m.group(1), m.group(2)), text)
        text = text.replace(_LINE_END_HYPHEN, "-")
    lines = _logical_lines(_drop_page_furniture(text.split("\f")))
    if not lines:
        return ""
    _classify(lines)
    heading_start, heading_end = _find_headings(lines)
    return "\n".join(_assemble(lines, heading_start, heading_end, words))


def _clean_characters(raw: str) -> str:
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    if _CHARS_TO_FIX_RE.search(text):
        text = text.translate(_CHAR_FIXES)
    if _OTHER_CONTROLS_RE.search(text):
        text = _OTHER_CONTROLS_RE.sub("", text)
    return text


class _LetterWords:
    """The letter's own spellings, to decide whether a line-end hyphen is part of the word."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._words: set[str] | None = None

    def join(self, left: str, right: str) -> str:
        """`left-right` unless the letter spells the word unhyphenated and never hyphenated."""
        if self._words is None:
            self._words = set(_WORD_RE.findall(self._text.replace(_LINE_END_HYPHEN, " ").lower()))
        joined = (left + right).lower()
        hyphenated = f"{left}-{right}".lower()
        if joined in self._words and hyphenated not in self._words:
            return left + right
        return f"{left}-{right}"


def _drop_page_furniture(pages: list[str]) -> list[str]:
    """Physical lines, without page numbers and page headers/footers repeated across pages."""
    page_lines = [page.split("\n") for page in pages]
    paged = len(page_lines) > 1
    repeated = _repeated_edge_lines(page_lines) if paged else set()
    out: list[str] = []
    seen_case_number = False
    for page_index, lines in enumerate(page_lines):
        content = [index for index, line in enumerate(lines) if line.strip()]
        edges = {*content[:1], *content[-1:]}
        for index, line in enumerate(lines):
            stripped = line.strip()
            furniture = _FURNITURE_RE.match(stripped) if stripped else None
            if furniture is None:
                if page_index > 0 and index in edges and _DIGITS_RE.sub("#", stripped) in repeated:
                    continue
            elif furniture.lastgroup == "page_label":
                continue
            elif furniture.lastgroup == "page_number":
                # Without page breaks a page number can stand anywhere; with them only at a page edge.
                if not paged or index in edges:
                    continue
            elif seen_case_number:
                continue
            else:
                seen_case_number = True
            out.append(line)
    return out


def _repeated_edge_lines(page_lines: list[list[str]]) -> set[str]:
    """First/last lines that recur on several pages (digits ignored): running headers and footers."""
    counts: dict[str, int] = {}
    for lines in page_lines:
        content = [line.strip() for line in lines if line.strip()]
        for edge in {*content[:1], *content[-1:]}:
            key = _DIGITS_RE.sub("#", edge)
            counts[key] = counts.get(key, 0) + 1
    return {
        key
        for key, count in counts.items()
        if count >= 2 and _STRUCTURE_RE.match(key) is None and decision_of(key) is None
    }


def _logical_lines(physical: list[str]) -> list[_Line]:
    """Content lines with whether a real paragraph break precedes each.

    Converted 2014-2015 letters put an empty line after every line; there, a single empty line is
    just a line end, and a blank line of the original shows as a whitespace-only line or a longer run.
    """
    content_count = 0
    followed_by_empty = 0
    for index, line in enumerate(physical):
        if line.strip():
            content_count += 1
            if index + 1 < len(physical) and physical[index + 1] == "":
                followed_by_empty += 1
    doubled = content_count >= 4 and followed_by_empty >= 0.9 * content_count

    lines: list[_Line] = []
    blank_run: list[str] = []
    for line in physical:
        stripped = line.strip()
        if not stripped:
            blank_run.append(line)
            continue
        if doubled:
            is_break = bool(blank_run) and not (len(blank_run) == 1 and blank_run[0] == "")
        else:
            is_break = bool(blank_run)
        if is_break and lines and _continues_sentence(lines[-1].text, stripped):
            # A blank line inside a sentence is a page break of the converted original, not a paragraph.
            is_break = False
        lines.append(
            _Line(
                text=_SPACES_RE.sub(" ", stripped) if "  " in stripped else stripped,
                trailing_blank=line != line.rstrip(),
                break_before=is_break and bool(lines),
            )
        )
        blank_run = []
    return lines


def _continues_sentence(previous: str, line: str) -> bool:
    return line[0].islower() and not ends_sentence(previous) and not previous.endswith(":")


def _classify(lines: list[_Line]) -> None:
    in_guideline = False
    for index, line in enumerate(lines):
        structure = _STRUCTURE_RE.match(line.text)
        if structure is not None:
            line.kind, in_guideline = _structural_kind(structure, in_guideline)
        elif in_guideline and not (decision_of(line.text) and _next_is_claims_label(lines, index)):
            # Continuation lines of a guideline line ("Section(s): Special Studies.") end in a colon
            # phrase too; only a line followed by the next item's first guideline line can be a heading.
            line.kind = _Kind.GUIDELINE
        else:
            in_guideline = False


def _structural_kind(structure: re.Match[str], in_guideline: bool) -> tuple[_Kind, bool]:
    """The kind of a structural line, and whether a guideline line continues after it."""
    if structure.group("title"):
        return _Kind.TITLE, False
    if structure.group("header"):
        return _Kind.HEADER, in_guideline
    if structure.group("credential"):
        return _Kind.CREDENTIAL, in_guideline
    if structure.group("rationale"):
        return _Kind.RATIONALE, False
    return _Kind.GUIDELINE, True


def _next_is_claims_label(lines: list[_Line], index: int) -> bool:
    if index + 1 >= len(lines):
        return False
    label = LABEL_RE.match(lines[index + 1].text)
    return label is not None and label.group("claims") is not None


def _next_is_label(lines: list[_Line], index: int) -> bool:
    return (
        index + 1 < len(lines)
        and lines[index + 1].kind in (_Kind.GUIDELINE, _Kind.RATIONALE)
        and bool(LABEL_RE.match(lines[index + 1].text))
    )


def _find_headings(lines: list[_Line]) -> tuple[set[int], set[int]]:
    """Indices of the first and last physical line of each item heading."""
    starts: set[int] = set()
    ends: set[int] = set()
    in_issues = False
    for index, line in enumerate(lines):
        if line.kind is _Kind.TITLE:
            title = SECTION_TITLE_RE.match(line.text)
            in_issues = title is not None and title.group("issues") is not None
            continue
        if line.kind is not _Kind.PLAIN:
            continue
        end_first = _heading_first_line(lines, index, in_issues, ends)
        if end_first is not None:
            starts.add(end_first)
            ends.add(index)
    return starts, ends


def _heading_first_line(lines: list[_Line], index: int, in_issues: bool, ends: set[int]) -> int | None:
    """If line `index` ends an item heading, the index of the heading's first line."""
    line = lines[index]
    word = decision_of(line.text)
    start = index
    if word is None:
        lone = LONE_DECISION_RE.match(line.text)
        if lone is None or index == 0 or not lines[index - 1].text.endswith(":"):
            return None
        if lines[index - 1].kind is not _Kind.PLAIN or (index - 1) in ends:
            return None
        word = lone.group("word")
        start = index - 1
    if not (_next_is_label(lines, index) or (in_issues and word.lower() in KNOWN_DECISIONS)):
        return None
    start = _walk_back(lines, start, ends, _MAX_HEADING_LINES, stop_at_sentence_end=True)
    block = " ".join(lines[i].text for i in range(start, index + 1))
    if UR_FORM_CONTINUATION_RE.search(block) and not UR_FORM_START_RE.search(block):
        start = _extend_to_ur_form_start(lines, start, ends)
    return start


def _walk_back(lines: list[_Line], start: int, ends: set[int], limit: int, stop_at_sentence_end: bool) -> int:
    first = start
    while first - 1 >= 0 and start - first + 1 < limit:
        previous = lines[first - 1]
        if lines[first].break_before or previous.kind is not _Kind.PLAIN or (first - 1) in ends:
            break
        if is_intro_end(previous.text) or RATIONALE_CONCLUSION_RE.search(previous.text):
            break
        if stop_at_sentence_end and _ends_sentence(previous):
            break
        first -= 1
    return first


def _ends_sentence(line: _Line) -> bool:
    # In pdfium text a soft-wrapped line keeps its trailing blank, even after a full stop.
    return ends_sentence(line.text) and not line.trailing_blank


def _extend_to_ur_form_start(lines: list[_Line], start: int, ends: set[int]) -> int:
    """Walk back over the sentences of a partial-certification heading to "X was the original request"."""
    first = start
    while first - 1 >= 0 and start - first < _MAX_UR_FORM_LINES:
        previous = lines[first - 1]
        if lines[first].break_before or previous.kind is not _Kind.PLAIN or (first - 1) in ends:
            return start
        if is_intro_end(previous.text) or RATIONALE_CONCLUSION_RE.search(previous.text):
            return start
        first -= 1
        if UR_FORM_START_RE.search(previous.text):
            return _walk_back(lines, first, ends, _MAX_UR_FORM_LINES, stop_at_sentence_end=True)
    return start


def _assemble(
    lines: list[_Line], heading_start: set[int], heading_end: set[int], words: _LetterWords
) -> list[str]:
    paragraph_end = _paragraph_end_rule(lines)
    # each output line as its pieces, joined once at the end: growing one string by every
    # physical line of a long paragraph would take time quadratic in its length
    out: list[list[str]] = []
    in_heading = False
    for index, line in enumerate(lines):
        if index in heading_start:
            in_heading = True
        starts_line = (
            not out
            or line.break_before
            or line.kind in (_Kind.TITLE, _Kind.HEADER, _Kind.CREDENTIAL, _Kind.RATIONALE)
            or (line.kind is _Kind.GUIDELINE and LABEL_RE.match(line.text) is not None)
            or index in heading_start
            or _hard_end_after(lines, index - 1, heading_end)
        )
        if not starts_line and not in_heading and line.kind is not _Kind.GUIDELINE:
            starts_line = paragraph_end(lines[index - 1])
        if starts_line:
            out.append([line.text])
        else:
            _join(out[-1], line.text, words)
        if index in heading_end:
            in_heading = False
    return ["".join(pieces) for pieces in out]


def _hard_end_after(lines: list[_Line], index: int, heading_end: set[int]) -> bool:
    if index < 0:
        return False
    previous = lines[index]
    return index in heading_end or previous.kind is _Kind.TITLE or is_intro_end(previous.text)


def _paragraph_end_rule(lines: list[_Line]) -> Callable[[_Line], bool]:
    """How this letter marks a paragraph end that has no blank line after it."""
    trailing = sum(1 for line in lines if line.trailing_blank)
    if trailing >= _TRAILING_BLANK_SHARE * len(lines):
        return lambda line: not line.trailing_blank and (ends_sentence(line.text) or line.text.endswith(":"))
    if any(line.break_before for line in lines):
        # Blank lines separate paragraphs here, so a line end alone never does.
        return lambda line: False
    lengths = sorted(len(line.text) for line in lines)
    if lengths[-1] > _UNWRAPPED_WIDTH:
        # Paragraph-per-line text (this module's own output among it): every line end is a break.
        return lambda line: True
    short = _SHORT_LINE_SHARE * lengths[int(0.8 * (len(lengths) - 1))]
    return lambda line: ends_sentence(line.text) and len(line.text) < short


def _join(pieces: list[str], right: str, words: _LetterWords) -> None:
    """Append `right` to the line of `pieces`, repairing a word hyphenated across the line end."""
    left = pieces[-1]
    if left.endswith("-") and len(left) > 1 and left[-2].isalnum():
        tail = _TRAILING_WORD_RE.search(left, max(0, len(left) - _MAX_WORD - 1))
        head = _LEADING_WORD_RE.match(right)
        if tail and head:
            joined = words.join(tail.group(1), head.group(1))
            pieces[-1] = left[: tail.start()] + joined + right[head.end() :]
        else:
            pieces[-1] = left + right
        return
    pieces.append(" " + right)
