"""PDF → pages of text lines, through pdfplumber's text layer.

This reader feeds the same line parser as raw text. It reads the words pdfplumber
finds and joins them into lines; it does not yet use cell geometry (a number's column
is decided by the identities, as for raw text).
"""

from __future__ import annotations

import io

from ..errors import UnreadableDocument
from ..normalize.text import clean
from ..schemas.intermediate import Page


def read_pdf_pages(data: bytes, source: str, password: str | None = None) -> list[Page]:
    """Given PDF bytes, return its pages of text lines; UnreadableDocument if it can't."""
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect

    try:
        pdf = pdfplumber.open(io.BytesIO(data), password=password or "")
    except PDFPasswordIncorrect:
        raise UnreadableDocument(source, "encrypted PDF: give the password with --password") from None
    except Exception as exc:  # pdfminer raises many exception types on corrupt files
        raise UnreadableDocument(source, f"not a readable PDF ({type(exc).__name__})") from None
    pages = []
    with pdf:
        try:
            for number, page in enumerate(pdf.pages, start=1):
                text = page.extract_text() or ""
                lines = tuple(f for f in (clean(x) for x in text.split("\n")) if f)
                pages.append(Page(number=number, lines=lines))
        except Exception as exc:  # a truncated PDF fails while pages are read
            raise UnreadableDocument(source, f"PDF could not be read to the end ({type(exc).__name__})") from None
    if not any(p.lines for p in pages):
        raise UnreadableDocument(source, "PDF has no text layer (a scanned image?)")
    return pages
