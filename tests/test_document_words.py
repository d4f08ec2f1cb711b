"""The words a document prints around its tables are its profile's (domain.Profile.document):
document.toml's, with whatever the profile's `[document]` table says over them. A new
province's notes, table numbers or page numbers are an edit to its profile file, and every
stage (segmentation, the table reader, the wording rules) reads the words of the profile it
is given, never a module global.
"""

from __future__ import annotations

import pytest

from yusuan.domain import DOCUMENT, DOMAIN, make_profile
from yusuan.extract.sections import sections_of
from yusuan.extract.tables import parse_pages
from yusuan.pipeline import read_pages


def _profile(**document) -> object:
    """The Shanghai tables and identities with `document` words over document.toml's."""
    return make_profile("test", {"profile": {"description": "test", "reader": "lines", "tables": "tables.toml",
                                             "identities": "identities.toml"},
                                 "document": document})


def test_a_profile_starts_from_document_toml_and_overrides_only_what_it_says():
    shanghai, jiangsu = DOMAIN.profiles["shanghai"], DOMAIN.profiles["jiangsu"]
    assert shanghai.document == DOCUMENT  # no [document], no [two_sided] of its own
    # jiangsu.toml has a [two_sided] table: those words are its, every other word the base's.
    assert jiangsu.two_sided is jiangsu.document.two_sided
    assert "收入合计" in jiangsu.two_sided.totals and "收入合计" not in DOCUMENT.two_sided.totals
    assert jiangsu.two_sided.item_start == DOCUMENT.two_sided.item_start
    assert jiangsu.document.model_dump(exclude={"two_sided"}) == DOCUMENT.model_dump(exclude={"two_sided"})
    custom = _profile(empty_table_notes=["本表无内容"], two_sided={"subtotals": ["小计"]})
    assert custom.document.empty_table_notes == ("本表无内容",)
    assert custom.two_sided.subtotals == ("小计",) and custom.two_sided.totals == DOCUMENT.two_sided.totals
    assert custom.document.units == DOCUMENT.units and custom.document.note_pattern == DOCUMENT.note_pattern


EMPTY_TABLE = "\n\n".join([
    "2024年部门政府性基金预算支出功能分类预算表",
    "单位：元",
    "科目编码 科目名称 合计 基本支出 项目支出",
    "注：本部门2024年没有政府性基金预算财政拨款安排的预算，本表无内容。",
])


@pytest.mark.parametrize("notes, empty", [
    pytest.param(None, False, id="document.toml-words"),
    pytest.param(["本表为空表", "本表无数据", "本表无内容"], True, id="the-profile's-own-note"),
])
def test_the_table_reader_reads_the_empty_table_notes_of_its_profile(notes, empty):
    pages, _ = read_pages(EMPTY_TABLE.encode("utf-8"), "empty.txt")
    profile = DOMAIN.default if notes is None else _profile(empty_table_notes=notes)
    (table,) = parse_pages(pages, profile).tables
    assert (table.key, table.rows, table.empty_note) == ("gov_fund_by_function", (), empty)


@pytest.mark.parametrize("pattern, furniture", [
    pytest.param(None, False, id="document.toml-words"),
    pytest.param("^(?:公开\\d+表|附件\\d+)$", True, id="the-profile's-table-numbers"),
])
def test_the_sections_read_the_table_numbers_of_their_profile(pattern, furniture):
    """`附件3` printed alone above a title is a table number where the profile says so:
    in no section, like `公开03表`."""
    pages, _ = read_pages(("附件3\n\n" + EMPTY_TABLE).encode("utf-8"), "numbered.txt")
    profile = DOMAIN.default if pattern is None else _profile(table_number_pattern=pattern)
    sections = sections_of(pages, profile)
    assert (sections.of(1, 0) is None) == furniture
    assert [s.key for s in sections.all if s.kind == "table"] == ["gov_fund_by_function"]
