"""Each kind of bad input gets a line that says what is wrong in the user's words, not a library's."""

from __future__ import annotations

from pathlib import Path

import pytest
from handmade_pdf import pdf_bytes

from engine.batch import read_case
from engine.errors import InputError


def test_a_pdf_without_pages_says_so(tmp_path: Path) -> None:
    path = tmp_path / "zero.pdf"
    catalog, no_pages = b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"
    path.write_bytes(pdf_bytes([catalog, no_pages]))
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
