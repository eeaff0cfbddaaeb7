"""Each kind of bad input gets a line that says what is wrong in the user's words, not a library's."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.batch import read_case
from engine.errors import InputError


def _pdf(objects: list[bytes]) -> bytes:
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def test_a_pdf_without_pages_says_so(tmp_path: Path) -> None:
    path = tmp_path / "zero.pdf"
    path.write_bytes(_pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"]))
    with pytest.raises(InputError) as error:
        read_case(path)
    assert str(error.value) == f"{path}: PDF has no pages"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "found nothing (an empty document)"),
        ("# only a comment\n", "found nothing (an empty document)"),
        ("- a\n- b\n", "found a list"),
        ("just words\n", "found the text 'just words'"),
    ],
)
def test_a_case_file_that_is_not_a_mapping_says_what_it_holds(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "case.yaml"
    path.write_text(text)
    with pytest.raises(InputError) as error:
        read_case(path)
    assert message in str(error.value) and "instance of" not in str(error.value)
