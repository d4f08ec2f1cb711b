"""Performance-target forms (绩效目标申报表) in raw text → projects, sub-items, indicators.

A form starts on a page with its title and runs until the next form or a budget table.
Raw text lists a form's labels apart from their values, so values are found by their
own shape, in printed order:
- project name: the first line after the title, year and applicant that is no label
- 项目类型: the ticked (√) boxes; 开始/结束时间: the line around 结束时间
- money: the standalone amounts between the period line and 子项目名称, in the printed
  order of 项目总预算, 项目当年预算, 同名项目上年预算额, 同名项目上年预算执行数
- sub-items: `name amount` lines after 子项目名称 (over page breaks)
- 项目概况 / 立项依据: the first paragraph after the period line, and the rest up to the
  money; 项目总目标 / 年度绩效目标: the last two paragraphs before 分解目标
- indicators: after the 三级指标 header, each 三级 name with the target printed beside or
  under it; headings (一级/二级) wherever they stand. Targets the text printed apart from
  their names are paired by order and marked `target_source = guess`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from ..domain import PERFORMANCE
from ..normalize.levels import assign_levels
from ..normalize.numbers import looks_numeric, parse_amount
from ..normalize.targets import looks_like_target, parse_target
from ..normalize.text import compact, fold, has_cjk
from ..schemas.arrow import fits
from ..schemas.intermediate import Page, ParseIssue
from ..schemas.records import Indicator, ProjectItem, ProjectRecord

FORM = PERFORMANCE.form
_TITLES = {compact(t) for t in FORM.titles}
_LABELS = [compact(x) for x in FORM.labels]
_APPLICANT = re.compile(FORM.applicant_pattern)
_PERIOD = re.compile(FORM.period_pattern)
_DOC_NUMBER = re.compile(FORM.doc_number_pattern)
_YEAR = re.compile(r"[(（]\s*(?P<year>(?:19|20)\d\d)\s*年")
_LEVEL1 = tuple(PERFORMANCE.framework)
_HEADINGS = tuple(sorted({*_LEVEL1, *PERFORMANCE.level2_order}, key=len, reverse=True))
# A 三级 name wraps at the column width: a long piece followed by a short one is one name.
WRAP_MIN_PIECE, WRAP_MAX_REST = 6, 6
# A line this long that runs straight into the next line (no blank line) is a wrapped cell.
WRAPPED_CELL_MIN = 12


@dataclass(frozen=True)
class FormLine:
    page: int
    text: str
    indented: bool
    joined: bool = False
    """It follows the line before with no blank line between (a wrapped cell)."""


def _is_title(text: str) -> bool:
    return compact(text) in _TITLES


def unread_forms(pages: list[Page]) -> list[ParseIssue]:
    """An info issue per page with a form layout yusuan does not read from text."""
    unread = {compact(t) for t in FORM.unread_titles}
    return [ParseIssue(rule="form_layout_not_read", severity="info", page=p.number,
                       message=f"page {p.number}: {line} — this form layout is not read from text yet")
            for p in pages for line in p.lines if compact(line) in unread]


def find_forms(pages: list[Page], is_table_title) -> list[list[FormLine]]:
    """Given pages, return each form's lines (with page numbers), in document order."""
    forms: list[list[FormLine]] = []
    current: list[FormLine] | None = None
    for page in pages:
        indented = page.indented or (False,) * len(page.lines)
        joined = page.joined or (False,) * len(page.lines)
        if any(_is_title(line) for line in page.lines):
            current = []
            forms.append(current)
        elif current is not None and any(is_table_title(line) for line in page.lines):
            current = None
        if current is not None:
            current.extend(FormLine(page.number, line, ind, join)
                           for line, ind, join in zip(page.lines, indented, joined))
    return forms


def _is_label(text: str) -> bool:
    """True for a label or a piece of a wrapped label (项目设立的必 / 要性)."""
    t = compact(text)
    return bool(t) and any(t in label for label in _LABELS)


_LIST_NEXT = re.compile(r"^(?:[②-⑳]|(?:[2-9]|[1-9]\d)[.、．]|[(（][二三四五六七八九十][)）])")


def _paragraphs(lines: list[FormLine]) -> list[str]:
    """Join lines into paragraphs: an indented line starts one, unless it continues a
    numbered list (②, 2., （二）); labels and check-box lines are left out."""
    paras: list[list[str]] = []
    for ln in lines:
        if _is_label(ln.text) or "√" in ln.text or "□" in ln.text:
            continue
        if not paras or (ln.indented and not _LIST_NEXT.match(ln.text.strip())):
            paras.append([ln.text])
        else:
            paras[-1].append(ln.text)
    return ["".join(p).strip() for p in paras]


def _find(lines: list[FormLine], pred, start: int = 0) -> int | None:
    return next((i for i in range(start, len(lines)) if pred(lines[i].text)), None)


def _date(text: str | None, year: int | None) -> date | None:
    if not text:
        return None
    t = fold(text)
    m = re.fullmatch(r"(\d{4})[-./年](\d{1,2})[-./月](\d{1,2})日?", t)
    if m:
        y, mo, d = map(int, m.groups())
    else:
        m = re.fullmatch(r"(\d{1,2})月(\d{1,2})日", t)
        if not m or year is None:
            return None
        y, (mo, d) = year, map(int, m.groups())
    try:
        return date(y, mo, d)
    except ValueError:
        return None


def _ticked(lines: list[FormLine]) -> tuple[str | None, str | None]:
    """The ticked (√) 项目类型 boxes: (category, subcategory). A wrapped option
    (`政府` / `购买服务√`) is matched by the end of its name."""
    ticked = [compact(m.group(1).split("□")[-1]) for ln in lines
              for m in re.finditer(r"(\S+?)√", fold(ln.text))]

    def pick(options: tuple[str, ...]) -> str | None:
        return next((opt for t in ticked for opt in options if t and (opt.endswith(t) or t.endswith(opt))), None)

    return pick(FORM.categories), pick(FORM.subcategories)


def _is_amount(token: str) -> bool:
    """True for any printed amount (a sub-item may cost 800 元)."""
    try:
        return looks_numeric(token) and parse_amount(token) is not None
    except ValueError:
        return False


def _amount_tokens(line: str) -> list[str]:
    """The amounts of a line that are budget-sized (grouped, or 4+ digits): paragraph
    numbers like `300件` are glued to words, small standalone numbers are not money fields."""
    return [tok for tok in line.split() if ("," in tok or len(tok) >= 4) and _is_amount(tok)]


def _split_headings(tokens: list[str], found: set[str]) -> list[str]:
    """Remove heading words from tokens (also glued at a token's end: ≥85%效果目标)."""
    kept = []
    for tok in tokens:
        c = compact(tok)
        if c in _HEADINGS:
            found.add(c)
            continue
        for h in _HEADINGS:
            # Only a target can carry a glued heading (≥85%效果目标); a name ending in a
            # heading word (重点项目实施) is a name.
            if c.endswith(h) and len(c) > len(h) and looks_like_target(c[: len(c) - len(h)]):
                found.add(h)
                tok = tok[: len(tok) - len(h)] if tok.endswith(h) else tok
                break
        kept.append(tok)
    return kept


def _headings(lines: list[FormLine]) -> set[str]:
    """Every 一级/二级 heading printed in the form, also when wrapped (社会效益目 / 标)."""
    found: set[str] = set()
    for i, ln in enumerate(lines):
        _split_headings(ln.text.split(), found)
        c = compact(ln.text)
        if i + 1 < len(lines) and c and any(h.startswith(c) and h == c + compact(lines[i + 1].text)
                                             for h in _HEADINGS):
            found.add(c + compact(lines[i + 1].text))
    return found


@dataclass
class _Pending:
    page: int
    pieces: list[str]
    target: list[str] = field(default_factory=list)
    source: str = "layout"

    @property
    def name(self) -> str:
        return "".join(self.pieces)


def _merge_wrapped(lines: list[FormLine]) -> list[FormLine]:
    """Join a long line and the line printed right under it (no blank line between): one
    cell wrapped at a wide column's width (`树立一批行业内质量先进的标` / `杆组织和个人，…`).

    Not joined: a short line (a name, which may be followed directly by its target; the
    narrow name column's wraps are read by `_indicator_rows`), a line that opens with a
    comparison or a number (a target of its own), labels and 一级/二级 headings."""
    out: list[FormLine] = []
    for ln in lines:
        prev = out[-1] if out else None
        text = compact(ln.text)
        # Only single-cell lines are pieces of one wrapped cell: a line holding a name and
        # its target (`覆盖率 ≥95%`) is a whole row, even when rows are not spaced apart.
        if (prev is not None and ln.joined and " " not in ln.text.strip() and " " not in prev.text.strip()
                and len(compact(prev.text)) >= WRAPPED_CELL_MIN
                and not _is_label(ln.text) and not _is_label(prev.text)
                and compact(prev.text) not in _HEADINGS and text not in _HEADINGS
                and not (looks_like_target(ln.text) and not has_cjk(text[:1]))):
            out[-1] = FormLine(prev.page, prev.text.rstrip() + ln.text.strip(), prev.indented, prev.joined)
        else:
            out.append(ln)
    return out


def _bigrams(text: str) -> set[str]:
    t = compact(text)
    return {t[i:i + 2] for i in range(len(t) - 1)}


def _pair_by_words(rows: list[_Pending], targets: list[str]) -> list[str | None]:
    """Targets printed apart from their names → one per row: the pairs sharing the most
    two-character words first (`及时` goes to `计划实施的及时性`), the rest in printed
    order. A guess either way; it only puts the evident pairs together."""
    scores = sorted(((len(_bigrams(r.name) & _bigrams(t)), -i, -j, i, j)
                     for i, r in enumerate(rows) for j, t in enumerate(targets)), reverse=True)
    chosen: dict[int, int] = {}
    for score, _, _, i, j in scores:
        if score and i not in chosen and j not in chosen.values():
            chosen[i] = j
    rest = iter(t for j, t in enumerate(targets) if j not in chosen.values())
    return [targets[chosen[i]] if i in chosen else next(rest, None) for i in range(len(rows))]


def _indicator_rows(lines: list[FormLine]) -> tuple[list[_Pending], list[tuple[int, str]]]:
    """Read 三级 names and their targets in printed order; return rows and unpaired targets."""
    rows: list[_Pending] = []
    orphans: list[tuple[int, str]] = []
    skip = set()
    for i, ln in enumerate(lines):  # wrapped headings: drop both pieces
        c = compact(ln.text)
        if i + 1 < len(lines) and c and any(h == c + compact(lines[i + 1].text) for h in _HEADINGS):
            skip.update((i, i + 1))
    for i, ln in enumerate(lines):
        if i in skip or _is_label(ln.text):
            continue
        tokens = _split_headings(ln.text.split(), set())
        if not tokens:
            continue
        last = rows[-1] if rows else None
        if len(tokens) >= 2 and looks_like_target(tokens[-1]):
            rows.append(_Pending(ln.page, [" ".join(tokens[:-1])], [tokens[-1]]))
            continue
        text = " ".join(tokens)
        if looks_like_target(text):
            waiting = [r for r in rows if not r.target]
            if len(waiting) == 1 and waiting[0] is last:
                last.target.append(text)
            elif waiting:
                # Names printed in a run, then their targets in a run (a column dumped
                # after a column): the earliest waiting name takes the target.
                waiting[0].target.append(text)
                waiting[0].source = "guess"
            else:
                orphans.append((ln.page, text))
        elif (last is not None and not last.target and len(last.pieces[-1]) >= WRAP_MIN_PIECE
              and len(compact(text)) <= WRAP_MAX_REST):
            last.pieces.append(text)
        else:
            rows.append(_Pending(ln.page, [text]))
    return rows, orphans


def _stored(value: Decimal, raw: str, project: str, page: int, issues: list[ParseIssue]) -> Decimal | None:
    """The amount, or None with an error issue when it cannot be stored exactly."""
    if fits(value):
        return value
    issues.append(ParseIssue(rule="amount_out_of_range", severity="error", page=page, code=project,
                             message=f"{project}: amount {raw} cannot be stored exactly in 元; left out"))
    return None


@dataclass
class FormResult:
    project: ProjectRecord
    items: list[ProjectItem]
    indicators: list[Indicator]
    issues: list[ParseIssue]


def parse_form(lines: list[FormLine], doc_id: str, fallback_year: int | None) -> FormResult | None:
    """Given one form's lines, return its project, sub-items and indicators (None: no project)."""
    issues: list[ParseIssue] = []
    t = _find(lines, _is_title)
    if t is None:
        return None
    page = lines[t].page
    year_line = _find(lines, lambda s: bool(_YEAR.search(fold(s))), t)
    year = int(_YEAR.search(fold(lines[year_line].text)).group("year")) if year_line is not None else fallback_year
    applicant = None
    for ln in lines:
        m = _APPLICANT.search(ln.text)
        if m:
            applicant = m.group("name").strip()
            break
    after = max(i for i in (t, year_line or t) if i is not None) + 1
    name_at = _find(lines, lambda s: not _is_label(s) and not _APPLICANT.search(fold(s)) and "□" not in s
                    and "√" not in s and has_cjk(s) and not _YEAR.fullmatch(fold(s).replace(" ", "")), after)
    if name_at is None:
        return None
    project = lines[name_at].text.strip()
    category, subcategory = _ticked(lines)
    period_at = _find(lines, lambda s: bool(_PERIOD.match(fold(s))))
    start = end = None
    if period_at is not None:
        m = _PERIOD.match(fold(lines[period_at].text))
        start, end = m.group("start"), m.group("end")
    sub_at = _find(lines, lambda s: compact(s).startswith(compact(FORM.subitems_header)))
    ind_at = _find(lines, lambda s: compact(FORM.indicators_header) in compact(s))
    goals_end = _find(lines, lambda s: compact(s) == "分解目标")

    money: dict[str, Decimal | None] = {f.field: None for f in FORM.money_fields}
    summary = basis_text = None
    if period_at is not None:
        money_end = sub_at if sub_at is not None else (ind_at or len(lines))
        found = [tok for ln in lines[period_at + 1:money_end] for tok in _amount_tokens(ln.text)]
        for f, tok in zip(FORM.money_fields, found):
            money[f.field] = _stored(parse_amount(tok), tok, project, page, issues)
        if len(found) != len(FORM.money_fields):
            issues.append(ParseIssue(rule="form_money_fields", severity="warning", page=page, code=project,
                                     message=f"{project}: {len(found)} amounts found for the "
                                             f"{len(FORM.money_fields)} budget fields; read in printed order"))
        first_money = _find(lines, lambda s: bool(_amount_tokens(s)), period_at + 1)
        paras = _paragraphs(lines[period_at + 1:first_money if first_money is not None else money_end])
        if paras:
            summary = paras[0]
            basis_text = "".join(paras[1:]) or None
    basis_docs = [re.sub(r"\s+", "", m.group(0)) for m in _DOC_NUMBER.finditer(fold(basis_text or ""))]

    items = []
    if sub_at is not None:
        for ln in lines[sub_at + 1:ind_at if ind_at is not None and ind_at > sub_at else len(lines)]:
            toks = ln.text.split()
            if len(toks) >= 2 and has_cjk(ln.text) and _is_amount(toks[-1]) and not _is_label(" ".join(toks[:-1])):
                amount = _stored(parse_amount(toks[-1]), toks[-1], project, ln.page, issues)
                if amount is not None:
                    items.append(ProjectItem(doc_id=doc_id, page=ln.page, project=project,
                                             item=" ".join(toks[:-1]), amount=amount, raw=toks[-1]))

    goal_total = goal_annual = None
    if goals_end is not None:
        start_goals = sub_at if sub_at is not None and sub_at < goals_end else name_at + 1
        paras = _paragraphs([ln for ln in lines[start_goals:goals_end] if not _amount_tokens(ln.text)])
        if len(paras) >= 2:
            goal_total, goal_annual = paras[-2], paras[-1]

    indicators = _indicators(lines, ind_at, t, doc_id, project, issues)
    record = ProjectRecord(
        doc_id=doc_id, page=page, project=project, applicant=applicant, fiscal_year=year,
        category=category, subcategory=subcategory, start=start, end=end,
        start_date=_date(start, year), end_date=_date(end, year), summary=summary, basis_docs=basis_docs,
        goal_total=goal_total, goal_annual=goal_annual, **money)
    return FormResult(record, items, indicators, issues)


def _indicators(lines: list[FormLine], ind_at: int | None, title_at: int, doc_id: str, project: str,
                issues: list[ParseIssue]) -> list[Indicator]:
    if ind_at is None:
        return []
    end = next((i for i in range(ind_at + 1, len(lines))
                if _is_title(lines[i].text) or lines[i].indented or compact(lines[i].text) == "分解目标"), len(lines))
    region = _merge_wrapped(lines[ind_at + 1:end])
    rows, orphans = _indicator_rows(region)
    scrambled = bool(orphans) or any(r.source == "guess" or not r.target for r in rows)
    if scrambled:
        # The printed order of names and targets is lost: pair again by shared words, but
        # only what was printed apart (a target on its name's line stays there).
        loose = [r for r in rows if r.source == "guess" or not r.target]
        pool = ["".join(r.target) for r in loose if r.target] + [text for _, text in orphans]
        paired = _pair_by_words(loose, pool)
        for row, target in zip(loose, paired):
            row.target = [target] if target else []
        left = len(pool) - sum(t is not None for t in paired)
        if left or any(not r.target for r in rows):
            issues.append(ParseIssue(
                rule="indicator_pairing", severity="warning", code=project,
                page=region[0].page if region else None,
                message=f"{project}: {sum(not r.target for r in rows)} indicator(s) without a target and "
                        f"{left} target(s) without an indicator after pairing"))
        # Once the text has separated some targets from their names, the order of the
        # others is no evidence either: every pairing and every level not known to the
        # framework is a guess.
        issues.append(ParseIssue(
            rule="indicator_pairing", severity="warning", code=project, page=region[0].page if region else None,
            message=f"{project}: the text prints targets apart from their indicators; pairs and levels "
                    f"not known to the framework are guesses (target_source/level_source = guess)"))
        for r in rows:
            r.source = "guess"
    levels = assign_levels([r.name for r in rows], _headings(lines))
    if scrambled:
        levels = [(l1, l2, src if src == "framework" else "guess") for l1, l2, src in levels]
    out = []
    for row, (l1, l2, source) in zip(rows, levels):
        target = "".join(row.target)
        parsed = parse_target(target)
        if parsed.value is not None and not fits(parsed.value, 6):
            parsed = parsed._replace(value=None)  # more digits than the column holds: text only
        out.append(Indicator(doc_id=doc_id, page=row.page, project=project, level1=l1, level2=l2,
                             level3=row.name, target=target, op=parsed.op, value=parsed.value,
                             unit=parsed.unit, kind=parsed.kind, level_source=source,
                             target_source=row.source))
    return out
