"""Letter reading speed on one core, against pypdfium2's own text extraction measured in the same run.

    .venv/bin/python bench/bench_letters.py [--rounds N] [LETTERS_DIR]

(a) baseline: pypdfium2 extracting the text of every page of each development PDF;
(b) our pdf_to_text + normalize; (c) parse_text on already-extracted text (text -> ParsedLetter).
Each rate is the best of several rounds. Budget (DESIGN.md): (b) at or near (a). Parsing is only
the first part of text -> case: its budget (>= 200 letters/s) is judged by bench/bench_extract.py,
which measures the whole step.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import pypdfium2 as pdfium
from timing import best_rate

from engine.letters.parse import parse_text
from engine.letters.pdf import pdf_to_text
from engine.letters.text import normalize
from engine.paths import LETTERS_DIR


def bare_pdfium_text(path: Path) -> str:
    document = pdfium.PdfDocument(path)
    pages = []
    for page in document:
        textpage = page.get_textpage()
        pages.append(textpage.get_text_range())
        textpage.close()
        page.close()
    document.close()
    return "\f".join(pages)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("letters_dir", nargs="?", type=Path, default=LETTERS_DIR)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    pdfs = sorted(args.letters_dir.glob("**/*.pdf"))
    if not pdfs:
        sys.exit(f"no PDF letters under {args.letters_dir}")
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

    texts = [pdf_to_text(path) for path in pdfs]

    def baseline() -> int:
        for path in pdfs:
            bare_pdfium_text(path)
        return len(pdfs)

    def extract_and_normalize() -> int:
        for path in pdfs:
            normalize(pdf_to_text(path))
        return len(pdfs)

    def text_to_letter() -> int:
        for path, text in zip(pdfs, texts, strict=True):
            parse_text(text, str(path), "", "pdf")
        return len(pdfs)

    rates = {
        "(a) pypdfium2 bare text extraction": best_rate(baseline, args.rounds),
        "(b) pdf_to_text + normalize": best_rate(extract_and_normalize, args.rounds),
        "(c) parse_text (text -> ParsedLetter)": best_rate(text_to_letter, args.rounds),
    }
    base = next(iter(rates.values()))
    print(f"{len(pdfs)} PDF letters, one core, best of {args.rounds} rounds")
    for name, rate in rates.items():
        print(f"{name:<40} {rate:8.1f} letters/s   {rate / base:5.2f}x baseline")
    print("(c) is the parsing step alone; the text-to-case budget: bench/bench_extract.py")


if __name__ == "__main__":
    main()
