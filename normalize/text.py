"""Character folding for printed text: a pure leaf module.

Everything yusuan compares (titles, headers, names, numbers) goes through `fold` first,
so full-width digits, commas, brackets and colons compare equal to their ASCII forms.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache


_MEMOS: list = []


def memo(fn):
    """Memoise a pure function of text (lines recur within a document: a title is tested
    by several stages, a number by every reader); `clear_caches` forgets them all."""
    cached = lru_cache(maxsize=1 << 16)(fn)
    _MEMOS.append(cached)
    return cached


def translator(table: dict[int, int | str | None]) -> Callable[[str], str]:
    """Given a `str.translate` table, return `text -> text.translate(table)` that only
    translates text holding one of its keys: translate looks every character up in the
    table (a failed lookup per character), the one-class regex finds none in C."""
    points = sorted(table)
    runs = []  # consecutive code points as one range: a class of ranges is matched fast
    for p in points:
        if runs and p == runs[-1][1] + 1:
            runs[-1][1] = p
        else:
            runs.append([p, p])
    keys = re.compile("[" + "".join(re.escape(chr(a)) + ("-" + re.escape(chr(b)) if b > a else "")
                                    for a, b in runs) + "]")

    def apply(text: str) -> str:
        return text.translate(table) if keys.search(text) else text

    return apply

# CJK radicals some PDF fonts emit instead of the ideographs; NFKC leaves the
# Kangxi-supplement radicals (U+2E80–U+2EFF) alone, so they are folded by hand.
RADICALS = str.maketrans({
    "\u2ec5": "见", "\u2ec8": "讠", "\u2ec9": "贝", "\u2ecb": "车", "\u2ed0": "钅",
    "\u2ed3": "长", "\u2ed4": "门", "\u2eda": "页", "\u2edb": "风", "\u2edc": "飞",
    "\u2ee0": "饣", "\u2ee2": "马", "\u2ee5": "鱼", "\u2ee6": "鸟", "\u2ee9": "黄",
    "\u2eec": "齐", "\u2eee": "齿", "\u2ef0": "龙", "\u2ef3": "龟",
})

_SPACES = re.compile(r"[ \t\u3000\xa0]+")
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"
"""Characters that print nothing (zero-width spaces and joiners, the BOM, the soft
hyphen): removed where text enters yusuan, so `201\u200b 17` is `201 17`."""
_DROP_INVISIBLE = str.maketrans("", "", INVISIBLE)
_QUOTES = str.maketrans("", "", "“”\"'‘’「」『』")
_radicals, _drop_invisible, _drop_quotes = translator(RADICALS), translator(_DROP_INVISIBLE), translator(_QUOTES)


def clean(text: str) -> str:
    """Given printed text, return it as printed but with radicals mapped and spaces normalised.

    This is the form records keep (`raw`, `name`): full-width digits and brackets stay.
    """
    return _SPACES.sub(" ", _drop_invisible(_radicals(text))).strip()


@memo
def fold(text: str) -> str:
    """Given printed text, return it NFKC-folded, radicals mapped, runs of spaces as one."""
    return _SPACES.sub(" ", _radicals(unicodedata.normalize("NFKC", text))).strip()


@memo
def compact(text: str) -> str:
    """Given text, return its fold with all spaces and quotes removed (for matching)."""
    return _drop_quotes(fold(text).replace(" ", ""))


_CJK = re.compile(r"[\u4e00-\u9fff]")


def has_cjk(text: str) -> bool:
    """True when `text` holds at least one CJK ideograph."""
    return bool(_CJK.search(text))


def clear_caches() -> None:
    """Forget memoised folds (benchmarks call this so repeated runs measure fresh work)."""
    for cached in _MEMOS:
        cached.cache_clear()
