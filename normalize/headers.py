"""Header text → the canonical columns a table prints.

Raw text scrambles header cells (their order is lost, merged cells break over lines),
so columns are found by their words, not by position: a canonical column is present
when one of its header words (tables.toml) occurs in the table's header text. The
printed order is the canonical order of tables.toml.
"""

from __future__ import annotations

from ..domain import TableSpec
from .text import compact


def printed_columns(spec: TableSpec, header_text: str, side: str | None = None) -> tuple[str, ...]:
    """Given a table kind and its header text, return the canonical columns it prints (maybe empty)."""
    text = "".join(compact(line) for line in header_text.splitlines())
    candidates = spec.sides[side].columns if side else spec.columns
    words = sorted(((w, col) for col in candidates for w in spec.header_words(col, side)),
                   key=lambda wc: len(compact(wc[0])), reverse=True)
    found = set()
    for word, col in words:
        w = compact(word)
        if w in text:
            found.add(col)
            # Consume the words so a shorter header word cannot match inside a longer one.
            text = text.replace(w, "\0", 1)
    return tuple(c for c in candidates if c in found)
