"""Text from a letter, case or rule file, made safe to show on a terminal.

Such text is data, never markup or control: `[link=...]` stays the bracketed text the file holds
(rich would turn it into a hyperlink, or drop it when piped), and escape sequences, bidi overrides
and other invisible format characters are shown as escapes (`\\x1b`, `\\u202e`) instead of acting
on the terminal or reordering what the reader sees.
"""

from __future__ import annotations

import re

from rich.text import Text

# C0 and C1 controls, and the Unicode format characters that change or hide what is displayed:
# zero-width and bidi marks, embeddings, overrides and isolates, line and paragraph separators,
# the byte-order mark, interlinear annotation and tag characters.
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb"
    "\U000e0000-\U000e007f]"
)
_BLANKS = re.compile(r"[\t\n\r]+")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def safe(value: object) -> str:
    """`value` as one line of inert text: tabs and line breaks become spaces, other control and
    format characters visible escapes."""
    text = _BLANKS.sub(" ", str(value))
    return _UNSAFE.sub(_escape, text) if _UNSAFE.search(text) else text


def plain(value: object, style: str = "") -> Text:
    """A rich Text that shows `value` as written: no markup, no control characters."""
    return Text(safe(value), style=style)
