"""Texts of the enterprise profile (/profile), 政策体检 (/match) and /forget (HTML)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from knowledge.rules import Field, Validity, Verdict
from knowledge.rules.model import FactValue
from services.eligibility import MatchReport

from .eligibility_texts import DISCLAIMER, answer_hint, fact_text, field_label
from .markup import esc, pack_blocks

MAX_MISSING_NAMED = 4

EMPTY = (
    "<b>📋 企业档案</b>\n您还没有企业档案。\n\n"
    "档案记录企业的基本情况(所在区、行业、营业收入、职工人数、研发投入、已获资质等),"
    "资格自测时不必重复回答,/match 可以按档案一次比对全部政策。"
    "做完 /check 后也可以把回答保存到档案。"
)
CHOOSE_FIELD = "<b>✏️ 修改企业档案</b>\n请选择要填写或修改的项目(✓ 为已填写):"
EDIT_CANCELLED = "已取消修改。"
DELETE_CONFIRM = "确定要删除企业档案吗?删除后资格自测需要重新回答。"
DELETED = "企业档案已删除。"
MATCH_EMPTY = (
    "<b>🩺 政策体检</b>\n您的企业档案还是空的,无法比对。\n"
    "请先用 /profile 填写档案,或用 /check 做一次资格自测并保存回答。"
)
FORGET_CONFIRM = (
    "<b>⚠️ 删除我的全部数据</b>\n将删除本助手保存的与您有关的全部信息:企业档案、资格自测记录、"
    "反馈记录、会话状态和用户记录;您提过的问题只保留文字用于统计,不再与您关联。\n"
    "此操作不可恢复,确定吗?"
)
FORGET_DONE = "✅ 已删除您的全部数据。如需再次使用,发送 /start 即可。"
FORGET_KEPT = "已取消,您的数据未被删除。"
NAME_QUESTION = "贵企业的名称是什么?"
NAME_TOO_LONG = "企业名称太长了,请控制在 100 个字以内。"


def profile_text(
    name: str | None,
    facts: Sequence[tuple[Field, FactValue]],
    updated_at: dt.datetime,
    tz: dt.tzinfo,
) -> str:
    lines = ["<b>📋 企业档案</b>"]
    lines.append(f"企业名称:{esc(name)}" if name else "企业名称:(未填写)")
    lines += [f"{esc(field_label(f))}:{esc(fact_text(f, v))}" for f, v in facts]
    if not facts:
        lines.append("(还没有填写企业情况)")
    lines += [
        "",
        f"<i>更新于 {updated_at.astimezone(tz):%Y-%m-%d %H:%M}。档案仅您本人可见,"
        "用于资格自测和政策体检;/forget 可删除全部数据。</i>",
    ]
    return "\n".join(lines)


def edit_prompt(field: Field | None, current: str | None, *, error: str | None = None) -> str:
    """Ask for one fact (None: the enterprise name)."""
    lines = [f"⚠️ {esc(error)}", ""] if error else []
    label = field_label(field) if field is not None else "企业名称"
    lines.append(f"<b>✏️ 修改:{esc(label)}</b>")
    if current is not None:
        lines.append(f"当前:{esc(current)}")
    if field is None:
        lines += [NAME_QUESTION, "请直接输入企业名称。"]
    else:
        lines.append(esc(field.question))
        if field.help:
            lines.append(f"<i>{esc(field.help)}</i>")
        lines.append(answer_hint(field))
    return "\n".join(lines)


def updated(label: str, value: str | None) -> str:
    if value is None:
        return f"已清除:{esc(label)}"
    return f"已更新:{esc(label)} = {esc(value)}"


def _validity_note(verdict: Verdict) -> str:
    return {
        Validity.EXPIRED: "(已过有效期)",
        Validity.NOT_YET_VALID: "(尚未生效)",
        Validity.REVIEW: "(需确认是否延续)",
    }.get(verdict.validity, "")


def _title(verdict: Verdict) -> str:
    return f"《{esc(verdict.rule.title)}》{_validity_note(verdict)}"


def _missing(verdict: Verdict) -> str:
    names = [field_label(f) for f in verdict.missing[:MAX_MISSING_NAMED]]
    more = "等" if len(verdict.missing) > MAX_MISSING_NAMED else ""
    return "、".join(esc(n) for n in names) + more


def match_text(report: MatchReport) -> list[str]:
    """政策体检 as HTML messages: eligible, one short, to confirm, facts to add."""
    blocks = [f"<b>🩺 政策体检</b>\n依据您的企业档案,比对了 {report.total} 项政策:"]
    if report.eligible:
        lines = [f"<b>✅ 可能符合({len(report.eligible)})</b>"]
        lines += [f"· {_title(v)}" for v in report.eligible]
        blocks.append("\n".join(lines))
    if report.nearly:
        lines = [f"<b>🔸 只差一项({len(report.nearly)})</b>"]
        lines += [f"· {_title(v)}:差“{esc(v.blocking[0].text)}”" for v in report.nearly]
        blocks.append("\n".join(lines))
    if report.to_confirm:
        lines = [f"<b>❗ 需向主管部门确认({len(report.to_confirm)})</b>"]
        lines += [f"· {_title(v)}:{esc(v.to_confirm[0].text)}" for v in report.to_confirm]
        blocks.append("\n".join(lines))
    if report.undetermined:
        lines = [f"<b>❓ 还需补充信息({len(report.undetermined)})</b>"]
        lines += [f"· {_title(v)}:还需了解 {_missing(v)}" for v in report.undetermined]
        blocks.append("\n".join(lines))
    if report.not_eligible:
        blocks.append(f"暂不符合:{len(report.not_eligible)} 项。")
    if not (report.eligible or report.nearly or report.to_confirm or report.undetermined):
        blocks.append("按目前的档案,暂未发现符合条件的政策。")
    blocks.append("可点下方按钮对单项政策做资格自测(已填写的情况不会重复询问)。\n" + DISCLAIMER)
    return pack_blocks(blocks)
