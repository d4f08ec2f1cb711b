"""A small finite-domain solver for linear equations with tolerance.

Variables are rows; a variable's domain is the list of its candidate column assignments
(indices). A constraint is `lo ≤ Σ_v contrib_v[a_v] ≤ hi` where each involved variable v
contributes an integer depending on its chosen value a_v. This is all the column
problem needs: every accounting identity is such a sum.

Propagation is generalised arc consistency per constraint, computed with forward and
backward sets of reachable partial sums (a value survives when some completion of the
other variables brings the sum within tolerance), after a cheaper interval pass. Search
is depth-first with the smallest domain first and values tried in domain order, which
leans towards each row's position-based assignment without guaranteeing it
(columns.decide checks every alternative of every row, so a row with two valid
placements is reported either way). Everything is pure: domains in, domains or a
solution out (the reachable-sum supports of wide constraints are remembered within one
document, a pure function's results; see `forget`).

Costs follow the rows the constraints mention, not the length of the document: search
narrows domains in place and undoes (a trail) instead of copying every domain per node.
"""

from __future__ import annotations

import time
from bisect import bisect_left
from collections.abc import Mapping
from dataclasses import dataclass

MAX_SUMS = 20000
"""Cap on reachable partial sums per constraint; beyond it the constraint is only checked
on complete assignments (it still never lets a violation through)."""


class SearchLimit(Exception):
    """The search visited more nodes than allowed, or ran past its deadline."""


UNBOUNDED = 10**40
"""Stands for an open upper bound (an inequality); amounts are far below it."""


@dataclass(frozen=True)
class Constraint:
    """lo ≤ Σ contrib ≤ hi."""

    vars: tuple[int, ...]
    contrib: tuple[tuple[int, ...], ...]
    """contrib[i][a]: what value a of vars[i] adds to the sum."""
    lo: int
    hi: int


Domains = list[list[int]]
Trail = list[tuple[int, list[int]]]
"""(variable, its domain before a change): what undoes the changes made in place."""


def _undo(domains: Domains, trail: Trail, mark: int) -> None:
    """Restore the domains changed since the trail had `mark` entries."""
    while len(trail) > mark:
        v, before = trail.pop()
        domains[v] = before


def _sums(sets: list[list[int]]) -> list[set[int]] | None:
    out = [{0}]
    for values in sets:
        nxt = {s + x for s in out[-1] for x in values}
        if len(nxt) > MAX_SUMS:
            return None
        out.append(nxt)
    return out


def _supported(x: int, left: set[int], right: list[int], lo: int, hi: int) -> bool:
    """True when some l in `left` and r in sorted `right` give lo <= x + l + r <= hi."""
    for s in left:
        j = bisect_left(right, lo - x - s)
        if j < len(right) and right[j] <= hi - x - s:
            return True
    return False


def _restrict(c: Constraint, domains: Domains, open_: list[tuple[int, int]], const: int,
              values: list[list[int]], allowed: list[set[int]], trail: Trail | None) -> list[int] | None:
    """Keep in each open variable's domain the values whose contribution is allowed.

    `values[0]` carries the fixed variables' constant, hence the offset for k == 0.
    Returns the variables that shrank, or None when one became empty. A narrowed domain is
    replaced by a new list (never changed in place), its old list noted on `trail`.
    """
    changed = []
    for k, (i, v) in enumerate(open_):
        if len(allowed[k]) == len(values[k]):
            continue
        off = const if k == 0 else 0
        keep = [a for a in domains[v] if c.contrib[i][a] + off in allowed[k]]
        if not keep:
            return None
        if trail is not None:
            trail.append((v, domains[v]))
        domains[v] = keep
        changed.append(v)
    return changed


def _bounds_allowed(c: Constraint, values: list[list[int]]) -> list[set[int]] | None:
    """Interval reasoning: the values some completion within the others' bounds can offset.

    Cheap and exact for what it removes; the reachable-sum pass then does the rest.
    """
    lo = sum(v[0] for v in values)
    hi = sum(v[-1] for v in values)
    if lo > c.hi or hi < c.lo:
        return None
    return [{x for x in vals if x + lo - vals[0] <= c.hi and x + hi - vals[-1] >= c.lo} for vals in values]


def _sums_allowed(c: Constraint, values: list[list[int]]) -> list[set[int]] | None:
    """Reachable partial sums: the values some exact completion of the others supports.

    Skipped (nothing pruned) when the sums could exceed MAX_SUMS: then the cost would be
    paid at every search node for nothing; bounds and search do the work instead.
    """
    product = 1
    for v in values:
        product *= len(v)
        if product > MAX_SUMS:
            return _meet_in_the_middle(c, values)
    fwd = _sums(values)
    bwd = _sums(values[::-1])
    if fwd is None or bwd is None:
        return [set(v) for v in values]
    m = len(values)
    if not any(c.lo <= s <= c.hi for s in fwd[m]):
        return None
    return [{x for x in values[k] if _supported(x, fwd[k], sorted(bwd[m - 1 - k]), c.lo, c.hi)}
            for k in range(m)]


MAX_HALF = 1 << 14
"""Largest half enumerated by the meet-in-the-middle pass (2 × 16,384 combinations)."""


def _combos(values: list[list[int]]) -> list[tuple[int, tuple[int, ...]]]:
    """Every choice of one value per variable: (sum, the chosen value of each)."""
    out: list[tuple[int, tuple[int, ...]]] = [(0, ())]
    for vals in values:
        out = [(s + x, chosen + (x,)) for s, chosen in out for x in vals]
    return out


def _meet_in_the_middle(c: Constraint, values: list[list[int]]) -> list[set[int]] | None:
    """Exact support for a constraint too wide for reachable sums (a 款 of many 项 rows
    that each may or may not hold a column: subset sum). The variables split in two
    halves whose sums are enumerated; a value is supported when some left combination
    and some right combination complete it within [lo, hi]. Halves beyond MAX_HALF
    combinations are not enumerated (nothing pruned).

    A value of a left variable is supported exactly when some left combination choosing
    it has a right partner (one search in the sorted right sums), and alike for the right:
    computed over arrays, or by walking the pairs when the sums might not fit in 64 bits."""
    mid = len(values) // 2
    size = [1, 1]
    for k, v in enumerate(values):
        size[k >= mid] *= len(v)
    if max(size) > MAX_HALF:
        return [set(x) for x in values]
    if sum(max(abs(v[0]), abs(v[-1])) for v in values) >= _FITS:
        return _pairs_allowed(c, values, mid)
    import numpy as np

    halves = (values[:mid], values[mid:])
    sums = []
    for half in halves:
        total = np.zeros(1, dtype=np.int64)
        for vals in half:  # mixed radix, the last variable fastest
            total = (total[:, None] + np.array(vals, dtype=np.int64)[None, :]).ravel()
        sums.append(total)
    lo = min(max(c.lo, -_FITS), _FITS)  # clamped beyond every sum: the same comparisons
    hi = min(max(c.hi, -_FITS), _FITS)
    allowed: list[set[int]] = []
    for h, half in enumerate(halves):
        mine, other = sums[h], np.sort(sums[1 - h])
        at = np.searchsorted(other, lo - mine, side="left")
        partner = np.zeros(len(mine), dtype=bool)
        inside = at < len(other)
        partner[inside] = other[at[inside]] <= hi - mine[inside]
        if not partner.any():
            return None
        grid = partner.reshape(tuple(len(v) for v in half))
        for k, vals in enumerate(half):
            chosen = grid.any(axis=tuple(a for a in range(len(half)) if a != k))
            allowed.append({x for x, ok in zip(vals, chosen.tolist()) if ok})
    return allowed


_FITS = 1 << 61
"""Sums and bounds below this fit the 64-bit arithmetic of _meet_in_the_middle."""


def _pairs_allowed(c: Constraint, values: list[list[int]], mid: int) -> list[set[int]] | None:
    """_meet_in_the_middle by walking every matching pair of combinations (any size of int)."""
    left, right = _combos(values[:mid]), sorted(_combos(values[mid:]))
    right_sums = [s for s, _ in right]
    allowed: list[set[int]] = [set() for _ in values]
    complete = 0
    for s, chosen in left:
        j = bisect_left(right_sums, c.lo - s)
        while j < len(right) and right_sums[j] <= c.hi - s:
            for k, x in enumerate(chosen + right[j][1]):
                if x not in allowed[k]:
                    allowed[k].add(x)
                    complete += 1
            if complete == sum(len(v) for v in values):
                return allowed  # every value already supported
            j += 1
    return allowed if complete else None


MAX_REMEMBERED = 1024
"""Supports remembered by _sums_allowed_seen; all are forgotten when there are more."""

_remembered: dict[tuple, list[set[int]] | None] = {}
_UNSEEN = object()


def forget() -> None:
    """Forget the remembered supports (columns.decide does, before and after a document:
    nothing is carried from one document to the next, and no memory kept)."""
    _remembered.clear()


def _sums_allowed_seen(c: Constraint, values: list[list[int]]) -> list[set[int]] | None:
    """_sums_allowed, remembered: it depends on the bounds and the values only, and the
    column search asks the same of a wide constraint (a 款 of many 项, subset sum) again
    and again, from each trial placement of a misprinted row. Callers only read the sets."""
    key = (c.lo, c.hi, tuple(map(tuple, values)))
    got = _remembered.get(key, _UNSEEN)  # one lookup: a forget() in another thread may come between two
    if got is _UNSEEN:
        if len(_remembered) >= MAX_REMEMBERED:
            _remembered.clear()
        got = _remembered[key] = _sums_allowed(c, values)
    return got


def revise(c: Constraint, domains: Domains, trail: Trail | None = None) -> list[int] | None:
    """Given a constraint and domains, prune unsupported values in place.

    Returns the variables whose domain shrank, or None when a domain became empty.
    Variables already fixed fold into a constant, so the work is over open ones only.
    Each replaced domain is noted on `trail` when given.
    """
    const = 0
    open_: list[tuple[int, int]] = []
    for i, v in enumerate(c.vars):
        if len(domains[v]) == 1:
            const += c.contrib[i][domains[v][0]]
        else:
            open_.append((i, v))
    if not open_:
        return [] if c.lo <= const <= c.hi else None
    values = [sorted({c.contrib[i][a] for a in domains[v]}) for i, v in open_]
    values[0] = [x + const for x in values[0]]
    for allowed_of in (_bounds_allowed, _sums_allowed_seen):
        allowed = allowed_of(c, values)
        if allowed is None:
            return None
        changed = _restrict(c, domains, open_, const, values, allowed, trail)
        if changed is None or changed:
            return changed  # when narrowed, propagate() revises this constraint again
    return []


def propagate(domains: Domains, constraints: list[Constraint], by_var: Mapping[int, list[int]],
              queue: list[int] | None = None, trail: Trail | None = None) -> bool:
    """Make every constraint arc consistent; False when some domain becomes empty.
    Domains are replaced in place, each noted on `trail` when given."""
    pending = list(range(len(constraints))) if queue is None else list(queue)
    queued = set(pending)
    while pending:
        ci = pending.pop()
        queued.discard(ci)
        changed = revise(constraints[ci], domains, trail)
        if changed is None:
            return False
        if changed and ci not in queued:
            queued.add(ci)
            pending.append(ci)
        for v in changed:
            for cj in by_var[v]:
                if cj != ci and cj not in queued:
                    queued.add(cj)
                    pending.append(cj)
    return True


class Problem:
    """Domains and constraints, with search for a first solution under a node budget.

    Work is over the variables the constraints mention: a problem over a few rows of a
    long document costs those rows, whatever the length of `sizes`."""

    def __init__(self, sizes: list[int], constraints: list[Constraint], node_limit: int = 20000,
                 deadline: float | None = None):
        self.deadline = deadline
        self.sizes = sizes
        self.constraints = constraints
        self.by_var: dict[int, list[int]] = {}
        for ci, c in enumerate(constraints):
            for v in c.vars:
                self.by_var.setdefault(v, []).append(ci)
        self.mentioned = sorted(self.by_var)
        """The variables some constraint mentions, in order: the only ones branched on."""
        self.node_limit = node_limit
        self.nodes = 0

    def root(self, start: Domains | None = None, queue: list[int] | None = None) -> Domains | None:
        """Domains after propagation, or None if inconsistent.

        From the full domains by default; from `start` (a copy is made) when given, revising
        only the constraints in `queue` first (the others are known consistent with `start`).
        """
        domains = [list(range(n)) for n in self.sizes] if start is None else [list(d) for d in start]
        return domains if propagate(domains, self.constraints, self.by_var, queue) else None

    def first_solution(self, start: Domains | None = None, queue: list[int] | None = None) -> list[int] | None:
        """Propagate then search with a fresh node budget; the first solution or None.
        `start` (full domains when not given) is left as it was given."""
        return self._first(start, queue, True)

    def solvable(self, start: Domains | None = None, queue: list[int] | None = None) -> bool:
        """Whether first_solution would find a solution (the same search, the same budget),
        without building it."""
        return self._first(start, queue, False) is not None

    def _first(self, start: Domains | None, queue: list[int] | None, build: bool) -> list[int] | None:
        self.nodes = 0
        domains = [list(range(n)) for n in self.sizes] if start is None else start
        trail: Trail = []
        try:  # in place: every change is noted on the trail and undone below
            if not propagate(domains, self.constraints, self.by_var, queue, trail):
                return None
            return self._search(domains, [v for v in self.mentioned if len(domains[v]) > 1], trail, build)
        finally:
            _undo(domains, trail, 0)

    def search(self, domains: Domains) -> list[int] | None:
        """Given propagated domains, return the first solution in domain order, or None.

        Only variables some constraint mentions are branched on; the others keep their
        first value. Raises SearchLimit after `node_limit` nodes. `domains` are left as
        they were given.
        """
        trail: Trail = []
        try:
            return self._search(domains, [v for v in self.mentioned if len(domains[v]) > 1], trail, True)
        finally:
            _undo(domains, trail, 0)

    def _search(self, domains: Domains, candidates: list[int], trail: Trail, build: bool) -> list[int] | None:
        """Depth-first search in place: each branch narrows `domains`, noting every change
        on `trail`, and is undone before the next. `candidates`: the variables open at the
        parent node, in order (a domain only narrows down a branch, so no other variable
        can be open here); so a node costs the open variables, not the whole problem.
        Without `build`, a solution found is reported as an empty list."""
        self.nodes += 1
        if self.nodes > self.node_limit or (self.deadline is not None and time.monotonic() > self.deadline):
            raise SearchLimit
        open_vars = [u for u in candidates if len(domains[u]) > 1]
        if not open_vars:
            return [d[0] for d in domains] if build else []
        v = min(open_vars, key=lambda u: len(domains[u]))
        values = domains[v]  # lists are replaced, never changed in place: this one stays as it is
        for a in values:
            mark = len(trail)
            trail.append((v, values))
            domains[v] = [a]
            if propagate(domains, self.constraints, self.by_var, self.by_var[v], trail):
                found = self._search(domains, open_vars, trail, build)
                if found is not None:
                    return found
            _undo(domains, trail, mark)
        return None

    def solve_with(self, domains: Domains, var: int, value: int) -> list[int] | None:
        """First solution with `var` fixed to `value` (fresh node budget), or None;
        `domains` are left as they were given."""
        self.nodes = 0
        trail: Trail = [(var, domains[var])]
        domains[var] = [value]
        try:
            if not propagate(domains, self.constraints, self.by_var, self.by_var.get(var, []), trail):
                return None
            return self.search(domains)
        finally:
            _undo(domains, trail, 0)
