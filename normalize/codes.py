"""Classification codes (功能分类 / 经济分类): printed parts → digits, level, parent.

Printed `201 17 06` is 2011706 (类 3 digits, 款 2, 项 2); `302 12` is 30212. Some PDFs
print 款/项 unpadded (`301 2` = 30102), and some glue the parts (`2011706`).
"""

from __future__ import annotations

import re
from typing import NamedTuple

# ASCII digits only: callers fold full-width digits first (NFKC); other scripts' digits
# are not codes.
_PART = re.compile(r"[0-9]{1,3}")
_GLUED = re.compile(r"[0-9]{3}(?:[0-9]{2}){0,2}")
# A code prefix at the start of a row: 类 (3 digits), then up to two 1–2 digit parts,
# each followed by a space; or one glued run of 3/5/7 digits.
CODE_PREFIX = re.compile(r"^(?P<code>[0-9]{3}(?:\s+[0-9]{1,2}){0,2}(?=\s)|[0-9]{3}(?:[0-9]{2}){1,2}(?=\s))\s+")


class Code(NamedTuple):
    code: str
    level: int
    parent: str | None


def parse_code(printed: str) -> Code:
    """Given a printed code (`201 17 06`, `301 2`, `2011706`), return its digits, level, parent.

    Raises ValueError when the text is not a code.
    """
    parts = printed.split()
    if len(parts) == 1 and _GLUED.fullmatch(parts[0]):
        digits = parts[0]
    elif 1 <= len(parts) <= 3 and len(parts[0]) == 3 and all(
        _PART.fullmatch(p) and len(p) <= 2 for p in parts[1:]
    ) and _PART.fullmatch(parts[0]):
        digits = parts[0] + "".join(p.zfill(2) for p in parts[1:])
    else:
        raise ValueError(f"not a classification code: {printed!r}")
    level = {3: 1, 5: 2, 7: 3}[len(digits)]
    return Code(digits, level, digits[: len(digits) - 2] if level > 1 else None)
