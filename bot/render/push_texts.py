"""Texts of policy push (Simplified Chinese, Telegram HTML; all data escaped here)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from storage.models_push import Cadence, NoticeKind
from storage.push import Filters, Prefs, SubscriptionView
from storage.push_outbox import NoticeData

from . import dates
from .markup import esc, shorten

STEPS = ("cat", "lvl", "dist", "aud")
STEP_LABELS = {"cat": "政策分类", "lvl": "政策层级", "dist": "所在区", "aud": "适用对象"}
STEP_HINTS = {
    "cat": "选择您关心的政策分类(可多选)。",
    "lvl": "选择政策层级(可多选)。",
    "dist": "选择企业所在的区:区级政策只推送所选区的,市级及以上政策照常推送。",
    "aud": "选择适用对象:未注明对象的政策视为普遍适用,照常推送。",
}
CADENCE_LABELS = {
    Cadence.INSTANT: "即时推送",
    Cadence.DAILY: "每日摘要",
    Cadence.WEEKLY: "每周摘要",
}
WEEKDAYS = ("一", "二", "三", "四", "五", "六", "日")
QUIET_PRESETS: tuple[tuple[int, int], ...] = ((1320, 480), (1380, 420), (1260, 540), (0, 0))
MAX_BROADCAST_CHARS = 3500

SUBSCRIBE_INTRO = (
    "<b>订阅政策推送</b>\n请选择订阅方式:\n"
    "· <b>按主题订阅</b>:按政策分类、层级、所在区和适用对象筛选;\n"
    "· <b>符合我企业档案的政策</b>:根据您的企业档案精准推送。"
)
PROFILE_DRAFT = (
    "<b>符合我企业档案的政策</b>\n保存后,新政策与您的企业档案相符时推送给您。\n"
    "<i>企业档案用 /profile 填写、/check 自测后保存;没有档案或档案信息不足时,"
    "暂不会收到此类推送。</i>"
)
PROFILE_PENDING = "(按 /profile 中的企业档案匹配)"
NO_SUBSCRIPTIONS = (
    "您还没有订阅。发送 /subscribe 订阅感兴趣的政策,或在政策卡片下点“🔔 订阅此类政策”。"
)
CANCELLED = "已取消,订阅未保存。"
UNSUBSCRIBED = "已退订。"
UNSUBSCRIBED_ALL = "已全部退订({count} 个),不会再收到政策推送。"
CONFIRM_ALL = "确定要退订全部 {count} 个订阅吗?"
UNSUBSCRIBE_PICK = "请选择要退订的订阅:\n\n{items}"
UNSUBSCRIBE_BAD = "没有第 {number} 个订阅。发送 /subscriptions 查看您的订阅。"
PREFS_SAVED = "已更新推送设置"
BROADCAST_USAGE = "用法:<code>/broadcast 通知内容</code>\n发送前会显示预览,并可选择受众后确认。"
BROADCAST_TOO_LONG = f"通知内容过长,请控制在 {MAX_BROADCAST_CHARS} 字以内。"
BROADCAST_CANCELLED = "已取消广播。"
BROADCAST_QUEUED = "✅ 广播已加入发送队列:{count} 位用户(免打扰时段内的用户将顺延接收)。"
FOOTER = "<i>修改或退订:/subscriptions</i>"


def hhmm(minute: int) -> str:
    minute %= 24 * 60
    return f"{minute // 60:02d}:{minute % 60:02d}"


def describe(filters: Filters, entry_title: str | None = None) -> str:
    """One line for a subscription (escaped HTML)."""
    if filters.kind.value == "profile":
        return f"符合我企业档案的政策 <i>{PROFILE_PENDING}</i>"
    parts: list[str] = []
    for label, values in (
        ("分类", filters.categories),
        ("层级", tuple(f"{v}级" for v in filters.levels)),
        ("区", filters.districts),
        ("对象", filters.audiences),
    ):
        if values:
            parts.append(f"{label}:{esc('、'.join(values))}")
    if filters.entry_id:
        parts.append(f"关注:{esc(shorten(entry_title or filters.entry_id, 40))}")
    return ";".join(parts) or "全部政策"


def wizard_text(step: str, filters: Filters, entry_title: str | None) -> str:
    lines = [
        f"<b>按主题订阅</b> · 第 {STEPS.index(step) + 1}/{len(STEPS)} 步:{STEP_LABELS[step]}",
        STEP_HINTS[step],
        "",
        "当前选择:",
    ]
    for key, values in zip(
        STEPS,
        (filters.categories, filters.levels, filters.districts, filters.audiences),
        strict=True,
    ):
        lines.append(f"· {STEP_LABELS[key]}:{esc('、'.join(values)) or '不限'}")
    if filters.entry_id:
        lines.append(f"· 关注政策:{esc(shorten(entry_title or filters.entry_id, 60))}")
    lines += ["", "不选即为不限。选好后点“保存订阅”。"]
    return "\n".join(lines)


def cadence_text(prefs: Prefs) -> str:
    if prefs.cadence is Cadence.DAILY:
        return f"每日摘要(每天 {hhmm(prefs.deliver_minute)})"
    if prefs.cadence is Cadence.WEEKLY:
        return f"每周摘要(每周{WEEKDAYS[prefs.weekday % 7]} {hhmm(prefs.deliver_minute)})"
    return "即时推送"


def quiet_text(prefs: Prefs) -> str:
    if prefs.quiet_start % 1440 == prefs.quiet_end % 1440:
        return "已关闭"
    return f"{hhmm(prefs.quiet_start)}–{hhmm(prefs.quiet_end)}(期间不发送,顺延到结束后)"


def zone_label(timezone: str) -> str:
    return "北京时间" if timezone in ("Asia/Shanghai", "Asia/Chongqing", "PRC") else timezone


def saved_text(filters: Filters, entry_title: str | None, prefs: Prefs) -> str:
    return (
        f"✅ 已订阅:{describe(filters, entry_title)}\n"
        f"有新政策或政策更新时,按“{cadence_text(prefs)}”推送给您。\n"
        "可随时用 /subscriptions 修改,或 /unsubscribe 退订。"
    )


def list_text(
    subscriptions: Sequence[SubscriptionView], titles: dict[str, str], prefs: Prefs, tz: str
) -> str:
    if not subscriptions:
        return NO_SUBSCRIPTIONS
    lines = [f"<b>我的订阅</b>(共 {len(subscriptions)} 个)"]
    for number, sub in enumerate(subscriptions, 1):
        title = titles.get(sub.filters.entry_id or "")
        lines.append(f"{number}. {describe(sub.filters, title)}")
    lines += ["", f"推送方式:{cadence_text(prefs)}", f"免打扰:{quiet_text(prefs)}"]
    lines.append(f"<i>时间均为{esc(zone_label(tz))}。</i>")
    return "\n".join(lines)


def prefs_text(prefs: Prefs, tz: str) -> str:
    return "\n".join(
        [
            "<b>推送设置</b>",
            f"推送方式:{cadence_text(prefs)}",
            f"免打扰:{quiet_text(prefs)}",
            "",
            "即时推送:有新政策时立即通知;每日/每周摘要:汇总成一条消息按时发送。",
            f"<i>时间均为{esc(zone_label(tz))}。</i>",
        ]
    )


# ------------------------------------------------------------------ broadcast
def broadcast_text(text: str) -> str:
    return f"📢 <b>通知</b>\n\n{esc(text)}"


def broadcast_preview(text: str, audience: str, count: int) -> str:
    return (
        f"<b>广播预览</b>\n受众:{esc(audience)}(共 {count} 人)\n"
        "选择受众后点“确认发送”。\n——————\n" + broadcast_text(text)
    )


# ------------------------------------------------------------------ notices
_ICONS = {
    NoticeKind.NEW: "🆕",
    NoticeKind.CHANGED: "🔄",
    NoticeKind.DEADLINE: "⏰",
    NoticeKind.WITHDRAWN: "↩️",
}
_HEADINGS = {
    NoticeKind.NEW: "新政策",
    NoticeKind.CHANGED: "政策更新",
    NoticeKind.DEADLINE: "申报期限提醒",
    NoticeKind.WITHDRAWN: "政策已撤回",
}
WITHDRAWN_TEXT = (
    "此前推送给您的这条政策已从政策库撤回,请以政策库现有内容为准;如有疑问,可咨询企业服务专员。"
)


def _days_left(deadline: dt.date | None, today: dt.date) -> str:
    if deadline is None:
        return ""
    days = (deadline - today).days
    if days > 0:
        return f"距截止还有 <b>{days} 天</b>"
    return "<b>今天截止</b>" if days == 0 else "已截止"


def single_notice(notice: NoticeData, today: dt.date) -> str:
    if notice.kind is NoticeKind.BROADCAST:
        return broadcast_text(notice.summary or "")
    if notice.kind is NoticeKind.TEST:
        return "🔔 <b>测试推送</b>\n这是一条测试消息:推送通道工作正常。"
    lines = [
        f"{_ICONS[notice.kind]} <b>{_HEADINGS[notice.kind]}</b>",
        f"<b>{esc(notice.title or '')}</b>",
    ]
    if notice.kind is NoticeKind.WITHDRAWN:
        lines.append(WITHDRAWN_TEXT)
    if notice.kind is NoticeKind.DEADLINE:
        lines.append(f"申报期限:{esc(notice.deadline_text or '')}")
        lines.append(_days_left(notice.deadline, today))
    if notice.source:
        lines.append(f"出处:{esc(shorten(notice.source, 120))}")
    if notice.scope and notice.kind is not NoticeKind.WITHDRAWN:
        lines.append(f"适用:{esc(notice.scope)}")
    if notice.summary and notice.kind is not NoticeKind.DEADLINE:
        lines += ["", esc(notice.summary)]
    lines += ["", FOOTER]
    return "\n".join(lines)


def digest_notice(notices: Sequence[NoticeData], digest: Cadence | None, today: dt.date) -> str:
    if digest is Cadence.WEEKLY:
        heading = "📬 <b>每周政策摘要</b>"
    elif digest is Cadence.DAILY:
        heading = "📬 <b>每日政策摘要</b>"
    else:
        heading = "📬 <b>政策推送</b>"
    lines = [f"{heading} · {len(notices)} 条", ""]
    for number, notice in enumerate(notices, 1):
        line = f"{number}. {_ICONS.get(notice.kind, '·')} {esc(shorten(notice.title or '', 60))}"
        if notice.kind is NoticeKind.DEADLINE and notice.deadline is not None:
            line += f"(申报截止 {dates.day(notice.deadline)},{_days_left(notice.deadline, today)})"
        elif notice.kind is NoticeKind.CHANGED:
            line += "(更新)"
        elif notice.kind is NoticeKind.WITHDRAWN:
            line += "(已撤回)"
        lines.append(line)
    lines += ["", "点击下方按钮查看详情。", FOOTER]
    return "\n".join(lines)
