"""Stock phrases printed short of one character (validate/phrases.py, domain/phrases.toml).

Table-driven sentences that fire and that do not, side by side; properties of the search
over the listed phrases (hypothesis); the real documents: the Wanli budgets' `推动辖区健、
有序、可持续发展` is found, and nothing else on any real PDF or seed (the whole pipeline's
findings, so the rule is wired in and listed in the catalogue). The rule speaks only where
a joiner (、) is printed at the place of the missing character, an enumerated item cut
short: inside running text a phrase less a character is not told from an abbreviation or
other words (制度不完善, 狠抓落实, 资本支出 …) without knowing the whole language.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import yusuan
from conftest import REAL, SAMPLES, real_pdf
from yusuan.domain import RULES
from yusuan.schemas.intermediate import Page
from yusuan.validate.phrases import build, dictionary, find, short_forms
from yusuan.validate.wording import check_wording

D = dictionary()


def _found(text: str) -> list[tuple[str, str]]:
    """(phrase, printed) for every place of `text` that prints a phrase short of a character."""
    return [(phrase, text[start:end]) for phrase, _, start, end in find(text, D)]


# (sentence, (phrase, printed) or None when nothing may fire)
CASES = [
    pytest.param("参与辖区公共服务设施建设规划，推动辖区健、有序、可持续发展。", ("健康有序", "健、有序"),
                 id="wanli-健康-printed-健"),
    pytest.param("参与辖区公共服务设施建设规划，推动辖区健康、有序、可持续发展。", None, id="wanli-as-it-should-read"),
    pytest.param("加强统、协调，形成工作合力。", ("统筹协调", "统、协调"), id="统筹协调-less-筹-before-the-mark"),
    pytest.param("做到公开、明。", ("公开透明", "公开、明"), id="公开透明-less-透-after-the-mark"),
    pytest.param("财务管理规范、序。", ("规范有序", "规范、序"), id="规范有序-less-有-after-the-mark"),
    pytest.param("坚持有、推进。", [("有序推进", "有、推进"), ("有效推进", "有、推进")], id="two-phrases-as-long"),
    # No joiner where the character is missing: running text, never a finding (the
    # reviewer's ordinary sentences: a phrase less a character is often another word).
    pytest.param("推动辖区健有序发展。", None, id="no-joiner"),
    pytest.param("认真贯落实区委区政府的决策部署。", None, id="贯落实-running-text"),
    pytest.param("部分单位内控制度不完善。", None, id="不完善-is-not-不断完善-cut"),
    pytest.param("坚持狠抓落实，确保各项任务落地。", None, id="狠抓落实-is-not-抓好落实-cut"),
    pytest.param("资本支出主要用于办公设备购置。", None, id="资本支出-is-not-资本性支出-cut"),
    pytest.param("积极为辖区企业排忧解难。", None, id="积极为-is-not-积极作为-cut"),
    pytest.param("2025年目标任务全部完成，项目目标明确。", None, id="年目标-is-not-年度目标-cut"),
    pytest.param("人员经费包括基本工资、津补贴、奖金。", None, id="津补贴-a-word-beside-marks"),
    # A known word across an end: 贯彻 + 实施, 社会 + 管理, 法官.
    pytest.param("对大政方针的贯彻实施情况进行监督。", None, id="贯彻实施-is-not-贯彻落实-cut"),
    pytest.param("负责人口管理、社会管理等综合性工作。", None, id="社会管理-is-not-行业管理-cut"),
    pytest.param("按照权限管理法官及其他工作人员。", None, id="管理法官-is-not-管理办法-cut"),
    pytest.param("维护社会大局稳定、促进社会公平正义。", None, id="公平正义"),
    pytest.param("（二）公务车购置及运行费21.56万元。", None, id="公务车"),
    # An optional function word left out: an abbreviation.
    pytest.param("反映本年度的总收支和年末结转结余情况。", None, id="结转结余-without-和"),
    pytest.param("基本支出中商品服务支出及办公设备购置费。", None, id="商品服务支出-without-和"),
    # The first or last character left out says nothing.
    pytest.param("稳步推动各项改革。", None, id="last-character"),
    pytest.param("质增效取得实效。", None, id="first-character"),
]


@pytest.mark.parametrize("text, expected", CASES)
def test_dropped_character(text, expected):
    assert sorted(_found(text)) == sorted(expected if isinstance(expected, list) else [expected] if expected else [])


def test_the_finding_names_the_phrase_and_what_is_printed():
    pages = [Page(number=3, lines=("参与辖区公共服务设施建设规划，推动辖区健、有序、可持续发展。",))]
    found = [i for i in check_wording(pages, 2023, "部门") if i.rule == "dropped_character"]
    assert [(i.page, i.severity) for i in found] == [(3, "warning")]
    assert found[0].message == ("page 3: '…共服务设施建设规划，推动辖区健、有序、可持续发展。': '健、有序' reads as the "
                                "phrase '健康有序' with '康' left out")
    assert "dropped_character" in RULES
    two = check_wording([Page(number=1, lines=("坚持有、推进。",))], 2023, "部门")
    assert [i.message for i in two] == ["page 1: '坚持有、推进。': '有、推进' reads as the phrase '有序推进' with '序' "
                                        "left out, or '有效推进' with '效'"]


def test_the_dictionary_is_broad_and_well_formed():
    """A few hundred phrases of four characters or more; no phrase is a short form of
    another (it would fire on itself)."""
    assert len(D.phrases) >= 300 and min(map(len, D.phrases)) >= 4
    assert not set(D.phrases) & set(D.short)
    assert {"健康有序", "贯彻落实", "统筹推进", "提质增效", "稳步推进"} <= set(D.phrases)


def test_a_short_form_inside_another_phrase_never_fires():
    d = build(["健康有序", "健有序发展"], [])
    assert "健有序" not in d.short and find("推动辖区健、有序可持续", d) == []


def test_a_short_form_that_is_a_listed_word_never_fires():
    d = build(["健康有序"], ["健有序"])
    assert find("推动辖区健、有序可持续", d) == []
    assert find("推动辖区健、有序可持续", build(["健康有序"], [])) != []


_PHRASES = st.sampled_from(D.phrases)


@settings(max_examples=300, deadline=None)
@given(st.lists(_PHRASES, min_size=1, max_size=6), st.sampled_from(["，", "。", "；", "、"]))
def test_whole_phrases_never_fire(phrases, mark):
    """Listed phrases printed whole, one after another, give no finding."""
    assert find(mark.join(phrases) + "。", D) == []


def _gap_covered(form: str, gap: int) -> bool:
    """Whether a known word of the dictionary is printed across position `gap` of `form`."""
    return any(form[s:s + n] in D.words for n in range(2, len(form) + 1) for s in range(max(0, gap - n + 1), gap)
               if s + n <= len(form))


def _marked(form: str, gap: int) -> str:
    """A short form with the joiner printed where its character is missing."""
    return f"{form[:gap]}、{form[gap:]}"


@settings(max_examples=300, deadline=None)
@given(_PHRASES, st.data())
def test_a_short_form_fires_with_a_joiner_at_its_gap_unless_a_word_covers_it(phrase, data):
    """A phrase less an inner character, alone between two full stops, is found with its
    phrase exactly when a joiner is printed where the character is missing, the form is
    kept (not part of another phrase, no optional character) and no known word is printed
    across that place; without the joiner it is never found."""
    forms = short_forms(phrase, "和与及的之等并或")
    if not forms:
        return
    form, i = data.draw(st.sampled_from(forms))
    hits = {(p, k) for p, k, _, _ in find(f"。{_marked(form, i)}。", D)}
    assert ((phrase, i) in hits) == (form in D.short and not _gap_covered(form, i))
    assert (phrase, i) not in {(p, k) for p, k, _, _ in find(f"。{form}。", D)}


def test_most_short_forms_fire_with_a_joiner_at_their_gap():
    """The guards keep most of the dictionary at work: of every phrase less one inner
    character, alone between two full stops with a joiner where it is missing, at least
    nine in ten are found."""
    pairs = [(p, form, i) for p in D.phrases for form, i in short_forms(p, "和与及的之等并或")]
    found = sum(any(q == p and k == i for q, k, _, _ in find(f"。{_marked(form, i)}。", D)) for p, form, i in pairs)
    assert found >= 0.9 * len(pairs)


@settings(max_examples=200, deadline=None)
@given(_PHRASES, st.data())
def test_other_joiners_are_read_through(phrase, data):
    """A second joiner printed elsewhere inside a short form (joiner at its gap) finds what
    the form finds with the one joiner."""
    forms = short_forms(phrase, "和与及的之等并或")
    if not forms:
        return
    form, i = data.draw(st.sampled_from(forms))
    cut = data.draw(st.integers(1, len(form) - 1).filter(lambda c: c != i))
    one = {p for p, *_ in find(f"。{_marked(form, i)}。", D)}
    marks = sorted({i, cut})
    two = f"{form[:marks[0]]}、{form[marks[0]:marks[1]]}、{form[marks[1]:]}"
    assert {p for p, *_ in find(f"。{two}。", D)} == one


# ── Real documents ─────────────────────────────────────────────────────────────────────

FOUND = {
    "budget-2023-dept-wanli-subdistrict": [(3, "健、有序", "健康有序")],
    "budget-2024-dept-wanli-subdistrict": [(3, "健、有序", "健康有序")],
}
"""Every dropped_character finding on the real PDFs and seeds (page, printed, phrase): the
Wanli budgets' `推动辖区健、有序、可持续发展` (健康 printed 健). No other document has one."""


def _documents() -> list:
    pdfs = sorted(p.stem for p in REAL.glob("*.pdf")) if REAL.exists() else []
    return [*pdfs, *sorted(p.stem for p in SAMPLES.glob("*.txt"))]


@pytest.mark.parametrize("stem", _documents())
def test_real_documents_dropped_characters(stem):
    path = SAMPLES / f"{stem}.txt" if (SAMPLES / f"{stem}.txt").exists() else real_pdf(f"{stem}.pdf")
    result = yusuan.extract_document(path)
    found = [(f.page, f.message) for f in result.records["findings"] if f.rule == "dropped_character"]
    expected = FOUND.get(stem, [])
    assert len(found) == len(expected), found
    for (page, message), (want_page, printed, phrase) in zip(found, expected):
        assert page == want_page and f"{printed!r} reads as the phrase {phrase!r}" in message
