"""Raw text (what PDF-to-text tools make of a PDF) → pages of lines.

A page break is a form feed or a run of three or more blank lines: the tools that made
the seed documents print no form feed, and within a page they separate lines by at most
one blank line.
"""

from __future__ import annotations

import re

from ..normalize.text import clean
from ..schemas.intermediate import Page, Word

_INDENT = (" ", "\t", "\u3000")
# A new paragraph run into the line before it: a sentence end, then an indent.
_PARAGRAPH_IN_LINE = re.compile(r"(?<=[。；！？])[ \t\u3000]{4,}")
_PAGE_BREAK = re.compile(r"\f|\n[ \t\u3000]*(?:\n[ \t\u3000]*){3,}")


def split_pages(text: str) -> list[Page]:
    """Given decoded text, return its pages (1-based), each with its non-blank lines (spaces normalised)."""
    pages = []
    for number, chunk in enumerate(_PAGE_BREAK.split(text), start=1):
        kept = []  # (line, indented, joined)
        previous_blank = True
        for line in chunk.split("\n"):
            for i, piece in enumerate(_PARAGRAPH_IN_LINE.split(line)):
                indented = i > 0 or piece[:1] in _INDENT
                if text_line := clean(piece):
                    kept.append((text_line, indented, not previous_blank and not indented))
            previous_blank = not clean(line)
        pages.append(Page(number=number, lines=tuple(x for x, _, _ in kept),
                          indented=tuple(i for _, i, _ in kept), joined=tuple(j for _, _, j in kept),
                          words=tuple(tuple(Word(w) for w in x.split(" ")) for x, _, _ in kept)))
    # Leading/trailing breaks make empty pages at the ends; inner empty pages are real.
    while pages and not pages[-1].lines:
        pages.pop()
    return pages
