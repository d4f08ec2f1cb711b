"""Bytes of a text file → str, with the encoding detected: UTF-8 (with or without BOM),
UTF-16 with BOM, or GB18030 (a superset of GBK and GB2312, what Chinese Windows tools
write). Line ends are made `\\n`. Binary or empty input raises UnreadableDocument.
"""

from __future__ import annotations

import codecs
import re

from ..errors import UnreadableDocument

# Control characters other than tab, newline, carriage return and form feed: a text
# document has almost none; a binary file decoded by accident has many.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
MAX_CONTROL_SHARE = 0.001


def decode_text(data: bytes, source: str) -> tuple[str, str]:
    """Given a file's bytes and its name, return (text with `\\n` line ends, encoding name)."""
    if not data:
        raise UnreadableDocument(source, "empty file")
    text = encoding = None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ("utf-16",)
    else:
        candidates = ("utf-8-sig", "gb18030")
    for enc in candidates:
        try:
            text, encoding = data.decode(enc), enc
            break
        except UnicodeDecodeError:
            continue
    if text is None:
        raise UnreadableDocument(source, "not a text file (neither UTF-8 nor GB18030/GBK)")
    if len(_CONTROL.findall(text)) > max(1, MAX_CONTROL_SHARE * len(text)):
        raise UnreadableDocument(source, "binary content, not a text document")
    if not text.strip("\ufeff \t\r\n\f\u3000\xa0"):
        raise UnreadableDocument(source, "empty file (only white space)")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, {"utf-8-sig": "utf-8"}.get(encoding, encoding)
