"""Raw text (what PDF-to-text tools make of a PDF) → pages of lines.

A page break is a form feed or a run of three or more blank lines: the tools that made
the seed documents print no form feed, and within a page they separate lines by at most
one blank line.
"""

from __future__ import annotations

import re

from ..normalize.text import clean
from ..schemas.intermediate import Page

_PAGE_BREAK = re.compile(r"\f|\n[ \t\u3000]*(?:\n[ \t\u3000]*){3,}")


def split_pages(text: str) -> list[Page]:
    """Given decoded text, return its pages (1-based), each with its non-blank lines (spaces normalised)."""
    pages = []
    for number, chunk in enumerate(_PAGE_BREAK.split(text), start=1):
        lines = tuple(f for f in (clean(line) for line in chunk.split("\n")) if f)
        pages.append(Page(number=number, lines=lines))
    # Leading/trailing breaks make empty pages at the ends; inner empty pages are real.
    while pages and not pages[-1].lines:
        pages.pop()
    return pages
