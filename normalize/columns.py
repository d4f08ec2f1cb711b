"""Decide the column of every printed number, over the whole document at once.

Raw text drops empty cells, so a row of a five-column table may print two numbers and
not say where they stand. The accounting identities decide: each identity is a linear
equation over cells, each row's candidate assignments are its domain, and the solver
(normalize.solver) finds assignments under which every identity holds.

- When several assignments of a row satisfy every identity, the position-based one is
  kept and the row gets an `ambiguous_columns` warning naming the alternatives.
- When the document itself does not add up, no assignment satisfies every identity.
  Then identities are added back in order of locality (row sums, hierarchy, column
  totals, summaries, cross-table), bisecting groups, and an identity is left out of
  the column decision when it cannot hold together with those before it. The
  validators check every identity afterwards, so what was left out is reported there
  as failed, where the document is wrong; nothing is changed to make it add up.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from ..schemas.intermediate import Assignment, Cells, Identity, ParseIssue, Row
from .solver import UNBOUNDED, Constraint, Problem, SearchLimit, forget, revise

RULE_ORDER = {"row_sum": 0, "hierarchy": 1, "column_total": 2, "summary_total": 3,
              "summary_subtotal": 3, "summary_balance": 3, "summary_vs_table": 4,
              "cross_table": 4, "cross_unit": 5, "prose_vs_table": 6, "duplicate_row": 1}


@dataclass
class ColumnDecision:
    assignments: dict[int, Assignment] = field(default_factory=dict)
    assigned_by: dict[int, str] = field(default_factory=dict)
    issues: list[ParseIssue] = field(default_factory=list)


def _scale(rows: list[Row], identities: list[Identity]) -> int:
    places = [-v.as_tuple().exponent for r in rows for v in r.values if v is not None]
    # Identities share a few tolerances and constants: each distinct one is looked at once.
    shared = {x for i in identities for x in (i.tolerance, i.constant)}
    places += [-x.normalize().as_tuple().exponent for x in shared]
    return 10 ** max([0, *places])


def _constraint(idt: Identity, rows: list[Row], scale: int, exact: bool = False) -> Constraint:
    """The identity as solver constraint; `exact` drops the rounding envelope (but not the
    precision of a rounded restatement such as a prose figure)."""
    per_row: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for sign, terms in ((1, idt.left), (-1, idt.right)):
        for t in terms:
            per_row[t.row].append((t.column, sign))
    vars_, contrib = [], []
    for rid, cols in per_row.items():
        row = rows[rid]
        vals = []
        for a in row.domain:
            total = sum((sign * row.value(a, col) for col, sign in cols), Decimal(0))
            vals.append(int(total * scale))
        vars_.append(rid)
        contrib.append(tuple(vals))
    tol = (int(idt.slack * scale) if idt.rounded else 0) if exact else int(idt.tolerance * scale)
    const = int(idt.constant * scale)
    return Constraint(vars=tuple(vars_), contrib=tuple(contrib), lo=const - tol,
                      hi=UNBOUNDED if idt.relation == "ge" else const + tol)


def _holds(idt: Identity, cells: Cells) -> bool:
    """Whether an identity over rows with fixed placements holds within its envelope."""
    return idt.short(cells.total(idt.left), cells.total(idt.right)) <= idt.tolerance


def _printed(row: Row, a: Assignment) -> tuple:
    return tuple((col, v) for col, v in zip(a, row.values) if v is not None)


def _renumbered(c: Constraint, local: dict[int, int]) -> Constraint:
    """The constraint over a component's own numbering of its rows."""
    return Constraint(vars=tuple(local[v] for v in c.vars), contrib=c.contrib, lo=c.lo, hi=c.hi)


def _components(n: int, cons: list[Constraint]) -> list[list[int]]:
    """Group constraint indices by connected rows (union-find over shared variables)."""
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for c in cons:
        for v in c.vars[1:]:
            parent[find(v)] = find(c.vars[0])
    groups: dict[int, list[int]] = {}
    for i, c in enumerate(cons):
        groups.setdefault(find(c.vars[0]), []).append(i)
    return list(groups.values())


def _note_ambiguous(out: ColumnDecision, row: Row, chosen: int, alternatives: list[tuple[str, ...]]) -> None:
    src = row.source
    where = src.code or src.item_key or src.name or "row"
    shown = "; ".join("/".join(a) for a in alternatives[:4])
    out.issues.append(ParseIssue(
        rule="ambiguous_columns", severity="warning", table=row.table, page=src.page, code=where,
        message=f"{row.table} {where}: numbers {' '.join(t.raw for t in src.tokens)} fit the identities "
                f"as {'/'.join(row.domain[chosen])} and also as {shown}; kept {'/'.join(row.domain[chosen])}"))


TIME_BUDGET = 20.0
"""Seconds one document's column search may take; past it, undecided rows keep their
printed positions with a warning (a table that is a large subset-sum problem)."""


def decide(rows: list[Row], identities: list[Identity], node_limit: int = 5000,
           time_budget: float = TIME_BUDGET) -> ColumnDecision:
    """Given rows with candidate assignments and the identities, return each row's assignment.

    Rows are decided per connected component (rows linked by identities), exactly first:
    the rounding envelope is used only when the component has no exact solution. A
    component whose search exceeds `node_limit` nodes keeps its undecided rows at their
    printed positions with a `columns_undecided` warning.
    """
    out = ColumnDecision()
    if not rows:
        return out
    forget()
    try:
        return _decide(rows, identities, node_limit, time.monotonic() + time_budget, out)
    finally:
        forget()


def _decide(rows: list[Row], identities: list[Identity], node_limit: int, deadline: float,
            out: ColumnDecision) -> ColumnDecision:
    scale = _scale(rows, identities)
    sizes = [max(len(r.domain), 1) for r in rows]
    # An identity that holds over rows that each have one possible placement (read from
    # the page geometry) decides nothing: it is only evaluated, later. One that fails
    # stays, as the relaxation of the search must know about it.
    placed = Cells(rows, {r.id: r.domain[0] if r.domain else () for r in rows})
    free = [i for i, idt in enumerate(identities) if (idt.left or idt.right) and (
            any(len(rows[t.row].domain) > 1 for t in (*idt.left, *idt.right)) or not _holds(idt, placed))]
    order = sorted(free, key=lambda i: RULE_ORDER.get(identities[i].rule, 9))
    tolerant = [_constraint(identities[i], rows, scale) for i in order]
    exact = [_constraint(identities[i], rows, scale, exact=True) for i in order]
    family_of: dict[tuple, int] = {}
    fam_ids = []
    for i in order:
        idt = identities[i]
        key = (idt.rule, idt.table, idt.code, idt.side, idt.page if idt.rule == "row_sum" else None)
        fam_ids.append(family_of.setdefault(key, len(family_of)))
    solution = [0] * len(rows)
    undecided: set[int] = set()
    constrained: set[int] = set()
    for comp in _components(len(rows), tolerant):
        # The component is solved over its own rows only, numbered 0..k-1 in row order, so
        # that no step costs the size of the whole document (domains, by-variable lists and
        # the copies the search makes are per component).
        comp_vars = sorted({v for i in comp for v in tolerant[i].vars})
        constrained.update(comp_vars)
        local = {v: k for k, v in enumerate(comp_vars)}
        comp_sizes = [sizes[v] for v in comp_vars]
        families: dict[int, list[int]] = {}
        for at, i in enumerate(comp):
            families.setdefault(fam_ids[i], []).append(at)
        try:
            cons = [_renumbered(exact[i], local) for i in comp]
            accepted, fixed = _consistent_subset(comp_sizes, cons, list(families.values()), node_limit, deadline)
            if len(accepted) < len(comp):  # no exact solution: allow the rounding envelope
                cons = [_renumbered(tolerant[i], local) for i in comp]
                accepted, fixed = _consistent_subset(comp_sizes, cons, list(families.values()), node_limit,
                                                     deadline)
            problem = Problem(comp_sizes, [cons[i] for i in accepted], node_limit, deadline)
            start = [[fixed[k]] if k in fixed else list(range(n)) for k, n in enumerate(comp_sizes)]
            root = problem.root(start)
            problem.nodes = 0
            found = problem.search(root) if root is not None else None
            if found is None:  # cannot happen for a consistent subset; never a traceback if it does
                raise SearchLimit
        except SearchLimit:
            undecided.update(comp_vars)
            continue
        alternatives: dict[int, dict[int, None]] = {k: {} for k in range(len(comp_vars))}
        unproven: set[int] = set()
        for k, v in enumerate(comp_vars):
            solution[v] = found[k]
        # Only a row left open at the root can be placed otherwise by another solution.
        open_at_root = [(k, v) for k, v in enumerate(comp_vars) if len(root[k]) > 1]
        for k, v in open_at_root:
            row = rows[v]
            for alt in root[k]:
                if alt == found[k] or alt in alternatives[k] or _printed(row, row.domain[alt]) == _printed(
                        row, row.domain[found[k]]):
                    continue
                try:
                    other = problem.solve_with(root, k, alt)
                except SearchLimit:
                    unproven.add(k)
                    continue
                if other is not None:  # every row this other solution moves is ambiguous too
                    for j, u in open_at_root:
                        if other[j] != found[j] and _printed(rows[u], rows[u].domain[other[j]]) != _printed(
                                rows[u], rows[u].domain[found[j]]):
                            alternatives[j][other[j]] = None
        for k, v in enumerate(comp_vars):
            row = rows[v]
            if alternatives[k]:
                _note_ambiguous(out, row, found[k], [row.domain[a] for a in alternatives[k]])
                out.assigned_by[v] = "position" if found[k] == 0 else "identity"
            elif k in unproven:
                out.assigned_by[v] = "position" if found[k] == 0 else "identity"
                out.issues.append(ParseIssue(
                    rule="columns_unproven", severity="warning", table=row.table, page=row.source.page,
                    code=row.source.code or row.source.item_key,
                    message=f"{row.table} {row.source.code or row.source.item_key or 'row'}: the search budget ran "
                            f"out before every other placement was ruled out; kept {'/'.join(row.domain[found[k]])}"))
    for row in rows:
        v = row.id
        if not row.domain:
            out.assignments[v], out.assigned_by[v] = (), "position"
            continue
        out.assignments[v] = row.domain[solution[v]]
        if row.layout:
            out.assigned_by[v] = "layout"
        elif len(row.domain) == 1:
            out.assigned_by[v] = "position"
        elif v in undecided:
            out.assigned_by[v] = "position"
        elif v not in constrained:
            others = [a for a in row.domain[1:] if _printed(row, a) != _printed(row, row.domain[0])]
            out.assigned_by[v] = "position"
            if others:
                _note_ambiguous(out, row, 0, list(others))
        else:
            out.assigned_by.setdefault(v, "identity")
    if undecided:
        out.issues.append(ParseIssue(
            rule="columns_undecided", severity="warning",
            message=f"column search stopped at its node limit for {len(undecided)} linked rows "
                    f"(e.g. {rows[min(undecided)].table} {rows[min(undecided)].key}); they keep their printed "
                    f"positions and the identities over them are checked as printed"))
    return out


def _alone_bad(c: Constraint, sizes: list[int]) -> bool:
    """Whether the constraint cannot hold on its own, every row free: revised over the
    domains of its own rows only (renumbered 0..k-1), so the test costs the constraint's
    size, not the component's."""
    own = Constraint(vars=tuple(range(len(c.vars))), contrib=c.contrib, lo=c.lo, hi=c.hi)
    return revise(own, [list(range(sizes[v])) for v in c.vars]) is None


def _consistent_subset(sizes: list[int], cons: list[Constraint], families: list[list[int]],
                       node_limit: int, deadline: float | None = None) -> tuple[list[int], dict[int, int]]:
    """Return the constraints that hold together (all of them when possible) and the
    values fixed for rows found misprinted.

    A row whose own row sum cannot hold under any placement is misprinted. Its numbers
    are placed where they break the fewest of its identities: the rest of the document
    is solved without the row's identities, then each placement of the row is tried,
    adding back its identities one by one while they stay consistent.
    Other conflicts fall back to adding identities in order of locality, a family at a
    time (one identity over all its columns: a 类 = Σ款 in every column), bisecting groups
    of families: a family that cannot hold in one column says nothing about the others,
    so its rows stay at their printed positions unless other identities place them.
    """
    everything = list(range(len(cons)))
    full = [list(range(n)) for n in sizes]  # never changed: searches from it work in place and undo

    def problem(idx: list[int]) -> Problem:
        return Problem(sizes, [cons[i] for i in idx], node_limit, deadline)

    if problem(everything).solvable(full):
        return everything, {}
    alone_bad = [i for i, c in enumerate(cons) if _alone_bad(c, sizes)]
    culprits = sorted({cons[i].vars[0] for i in alone_bad if len(cons[i].vars) == 1})
    dropped = {i for i in alone_bad if len(cons[i].vars) > 1}
    culprit_set = set(culprits)
    touching_of: dict[int, list[int]] = {r: [] for r in culprits}  # a culprit's identities, in order
    for i, c in enumerate(cons):
        for v in c.vars:
            if v in culprit_set:
                touching_of[v].append(i)
    touching = {i for own in touching_of.values() for i in own}
    base = [i for i in everything if i not in touching and i not in dropped]
    base_root = problem(base).root()
    if base_root is not None and problem(base).search(base_root) is not None:
        accepted, fixed = list(base), {}
        taken = set(accepted)
        # The rows' domains as the trials start from them: the base root with the rows fixed
        # so far; the trials leave it as it is (lists are replaced, never changed in place).
        start = list(base_root)
        for r in culprits:
            own = [i for i in touching_of[r] if i not in taken]
            best: tuple[int, list[int]] | None = None
            for a in range(sizes[r]):
                start[r] = [a]
                # A placement that breaks what is accepted so far (identities an earlier
                # culprit's trials took, this row then free) is no placement: fixing it
                # would leave the accepted identities without a solution.
                if accepted and not problem(accepted).solvable(start, queue=list(range(len(accepted)))):
                    continue
                kept: list[int] = []
                for i in own:
                    trial = accepted + kept + [i]
                    if problem(trial).solvable(start, queue=list(range(len(trial)))):
                        kept.append(i)
                if best is None or len(kept) > len(best[1]):
                    best = (a, kept)
            if best is None:  # the search budget ran out before any placement was proven
                raise SearchLimit
            fixed[r] = best[0]
            start[r] = [best[0]]
            accepted += best[1]
            taken.update(best[1])
        return sorted(set(accepted)), fixed

    accepted = []

    def add(chunk: list[list[int]]) -> None:
        if not chunk:
            return
        members = [i for family in chunk for i in family]
        if problem(accepted + members).solvable(full):
            accepted.extend(members)
        elif len(chunk) > 1:
            mid = len(chunk) // 2
            add(chunk[:mid])
            add(chunk[mid:])

    add(families)
    return sorted(accepted), {}
