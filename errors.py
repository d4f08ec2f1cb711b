"""The one exception yusuan raises for input it cannot read at all."""

from __future__ import annotations


class UnreadableDocument(Exception):
    """The input could not be read at all; `str()` is a one-line message naming the file."""

    def __init__(self, source: str, reason: str):
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason
