"""Printed amounts and classification codes: table-driven cases and property tests for
normalize/numbers.py (parse_amount, looks_numeric, is_blank, decimals) and
normalize/codes.py (parse_code, CODE_PREFIX)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from yusuan.normalize.codes import CODE_PREFIX, Code, parse_code
from yusuan.normalize.numbers import BLANKS, decimals, is_blank, looks_numeric, parse_amount

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

FULL_WIDTH = str.maketrans("0123456789,.-()", "０１２３４５６７８９，．－（）")


# ── parse_amount: table ───────────────────────────────────────────────────────────────


@pytest.mark.parametrize(("printed", "value"), [
    pytest.param("1,685,920,000", Decimal("1685920000"), id="grouped"),
    pytest.param("612.35", Decimal("612.35"), id="decimal"),
    pytest.param("0", Decimal("0"), id="zero"),
    pytest.param("0.00", Decimal("0.00"), id="zero-two-places"),
    pytest.param("160.7", Decimal("160.7"), id="one-place"),
    pytest.param("1,234.56", Decimal("1234.56"), id="grouped-decimal"),
    pytest.param("1,234,567.890", Decimal("1234567.890"), id="three-places-kept"),
    pytest.param("123", Decimal("123"), id="short"),
    pytest.param("1234567", Decimal("1234567"), id="ungrouped-long"),
    pytest.param("00012", Decimal("12"), id="leading-zeros"),
    pytest.param("１２３，４５６", Decimal("123456"), id="fullwidth-grouped"),
    pytest.param("２，５７０，２１９", Decimal("2570219"), id="fullwidth-seed-row"),
    pytest.param("１，２３４．５６", Decimal("1234.56"), id="fullwidth-decimal"),
    pytest.param("１２３.４５", Decimal("123.45"), id="mixed-width"),
    pytest.param("-12", Decimal("-12"), id="minus"),
    pytest.param("－12", Decimal("-12"), id="fullwidth-minus"),
    pytest.param("-1,234.50", Decimal("-1234.50"), id="minus-grouped"),
    pytest.param("(12)", Decimal("-12"), id="parens"),
    pytest.param("（12）", Decimal("-12"), id="fullwidth-parens"),
    pytest.param("（１，２３４）", Decimal("-1234"), id="fullwidth-parens-grouped"),
    pytest.param("(1,234.56)", Decimal("-1234.56"), id="parens-grouped-decimal"),
    pytest.param(" 12 ", Decimal("12"), id="outer-spaces"),
    pytest.param("12\u3000", Decimal("12"), id="ideographic-space"),
])
def test_parse_amount(printed, value):
    got = parse_amount(printed)
    assert got == value
    assert isinstance(got, Decimal)
    assert got.as_tuple().exponent == value.as_tuple().exponent  # printed precision kept
    assert looks_numeric(printed)
    assert not is_blank(printed)


@pytest.mark.parametrize("printed", [
    pytest.param(b, id=f"blank-{ord(b[0]):04x}-{len(b)}") for b in sorted(BLANKS)
] + [
    pytest.param(" - ", id="spaced-dash"),
    pytest.param("\u3000－\u3000", id="fullwidth-dash-ideographic-spaces"),
    pytest.param("－－", id="double-fullwidth-dash"),
])
def test_dash_is_a_blank(printed):
    assert parse_amount(printed) is None
    assert is_blank(printed)
    assert looks_numeric(printed)


@pytest.mark.parametrize("printed", [
    pytest.param("308,52", id="short-group"),
    pytest.param("1,2345", id="long-group"),
    pytest.param("12a", id="letter"),
    pytest.param("a12", id="leading-letter"),
    pytest.param("", id="empty"),
    pytest.param("   ", id="spaces"),
    pytest.param("1.", id="trailing-point"),
    pytest.param(".5", id="leading-point"),
    pytest.param("1.2.3", id="two-points"),
    pytest.param("1,234,", id="trailing-comma"),
    pytest.param(",123", id="leading-comma"),
    pytest.param("1,,234", id="double-comma"),
    pytest.param("1,000.", id="grouped-trailing-point"),
    pytest.param("1,234.5,6", id="comma-after-point"),
    pytest.param("+5", id="plus"),
    pytest.param("1e5", id="exponent"),
    pytest.param("(12", id="open-paren"),
    pytest.param("12)", id="close-paren"),
    pytest.param("(-12)", id="paren-and-minus"),
    pytest.param("-(12)", id="minus-and-paren"),
    pytest.param("--5", id="double-minus"),
    pytest.param("12%", id="percent"),
    pytest.param("合计", id="total-word"),
    pytest.param("NaN", id="nan"),
    pytest.param("Infinity", id="infinity"),
    pytest.param("１２ａ", id="fullwidth-letter"),
])
def test_malformed_amount_raises(printed):
    with pytest.raises(ValueError):
        parse_amount(printed)


@pytest.mark.parametrize(("text", "expected"), [
    pytest.param("1,685,920,000", True, id="grouped"),
    pytest.param("612.35", True, id="decimal"),
    pytest.param("(12)", True, id="parens"),
    pytest.param("（１２）", True, id="fullwidth-parens"),
    pytest.param("-", True, id="dash"),
    pytest.param("—", True, id="em-dash"),
    pytest.param("308,52", True, id="malformed-but-number-shaped"),  # reported later, not read as a label
    pytest.param("一般行政管理事务", False, id="name"),
    pytest.param("合计", False, id="total-word"),
    pytest.param("12a", False, id="letter"),
    pytest.param("201", True, id="code-part"),
    pytest.param("", False, id="empty"),
    pytest.param("(", False, id="lone-paren"),
    pytest.param("2018年", False, id="year"),
    pytest.param("单位：元", False, id="unit-line"),
])
def test_looks_numeric(text, expected):
    assert looks_numeric(text) is expected


@pytest.mark.parametrize(("text", "places"), [
    pytest.param("612.35", 2, id="two"),
    pytest.param("160.7", 1, id="one"),
    pytest.param("1,685,920,000", 0, id="grouped-integer"),
    pytest.param("0", 0, id="zero"),
    pytest.param("0.00", 2, id="zero-two"),
    pytest.param("(1,234.56)", 2, id="parens"),
    pytest.param("（１２．５）", 1, id="fullwidth"),
    pytest.param("-12.500", 3, id="minus-three"),
    pytest.param("１，７８６．０９", 2, id="fullwidth-grouped"),
])
def test_decimals(text, places):
    assert decimals(text) == places


# ── parse_amount: properties ──────────────────────────────────────────────────────────


@st.composite
def printed_amounts(draw):
    """A Decimal and one way a budget table could print it."""
    places = draw(st.integers(0, 4))
    whole = draw(st.integers(0, 10**15))
    frac = draw(st.integers(0, 10**places - 1)) if places else 0
    negative = draw(st.booleans())
    digits = str(whole)
    if draw(st.booleans()):
        groups = []
        while len(digits) > 3:
            groups.insert(0, digits[-3:])
            digits = digits[:-3]
        digits = ",".join([digits, *groups])
    text = f"{digits}.{frac:0{places}d}" if places else digits
    if negative:
        text = draw(st.sampled_from(["-{}", "({})", "（{}）"])).format(text)
    if draw(st.booleans()):
        text = text.translate(FULL_WIDTH)
    pad = draw(st.sampled_from(["", " ", "\u3000", "  "]))
    text = pad + text + pad
    magnitude = Decimal(f"{whole}.{frac:0{places}d}") if places else Decimal(whole)
    return (-magnitude if negative else magnitude), places, text


@FAST
@given(printed_amounts())
@example((Decimal("1685920000"), 0, "1,685,920,000"))
@example((Decimal("-1234.50"), 2, "（１，２３４．５０）"))
@example((Decimal("0.00"), 2, "-0.00"))
def test_printed_amount_round_trips(case):
    value, places, text = case
    got = parse_amount(text)
    assert got == value
    assert got.as_tuple().exponent == -places
    assert decimals(text) == places
    assert looks_numeric(text)
    assert not is_blank(text)


@FAST
@given(st.lists(st.integers(1, 6), min_size=2, max_size=6), st.data())
def test_misgrouped_digits_raise(sizes, data):
    """Thousands groups after the first must be exactly three digits."""
    assume(sizes[0] <= 3)
    assume(any(n != 3 for n in sizes[1:]))
    groups = [data.draw(st.text("0123456789", min_size=n, max_size=n)) for n in sizes]
    text = ",".join(groups)
    with pytest.raises(ValueError):
        parse_amount(text)
    with pytest.raises(ValueError):
        parse_amount(text.translate(FULL_WIDTH))


@FAST
@given(printed_amounts(), st.sampled_from("abcxyzABCXYZ#*元万"), st.data())
def test_a_stray_character_makes_it_malformed(case, junk, data):
    _, _, text = case
    text = text.strip()
    at = data.draw(st.integers(0, len(text)))
    with pytest.raises(ValueError):
        parse_amount(text[:at] + junk + text[at:])


@FAST
@given(st.text(st.sampled_from("0123456789,.-()（）－—– /a合\u3000０，"), max_size=12) | st.text(max_size=12))
def test_parse_amount_only_raises_value_error(text):
    """Any text gives a Decimal, None (a blank) or ValueError, and the helpers agree."""
    try:
        got = parse_amount(text)
    except ValueError:
        return
    if got is None:
        assert is_blank(text)
    else:
        assert isinstance(got, Decimal) and got.is_finite()
        assert looks_numeric(text)  # the row parser must see it as a number cell
        assert decimals(text) == max(0, -got.as_tuple().exponent)


# ── parse_code: table ─────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(("printed", "code", "level", "parent"), [
    pytest.param("201 17 06", "2011706", 3, "20117", id="function-item"),
    pytest.param("201 17", "20117", 2, "201", id="function-section"),
    pytest.param("201", "201", 1, None, id="class"),
    pytest.param("302 12", "30212", 2, "302", id="economic"),
    pytest.param("301 2", "30102", 2, "301", id="unpadded-section"),
    pytest.param("301 02", "30102", 2, "301", id="padded-section"),
    pytest.param("208 5 2", "2080502", 3, "20805", id="unpadded-both"),
    pytest.param("2011706", "2011706", 3, "20117", id="glued-item"),
    pytest.param("20117", "20117", 2, "201", id="glued-section"),
    pytest.param("201  17  06", "2011706", 3, "20117", id="double-spaces"),
    pytest.param("  201 17 06  ", "2011706", 3, "20117", id="outer-spaces"),
    pytest.param("201\u300017", "20117", 2, "201", id="ideographic-space"),
    pytest.param("221 02 03", "2210203", 3, "22102", id="seed-last-row"),
])
def test_parse_code(printed, code, level, parent):
    got = parse_code(printed)
    assert got == Code(code, level, parent)
    assert (got.code, got.level, got.parent) == (code, level, parent)


@pytest.mark.parametrize("printed", [
    pytest.param("", id="empty"),
    pytest.param("   ", id="spaces"),
    pytest.param("2011", id="four-digits"),
    pytest.param("201706", id="six-digits"),
    pytest.param("20117060", id="eight-digits"),
    pytest.param("20 117", id="short-class"),
    pytest.param("2011 7", id="long-class"),
    pytest.param("201 170", id="three-digit-section"),
    pytest.param("201 17 06 01", id="four-parts"),
    pytest.param("2a1", id="letter"),
    pytest.param("201 1a", id="letter-in-section"),
    pytest.param("1 2 3", id="all-short"),
    pytest.param("合计", id="total-word"),
    pytest.param("201-17", id="dash"),
])
def test_not_a_code_raises(printed):
    with pytest.raises(ValueError):
        parse_code(printed)


# Regression (fixed in 3f56ac3): normalize/codes.parse_code matches \d and str.isdigit, which
# accept full-width and other Unicode digits, and returns them unchanged: parse_code('２０１ １７
# ０６').code == '２０１１７０６'. (The pipeline folds lines before calling it, so documents are not
# affected; the function's own contract — digits — is.)
@pytest.mark.parametrize("printed", ["２０１ １７ ０６", "２０１１７０６", "٢٠١ ١٧ ٠٦"])
def test_non_ascii_digits_give_an_ascii_code_or_raise(printed):
    try:
        got = parse_code(printed)
    except ValueError:
        return
    assert got == Code("2011706", 3, "20117")


# ── parse_code: properties ────────────────────────────────────────────────────────────


@st.composite
def codes(draw):
    """(class, section, item) parts of a valid code, level 1–3."""
    level = draw(st.integers(1, 3))
    parts = [draw(st.integers(100, 999))] + [draw(st.integers(1, 99)) for _ in range(level - 1)]
    return parts


def _digits(parts: list[int]) -> str:
    return str(parts[0]) + "".join(f"{p:02d}" for p in parts[1:])


@FAST
@given(codes(), st.sampled_from(["spaced", "glued", "unpadded"]), st.sampled_from([" ", "  ", "\u3000"]))
def test_valid_codes_round_trip(parts, form, sep):
    digits = _digits(parts)
    if form == "spaced":
        printed = sep.join([str(parts[0])] + [f"{p:02d}" for p in parts[1:]])
    elif form == "glued":
        printed = digits
    else:
        printed = sep.join(str(p) for p in parts)
    got = parse_code(printed)
    assert got.code == digits
    assert got.level == len(parts)
    assert got.parent == (None if len(parts) == 1 else _digits(parts[:-1]))
    # the parent parses to the level above
    if got.parent is not None:
        assert parse_code(got.parent) == Code(got.parent, got.level - 1,
                                              None if got.level == 2 else got.parent[:3])


@FAST
@given(codes())
def test_code_prefix_finds_the_printed_code(parts):
    printed = " ".join([str(parts[0])] + [f"{p:02d}" for p in parts[1:]])
    for shown in (printed, _digits(parts)):
        line = f"{shown} 一般行政管理事务 2,570,219 2,570,219"
        m = CODE_PREFIX.match(line)
        assert m is not None and m.group("code") == shown
        assert parse_code(m.group("code")).code == _digits(parts)


@pytest.mark.parametrize(("line", "code"), [
    pytest.param("201 17 06 质量技术监督行政执法及业务管理 318,520,588", "201 17 06", id="item"),
    pytest.param("301 2 津贴补贴 5", "301 2", id="unpadded"),
    pytest.param("2011706 行政运行 5", "2011706", id="glued"),
    pytest.param("201 一般公共服务支出 591,674,395", "201", id="class"),
    pytest.param("1,685,920,000 967,450,000 合计", None, id="total-row"),
    pytest.param("2018年部门收入预算总表", None, id="title"),
    pytest.param("201706 行政运行 5", None, id="six-digits"),
])
def test_code_prefix(line, code):
    m = CODE_PREFIX.match(line)
    assert (m.group("code") if m else None) == code


@pytest.mark.parametrize("text", [
    pytest.param("612.35¹", id="superscript"),
    pytest.param("①23", id="circled"),
    pytest.param("٣٤٥", id="arabic-indic"),
])
def test_digits_of_other_forms_are_not_numbers(text):
    with pytest.raises(ValueError):
        parse_amount(text)


def test_typographic_minus_is_negative():
    assert parse_amount("−1,234.50") == Decimal("-1234.50")
