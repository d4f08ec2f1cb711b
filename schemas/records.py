"""The output records: one pydantic model per Parquet file.

These models are the contract analysts and later stages rely on. Each field says what
it holds in its description; `unit` and `zh` (the Chinese label) travel into the
Parquet field metadata through `schemas.arrow`, which derives every Arrow schema from
these models, so a column is described exactly once.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Severity = Literal["error", "warning", "info"]
AssignedBy = Literal["position", "identity", "layout"]
ReadBy = Literal["text", "ocr"]


def _f(description: str, *, zh: str = "", unit: str = "", scale: int | None = None, **kw):
    extra = {k: v for k, v in (("zh", zh), ("unit", unit), ("scale", scale)) if v}
    return Field(description=description, json_schema_extra=extra or None, **kw)


class Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


BOX_STEP = Decimal("0.01")


_NO_BOX = {"x0": None, "y0": None, "x1": None, "y1": None}


def box_fields(box: tuple[float, float, float, float] | None) -> dict[str, Decimal | None]:
    """A cell box in points → the records' x0, y0, x1, y1 (to 0.01 pt; None without a box)."""
    if not box:
        return dict(_NO_BOX)
    x0, y0, x1, y1 = box
    return {"x0": _coordinate(x0), "y0": _coordinate(y0), "x1": _coordinate(x1), "y1": _coordinate(y1)}


@lru_cache(maxsize=65536)
def _coordinate(value: float) -> Decimal:
    # Cells of one table share their edges: each distinct edge is converted once.
    return Decimal(repr(value)).quantize(BOX_STEP)


class DocumentRecord(Record):
    """One row per input document."""

    doc_id: str = _f("sha256 of the input bytes, first 16 hex digits", zh="文档编号")
    source: str = _f("the input path as given", zh="来源")
    source_kind: Literal["text", "pdf"] = _f("what the input was", zh="来源类型")
    doc_type: str = _f("department_budget | final_accounts | performance_targets | unknown", zh="文档类型")
    department: str | None = _f("the publishing body, as printed", zh="部门")
    scope: Literal["部门", "单位"] | None = _f(
        "部门: the department with all its units; 单位: one unit's own budget (never add the two)", zh="范围")
    profile: str = _f("the layout family the document was read as (domain/*.toml)", zh="版式")
    fiscal_year: int | None = _f("budget year read from the table titles", zh="年度")
    pages: int = _f("pages in the document", zh="页数")
    extracted_at: datetime = _f("when yusuan read it (UTC)", zh="提取时间")
    tool_version: str = _f("yusuan version", zh="工具版本")


class BudgetLine(Record):
    """One row per printed non-empty cell of a coded table (功能分类 / 经济分类)."""

    doc_id: str = _f("document id", zh="文档编号")
    table: str = _f("table key, e.g. income_summary", zh="表")
    table_title: str = _f("the table title as printed", zh="表名")
    page: int = _f("1-based page the row is printed on", zh="页码")
    code: str | None = _f("classification code as digits (2011706); null on the 合计 row", zh="科目编码")
    raw_code: str | None = _f("the code as printed (`201 17 06`, a misprint `7 11 02`)", zh="原编码")
    level: int = _f("0 合计, 1 类, 2 款, 3 项", zh="级次")
    parent_code: str | None = _f("code of the enclosing 类/款", zh="上级编码")
    name: str = _f("row name as printed (合计 on the total row)", zh="科目名称")
    column: str = _f("canonical column header, e.g. 财政拨款收入", zh="栏目")
    amount: Decimal = _f("the printed amount converted to 元", zh="金额", unit="元")
    raw: str = _f("the cell text as printed", zh="原文")
    source_unit: str = _f("the unit the table printed (元 | 万元)", zh="原单位")
    assigned_by: AssignedBy = _f(
        "how the column was decided: printed position, the accounting identities, or page geometry",
        zh="栏目判定",
    )
    x0: Decimal | None = _f("left edge of the cell on its page (null from raw text)", zh="左", unit="pt", scale=2)
    y0: Decimal | None = _f("top edge, from the page top", zh="上", unit="pt", scale=2)
    x1: Decimal | None = _f("right edge", zh="右", unit="pt", scale=2)
    y1: Decimal | None = _f("bottom edge", zh="下", unit="pt", scale=2)
    read_by: ReadBy = _f("text: read from the text layer (or raw text); ocr: read by OCR from the page image",
                         zh="读取方式", default="text")
    confidence: Decimal | None = _f("OCR cells: the recogniser's least confidence over the cell's characters "
                                    "(0–1); null for text", zh="识别置信度", scale=4, default=None)


class SummaryLine(Record):
    """One row per printed cell of a two-sided summary table or of the 三公 table."""

    doc_id: str = _f("document id", zh="文档编号")
    table: str = _f("table key, e.g. fiscal_grant_summary", zh="表")
    page: int = _f("1-based page", zh="页码")
    side: Literal["收入", "支出"] | None = _f("side of a two-sided table; null for three_public", zh="收支")
    item: str = _f("item as printed (一、财政拨款收入); canonical name for three_public", zh="项目")
    column: str | None = _f("canonical header when the side has several columns", zh="栏目")
    amount: Decimal = _f("the printed amount converted to 元", zh="金额", unit="元")
    raw: str = _f("the cell text as printed", zh="原文")
    source_unit: str = _f("the unit the table printed (元 | 万元)", zh="原单位")
    assigned_by: AssignedBy = _f(
        "how the column was decided: printed position, the accounting identities, or page geometry",
        zh="栏目判定",
    )
    x0: Decimal | None = _f("left edge of the cell on its page (null from raw text)", zh="左", unit="pt", scale=2)
    y0: Decimal | None = _f("top edge, from the page top", zh="上", unit="pt", scale=2)
    x1: Decimal | None = _f("right edge", zh="右", unit="pt", scale=2)
    y1: Decimal | None = _f("bottom edge", zh="下", unit="pt", scale=2)
    read_by: ReadBy = _f("text: read from the text layer (or raw text); ocr: read by OCR from the page image",
                         zh="读取方式", default="text")
    confidence: Decimal | None = _f("OCR cells: the recogniser's least confidence over the cell's characters "
                                    "(0–1); null for text", zh="识别置信度", scale=4, default=None)


class Finding(Record):
    """One row per identity that failed or was not checked, or input not read as printed."""

    doc_id: str = _f("document id", zh="文档编号")
    rule: str = _f("identity or check that produced it, e.g. row_sum, hierarchy", zh="规则")
    severity: Severity = _f("error | warning | info", zh="级别")
    table: str | None = _f("table key where it was found", zh="表")
    page: int | None = _f("page, where one page is concerned", zh="页码")
    code: str | None = _f("row code, or the item for two-sided tables", zh="科目编码")
    column: str | None = _f("column concerned", zh="栏目")
    expected: Decimal | None = _f("what the identity says the cell should be (元)", zh="应为", unit="元")
    actual: Decimal | None = _f("what the document printed (元)", zh="实为", unit="元")
    message: str = _f("what failed, where, by how much", zh="说明")
    x0: Decimal | None = _f("left edge of the cell the finding names, on its page (null when it names none "
                            "or from raw text)", zh="左", unit="pt", scale=2, default=None)
    y0: Decimal | None = _f("top edge, from the page top", zh="上", unit="pt", scale=2, default=None)
    x1: Decimal | None = _f("right edge", zh="右", unit="pt", scale=2, default=None)
    y1: Decimal | None = _f("bottom edge", zh="下", unit="pt", scale=2, default=None)


class ProjectRecord(Record):
    """One row per project of a performance-target form (绩效目标申报表) or project explanation."""

    doc_id: str = _f("document id", zh="文档编号")
    page: int = _f("page where the form starts", zh="页码")
    project: str = _f("项目名称", zh="项目名称")
    applicant: str | None = _f("申报单位名称", zh="申报单位")
    fiscal_year: int | None = _f("year of the form", zh="年度")
    category: str | None = _f("ticked 项目类型 box of the first group, e.g. 经常性专项业务费", zh="项目类型")
    subcategory: str | None = _f("ticked box of the second group, e.g. 其他事业专业类", zh="项目子类型")
    start: str | None = _f("开始时间 as printed", zh="开始时间")
    end: str | None = _f("结束时间 as printed", zh="结束时间")
    start_date: date | None = _f("开始时间 as a date, where it can be read", zh="开始日期")
    end_date: date | None = _f("结束时间 as a date, where it can be read", zh="结束日期")
    total_budget: Decimal | None = _f("项目总预算", zh="项目总预算", unit="元")
    current_budget: Decimal | None = _f("项目当年预算", zh="项目当年预算", unit="元")
    prev_budget: Decimal | None = _f("同名项目上年预算额", zh="上年预算额", unit="元")
    prev_executed: Decimal | None = _f("同名项目上年预算执行数", zh="上年执行数", unit="元")
    summary: str | None = _f("项目概况", zh="项目概况")
    basis_docs: list[str] = _f("文号 cited in 立项依据, e.g. 沪府办发〔2016〕39号", zh="立项依据文号")
    goal_total: str | None = _f("项目总目标", zh="项目总目标")
    goal_annual: str | None = _f("年度绩效目标", zh="年度绩效目标")


class ProjectItem(Record):
    """One row per sub-item (子项目) of a project."""

    doc_id: str = _f("document id", zh="文档编号")
    page: int = _f("page the sub-item is printed on", zh="页码")
    project: str = _f("项目名称", zh="项目名称")
    item: str = _f("子项目名称 as printed", zh="子项目名称")
    amount: Decimal = _f("预算金额", zh="预算金额", unit="元")
    raw: str = _f("the amount as printed", zh="原文")


class Indicator(Record):
    """One row per 三级 indicator of a project's performance targets."""

    doc_id: str = _f("document id", zh="文档编号")
    page: int = _f("page the indicator is printed on", zh="页码")
    project: str = _f("项目名称", zh="项目名称")
    level1: str | None = _f("一级指标", zh="一级指标")
    level2: str | None = _f("二级指标", zh="二级指标")
    level3: str = _f("三级指标 (wrapped lines joined)", zh="三级指标")
    target: str = _f("指标目标值 as printed (wrapped lines joined)", zh="指标目标值")
    op: str | None = _f("≥ ≤ = > < parsed from the target, or null", zh="比较")
    value: Decimal | None = _f("number parsed from the target", zh="目标值", scale=6)
    unit: str | None = _f("unit of the value (%, 件 …) or null", zh="单位")
    kind: Literal["numeric", "qualitative", "relative"] = _f(
        "numeric (≥99%), qualitative (健全), relative (较上年增长, ≥前五年平均值的110%)", zh="类型")
    level_source: Literal["layout", "framework", "guess"] = _f(
        "how levels 1-2 were decided: read from the layout, the indicator framework (data), or a guess",
        zh="级别来源")
    target_source: Literal["layout", "guess"] = _f(
        "layout: the target was printed with its indicator; guess: the text separated them and "
        "they were paired by order", zh="目标来源")


class ProseFigure(Record):
    """One row per figure restated in the explanatory prose (预算编制说明, 其他相关情况说明)."""

    doc_id: str = _f("document id", zh="文档编号")
    page: int = _f("page", zh="页码")
    label: str = _f("what the figure is, e.g. 预算支出总额 or the 科目 name", zh="项目")
    amount: Decimal = _f("the figure converted to 元", zh="金额", unit="元")
    raw: str = _f("the figure as printed", zh="原文")
    unit: str = _f("unit printed (万元)", zh="原单位")
    sentence: str = _f("the sentence it was read from", zh="原句")
    budget_amount: Decimal | None = _f(
        "决算 prose `年初预算为A万元`: A in 元 (null for other figures)", zh="年初预算数", unit="元", default=None)
    final_amount: Decimal | None = _f(
        "决算 prose `支出决算为B万元`: B in 元 (null for other figures)", zh="决算数", unit="元", default=None)
    rate: Decimal | None = _f("决算 prose `完成年初预算的x%`: x as printed (null when not printed)",
                              zh="完成率", unit="%", scale=4, default=None)
    code: str | None = _f("the code of the 类/款/项 the sentence names, resolved against the document's own "
                          "coded table (null when it names none or it does not resolve)", zh="科目编码", default=None)


class TableCell(Record):
    """One row per printed cell of every table, classified or not (header cells too)."""

    doc_id: str = _f("document id", zh="文档编号")
    table_index: int = _f("the table's place in the document, from 0", zh="表序号")
    page: int = _f("page the cell is printed on", zh="页码")
    title: str = _f("the table title as printed", zh="表名")
    table: str | None = _f("table key, or null when no table kind fits (table_unclassified)", zh="表")
    row: int | None = _f("data row within the table, from 0; null for header cells", zh="行")
    column: int | None = _f("printed leaf column, left to right from 0; null where no header is above", zh="列")
    header: str = _f("the header cells printed above it, top to bottom, '/'-joined", zh="表头")
    text: str = _f("the cell text as printed", zh="原文")
    amount: Decimal | None = _f("the amount in 元 when the cell is a number", zh="金额", unit="元")
    unit: str | None = _f("the table's unit (元 | 万元)", zh="原单位")
    x0: Decimal | None = _f("left edge of the cell on its page (null from raw text)", zh="左", unit="pt", scale=2)
    y0: Decimal | None = _f("top edge, from the page top", zh="上", unit="pt", scale=2)
    x1: Decimal | None = _f("right edge", zh="右", unit="pt", scale=2)
    y1: Decimal | None = _f("bottom edge", zh="下", unit="pt", scale=2)
    read_by: ReadBy = _f("text: read from the text layer (or raw text); ocr: read by OCR from the page image",
                         zh="读取方式", default="text")
    confidence: Decimal | None = _f("OCR cells: the recogniser's least confidence over the cell's characters "
                                    "(0–1); null for text", zh="识别置信度", scale=4, default=None)


class TableQuality(Record):
    """One row per table a document prints: how well it was read and how far it checks out."""

    doc_id: str = _f("document id", zh="文档编号")
    table_index: int | None = _f("the table's place in the document, from 0 (as in table_cells)", zh="表序号")
    table: str | None = _f("table key, or null when no table kind fits (table_unclassified)", zh="表")
    title: str = _f("the table title as printed", zh="表名")
    pages: list[int] = _f("pages the table is printed on", zh="页码")
    unit: str | None = _f("the unit the table's amounts are read in (元 | 万元)", zh="单位")
    unit_source: Literal["printed", "assumed"] | None = _f(
        "printed: its 单位 line names the unit; assumed: it prints none and its kind's usual unit is taken",
        zh="单位来源")
    columns_expected: int = _f("amount columns its table kind has (both sides of a two-sided table)", zh="应有栏目数")
    columns_found: int = _f("amount columns the document prints of them", zh="实有栏目数")
    columns_missing: list[str] = _f("columns of its kind the document does not print", zh="缺少栏目")
    rows: int = _f("data rows read", zh="行数")
    cells_layout: int = _f("amount cells placed in their column by the page's geometry", zh="版面定栏")
    cells_identity: int = _f("amount cells placed by the accounting identities (raw text)", zh="恒等式定栏")
    cells_position: int = _f("amount cells kept in their printed position (no identity decides them)", zh="位置定栏")
    identities_passed: int = _f("identities over the table that hold", zh="通过")
    identities_failed: int = _f("identities over the table that fail beyond rounding", zh="不符")
    identities_rounding: int = _f("identities over the table that miss within the rounding of the printed digits",
                                  zh="舍入差")
    identities_not_checked: int = _f("identities over the table that could not be checked (never counted as passed)",
                                     zh="未核")
    ambiguous_rows: int = _f("rows two placements of whose numbers satisfy every identity", zh="歧义行")


class ManifestEntry(Record):
    """One row per input file of a batch (dataset/manifest.parquet)."""

    path: str = _f("input path as found", zh="路径")
    size: int = _f("bytes", zh="大小", unit="byte")
    sha256: str = _f("sha256 of the bytes", zh="校验和")
    doc_id: str = _f("document id (first 16 hex of sha256)", zh="文档编号")
    status: Literal["ok", "findings", "failed", "skipped"] = _f(
        "ok: every identity holds; findings: error findings exist; failed: not read; "
        "skipped: a duplicate of another input", zh="状态")
    error: str | None = _f("why it failed, or what it duplicates", zh="错误")
    pages: int | None = _f("pages read", zh="页数")
    seconds: Decimal | None = _f("extraction time, to the hundredth", zh="耗时", unit="s")
    tool_version: str = _f("yusuan version that produced the row", zh="工具版本")
    ocr_pages: int | None = _f("pages read by OCR (extract.ocr); null when not read", zh="OCR页数", default=None)


class ExecutionRecord(Record):
    """One row per code of a body's final accounts with its budget: budget vs 决算 (view `execution`)."""

    body: str = _f("the body as the 决算 prints it", zh="部门")
    body_key: str = _f("the body's name normalised (spaces, brackets, the district prefix dropped) to pair "
                       "its documents", zh="部门键")
    scope: Literal["部门", "单位"] | None = _f("部门 | 单位 (pairs never mix the two)", zh="范围")
    fiscal_year: int | None = _f("budget year", zh="年度")
    code: str | None = _f("classification code (null on the total)", zh="科目编码")
    level: int | None = _f("0 合计, 1 类, 2 款, 3 项 (null when the prose names no code yusuan resolved)", zh="级次")
    name: str = _f("the row's name as printed (the prose's path for final_prose rows)", zh="科目名称")
    budget_amount: Decimal = _f("budget: the 年初预算 the 决算 prints, or the paired budget document's cell",
                                zh="预算数", unit="元")
    final_amount: Decimal = _f("final: the 支出决算 the prose prints, or the 决算 table's cell", zh="决算数", unit="元")
    rate: Decimal | None = _f("final / budget × 100, to 0.01 (null when the budget is 0)", zh="执行率", unit="%",
                              scale=4)
    printed_rate: Decimal | None = _f("the completion rate the prose prints (final_prose rows)", zh="列示完成率",
                                      unit="%", scale=4)
    source: Literal["paired", "final_prose"] = _f(
        "paired: the body's budget and 决算 documents of the year and scope; final_prose: the 决算's own "
        "per-项 年初预算/支出决算 sentences", zh="来源")
    table: str | None = _f("the 决算 table the final amount is read from (paired rows)", zh="表")
    final_doc_id: str = _f("document id of the 决算", zh="决算文档")
    budget_doc_id: str | None = _f("document id of the paired budget (paired rows)", zh="预算文档")
    page: int | None = _f("page of the 决算 the final amount is printed on", zh="页码")


class CodeRecord(Record):
    """One row per classification code printed in the dataset, with every name it is printed with (view `codes`)."""

    code: str = _f("classification code as digits", zh="科目编码")
    level: int = _f("1 类, 2 款, 3 项", zh="级次")
    names: list[str] = _f("every name printed for the code, most documents first", zh="科目名称")
    documents: list[str] = _f("doc_ids of the documents that print it", zh="文档")
    years: list[int] = _f("fiscal years it is printed in", zh="年度")
    tables: list[str] = _f("table keys it is printed in", zh="表")
    flagged: bool = _f("true when documents print the code with different names", zh="名称不一")
    message: str | None = _f("which name which documents print, when flagged", zh="说明")


VIEW_KINDS: dict[str, type[Record]] = {"execution": ExecutionRecord, "codes": CodeRecord}
"""Views built over a whole dataset (views.py) → model; stored as `<name>.parquet` at its top."""


RECORD_KINDS: dict[str, type[Record]] = {
    "documents": DocumentRecord,
    "budget_lines": BudgetLine,
    "summary_lines": SummaryLine,
    "findings": Finding,
    "projects": ProjectRecord,
    "project_items": ProjectItem,
    "indicators": Indicator,
    "prose_figures": ProseFigure,
    "table_cells": TableCell,
    "tables": TableQuality,
}
"""Record kind → model; the kind is also the Parquet file stem."""
