"""Stock phrases printed short of one character: `推动辖区健、有序、可持续发展` for 健康、有序.

No rule can see a dropped character without knowing the language, so yusuan is given a
dictionary as data (domain/phrases.toml): the stock phrases of budget and government prose
and the common words around them. A phrase's *short forms* are the phrase less one inner
character (健康有序 → 健有序, 健康序). Where the prose prints a short form with a joiner (、)
at the place of the missing character (an enumerated item cut short: 健、有序、可持续), other
joiners read through, and the full phrase is not printed there, the text has lost a
character: a `dropped_character` warning naming the phrase and what is printed. Inside
running text a phrase less a character is as often an abbreviation or other words
(制度不完善 is not 不断完善 cut short, 资本支出 not 资本性支出): no list of phrases tells
them apart, so there the rule says nothing.

A short form is ordinary text, and says nothing, when it is part of another listed phrase,
when it only drops an optional function word (和, 与, 及 …: 年末结转结余), when a known word
is printed across the place the character is missing from (公务车购置; a short form that is a
word itself, 预算表), or when a known word runs across either of its ends (贯彻实|施 is
贯彻 + 实施). One pure function, `check_phrases`, over the texts of wording.py.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from ..schemas.intermediate import ParseIssue
from .catalogue import issue

SEVERITY = "warning"


@dataclass(frozen=True)
class Dictionary:
    """The phrases and words of domain/phrases.toml, indexed for the search."""

    rule: str
    joiners: frozenset[str]
    phrases: tuple[str, ...]
    words: frozenset[str]
    longest_word: int
    short: dict[str, tuple[tuple[str, int], ...]]
    """Short form → (phrase, index of the character it lacks) for every phrase it shortens."""
    by_start: dict[str, tuple[str, ...]]
    """The short forms by their first `prefix` characters (the search's index)."""
    prefix: int = 2
    """How many first characters `by_start` keys a short form by: three where every short
    form is that long (fewer places of a text to try), else two."""
    joiner: re.Pattern[str] | None = None
    """Any one joiner (None: no joiners)."""
    longest_form: int = 0
    """The length of the longest short form."""


def short_forms(phrase: str, optional: str = "") -> list[tuple[str, int]]:
    """Given a phrase, return its short forms: (the phrase less one inner character, that
    character's index), leaving out characters of `optional`."""
    return [(phrase[:i] + phrase[i + 1:], i) for i in range(1, len(phrase) - 1) if phrase[i] not in optional]


def build(phrases: list[str], words: list[str], joiners: str = "、", optional: str = "",
          rule: str = "dropped_character", min_length: int = 4) -> Dictionary:
    """Given stock phrases, common words, the joiners read through and the optional
    characters, return the dictionary the search uses: every short form of a phrase of at
    least `min_length` characters that is not part of a listed phrase, indexed; the known
    words are `words`, every phrase and the halves of every four-character phrase."""
    phrases = sorted({p for p in phrases if len(p) >= min_length})
    known = set(words) | set(phrases) | {half for p in phrases if len(p) == 4 for half in (p[:2], p[2:])}
    short: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for phrase in phrases:
        for form, i in short_forms(phrase, optional):
            short[form].append((phrase, i))
    kept = {form: tuple(of) for form, of in short.items() if not any(form in p for p in phrases)}
    prefix = 3 if all(len(form) >= 3 for form in kept) else 2
    by_start: dict[str, list[str]] = defaultdict(list)
    for form in kept:
        by_start[form[:prefix]].append(form)
    return Dictionary(rule=rule, joiners=frozenset(joiners), phrases=tuple(phrases), words=frozenset(known),
                      longest_word=max(map(len, known), default=0), short=kept,
                      by_start={k: tuple(v) for k, v in by_start.items()}, prefix=prefix,
                      joiner=re.compile(f"[{re.escape(joiners)}]") if joiners else None,
                      longest_form=max(map(len, kept), default=0))


@lru_cache(maxsize=1)
def dictionary() -> Dictionary:
    """The dictionary of domain/phrases.toml, built once."""
    raw = tomllib.loads(resources.files("yusuan.domain").joinpath("phrases.toml").read_text("utf-8"))
    spec = raw["dropped_character"]
    words = [*spec.get("words", []), *spec.get("common", [])]
    return build(spec["phrases"], words, spec.get("joiners", ""), spec.get("optional", ""), spec["rule"],
                 spec.get("min_length", 4))


def _crossed(text: str, at: int, d: Dictionary) -> bool:
    """Whether a known word is printed across position `at` (between text[at-1] and text[at])."""
    for size in range(2, d.longest_word + 1):
        for start in range(max(0, at - size + 1), at):
            if start + size <= len(text) and text[start:start + size] in d.words:
                return True
    return False


def _phrase_at(text: str, phrase: str, start: int, end: int) -> bool:
    """Whether `phrase` is printed over any part of text[start:end]."""
    first = max(0, start - len(phrase) + 1)
    at = text.find(phrase, first)
    return 0 <= at < end


def find(text: str, d: Dictionary) -> list[tuple[str, int, int, int]]:
    """Given a text and the dictionary, return (phrase, index of the character left out,
    start, end) for every place that prints the phrase less one inner character (joiners
    read through; text[start:end] as printed) with a joiner printed where the character is
    missing, the guards of the module's docstring passed; of phrases missing a character at
    the same place, the longest (机构正常、转, not 正常、转), all of them when they are as long
    (有、推进: 有序推进, 有效推进)."""
    joiners = [m.start() for m in d.joiner.finditer(text)] if d.joiner else []
    if not joiners:
        return []  # no joiner, no place a character can be missing at one
    bare = d.joiner.sub("", text)

    def printed(k: int) -> int:
        """The position in `text` of the k-th character of `bare` (joiners skipped)."""
        for j in joiners:
            if j > k:
                break
            k += 1
        return k

    best: dict[int, list[tuple[str, int, int, int]]] = {}
    get, size = d.by_start.get, d.prefix
    # A short form read from bare[k] lacks its character at k + i (0 < i < its length),
    # where a joiner must be printed: only the places up to one form's length before a
    # joiner can give one. The j-th joiner sits before bare[joiner - j].
    gaps = [at - j for j, at in enumerate(joiners)]
    starts = sorted({k for g in gaps for k in range(max(0, g - d.longest_form + 1), min(g, len(bare) - size + 1))})
    for k in starts:
        forms = get(bare[k:k + size])
        if forms is None:
            continue
        for form in forms:
            if not bare.startswith(form, k):
                continue
            end = k + len(form)
            if _crossed(bare, k, d) or _crossed(bare, end, d):
                continue
            for phrase, i in d.short[form]:
                if _phrase_at(bare, phrase, k, end) or _crossed(bare, k + i, d):
                    continue
                if printed(k + i) - printed(k + i - 1) == 1:
                    continue  # no joiner where the character is missing: running text
                found = (phrase, i, printed(k), printed(end - 1) + 1)
                here = best.setdefault(k + i, [])
                if not here or len(phrase) > len(here[0][0]):
                    here[:] = [found]
                elif len(phrase) == len(here[0][0]) and found not in here:
                    here.append(found)
    return [found for gap in sorted(best) for found in sorted(best[gap])]


def check_phrases(texts, quote: Callable[[str, int, int], str], d: Dictionary | None = None) -> list[ParseIssue]:
    """Given the prose of a document's pages (wording.py's texts: `.page`, `.text`) and how
    a finding quotes its text (`quote(text, start, end)`, wording.py's), return a warning for
    every stock phrase printed short of one character, once per page and printed form
    (naming every phrase it may stand for)."""
    d = d or dictionary()
    out = []
    for t in texts:
        places: dict[tuple[int, int], list[tuple[str, int]]] = defaultdict(list)
        for phrase, i, start, end in find(t.text, d):
            places[(start, end)].append((phrase, i))
        seen: Counter[tuple[str, tuple]] = Counter()
        first: dict[tuple[str, tuple], tuple[int, int]] = {}
        for (start, end), readings in places.items():
            key = (t.text[start:end], tuple(readings))
            seen[key] += 1
            first.setdefault(key, (start, end))
        for (printed, readings), count in seen.items():
            start, end = first[(printed, readings)]
            (phrase, i), *others = readings
            also = "".join(f", or {p!r} with {p[k]!r}" for p, k in others)
            times = f" ({count} times on the page)" if count > 1 else ""
            out.append(issue(d.rule, page=t.page, severity=SEVERITY, quote=quote(t.text, start, end),
                             printed=printed, phrase=phrase, missing=phrase[i], others=also, times=times))
    return out
