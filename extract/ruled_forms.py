"""Performance-target forms drawn as ruled grids (the 2023 财政项目支出绩效目标填报表),
read from a PDF page's cells → projects and indicator triples.

The PDF reader gives every word its cell and every line its row band
(extract.pdf_geometry). Here a label cell's value is the cell to its right; the two goal
cells lie under their headers; the indicator block's columns are named by its header row,
and a 一级/二级 cell merged over several rows labels the rows whose band lies inside
its own (`level_source = layout`). Raw text has no cells: such forms get an info
finding there (extract.forms.unread_forms).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ..domain import PERFORMANCE
from ..normalize.numbers import looks_numeric, parse_amount
from ..normalize.targets import parse_target
from ..normalize.text import compact, fold
from ..schemas.arrow import fits
from ..schemas.intermediate import Page, ParseIssue
from ..schemas.records import Indicator, ProjectRecord
from .forms import FormResult

WORDS = PERFORMANCE.ruled_form
_TITLES = {compact(t) for t in WORDS.titles} if WORDS else set()
_YEAR = re.compile(r"[(（]\s*(?P<year>(?:19|20)\d\d)\s*年")
_ISO = re.compile(r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})$")


@dataclass(frozen=True)
class Cell:
    """The words of one cell of one printed row."""

    page: int
    line: int
    cell: int
    text: str
    band: tuple[float, float] | None


def _row(page: Page, i: int) -> list[Cell]:
    """A line's words grouped by cell (words outside any cell are one cell each)."""
    out: list[Cell] = []
    band = page.bands[i] if page.bands else None
    for word, cell in zip(page.lines[i].split(" "), page.cells[i]):
        if out and cell is not None and out[-1].cell == cell:
            out[-1] = Cell(page.number, i, cell, out[-1].text + " " + word, band)
        else:
            out.append(Cell(page.number, i, cell if cell is not None else -1, word, band))
    return out


def _is_title(line: str) -> bool:
    text = compact(line)
    return any(t in text for t in _TITLES) and len(text) <= max(map(len, _TITLES), default=0) + 12


def is_ruled_form(page: Page) -> bool:
    """True when a page starts a ruled form yusuan reads from cells."""
    return bool(page.cells) and any(_is_title(line) for line in page.lines)


CONTINUATION_NOTE = 10
"""Characters of an unruled line (续表, a page number) allowed above a continued form."""


def _continues(page: Page, is_table_title) -> bool:
    """True when a page continues the ruled form before it: it names no table, and its
    first ruled row either repeats the indicator header or holds no amount (a budget
    table's row would)."""
    if not page.bands or any(is_table_title(line) for line in page.lines):
        return False
    first = next((i for i, band in enumerate(page.bands) if band is not None), None)
    if first is None or any(len(compact(line)) > CONTINUATION_NOTE for line in page.lines[:first]):
        return False
    texts = [compact(w) for w in page.lines[first].split(" ")]
    header = sum(any(k in t for k in WORDS.columns) for t in texts) >= 3
    return header or not any("," in t and looks_numeric(t) for t in texts)


def find_ruled_forms(pages: list[Page], is_table_title) -> list[list[list[Cell]]]:
    """Given pages, return each ruled form as its rows of cells. A form runs on to the
    next page only when that page opens with a ruled row and names no form or table:
    anything else ends it."""
    forms: list[list[list[Cell]]] = []
    current = None
    for page in pages:
        if is_ruled_form(page):
            current = []
            forms.append(current)
        elif current is not None and not _continues(page, is_table_title):
            current = None
        if current is not None:
            current.extend(_row(page, i) for i in range(len(page.lines)))
    return forms


_LABEL_TAIL = re.compile(r"[:：]$|[(（][^)）]*[)）]$")


def _label(text: str) -> str:
    """A label as listed in the data: without a trailing colon or unit (`项目资金总额（元）`)."""
    return _LABEL_TAIL.sub("", text)


def _date(text: str | None) -> date | None:
    m = _ISO.match(text or "")
    try:
        return date(int(m["y"]), int(m["m"]), int(m["d"])) if m else None
    except ValueError:
        return None


def _money(text: str | None, project: str, page: int, issues: list[ParseIssue]) -> Decimal | None:
    if text is None:
        return None
    try:
        value = parse_amount(text)
    except ValueError:
        issues.append(ParseIssue(rule="malformed_number", severity="error", page=page, code=project,
                                 message=f"{project}: amount {text!r} is not a number; left out"))
        return None
    if value is None or not fits(value):
        return None
    return value


def _inside(inner: tuple[float, float] | None, outer: tuple[float, float] | None) -> bool:
    if inner is None or outer is None:
        return False
    middle = (inner[0] + inner[1]) / 2
    return outer[0] <= middle <= outer[1]


def parse_ruled_form(rows: list[list[Cell]], doc_id: str, fallback_year: int | None) -> FormResult | None:
    """Given one ruled form's rows of cells, return its project and indicators (None when
    it names no project)."""
    issues: list[ParseIssue] = []
    values: dict[str, str] = {}
    year = fallback_year
    goal_cols: dict[int, str] = {}
    header: dict[int, str] | None = None
    labels: list[tuple[str, Cell]] = []  # (level1|level2, merged label cell)
    entries: list[tuple[dict[str, Cell], Cell]] = []
    for row in rows:
        texts = [compact(c.text) for c in row]
        if year == fallback_year and (m := _YEAR.search(fold(" ".join(texts)))):
            year = int(m.group("year"))
        if sum(any(k in t for k in WORDS.columns) for t in texts) >= 3:
            # The indicator header (repeated on a continuation page: read once).
            header = header or {c.cell: next(v for k, v in WORDS.columns.items() if k in compact(c.text))
                                for c in row if any(k in compact(c.text) for k in WORDS.columns)}
            continue
        if header is None:
            for i, c in enumerate(row):
                field = WORDS.fields.get(_label(texts[i]))
                # The value is the cell right of the label; a blank value cell prints nothing.
                if (field and i + 1 < len(row) and row[i + 1].cell == c.cell + 1 and field not in values
                        and _label(texts[i + 1]) not in WORDS.fields):
                    values[field] = row[i + 1].text
            if any(_label(t) in WORDS.goals for t in texts):
                goal_cols = {c.cell: WORDS.goals[_label(compact(c.text))] for c in row
                             if _label(compact(c.text)) in WORDS.goals}
            elif goal_cols and any(c.cell in goal_cols for c in row):
                for c in row:  # the row under the goal headers: one cell per goal
                    if c.cell in goal_cols:
                        values.setdefault(goal_cols[c.cell], c.text.replace(" ", ""))
                goal_cols = {}
            continue
        by_role = {header[c.cell]: c for c in row if c.cell in header}
        if "level3" in by_role:
            entries.append((by_role, row[0]))
        for role in ("level1", "level2"):
            if role in by_role:
                labels.append((role, by_role[role]))
    project = values.get("project")
    if not project:
        return None
    page = rows[0][0].page
    if header is None:
        issues.append(ParseIssue(rule="form_indicators_not_found", severity="info", page=page, code=project,
                                 message=f"{project}: no indicator header row (一级指标 … 指标值) found"))
    indicators = []
    for by_role, first in entries:
        levels: dict[str, str | None] = {}
        read = True
        for role in ("level1", "level2"):
            if role in by_role:
                levels[role] = by_role[role].text
                continue
            around = [c for r, c in labels if r == role and c.page == first.page and _inside(first.band, c.band)]
            levels[role] = around[0].text if len(around) == 1 else None
            read = read and len(around) == 1
        target = by_role["target"].text if "target" in by_role else ""
        parsed = parse_target(target)
        indicators.append(Indicator(
            doc_id=doc_id, page=first.page, project=project, level1=levels["level1"], level2=levels["level2"],
            level3=by_role["level3"].text, target=target, op=parsed.op, value=parsed.value, unit=parsed.unit,
            kind=parsed.kind, level_source="layout" if read else "guess", target_source="layout"))
        if not read:
            issues.append(ParseIssue(
                rule="indicator_levels", severity="warning", page=first.page, code=project,
                message=f"{project}: {by_role['level3'].text}: no single merged 一级/二级 cell spans its row; "
                        f"levels left empty (level_source = guess)"))
    record = ProjectRecord(
        doc_id=doc_id, page=page, project=project, applicant=values.get("applicant"), fiscal_year=year,
        category=values.get("category"), subcategory=values.get("subcategory"),
        start=values.get("start"), end=values.get("end"),
        start_date=_date(values.get("start")), end_date=_date(values.get("end")),
        total_budget=_money(values.get("total_budget"), project, page, issues),
        current_budget=_money(values.get("current_budget"), project, page, issues),
        prev_budget=None, prev_executed=None, summary=None, basis_docs=[],
        goal_total=values.get("goal_total"), goal_annual=values.get("goal_annual"))
    return FormResult(record, [], indicators, issues)
