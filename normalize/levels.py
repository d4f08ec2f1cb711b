"""Place each 三级 indicator under its 二级 and 一级 heading.

Raw text lists the 一级/二级 labels apart from their rows, but keeps the rows in printed
order, and forms print the 二级 headings in the framework's order (domain/performance.toml).
So the rows split into consecutive groups, one per 二级 heading the form prints, each
non-empty. Among those splits, the one that agrees with the framework's known 三级 names
most often is chosen (dynamic programming over rows × headings). A row's placement is:
- `framework` when its name is a known 三级 name of that 二级,
- `layout` when every best split puts it there,
- `guess` when best splits disagree (the earliest heading is kept).
"""

from __future__ import annotations

from ..domain import PERFORMANCE
from .text import compact

NEG = -10**9


def prior(name: str) -> str | None:
    """The 二级 heading the framework knows for a 三级 name: exact name first, then the
    longest listed name part the name contains; None when the framework does not know it."""
    n = compact(name)
    best, best_len = None, 0
    for l2s in PERFORMANCE.framework.values():
        for l2, names in l2s.items():
            for known in names:
                k = compact(known)
                if n == k:
                    return l2
                if k in n and len(k) > best_len:
                    best, best_len = l2, len(k)
    return best


def assign_levels(names: list[str], headings: set[str]) -> list[tuple[str | None, str | None, str]]:
    """Given 三级 names in printed order and the 二级 headings the form prints, return
    (一级, 二级, level_source) per row."""
    present = [h for h in PERFORMANCE.level2_order if h in headings]
    priors = [prior(n) for n in names]
    up = PERFORMANCE.level2_of
    if not present or not names:
        return [(up.get(p), p, "framework") if p else (None, None, "guess") for p in priors]
    m, k = len(names), len(present)
    strict = m >= k  # every printed heading has at least one row

    def score(i: int, g: int) -> int:
        return 1 if priors[i] == present[g] else 0

    def steps(g: int) -> range:
        return range(g, min(g + 2, k)) if strict else range(g, k)

    fwd = [[NEG] * k for _ in range(m)]
    for g in ([0] if strict else range(k)):
        fwd[0][g] = score(0, g)
    for i in range(1, m):
        for g0 in range(k):
            if fwd[i - 1][g0] == NEG:
                continue
            for g in steps(g0):
                fwd[i][g] = max(fwd[i][g], fwd[i - 1][g0] + score(i, g))
    bwd = [[NEG] * k for _ in range(m)]
    for g in ([k - 1] if strict else range(k)):
        bwd[m - 1][g] = score(m - 1, g)
    for i in range(m - 2, -1, -1):
        for g in range(k):
            nxt = max((bwd[i + 1][g2] for g2 in steps(g)), default=NEG)
            if nxt != NEG:
                bwd[i][g] = nxt + score(i, g)
    best = fwd[m - 1][k - 1] if strict else max(fwd[m - 1])
    out = []
    for i in range(m):
        optimal = [g for g in range(k) if fwd[i][g] != NEG and bwd[i][g] != NEG
                   and fwd[i][g] + bwd[i][g] - score(i, g) == best]
        g = optimal[0]
        source = ("framework" if score(i, g) else "layout") if len(optimal) == 1 else "guess"
        if len(optimal) > 1 and priors[i] in [present[x] for x in optimal]:
            g, source = present.index(priors[i]), "framework"
        out.append((up[present[g]], present[g], source))
    return out
