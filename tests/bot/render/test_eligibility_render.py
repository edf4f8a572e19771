"""资格自测 and profile rendering: callback data (≤ 64 bytes, anchored patterns), keyboards,
escaped texts, the result card and 政策体检."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from telegram import InlineKeyboardMarkup

from bot.render import eligibility as kb
from bot.render import eligibility_texts as tx
from bot.render import profile as ptx
from bot.render.markup import tg_len
from knowledge.rules import FieldType, evaluate
from knowledge.rules.model import Choice, Field, Group, Leaf, Op, Period, Rule
from services.eligibility import bundled_rules, match_profile, rule_ref

PATTERNS = [
    kb.ELIG_START_RE,
    kb.ELIG_ANSWER_RE,
    kb.ELIG_SKIP_RE,
    kb.ELIG_BACK_RE,
    kb.ELIG_SAVE_RE,
    kb.ELIG_FIXED_RE,
    kb.PROF_FIXED_RE,
    kb.PROF_FIELD_RE,
    kb.PROF_ANSWER_RE,
    kb.PROF_UNSET_RE,
    kb.PROF_CANCEL_RE,
    kb.PROF_FORGET_OK_RE,
    kb.PROF_FORGET_NO_RE,
    re.compile(r"^card:show:[^\s]{1,60}$"),
]


def all_data(markup: InlineKeyboardMarkup) -> list[str]:
    return [str(b.callback_data) for row in markup.inline_keyboard for b in row if b.callback_data]


def texts(markup: InlineKeyboardMarkup) -> list[str]:
    return [b.text for row in markup.inline_keyboard for b in row]


def routed(data: str) -> bool:
    return len(data.encode()) <= 64 and sum(bool(p.match(data)) for p in PATTERNS) == 1


def test_every_button_of_every_rule_is_short_and_routed() -> None:
    rules = bundled_rules()
    markups = [kb.rules_keyboard([(rule_ref(r.id), r.title) for r in rules.rules], resume="x")]
    for rule in rules.rules:
        entries = [(e, "标题") for e in rule.entries]
        markups.append(kb.result_keyboard(rule_ref(rule.id), entries, can_save=True))
        for field in rule.fields:
            markups.append(kb.question_keyboard(field, first=False))
            markups.append(kb.edit_keyboard(field, filled=True))
    markups += [
        kb.edit_keyboard(None, filled=True),
        kb.fields_keyboard([(f.id, "x", True) for f in rules.fields]),
        kb.profile_keyboard(has_profile=True),
        kb.profile_keyboard(has_profile=False),
        kb.confirm_delete_keyboard(),
        kb.confirm_forget_keyboard(),
        kb.paused_keyboard(),
        kb.match_keyboard([(rule_ref(r.id), r.title) for r in rules.rules]),
    ]
    for markup in markups:
        for data in all_data(markup):
            assert routed(data), data


def test_forged_data_does_not_match() -> None:
    for data in (
        "elig:ans:District:1",
        "elig:ans:district:123",
        "elig:start:../etc",
        "elig:back:a",
        "prof:field:x y",
        "prof:forget:ok:1",
        "elig:save:",
        "elig:cancel:1",
    ):
        assert not any(p.match(data) for p in PATTERNS[:-1]), data


def test_question_keyboards() -> None:
    yes_no = Field("is_sme", "是否?", FieldType.YES_NO)
    first = kb.question_keyboard(yes_no, first=True)
    assert texts(first) == ["是", "否", "不清楚", "✖ 取消"]
    assert all_data(first)[:3] == ["elig:ans:is_sme:0", "elig:ans:is_sme:1", "elig:skip:is_sme"]
    number = Field("employees", "多少人?", FieldType.NUMBER)
    assert texts(kb.question_keyboard(number, first=False)) == ["« 上一步", "跳过 ›", "✖ 取消"]
    choice = Field("c", "?", FieldType.CHOICE, choices=tuple(Choice(v, v) for v in "甲乙丙丁"))
    rows = kb.question_keyboard(choice, first=False).inline_keyboard
    assert [len(r) for r in rows] == [3, 1, 1, 2]  # 3 per row, 不清楚, nav
    assert texts(kb.edit_keyboard(choice, filled=False)) == ["甲", "乙", "丙", "丁", "✖ 取消"]


def hostile_rule() -> Rule:
    field = Field("employees", "<b>人数</b>?", FieldType.NUMBER, help="<i>提示</i>")
    flag = Field("flag", "是否?", FieldType.YES_NO)
    return Rule(
        id="hostile",
        title="<script>标题</script>",
        fields=(field, flag),
        conditions=Group(
            "all_of",
            (
                Leaf("employees", Op.LE, Decimal(500), "人数<=500", "《办法》&第六条"),
                Leaf("flag", Op.IS_TRUE, None, "标志", "出处", confirm=True),
            ),
        ),
        next_steps="<a>咨询</a>",
    )


def test_texts_are_escaped() -> None:
    rule = hostile_rule()
    question = tx.question(rule.title, rule.fields[0], number=2, error="<错误>")
    assert "&lt;script&gt;" in question and "&lt;b&gt;人数&lt;/b&gt;" in question
    assert "⚠️ &lt;错误&gt;" in question and "第 2 题" in question
    verdict = evaluate(rule, {"employees": 80, "flag": True}, today=dt.date(2026, 1, 1))
    [card] = tx.result(verdict)
    assert card.startswith("❗ <b>需向主管部门确认:《&lt;script&gt;标题&lt;/script&gt;》</b>")
    assert "✓ 人数&lt;=500(您的情况:80)" in card
    assert "<i>依据:《办法》&amp;第六条</i>" in card
    assert "✓ (标准待确认) 标志(您的情况:是)" in card and "则符合条件" in card
    assert "&lt;a&gt;咨询&lt;/a&gt;" in card
    prompt = ptx.edit_prompt(rule.fields[0], "<旧>", error="<x>")
    assert "当前:&lt;旧&gt;" in prompt and "&lt;i&gt;提示&lt;/i&gt;" in prompt
    assert ptx.updated("<名>", None) == "已清除:&lt;名&gt;"


def test_result_headlines() -> None:
    rule = bundled_rules().rule("individual-to-enterprise")
    assert rule is not None
    facts = {"district": "江汉区", "converted_from_individual": True, "is_four_above": True}
    [ok] = tx.result(evaluate(rule, facts, today=dt.date(2023, 6, 1)))
    assert ok.startswith("✅ <b>你可能符合:")
    parts = tx.result(evaluate(rule, facts, today=dt.date(2024, 6, 1)))
    assert "现行政策可能已调整" in parts[0]  # past review_after: the validity warning
    no = tx.result(evaluate(rule, {**facts, "is_four_above": False}, today=dt.date(2023, 6, 1)))
    assert no[0].startswith("❌ <b>暂不符合:") and "只差一项" in no[0]
    [open_] = tx.result(evaluate(rule, {"district": "江汉区"}, today=dt.date(2023, 6, 1)))
    assert open_.startswith("❓ <b>还需补充信息:") and "? 由个体工商户直接转为企业" in open_


def test_match_text_and_profile_text() -> None:
    rules = bundled_rules()
    report = match_profile(rules, {"district": "江汉区"}, today=dt.date(2023, 6, 1))
    parts = ptx.match_text(report)
    assert all(tg_len(p) <= 4096 for p in parts)
    joined = "\n".join(parts)
    assert f"比对了 {len(rules.rules)} 项政策" in joined and "还需了解 " in joined
    facts = rules.known_facts({"district": "江汉区", "employees": "80", "unknown": 1})
    shown = ptx.profile_text("<甲>", facts, dt.datetime(2026, 1, 1, tzinfo=dt.UTC), dt.UTC)
    assert "企业名称:&lt;甲&gt;" in shown and "所在区:江汉区" in shown and "职工总数:80人" in shown
    assert "更新于 2026-01-01 00:00" in shown
    assert all(tx.field_label(f) for f in rules.fields)
    assert all(f.id in tx.FIELD_LABELS for f in rules.fields)  # every field has a short name


def test_result_card_names_the_version_and_says_when_nothing_applies() -> None:
    rules = bundled_rules()
    rule = rules.rule("specialized-sme")
    assert rule is not None
    facts = {"is_sme": True, "niche_years": Decimal(3)}
    [old] = tx.result(evaluate(rule, facts, today=dt.date(2023, 6, 30)))
    assert "<b>依据版本</b>\n判断日期:2023-06-30" in old
    assert (
        "按《优质中小企业梯度培育管理暂行办法》(工信部企业〔2022〕63号)判断;本项目未能核对" in old
    )
    assert "✓ 从事特定细分市场时间达到2年以上(您的情况:3年)" in old
    [new] = tx.result(evaluate(rule, facts, today=dt.date(2026, 3, 1)))
    assert "✓ (标准待确认) 从事特定细分市场时间达到2年以上(您的情况:3年)" in new
    assert "本项目尚未收录新标准,结果仅供参考" in new
    flag = Field("flag", "标志?", FieldType.YES_NO)
    later = Leaf("flag", Op.IS_TRUE, None, "标志", "测试出处", period=Period(dt.date(2030, 1, 1)))
    dated = Rule(id="later", title="以后才有的规则", fields=(flag,), conditions=later)
    [card] = tx.result(evaluate(dated, {"flag": True}, today=dt.date(2026, 1, 1)))
    assert card.startswith("❓ <b>暂无适用的条件:《以后才有的规则》</b>")
    assert "截至 2026-01-01,本项目没有收录适用的条件,无法判断。" in card


def test_an_error_without_a_full_stop_is_a_sentence_before_the_cancel_hint() -> None:
    rule = hostile_rule()
    hint = tx.question(rule.title, rule.fields[0], number=1, error="请输入年数,例如 2年 或 3年半")
    assert "⚠️ 请输入年数,例如 2年 或 3年半。发送 /cancel 可退出自测。" in hint
    ended = tx.question(rule.title, rule.fields[0], number=1, error="请回答“是”或“否”。")
    assert "⚠️ 请回答“是”或“否”。发送 /cancel" in ended  # no second full stop
