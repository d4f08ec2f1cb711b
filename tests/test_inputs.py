"""Input handling: encodings, printed number forms, bad input, partial documents, output files.

Every test derives its input from the seed (samples/000_…, a 2018 department budget whose
identities all hold) and compares against what the seed itself gives.
"""

from __future__ import annotations

import codecs
import os
import random
import stat
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

import yusuan
from yusuan.cli import app
from yusuan.extract.decode import decode_text
from yusuan.normalize.numbers import parse_amount

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "samples" / "000_b1fb1c67835c9330.txt"
YUSUAN = Path(sys.executable).with_name("yusuan")
from yusuan.schemas.records import RECORD_KINDS  # noqa: E402

OUTPUT_FILES = {f"{kind}.parquet" for kind in RECORD_KINDS}

ROW_2011702 = "201 17 02 一般行政管理事务 2,570,219 2,570,219"
INCOME_TOTAL_LINE = "1,685,920,000 967,450,000 635,480,000 72,190,000 10,800,000合计"


# ── helpers ───────────────────────────────────────────────────────────────────────────


@pytest.fixture(scope="module")
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def seed_result():
    return yusuan.extract_document(SEED)


def cells(result) -> list[tuple]:
    """The budget lines as comparable tuples, in output order."""
    return [(b.table, b.page, b.code, b.column, b.amount, b.raw) for b in result.records["budget_lines"]]


def summary_cells(result) -> list[tuple]:
    return [(s.table, s.side, s.item, s.column, s.amount, s.raw) for s in result.records["summary_lines"]]


def lines_of(result, table: str, code: str) -> list:
    return [b for b in result.records["budget_lines"] if b.table == table and b.code == code]


def replace_line(text: str, old: str, new: str, *, after: str | None = None) -> str:
    """Replace the first line equal to `old` (after the first line equal to `after`, if given)."""
    lines = text.split("\n")
    start = lines.index(after) + 1 if after is not None else 0
    i = lines.index(old, start)
    lines[i] = new
    return "\n".join(lines)


def invoke(args: list[str]):
    return CliRunner().invoke(app, args)


# ── encodings and line ends ───────────────────────────────────────────────────────────


def _gb18030(t: str) -> bytes:
    return t.encode("gb18030")


def _gbk(t: str) -> bytes:
    return t.encode("gbk")


def _utf8_bom(t: str) -> bytes:
    return codecs.BOM_UTF8 + t.encode("utf-8")


def _crlf(t: str) -> bytes:
    return t.replace("\n", "\r\n").encode("utf-8")


def _cr(t: str) -> bytes:
    return t.replace("\n", "\r").encode("utf-8")


def _utf16(t: str) -> bytes:
    return t.encode("utf-16")  # native order with BOM


def _utf16_le_bom(t: str) -> bytes:
    return codecs.BOM_UTF16_LE + t.encode("utf-16-le")


def _utf16_be_bom(t: str) -> bytes:
    return codecs.BOM_UTF16_BE + t.encode("utf-16-be")


def _gbk_crlf(t: str) -> bytes:
    return t.replace("\n", "\r\n").encode("gbk")


def _utf8_bom_crlf(t: str) -> bytes:
    return codecs.BOM_UTF8 + t.replace("\n", "\r\n").encode("utf-8")


ENCODINGS = [
    pytest.param(_gb18030, "gb18030", id="gb18030"),
    pytest.param(_gbk, "gb18030", id="gbk"),
    pytest.param(_utf8_bom, "utf-8", id="utf8-bom"),
    pytest.param(_crlf, "utf-8", id="crlf"),
    pytest.param(_cr, "utf-8", id="cr-only"),
    pytest.param(_utf16, "utf-16", id="utf16-bom"),
    pytest.param(_utf16_le_bom, "utf-16", id="utf16le-bom"),
    pytest.param(_utf16_be_bom, "utf-16", id="utf16be-bom"),
    pytest.param(_gbk_crlf, "gb18030", id="gbk-crlf"),
    pytest.param(_utf8_bom_crlf, "utf-8", id="utf8-bom-crlf"),
]


@pytest.mark.parametrize(("encode", "encoding"), ENCODINGS)
def test_reencoded_seed_gives_identical_records(tmp_path, seed_text, seed_result, encode, encoding):
    data = encode(seed_text)
    assert data != seed_text.encode("utf-8")
    path = tmp_path / "seed.txt"
    path.write_bytes(data)

    result = yusuan.extract_document(path)

    assert len(seed_result.records["budget_lines"]) == 345
    assert cells(result) == cells(seed_result)
    assert summary_cells(result) == summary_cells(seed_result)
    assert result.exit_code == 0
    doc = result.document
    assert (doc.source_kind, doc.doc_type, doc.department, doc.fiscal_year, doc.pages) == (
        "text", "department_budget", "上海市质量技术监督局", 2018, 21)
    # a spot check of real values, not only equality with the seed
    [total] = [b for b in lines_of(result, "income_summary", "201") if b.column == "合计"]
    assert (total.amount, total.raw) == (Decimal("591674395"), "591,674,395")


@pytest.mark.parametrize(("encode", "encoding"), ENCODINGS)
def test_decode_text_names_the_encoding_and_normalises_line_ends(seed_text, encode, encoding):
    text, found = decode_text(encode(seed_text), "seed.txt")
    assert found == encoding
    assert text == seed_text
    assert "\r" not in text and not text.startswith("\ufeff")


# ── full-width digits ─────────────────────────────────────────────────────────────────

FULL_WIDTH_ROW = "201 17 02 一般行政管理事务 ２，５７０，２１９ ２，５７０，２１９"


@pytest.fixture
def full_width_result(tmp_path, seed_text):
    text = replace_line(seed_text, ROW_2011702, FULL_WIDTH_ROW)  # the income_summary row
    assert text.count("２，５７０，２１９") == 2
    path = tmp_path / "fullwidth.txt"
    path.write_text(text, encoding="utf-8")
    return yusuan.extract_document(path)


def test_full_width_digits_give_identical_amounts(full_width_result, seed_result):
    got = [(t, p, c, col, amt) for t, p, c, col, amt, _ in cells(full_width_result)]
    want = [(t, p, c, col, amt) for t, p, c, col, amt, _ in cells(seed_result)]
    assert got == want
    row = lines_of(full_width_result, "income_summary", "2011702")
    assert [(b.column, b.amount) for b in row] == [("合计", Decimal("2570219")), ("财政拨款收入", Decimal("2570219"))]
    assert full_width_result.exit_code == 0
    assert not [f for f in full_width_result.records["findings"] if f.rule == "malformed_number"]


def test_full_width_digits_raw_keeps_what_was_printed(full_width_result):
    row = lines_of(full_width_result, "income_summary", "2011702")
    assert [b.raw for b in row] == ["２，５７０，２１９", "２，５７０，２１９"]


@pytest.mark.parametrize("printed", [
    pytest.param("２０１ １７ ０２ 一般行政管理事务 2,570,219 2,570,219", id="spaced"),
    pytest.param("２０１１７０２ 一般行政管理事务 2,570,219 2,570,219", id="glued"),
])
def test_full_width_code_gives_identical_records(tmp_path, seed_text, seed_result, printed):
    path = tmp_path / "fullwidth-code.txt"
    path.write_text(replace_line(seed_text, ROW_2011702, printed), encoding="utf-8")
    result = yusuan.extract_document(path)
    assert cells(result) == cells(seed_result)
    row = lines_of(result, "income_summary", "2011702")
    assert [(b.parent_code, b.level, b.name) for b in row] == [("20117", 3, "一般行政管理事务")] * 2
    assert result.exit_code == 0


# ── printed blanks ────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(("after", "printed", "table"), [
    # expenditure_summary: 合计, 基本支出, 项目支出 — the row is 合计 + 项目支出
    pytest.param(INCOME_TOTAL_LINE, "201 17 02 一般行政管理事务 2,570,219 - 2,570,219",
                 "expenditure_summary", id="expenditure-ascii-dash"),
    pytest.param(INCOME_TOTAL_LINE, "201 17 02 一般行政管理事务 2,570,219 － 2,570,219",
                 "expenditure_summary", id="expenditure-fullwidth-dash"),
    pytest.param(INCOME_TOTAL_LINE, "201 17 02 一般行政管理事务 2,570,219 — 2,570,219",
                 "expenditure_summary", id="expenditure-em-dash"),
    # income_summary: 合计, 财政拨款收入, 事业收入, 事业单位经营收入, 其他收入
    pytest.param(None, "201 17 02 一般行政管理事务 2,570,219 2,570,219 - - -",
                 "income_summary", id="income-three-dashes"),
])
def test_printed_dash_is_a_blank_cell(tmp_path, seed_text, seed_result, after, printed, table):
    path = tmp_path / "dash.txt"
    path.write_text(replace_line(seed_text, ROW_2011702, printed, after=after), encoding="utf-8")

    result = yusuan.extract_document(path)

    assert cells(result) == cells(seed_result)  # same amounts, columns and raw everywhere
    assert not any(b.raw.strip() in {"-", "－", "—"} for b in result.records["budget_lines"])
    row = lines_of(result, table, "2011702")
    assert [(b.column, b.amount, b.raw) for b in row] == [
        ("合计", Decimal("2570219"), "2,570,219"),
        ("项目支出" if table == "expenditure_summary" else "财政拨款收入", Decimal("2570219"), "2,570,219"),
    ]
    # every column printed: the position says it all
    assert {b.assigned_by for b in row} == {"position"}
    assert result.exit_code == 0


def test_printed_dash_pins_the_column_and_a_wrong_one_is_reported(tmp_path, seed_text):
    """`2,570,219 2,570,219 -` puts the amount under 基本支出, which contradicts the document:
    the numbers stay where they are printed and the hierarchy check of 20117 fails."""
    printed = "201 17 02 一般行政管理事务 2,570,219 2,570,219 -"
    path = tmp_path / "dash.txt"
    path.write_text(replace_line(seed_text, ROW_2011702, printed, after=INCOME_TOTAL_LINE), encoding="utf-8")

    result = yusuan.extract_document(path)

    row = lines_of(result, "expenditure_summary", "2011702")
    assert [(b.column, b.amount, b.assigned_by) for b in row] == [
        ("合计", Decimal("2570219"), "position"), ("基本支出", Decimal("2570219"), "position")]
    assert result.exit_code == 1
    failed = {(f.rule, f.table, f.code, f.column) for f in result.errors}
    assert ("hierarchy", "expenditure_summary", "20117", "基本支出") in failed
    assert ("hierarchy", "expenditure_summary", "20117", "项目支出") in failed


# ── parentheses ───────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(("printed", "value"), [
    pytest.param("(12)", Decimal("-12"), id="ascii"),
    pytest.param("（12）", Decimal("-12"), id="fullwidth-parens"),
    pytest.param("（１２）", Decimal("-12"), id="fullwidth-all"),
    pytest.param("(1,234,567)", Decimal("-1234567"), id="grouped"),
    pytest.param("(612.35)", Decimal("-612.35"), id="decimal"),
    pytest.param("（１，２３４．５０）", Decimal("-1234.50"), id="fullwidth-grouped-decimal"),
    pytest.param("( 12 )", Decimal("-12"), id="inner-spaces"),
    pytest.param("(0)", Decimal("0"), id="zero"),
])
def test_parentheses_parse_as_negative(printed, value):
    got = parse_amount(printed)
    assert got == value
    assert got.as_tuple().exponent == value.as_tuple().exponent


def test_negative_amount_in_a_table_row(tmp_path, seed_text):
    """A negative printed in parentheses reaches the records as a negative amount."""
    printed = "201 17 02 一般行政管理事务 (2,570,219) (2,570,219)"
    path = tmp_path / "neg.txt"
    path.write_text(replace_line(seed_text, ROW_2011702, printed), encoding="utf-8")
    result = yusuan.extract_document(path)
    row = lines_of(result, "income_summary", "2011702")
    assert [b.amount for b in row] == [Decimal("-2570219")] * 2
    assert not [f for f in result.records["findings"] if f.rule == "malformed_number"]
    # the document no longer adds up: the 20117 sums are off by twice the amount
    assert result.exit_code == 1
    assert any(f.rule == "hierarchy" and f.table == "income_summary" and f.code == "20117"
               and f.actual - f.expected == Decimal("5140438") for f in result.errors)


# ── unreadable input through the CLI ──────────────────────────────────────────────────


def _binary(seed: int, n: int = 4096) -> bytes:
    rnd = random.Random(seed)
    return rnd.randbytes(n) + b"\x00" * 16 + rnd.randbytes(n)


def _png(seed: int = 1) -> bytes:
    return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + random.Random(seed).randbytes(2048)


UNREADABLE = [
    pytest.param("empty.txt", b"", id="empty"),
    pytest.param("blank.txt", b"   \n\t\r\n  \n", id="whitespace"),
    pytest.param("newlines.txt", b"\n" * 50, id="newlines-only"),
    pytest.param("random.bin", _binary(0), id="random-bytes"),
    pytest.param("random.txt", _binary(1), id="random-bytes-txt-name"),
    pytest.param("nuls.txt", b"\x00" * 200, id="nul-bytes"),
    pytest.param("image.png", _png(), id="png"),
    pytest.param("image.txt", _png(2), id="png-named-txt"),
    pytest.param("corrupt.pdf", b"%PDF-1.4\n" + random.Random(3).randbytes(2048), id="corrupt-pdf"),
    pytest.param("header.pdf", b"%PDF-1.4\n", id="pdf-header-only"),
    pytest.param("cut.pdf", b"%PDF", id="pdf-cut-in-magic"),
    pytest.param("cut.txt", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog", id="pdf-cut-named-txt"),
    # text-like, but not a document: mostly control characters
    pytest.param("controls.txt", bytes(range(1, 9)) * 100, id="control-chars"),
    # white space that bytes.strip() does not see (regression, fixed in 3f56ac3)
    pytest.param("ideographic.txt", "\u3000\u3000\n  \u3000\n".encode("utf-8"), id="ideographic-spaces"),
    pytest.param("bom.txt", codecs.BOM_UTF8, id="utf8-bom-only"),
    pytest.param("bom16.txt", "  \n\n".encode("utf-16"), id="utf16-whitespace"),
]


def _assert_unreadable(result, name: str, out: Path) -> None:
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert isinstance(result.exception, SystemExit)  # an orderly exit, not an exception
    stderr = result.stderr.strip()
    assert len(stderr.splitlines()) == 1, stderr
    assert stderr.startswith("yusuan: error: ")
    assert name in stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stdout == ""
    assert not out.exists() or not any(out.iterdir())


@pytest.mark.parametrize(("name", "data"), UNREADABLE)
def test_unreadable_file_exits_2_and_writes_nothing(tmp_path, monkeypatch, name, data):
    monkeypatch.chdir(tmp_path)
    Path(name).write_bytes(data)
    result = invoke(["extract", name, "-o", "out"])
    _assert_unreadable(result, name, tmp_path / "out")


@pytest.mark.parametrize(("name", "data"), UNREADABLE)
def test_unreadable_file_raises_unreadable_document(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(yusuan.UnreadableDocument) as info:
        yusuan.extract_document(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ")
    assert "\n" not in message
    assert info.value.source == str(path) and info.value.reason


def test_missing_file_exits_2(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke(["extract", "nope.txt", "-o", "out"])
    _assert_unreadable(result, "nope.txt", tmp_path / "out")
    assert "no such file" in result.stderr


def test_directory_without_documents_exits_2(tmp_path, monkeypatch):
    # A folder is extracted document by document (tests/test_cli_exit.py); one holding no
    # .pdf or .txt is an error.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "adir").mkdir()
    (tmp_path / "adir" / "x.md").write_text("201 一般公共服务支出 1", encoding="utf-8")
    result = invoke(["extract", "adir", "-o", "out"])
    _assert_unreadable(result, "adir", tmp_path / "out")
    assert "no .pdf or .txt file in this folder" in result.stderr


def test_unreadable_into_existing_output_folder_leaves_it_alone(tmp_path, monkeypatch):
    """A previous run's files stay as they were; nothing is added."""
    monkeypatch.chdir(tmp_path)
    assert invoke(["extract", str(SEED), "-o", "out"]).exit_code == 0
    before = {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir()}
    Path("bad.bin").write_bytes(_binary(7))
    result = invoke(["extract", "bad.bin", "-o", "out"])
    assert result.exit_code == 2
    assert {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir()} == before


# Regression (fixed in 3f56ac3): pipeline.read_pages: `data[:5] == b'%PDF-'[:len(data[:5])] and
# len(data) < 5` is true for b'' (b'' == b''), so an empty file is reported as 'truncated PDF',
# never reaching decode_text's 'empty file'
def test_empty_file_reason_says_empty(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("empty.txt").write_bytes(b"")
    result = invoke(["extract", "empty.txt", "-o", "out"])
    assert result.exit_code == 2
    assert result.stderr.strip() == "yusuan: error: empty.txt: empty file"


def _real_cli(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    return subprocess.run([str(YUSUAN), *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=120)


@pytest.mark.parametrize(("name", "data"), [
    pytest.param("corrupt.pdf", b"%PDF-1.4\n" + random.Random(5).randbytes(512), id="corrupt-pdf"),
    pytest.param("random.bin", _binary(6, 512), id="random-bytes"),
])
def test_real_process_unreadable_one_line_no_traceback(tmp_path, name, data):
    (tmp_path / name).write_bytes(data)
    proc = _real_cli(["extract", name, "-o", "out"], tmp_path)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith(f"yusuan: error: {name}: ")
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists()


# Regression (fixed in 3f56ac3): cli.py prints the error through a rich Console, which wraps at
# the console width (80 columns when stderr is not a terminal): a long path gives a multi-line
# message
def test_real_process_long_path_message_stays_one_line(tmp_path):
    deep = tmp_path / ("a_rather_long_folder_name_for_budget_documents_" * 2) / "2018"
    deep.mkdir(parents=True)
    path = deep / "garbage.bin"
    path.write_bytes(_binary(8, 256))
    proc = _real_cli(["extract", str(path), "-o", str(tmp_path / "out")], tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1, proc.stderr
    assert str(path) in proc.stderr


# Regression (fixed in 3f56ac3): cli.py passes the file name into rich markup unescaped:
# `x[/y]/z.txt` raises rich.errors.MarkupError (traceback, exit 1), and `report[b].txt` prints as
# 'report.txt' (the [b] is taken as a bold tag)
@pytest.mark.parametrize("name", ["report[b].txt", "x[/y]/z.txt"])
def test_file_name_with_brackets_is_named_verbatim(tmp_path, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    result = invoke(["extract", name, "-o", "out"])
    assert result.exit_code == 2
    assert result.stderr.strip() == f"yusuan: error: {name}: no such file"


# ── a document without tables ─────────────────────────────────────────────────────────


def test_prose_only_document(tmp_path, monkeypatch, seed_text):
    monkeypatch.chdir(tmp_path)
    Path("prose.txt").write_text("\n".join(seed_text.split("\n")[:60]) + "\n", encoding="utf-8")

    result = yusuan.extract_document("prose.txt")

    assert result.records["budget_lines"] == []
    assert result.records["summary_lines"] == []
    assert result.budget_lines.empty and result.summary_lines.empty
    doc = result.document
    assert doc.doc_type == "unknown"
    assert doc.source_kind == "text"
    assert doc.fiscal_year is None
    [warning] = [f for f in result.records["findings"] if f.rule == "no_tables_found"]
    assert warning.severity == "warning" and "prose.txt" in warning.message
    assert result.errors == []
    assert {c.status for c in result.checks} <= {"not_checked"}
    assert result.exit_code == 0

    cli = invoke(["extract", "prose.txt", "-o", "out"])
    assert cli.exit_code == 0, cli.stderr
    assert {p.name for p in (tmp_path / "out").iterdir()} == OUTPUT_FILES
    assert pq.read_table(tmp_path / "out" / "budget_lines.parquet").num_rows == 0
    docs = pq.read_table(tmp_path / "out" / "documents.parquet").to_pylist()
    assert [d["doc_type"] for d in docs] == ["unknown"]


# ── a document cut in the middle of a table ───────────────────────────────────────────


@pytest.fixture(scope="module")
def truncated(tmp_path_factory, seed_text):
    cut = seed_text.index("\n", seed_text.index("\n208 05 02 ") + 1) + 1
    text = seed_text[:cut]
    assert text.rstrip().endswith("208 05 02 事业单位离退休 1,239,180 711,780 527,400")
    path = tmp_path_factory.mktemp("truncated") / "truncated.txt"
    path.write_text(text, encoding="utf-8")
    return yusuan.extract_document(path)


INCOME_CODES_BEFORE_CUT = ["201", "20117", "2011701", "2011702", "2011706", "2011707", "2011710", "2011750",
                           "2011799", "206", "20603", "2060301", "2060302", "2060399", "208", "20805",
                           "2080501", "2080502"]


def test_truncated_document_keeps_the_records_before_the_cut(truncated, seed_result):
    doc = truncated.document
    assert (doc.doc_type, doc.department, doc.fiscal_year) == ("department_budget", "上海市质量技术监督局", 2018)
    assert [t.key for t in truncated.tables] == ["income_expenditure_summary", "income_summary"]
    assert {b.table for b in truncated.records["budget_lines"]} == {"income_summary"}
    codes = list(dict.fromkeys(b.code for b in truncated.records["budget_lines"]))
    assert codes == INCOME_CODES_BEFORE_CUT
    # every printed number before the cut is there, with its exact amount and text
    for code in INCOME_CODES_BEFORE_CUT:
        got = sorted((b.amount, b.raw, b.page) for b in lines_of(truncated, "income_summary", code))
        want = sorted((b.amount, b.raw, b.page) for b in lines_of(seed_result, "income_summary", code))
        assert got == want, code
    assert len(truncated.records["budget_lines"]) == 51
    # 合计 is always the first printed number of a row, and it is decided
    for code in INCOME_CODES_BEFORE_CUT:
        first = lines_of(truncated, "income_summary", code)[0]
        assert first.column == "合计", code
    [r2080502] = [b.amount for b in lines_of(truncated, "income_summary", "2080502") if b.column == "合计"]
    assert r2080502 == Decimal("1239180")
    # the two-sided summary before the table is whole
    assert summary_cells(truncated) == [s for s in summary_cells(seed_result)
                                        if s[0] == "income_expenditure_summary"]


def test_truncated_document_reports_what_no_longer_adds_up(truncated):
    assert truncated.exit_code == 1
    errors = truncated.errors
    assert errors
    failed = {(f.rule, f.table, f.code, f.column) for f in errors}
    # 208 lost its 款 20808, and 20805 its 项 05, 06, 99: their 合计 no longer add up
    assert ("hierarchy", "income_summary", "208", "合计") in failed
    assert ("hierarchy", "income_summary", "20805", "合计") in failed
    [f208] = [f for f in errors if (f.rule, f.code, f.column) == ("hierarchy", "208", "合计")]
    assert (f208.expected, f208.actual) == (Decimal("119603718"), Decimal("122318036"))
    [f20805] = [f for f in errors if (f.rule, f.code, f.column) == ("hierarchy", "20805", "合计")]
    assert (f20805.expected, f20805.actual) == (Decimal("2898608"), Decimal("119603718"))
    # the complete classes before the cut still add up
    ok = {(c.code, c.column) for c in truncated.checks
          if c.rule == "hierarchy" and c.table == "income_summary" and c.status == "pass"}
    assert {("201", "合计"), ("20117", "合计"), ("206", "合计"), ("20603", "合计")} <= ok
    assert not [f for f in errors if f.code in ("201", "20117", "206", "20603")]
    # no 合计 row was printed: the column totals cannot be checked
    [col_total] = [c for c in truncated.checks if c.rule == "column_total" and c.table == "income_summary"]
    assert col_total.status == "not_checked"
    # the tables after the cut are missing, so their identities are not checked, never passed
    assert any(c.rule == "cross_table" and c.status == "not_checked" for c in truncated.checks)
    assert not [c for c in truncated.checks if c.rule == "cross_table" and c.status == "pass"]


def test_truncated_document_through_the_cli(tmp_path, seed_text):
    cut = seed_text.index("\n", seed_text.index("\n208 05 02 ") + 1) + 1
    (tmp_path / "cut.txt").write_text(seed_text[:cut], encoding="utf-8")
    result = invoke(["extract", str(tmp_path / "cut.txt"), "-o", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.stdout + result.stderr
    assert "hierarchy" in result.stdout
    assert sorted(os.listdir(tmp_path / "out")) == sorted(OUTPUT_FILES)  # records are still written
    assert pq.read_table(tmp_path / "out" / "budget_lines.parquet").num_rows == 51
    errors = [f for f in pq.read_table(tmp_path / "out" / "findings.parquet").to_pylist() if f["severity"] == "error"]
    assert {"rule": "hierarchy", "code": "208", "column": "合计", "expected": Decimal("119603718.00"),
            "actual": Decimal("122318036.00")}.items() <= next(f for f in errors if f["code"] == "208"
                                                                and f["column"] == "合计").items()


# Regression (fixed in 3f56ac3): validate/identities._resolve returns [] for the missing 合计 row of
# a table that is present, so income_expenditure_summary 收入总计 etc. are compared with 0 ('printed
# 1,685,920,000 but the parts sum to 0'); hierarchy_identities calls the same missing row
# not_checked ('no 合计 row printed (truncated?)')
def test_truncated_document_summary_against_missing_total_is_not_checked(truncated):
    vs = [c for c in truncated.checks if c.rule == "summary_vs_table"
          and c.table == "income_expenditure_summary" and "income_summary[total]" in c.label]
    assert vs
    assert {c.status for c in vs} == {"not_checked"}


# Regression (fixed in 3f56ac3): normalize/columns._consistent_subset relaxes the failing
# 208/20805 hierarchy identities column by column in a fixed order and keeps '财政拨款收入: 0 = 0 + 0',
# which moves 208, 20805 and 2080502 out of their printed positions into 事业单位经营收入/其他收入
# (assigned_by='identity', no ambiguous_columns warning) although the position-based placement
# (合计/财政拨款收入/事业收入, the truth) breaks no more identities
def test_truncated_document_columns_are_right_or_flagged(truncated, seed_result):
    flagged = {f.code for f in truncated.records["findings"]
               if f.rule == "ambiguous_columns" and f.table == "income_summary"}
    wrong = []
    for code in INCOME_CODES_BEFORE_CUT:
        got = [b.column for b in lines_of(truncated, "income_summary", code)]
        want = [b.column for b in lines_of(seed_result, "income_summary", code)]
        if got != want and code not in flagged:
            wrong.append((code, got, want))
    assert wrong == []


# ── output files ──────────────────────────────────────────────────────────────────────


def _decimal_fields(schema: pa.Schema) -> dict[str, pa.DataType]:
    return {f.name: f.type for f in schema if pa.types.is_decimal(f.type)}


def test_output_files_are_exactly_the_four_parquet_files(tmp_path, seed_result):
    out = tmp_path / "out" / "nested"
    result = invoke(["extract", str(SEED), "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    assert sorted(os.listdir(out)) == sorted(OUTPUT_FILES)  # no .tmp, no hidden files

    for kind in ("budget_lines", "summary_lines"):
        schema = pq.read_schema(out / f"{kind}.parquet")
        assert schema.field("amount").type == pa.decimal128(22, 2)
    findings_schema = pq.read_schema(out / "findings.parquet")
    # amounts in 元 and the box of the cell a finding names (points), all exact decimals
    assert _decimal_fields(findings_schema) == {
        name: pa.decimal128(22, 2) for name in ("expected", "actual", "x0", "y0", "x1", "y1")}
    for name in OUTPUT_FILES:
        schema = pq.read_schema(out / name)
        assert not [f.name for f in schema if pa.types.is_floating(f.type)], name

    table = pq.read_table(out / "budget_lines.parquet")
    assert table.num_rows == 345
    rows = table.select(["table", "code", "column", "amount", "raw"]).to_pylist()
    assert [(r["table"], r["code"], r["column"], r["amount"], r["raw"]) for r in rows] == [
        (b.table, b.code, b.column, b.amount, b.raw) for b in seed_result.records["budget_lines"]]
    assert rows[0]["amount"] == Decimal("591674395.00") and isinstance(rows[0]["amount"], Decimal)
    assert pq.read_table(out / "summary_lines.parquet").num_rows == 33
    assert pq.read_table(out / "documents.parquet").num_rows == 1

    # a second run into the same folder replaces the files and leaves nothing else
    again = invoke(["extract", str(SEED), "-o", str(out)])
    assert again.exit_code == 0
    assert sorted(os.listdir(out)) == sorted(OUTPUT_FILES)
    assert pq.read_table(out / "budget_lines.parquet").num_rows == 345


def test_dry_run_writes_nothing(tmp_path):
    out = tmp_path / "out"
    result = invoke(["extract", str(SEED), "-o", str(out), "--dry-run"])
    assert result.exit_code == 0
    assert not out.exists()


def test_failed_write_leaves_previous_file_and_no_temp_file(tmp_path, monkeypatch, seed_result):
    from yusuan import writer

    out = tmp_path / "out"
    writer.write_parquet(seed_result.records, out)
    before = (out / "budget_lines.parquet").read_bytes()
    real_write = writer.pq.write_table

    def half_write(table, where, *args, **kwargs):
        if "budget_lines" in str(where):
            Path(where).write_bytes(b"PAR1 half a file")
            raise OSError("disk full")
        return real_write(table, where, *args, **kwargs)

    monkeypatch.setattr(writer.pq, "write_table", half_write)
    with pytest.raises(OSError, match="disk full"):
        writer.write_parquet(seed_result.records, out)
    assert sorted(os.listdir(out)) == sorted(OUTPUT_FILES)
    assert (out / "budget_lines.parquet").read_bytes() == before
    assert pq.read_table(out / "budget_lines.parquet").num_rows == 345


# Regression (fixed in 3f56ac3): writer.write_parquet creates each file with tempfile.mkstemp
# (mode 0600) and renames it, so the Parquet files are readable by their owner only instead of
# following the umask like any other written file (0644 under umask 022)
def test_output_files_follow_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        result = invoke(["extract", str(SEED), "-o", str(tmp_path / "out")])
    finally:
        os.umask(old)
    assert result.exit_code == 0
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in (tmp_path / "out").iterdir()}
    assert modes == {name: 0o644 for name in OUTPUT_FILES}


def test_extraction_leaves_the_collector_alone():
    """The library never freezes a caller's objects (frozen objects are never collected):
    extract_document leaves the freeze count as it was, and what a document leaves behind
    is collected (runs in a row do not grow the objects the collector tracks)."""
    import gc

    before = gc.get_freeze_count()
    for _ in range(2):
        yusuan.extract_document(SEED)
    gc.collect()
    base = len(gc.get_objects())
    for _ in range(5):
        yusuan.extract_document(SEED)
    gc.collect()
    assert gc.get_freeze_count() == before
    assert len(gc.get_objects()) - base < 2_000


def test_a_process_of_yusuan_freezes_its_imports_once():
    """The CLI and forked batch workers freeze what the process holds after its imports
    (yusuan.collector): once, so each document's objects are collected as usual."""
    code = ("import gc; from yusuan import collector; collector.settle(); n = gc.get_freeze_count(); "
            "[0 for _ in range(1000)]; x = [[] for _ in range(100)]; collector.settle(); "
            "assert gc.get_freeze_count() == n > 0, (n, gc.get_freeze_count())")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
