"""Bad, damaged and mangled input: an InputError naming the file, or a partial letter -- never a crash."""

from __future__ import annotations

import random
from functools import cache
from pathlib import Path

import pytest
from handmade_pdf import pdf_bytes
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.errors import InputError
from engine.letters.model import ParsedLetter, TextSpan
from engine.letters.parse import parse_letter, parse_text
from engine.letters.pdf import pdf_to_text
from engine.letters.text import read_letter_text
from engine.paths import LETTERS_DIR

needs_letters = pytest.mark.skipif(
    not LETTERS_DIR.is_dir(), reason=f"development letters not found at {LETTERS_DIR}"
)
A_PDF = "dwc-2016-2017/CM16-0219557.pdf"
SAMPLE_LETTERS = (
    A_PDF,
    "dwc-2016-2017/CM17-0006797.pdf",
    "dwc-2016-2017/CM16-0243453.pdf",
    "2014-2015/002_b67151935dfeaf0e.txt",
    "2014-2015/003_562eafed43e403d6.txt",
)


def _assert_one_line_error(error: InputError, path: Path) -> None:
    message = str(error)
    assert "\n" not in message
    assert message.startswith(str(path))


def _minimal_pdf(extra_objects: list[bytes], trailer_extra: bytes = b"") -> bytes:
    """A one-page PDF saying "Hello", written by hand so the test needs no PDF writer."""
    content = b"BT /F1 12 Tf 72 720 Td (Hello) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        *extra_objects,
    ]
    return pdf_bytes(objects, trailer_extra)


def test_minimal_pdf_reads_hello(tmp_path: Path) -> None:
    # Guards the encrypted-PDF test: the same hand-written file without /Encrypt opens and has text.
    path = tmp_path / "hello.pdf"
    path.write_bytes(_minimal_pdf([]))
    assert pdf_to_text(path) == "Hello"


def test_encrypted_pdf(tmp_path: Path) -> None:
    encrypt = b"<< /Filter /Standard /V 1 /R 2 /O <" + b"11" * 32 + b"> /U <" + b"22" * 32 + b"> /P -44 >>"
    file_id = b"<0123456789abcdef0123456789abcdef>"
    path = tmp_path / "locked.pdf"
    path.write_bytes(_minimal_pdf([encrypt], b"/Encrypt 6 0 R /ID [" + file_id + b" " + file_id + b"]"))
    with pytest.raises(InputError, match="encrypted") as caught:
        parse_letter(path)
    _assert_one_line_error(caught.value, path)


@pytest.mark.parametrize("name", ["empty.pdf", "empty.txt", "empty"])
def test_empty_file(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"")
    with pytest.raises(InputError, match="empty") as caught:
        parse_letter(path)
    _assert_one_line_error(caught.value, path)


def test_blank_text_file(tmp_path: Path) -> None:
    path = tmp_path / "blank.txt"
    path.write_text(" \n\n\t\n")
    with pytest.raises(InputError, match="empty"):
        parse_letter(path)


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.pdf"
    with pytest.raises(InputError, match="cannot read") as caught:
        parse_letter(path)
    _assert_one_line_error(caught.value, path)


def test_text_that_is_not_an_imr_letter(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("Shopping list:\nmilk, eggs\n\nCall the plumber on Tuesday.\n")
    with pytest.raises(InputError, match="not an IMR determination letter") as caught:
        parse_letter(path)
    _assert_one_line_error(caught.value, path)


@pytest.mark.parametrize("prefix", [b"", b"%PDF-1.7\n"])
@pytest.mark.parametrize("name", ["noise.pdf", "noise.txt"])
def test_random_bytes(tmp_path: Path, name: str, prefix: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(prefix + random.Random(7).randbytes(20_000))
    with pytest.raises(InputError) as caught:
        parse_letter(path)
    _assert_one_line_error(caught.value, path)


@needs_letters
def test_format_is_sniffed_not_taken_from_the_extension(tmp_path: Path) -> None:
    disguised = tmp_path / "letter.txt"
    disguised.write_bytes((LETTERS_DIR / A_PDF).read_bytes())
    assert parse_letter(disguised).format == "pdf"
    renamed = tmp_path / "letter.pdf"
    renamed.write_bytes((LETTERS_DIR / SAMPLE_LETTERS[3]).read_bytes())
    letter = parse_letter(renamed)
    assert letter.format == "text" and len(letter.items) == 4


@needs_letters
def test_truncated_pdf(tmp_path: Path) -> None:
    data = (LETTERS_DIR / A_PDF).read_bytes()
    path = tmp_path / "truncated.pdf"
    path.write_bytes(data[: len(data) // 2])
    try:
        letter = parse_letter(path)
    except InputError as error:
        _assert_one_line_error(error, path)
    else:
        assert letter.missing


@needs_letters
def test_letter_with_its_issues_section_cut_off_is_partial(tmp_path: Path) -> None:
    text = read_letter_text(LETTERS_DIR / A_PDF).text
    path = tmp_path / "cut.txt"
    path.write_text(text[: text.index("IMR ISSUES")])
    letter = parse_letter(path)
    assert letter.items == []
    assert letter.missing == ["items"]
    assert letter.header.case_number is not None and letter.header.case_number.text == "CM16-0219557"
    assert letter.summary is not None


@needs_letters
def test_letter_missing_a_rationale_names_it() -> None:
    text = read_letter_text(LETTERS_DIR / SAMPLE_LETTERS[3]).text
    cut = text.replace("Decision rationale:", "Decision notes:", 1)
    letter = parse_text(cut, "cut.txt", "0" * 64, "text")
    assert len(letter.items) == 4
    assert "item 1: rationale" in letter.missing


# --- property tests -------------------------------------------------------------------------------


def _check(text: str) -> None:
    try:
        letter = parse_text(text, "generated.txt", "0" * 64, "text")
    except InputError as error:
        assert "\n" not in str(error)
        return
    assert isinstance(letter, ParsedLetter)
    for span in _text_spans(letter):
        assert letter.text[span.start : span.end] == span.text


def _text_spans(node: object) -> list[TextSpan]:
    if isinstance(node, TextSpan):
        return [node]
    if isinstance(node, list):
        return [span for element in node for span in _text_spans(element)]
    fields = getattr(type(node), "model_fields", None)
    if fields is None:
        return []
    return [span for name in fields for span in _text_spans(getattr(node, name))]


_STRUCTURE_WORDS = st.sampled_from(
    [
        "CLINICAL CASE SUMMARY",
        "IMR ISSUES, DECISIONS AND RATIONALES",
        "Claims Administrator guideline: Decision based on MTUS ",
        "MAXIMUS guideline: Decision based on Non-MTUS Citation ODG, ",
        "Decision rationale: ",
        ": Upheld",
        ": Overturned",
        "was the original request. ",
        "Case Number: CM17-0000001",
        "Date Assigned: 13/45/2016",
        "Section(s): ",
        "Page(s): 1",
        "\f",
        "\n",
        "\n\n",
        " \n",
        "-\n",
        "\ufffe",
        "(",
        ")",
        ",",
        ";",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=2000))
def test_random_text_never_crashes(text: str) -> None:
    _check(text)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_STRUCTURE_WORDS, st.text(max_size=40)), max_size=80))
def test_random_letter_shaped_text_never_crashes(pieces: list[str]) -> None:
    _check("".join(pieces))


@cache
def _sample_texts() -> tuple[str, ...]:
    return tuple(read_letter_text(LETTERS_DIR / name).text for name in SAMPLE_LETTERS)


_MUTATION = st.tuples(
    st.sampled_from(["delete", "duplicate", "insert", "swap", "truncate"]),
    st.integers(min_value=0, max_value=10_000),
    st.integers(min_value=0, max_value=10_000),
    st.text(max_size=30),
)


def _mutate(text: str, mutations: list[tuple[str, int, int, str]]) -> str:
    lines = text.split("\n")
    for kind, first, second, noise in mutations:
        if not lines:
            break
        i, j = first % len(lines), second % len(lines)
        if kind == "delete":
            del lines[i]
        elif kind == "duplicate":
            lines.insert(j, lines[i])
        elif kind == "insert":
            lines.insert(i, noise)
        elif kind == "swap":
            # Swap whole blocks of lines, so sections trade places.
            low, high = sorted((i, j))
            middle = (low + high) // 2
            lines[low:high] = lines[middle:high] + lines[low:middle]
        else:
            lines[i] = lines[i][: second % (len(lines[i]) + 1)]
    return "\n".join(lines)


@needs_letters
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=0, max_value=len(SAMPLE_LETTERS) - 1), st.lists(_MUTATION, max_size=12))
def test_mutated_real_letters_never_crash(which: int, mutations: list[tuple[str, int, int, str]]) -> None:
    _check(_mutate(_sample_texts()[which], mutations))
