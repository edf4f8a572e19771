"""The statistics chart (PNG): questions per day, answered and not answered, last N days.

matplotlib's object API with the Agg canvas (no pyplot, no global figure state). Chinese
labels need a CJK font; when none is installed the labels are English, so that no glyph
is missing (matplotlib warns about every missing glyph)."""

from __future__ import annotations

import functools
import io
import logging

from knowledge.extras import require
from services.stats import StatsReport

log = logging.getLogger(__name__)

CJK_FONTS = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "AR PL UMing CN",
    "Droid Sans Fallback",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
    "Heiti SC",
)
LABELS = {
    True: {
        "title": "近{days}天提问量(共 {asked} 个,回答率 {rate})",
        "answered": "已回答",
        "unanswered": "未回答",
        "y": "提问数",
        "none": "无",
    },
    False: {
        "title": "Questions, last {days} days ({asked} total, {rate} answered)",
        "answered": "answered",
        "unanswered": "not answered",
        "y": "questions",
        "none": "n/a",
    },
}


@functools.cache
def cjk_font() -> tuple[str, int | str] | None:
    """(name, weight) of an installed font with Chinese glyphs, or None."""
    from matplotlib import font_manager

    installed = {font.name: font.weight for font in font_manager.fontManager.ttflist}
    found = next(((name, installed[name]) for name in CJK_FONTS if name in installed), None)
    if found is None:
        log.info("no CJK font found: the statistics chart uses English labels")
    return found


def chart_png(report: StatsReport, *, cjk: bool = True) -> bytes:
    """The chart as PNG bytes; ``cjk=False`` forces the English fallback. MissingExtra
    without matplotlib (the optional extra [chart])."""
    require("chart")
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties
    from matplotlib.ticker import MaxNLocator

    family, weight = (cjk_font() if cjk else None) or ("DejaVu Sans", "normal")
    text = LABELS[family != "DejaVu Sans"]
    props = FontProperties(family=family, weight=weight, size=10)
    title_props = FontProperties(family=family, weight=weight, size=12)

    days = [d.day for d in report.per_day]
    answered = [d.answered for d in report.per_day]
    unanswered = [d.asked - d.answered for d in report.per_day]
    positions = list(range(len(days)))
    figure = Figure(figsize=(8, 4.2), dpi=110, layout="constrained")
    axes = figure.add_subplot()
    axes.bar(positions, answered, color="#2e7d32", label=text["answered"], width=0.8)
    axes.bar(
        positions, unanswered, bottom=answered, color="#bdbdbd", label=text["unanswered"],
        width=0.8,
    )  # fmt: skip
    step = max(1, len(days) // 8)
    ticks = positions[::step]
    axes.set_xticks(ticks, [f"{days[i]:%m-%d}" for i in ticks], fontproperties=props)
    axes.tick_params(axis="y", labelsize=9)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_ylabel(text["y"], fontproperties=props)
    rate = report.answered_rate
    axes.set_title(
        text["title"].format(
            days=report.days,
            asked=report.asked,
            rate=f"{rate:.0%}" if rate is not None else text["none"],
        ),
        fontproperties=title_props,
    )
    axes.spines[["top", "right"]].set_visible(False)
    axes.legend(prop=props, frameon=False, loc="best")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
