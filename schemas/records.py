"""The output records: one pydantic model per Parquet file.

These models are the contract analysts and later stages rely on. Each field says what
it holds in its description; `unit` and `zh` (the Chinese label) travel into the
Parquet field metadata through `schemas.arrow`, which derives every Arrow schema from
these models, so a column is described exactly once.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Severity = Literal["error", "warning", "info"]


def _f(description: str, *, zh: str = "", unit: str = "", **kw):
    extra = {k: v for k, v in (("zh", zh), ("unit", unit)) if v}
    return Field(description=description, json_schema_extra=extra or None, **kw)


class Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DocumentRecord(Record):
    """One row per input document."""

    doc_id: str = _f("sha256 of the input bytes, first 16 hex digits", zh="文档编号")
    source: str = _f("the input path as given", zh="来源")
    source_kind: Literal["text", "pdf"] = _f("what the input was", zh="来源类型")
    doc_type: str = _f("department_budget | performance_targets | unknown", zh="文档类型")
    department: str | None = _f("the publishing body, as printed", zh="部门")
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
    level: int = _f("0 合计, 1 类, 2 款, 3 项", zh="级次")
    parent_code: str | None = _f("code of the enclosing 类/款", zh="上级编码")
    name: str = _f("row name as printed (合计 on the total row)", zh="科目名称")
    column: str = _f("canonical column header, e.g. 财政拨款收入", zh="栏目")
    amount: Decimal = _f("the printed amount converted to 元", zh="金额", unit="元")
    raw: str = _f("the cell text as printed", zh="原文")
    source_unit: str = _f("the unit the table printed (元 | 万元)", zh="原单位")
    assigned_by: Literal["position", "identity", "layout"] = _f(
        "how the column was decided: printed position, the accounting identities, or page geometry",
        zh="栏目判定",
    )


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


RECORD_KINDS: dict[str, type[Record]] = {
    "documents": DocumentRecord,
    "budget_lines": BudgetLine,
    "summary_lines": SummaryLine,
    "findings": Finding,
}
"""Record kind → model; the kind is also the Parquet file stem."""
