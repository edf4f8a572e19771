"""/stats and /ebook texts for admins."""

from __future__ import annotations

from knowledge.extras import MissingExtra
from services.stats import StatsReport

from .markup import esc, shorten

EBOOK_USAGE = "用法:/ebook [html|epub|md],默认 html(手机可直接打开)。"
EBOOK_EMPTY = "目前没有在有效期内的政策,无法生成汇编。"
EBOOK_WITHOUT_EXTRAS = "HTML 和 Markdown 格式无需安装:/ebook html 或 /ebook md。"


def missing_extra(exc: MissingExtra) -> str:
    """The admin's reply when the server lacks an optional library (the message names
    the install command)."""
    return f"⚠️ {esc(exc)}\n请在运行机器人的服务器上安装后重启机器人。"


def percent(value: float | None) -> str:
    return f"{value:.0%}" if value is not None else "—"


def stats_text(report: StatsReport) -> str:
    lines = [
        f"<b>📊 使用统计</b>(近 {report.days} 天:{report.start:%m-%d} 至 {report.end:%m-%d})",
        f"提问 {report.asked} 个,已回答 {report.answered} 个"
        f"(回答率 {percent(report.answered_rate)})",
        f"反馈:有帮助 {report.helpful} · 没帮助 {report.unhelpful}"
        f"(好评率 {percent(report.helpful_rate)})",
    ]
    busiest = max(report.per_day, key=lambda d: d.asked, default=None)
    if busiest is not None and busiest.asked:
        lines.append(
            f"日均 {report.asked / report.days:.1f} 个;最多 {busiest.day:%m-%d} {busiest.asked} 个"
        )
    if report.topics:
        topics = " · ".join(f"{esc(name)} {count}" for name, count in report.topics)
        lines += ["", f"<b>热门主题</b>:{topics}"]
    if report.unanswered:
        lines += ["", "<b>未答高频问题</b>"]
        lines += [
            f"{n}. 「{esc(shorten(g.example, 40))}」 ×{g.count}"
            for n, g in enumerate(report.unanswered, 1)
        ]
    if report.outside:
        subjects = " · ".join(f"{esc(name)} {count}" for name, count in report.outside)
        lines += ["", f"<b>未收录的主题</b>(文件里没有讲到,已直接告知):{subjects}"]
    extras = report.extras
    push = []
    if extras.subscribers is not None:
        push.append(f"订阅用户 {extras.subscribers}")
    if extras.pushes_sent is not None:
        push.append(f"近 {report.days} 天推送送达 {extras.pushes_sent} 条")
    if push:
        lines += ["", "<b>政策推送</b>:" + " · ".join(push)]
    if extras.tickets_by_status is not None:
        tickets = " · ".join(
            f"{esc(status)} {count}" for status, count in sorted(extras.tickets_by_status.items())
        )
        lines += ["", f"<b>服务工单</b>:{tickets or '暂无'}"]
    return "\n".join(lines)


def chart_caption(report: StatsReport) -> str:
    return f"近 {report.days} 天每日提问量(绿色为已回答)"


def ebook_caption(total: int, date_label: str) -> str:
    return f"📚 惠企政策汇编:共 {total} 条现行政策,导出于 {esc(date_label)}。"
