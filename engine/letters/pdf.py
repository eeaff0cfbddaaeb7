"""PDF letters to text with pdfium, one string per letter, pages joined by form feeds."""

from __future__ import annotations

import re
from pathlib import Path

import pypdfium2 as pdfium

from engine.errors import InputError

PAGE_BREAK = "\f"
# The PDF format allows junk before the header; readers look for it within the first kilobyte.
_HEADER_WINDOW = 1024


def looks_like_pdf(data: bytes) -> bool:
    return b"%PDF-" in data[:_HEADER_WINDOW]


def pdf_to_text(path: str | Path) -> str:
    """Text of every page of the PDF at `path`, pages joined with a form feed."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(path, f"cannot read file: {exc.strerror or exc}") from None
    return pdf_bytes_to_text(data, path)


def pdf_bytes_to_text(data: bytes, path: str | Path) -> str:
    """Like `pdf_to_text` for bytes already read; `path` only names the file in errors."""
    if not data:
        raise InputError(path, "empty file")
    if not looks_like_pdf(data):
        raise InputError(path, "not a PDF file (no %PDF- header)")
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if _declares_no_pages(data):
            raise InputError(path, "PDF has no pages") from None
        raise InputError(path, _describe_load_error(exc)) from None
    try:
        page_count = len(document)
        if page_count == 0:
            raise InputError(path, "PDF has no pages")
        pages = [_page_text(document, index) for index in range(page_count)]
    except pdfium.PdfiumError as exc:
        raise InputError(path, f"damaged PDF, cannot read its text: {exc}") from None
    finally:
        document.close()
    text = PAGE_BREAK.join(pages)
    if not text.strip():
        raise InputError(path, "PDF has no extractable text (a scanned image?)")
    return text


def _page_text(document: pdfium.PdfDocument, index: int) -> str:
    page = document[index]
    try:
        textpage = page.get_textpage()
        try:
            return textpage.get_text_range()
        finally:
            textpage.close()
    finally:
        page.close()


# pdfium refuses a document whose page tree is empty, with whatever error the last call left (its
# error state is not reset), so the empty tree is recognized in the file itself.
_PAGE_TREE_COUNTS = re.compile(
    rb"/Type\s*/Pages\b[^>]{0,200}?/Count\s+(\d{1,9})|/Count\s+(\d{1,9})[^>]{0,200}?/Type\s*/Pages\b"
)


def _declares_no_pages(data: bytes) -> bool:
    counts = [int(first or second) for first, second in _PAGE_TREE_COUNTS.findall(data)]
    return bool(counts) and not any(counts)


def _describe_load_error(exc: pdfium.PdfiumError) -> str:
    message = str(exc)
    if "password" in message.lower():
        return "encrypted PDF: it needs a password to open"
    if "security" in message.lower():
        return "encrypted PDF with a security scheme pdfium does not support"
    if "format" in message.lower() or "file" in message.lower():
        return "damaged or truncated PDF, pdfium cannot open it"
    return f"cannot open PDF: {message}"
