"""One printed line of a table → a `SourceRow` (or None for header and prose text).

Each table shape has its row grammar:
- coded:      `201 17 06 质量技术监督行政执法及业务管理 318,520,588 308,520,588 10,000,000`
              and the total row `合计 1,234 …` / `1,234 … 合计` (sometimes glued: `10,800,000合计`)
- two_sided:  `一、财政拨款收入 967,450,000 一、一般公共服务支出 591,674,395` (one or two items)
- single_row: `612.35 160.7 131.05 320.6 45 275.6 1,786.09`
Numbers stay as printed tokens here; their columns are decided later.
"""

from __future__ import annotations

import re

from ..domain import TwoSidedWords
from ..normalize.codes import CODE_PREFIX, parse_code
from ..normalize.numbers import looks_numeric, parse_amount
from ..normalize.text import compact, fold, has_cjk
from ..schemas.intermediate import ParseIssue, SourceRow, Token

TOTAL_WORDS = ("合计", "总计")
# A code whose 类 part lost digits (`7 11 02` printed under `210 11`): read as a row whose
# code its place in the hierarchy implies (extract.tables.resolve_misprinted_codes).
MISPRINTED_PREFIX = re.compile(r"^(?P<code>[0-9]{1,2}(?:\s+[0-9]{1,2}){1,2})\s+(?=[\u4e00-\u9fff])")
# Cells glued to their neighbours in some text layers: `10,800,000合计`, `合计1,234`,
# `91,016,775.35一、一般公共服务支出` (a number run into the next item's ordinal).
_GLUED_TOTAL = re.compile(r"(?<=[\d)])(?=(?:合计|总计))|(?<=合计|总计)(?=[\d(])"
                          r"|(?<=\d)(?=[一二三四五六七八九十]+、)")


def split_tokens(line: str) -> list[str]:
    """Given a line, return its space-separated tokens as printed, with a glued 合计 split off."""
    if "合计" in line or "总计" in line or "、" in line:  # a glue is at one of these (the regex is slow)
        line = _GLUED_TOTAL.sub(" ", line)
    return line.split()


def parse_tokens(tokens: list[str], page: int, table: str, where: str,
                 issues: list[ParseIssue]) -> tuple[Token, ...]:
    """Given number-shaped cells as printed, return their tokens; a malformed one is left
    out with an error issue naming the table and row (`where`)."""
    out = []
    for raw in tokens:
        try:
            out.append(Token(raw=raw, value=parse_amount(raw)))
        except ValueError:
            issues.append(ParseIssue(
                rule="malformed_number", severity="error", table=table, page=page, code=where,
                message=f"{table} {where}: cell {raw!r} is not a number; it was left out",
            ))
    return tuple(out)


def _split_label_numbers(tokens: list[str]) -> tuple[list[str], list[str]]:
    """Split tokens into the leading label and the trailing number-shaped cells."""
    i = len(tokens)
    while i > 0 and looks_numeric(tokens[i - 1]):
        i -= 1
    return tokens[:i], tokens[i:]


def parse_coded(line: str, page: int, table: str, issues: list[ParseIssue],
                first_digits: tuple[str, ...] = (), total_labels: tuple[str, ...] = ()) -> SourceRow | None:
    """Given a line of a coded table, return its coded or total row, or None for header text.

    `first_digits`: the 类 codes the table's classification allows; a code outside them
    gives an error issue and no row (a page attached to the wrong table, a misread line).
    `total_labels`: the column labels some layouts print in the 合计 row's merged cell
    (the profile's document words, `类 款 项`): no cells.
    """
    folded = fold(line)
    m = CODE_PREFIX.match(folded)
    rest = folded[m.end():].split() if m else []
    # A code followed by numbers only: the name wrapped onto the lines around it.
    nameless = bool(m) and bool(rest) and all(looks_numeric(t) for t in rest)
    # `120 80 40 合计` is a total row whose first numbers look like a code.
    total_only = any(t in TOTAL_WORDS for t in rest) and all(t in TOTAL_WORDS or looks_numeric(t) for t in rest)
    if m and not total_only and (has_cjk(folded[m.end():m.end() + 1]) or nameless):
        code = parse_code(m.group("code"))
        if first_digits and not code.code.startswith(first_digits):
            issues.append(ParseIssue(
                rule="code_not_in_classification", severity="error", table=table, page=page, code=code.code,
                message=f"{table}: line {line!r} has code {code.code}, outside this table's classification; "
                        f"it is not read as a row"))
            return None
        printed = line.split()  # folding keeps the token count, so positions line up
        n_code = len(m.group("code").split())
        label, cells = _split_label_numbers(printed[n_code:])
        stray = [t for t in label if not has_cjk(t) and looks_numeric(t)]
        if stray:
            issues.append(ParseIssue(
                rule="malformed_row", severity="warning", table=table, page=page, code=code.code,
                message=f"{table} {code.code}: numbers inside the name {' '.join(label)!r}",
            ))
        return SourceRow(
            kind="coded", page=page, name=" ".join(label), code=code.code,
            raw_code=" ".join(printed[:n_code]), level=code.level, parent_code=code.parent,
            tokens=parse_tokens(cells, page, table, code.code, issues),
        )
    bad = MISPRINTED_PREFIX.match(folded)
    if bad:
        parts = bad.group("code").split()
        printed = line.split()
        label, cells = _split_label_numbers(printed[len(parts):])
        return SourceRow(kind="coded", page=page, name=" ".join(label), code="", raw_code=" ".join(printed[:len(parts)]),
                         level=len(parts),
                         tokens=parse_tokens(cells, page, table, bad.group("code"), issues))
    tokens = split_tokens(line)
    words = [t for t in tokens if t in TOTAL_WORDS]
    if len(words) == 1 and tokens.index(words[0]) < len(tokens) - 1:
        # Column labels printed in the 合计 row's merged cell (`类 款 项 合计 …`) are not cells.
        head = tokens[:tokens.index(words[0])]
        if all(t in total_labels for t in head):
            tokens = tokens[len(head):]
    if len(words) == 1 and all(t in TOTAL_WORDS or looks_numeric(t) for t in tokens):
        cells = [t for t in tokens if t not in TOTAL_WORDS]
        return SourceRow(kind="total", page=page, name=words[0],
                         tokens=parse_tokens(cells, page, table, "合计", issues))
    return None


def split_groups(line: str) -> list[str]:
    """Given a line of a table printed in two column groups side by side
    (`301 01 基本工资 262.33 302 01 办公费 21.21`), return one line per group: a new
    group starts where a code follows a cell (a number or a name)."""
    tokens = line.split()
    starts = [0]
    for i in range(1, len(tokens)):
        prev = tokens[i - 1]
        rest = fold(" ".join(tokens[i:]))
        m = CODE_PREFIX.match(rest)
        inside_code = i - starts[-1] <= 2 and all(t.isdigit() for t in tokens[starts[-1]:i])
        if m and has_cjk(rest[m.end():m.end() + 1]) and (has_cjk(prev) or looks_numeric(prev)) and not inside_code:
            starts.append(i)
        elif _GROUP_TOTAL.match(compact(tokens[i])) and looks_numeric(prev):
            starts.append(i)
    return [" ".join(tokens[a:b]) for a, b in zip(starts, starts[1:] + [len(tokens)])]


_GROUP_TOTAL = re.compile(r".+合计$")


def parse_group_total(line: str, page: int, table: str, issues: list[ParseIssue]) -> SourceRow | None:
    """Given one group of a side-by-side line, return its group-total item
    (`人员经费合计 2,152.26`), or None."""
    tokens = line.split()
    if not tokens or not _GROUP_TOTAL.match(compact(tokens[0])) or compact(tokens[0]) in TOTAL_WORDS:
        return None
    if not all(looks_numeric(t) for t in tokens[1:]):
        return None
    key = compact(tokens[0])
    return SourceRow(kind="item", page=page, name=tokens[0], item_key=key,
                     tokens=parse_tokens(tokens[1:], page, table, key, issues))


def _item_key(label: str, words: TwoSidedWords) -> tuple[str, bool]:
    """Given an item label, return (its name without ordinal, whether it is a top-level item)."""
    label = fold(label)
    m = words.item_start_re.match(label)
    name = compact(label[m.end():] if m else label)
    top = bool(m and re.match(r"[一二三四五六七八九十]+、", m.group(0)))
    return name, top


def parse_two_sided(line: str, page: int, table: str, issues: list[ParseIssue],
                    words: TwoSidedWords) -> list[SourceRow]:
    """Given a line of a two-sided table and the profile's two-sided words, return its
    items (0, 1 or 2) with their sides."""
    closing = (*words.totals, *words.position_totals)
    segments: list[tuple[list[str], list[str]]] = []
    for tok in split_tokens(line):
        numeric = looks_numeric(tok)  # "1." (an item marker) is not numeric: it ends in a dot
        starts = bool(words.item_start_re.match(fold(tok))) or compact(tok) in closing
        if numeric:
            if not segments:
                return []  # numbers before any label: not an item line
            segments[-1][1].append(tok)
        elif not segments or segments[-1][1] or starts:
            segments.append(([tok], []))
        else:
            segments[-1][0].append(tok)
    rows = []
    labelled = [(" ".join(lab), nums) for lab, nums in segments]
    if not any(words.item_start_re.match(fold(lab)) or compact(lab) in closing or nums
               for lab, nums in labelled):
        return []
    if len(labelled) > 2:
        issues.append(ParseIssue(
            rule="malformed_row", severity="warning", table=table, page=page,
            message=f"{table}: line {line!r} prints {len(labelled)} items; a two-sided table has two sides, "
                    f"so the items after the second are read as 支出"))
    for i, (label, nums) in enumerate(labelled):
        key, _ = _item_key(label, words)
        if not has_cjk(key):
            return []
        is_item = bool(words.item_start_re.match(fold(label))) or key in closing or bool(nums)
        if not is_item:
            return []
        side = ("收入" if i == 0 else "支出") if len(labelled) >= 2 else None
        rows.append(make_item(label, parse_tokens(nums, page, table, key, issues), page, side, words))
    return rows


def make_item(label: str, tokens: tuple[Token, ...], page: int, side: str | None,
              words: TwoSidedWords) -> SourceRow:
    """Given an item label, its cells and the profile's two-sided words, return the item
    row; its side is read from the label when not given (None: side totals, then a 支出
    ending)."""
    key, top = _item_key(label, words)
    if side is None:
        if key in words.totals:
            side = words.totals[key]
        else:
            side = "支出" if key.endswith(tuple(words.expenditure_suffixes)) else "收入"
    return SourceRow(kind="item", page=page, name=label, side=side, item_key=key, top_level=top, tokens=tokens)


def numbers_only(line: str, page: int, table: str, issues: list[ParseIssue]) -> tuple[Token, ...] | None:
    """Given a line, return its cells when it holds numbers and nothing else."""
    tokens = line.split()
    if tokens and all(looks_numeric(t) for t in tokens):
        return parse_tokens(tokens, page, table, "", issues)
    return None


def parse_values(line: str, page: int, table: str, issues: list[ParseIssue]) -> SourceRow | None:
    """Given a line of a single-row table, return it as a row when it is all numbers."""
    tokens = line.split()
    if len(tokens) >= 2 and all(looks_numeric(t) for t in tokens):
        return SourceRow(kind="values", page=page, name="", tokens=parse_tokens(tokens, page, table, "", issues))
    return None
