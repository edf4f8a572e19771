"""Uploads of policy documents by admins: the preview, its buttons, the typed-edit prompts,
and the admin texts (refusals, help). Callback data ``kbu:<action>:<upload id>[:<arg>]``."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from telegram import ForceReply, InlineKeyboardButton, InlineKeyboardMarkup

from services.kbops import Change, Measure, Preview
from storage.kb import ImportReport

from .callbacks import checked
from .markup import esc, shorten

Button = InlineKeyboardButton

# ------------------------------------------------------------------ callback data
UPLOAD_RE = re.compile(r"^kbu:(pub|lvl|back|no):(\d{1,9})$")
UPLOAD_LEVEL_RE = re.compile(r"^kbu:set:(\d{1,9}):([npcd])$")
UPLOAD_ASK_RE = re.compile(r"^kbu:ask:(\d{1,9}):(reg|eff|exp|cat)$")
LEVEL_CODES = {"n": "国家", "p": "省", "c": "市", "d": "区"}
# typed fields: callback code -> (edit name, label, example)
FIELDS: dict[str, tuple[str, str, str]] = {
    "reg": ("region", "地区", "洪山"),
    "eff": ("effective_date", "生效日期", "2024-01-01"),
    "exp": ("expiry_date", "失效日期", "2025-12-31"),
    "cat": ("categories", "分类", "融资服务、创新发展"),
}
_LABEL_TO_CODE = {label: code for code, (_, label, _) in FIELDS.items()}
PROMPT_RE = re.compile(r"上传 #(\d{1,9}) 的(地区|生效日期|失效日期|分类)")

UPLOAD_REFUSED = (
    "抱歉,上传政策文件仅限管理员。我目前只能理解文字问题,"
    "请用一句话描述您想了解的政策,例如:个体户转成公司有奖励吗"
)
UPLOAD_GONE = "该上传已发布、已取消或已过期,请重新上传文件。"
PUBLISHED = "已发布"
PUBLISH_FAILED = "发布失败,知识库未改动"
LIST_LIMIT = 12
KEEP = "未设置(保留原有分类)"


def upload_action(action: str, upload_id: int, arg: str | None = None) -> str:
    return checked(f"kbu:{action}:{upload_id}" + (f":{arg}" if arg else ""))


def prompt_field(text: str | None) -> tuple[int, str] | None:
    """(upload id, field code) of a typed-edit prompt the admin replied to."""
    match = PROMPT_RE.search(text or "")
    return (int(match.group(1)), _LABEL_TO_CODE[match.group(2)]) if match else None


# ------------------------------------------------------------------ preview


def _changes(label: str, mark: str, changes: Sequence[Change]) -> list[str]:
    if not changes:
        return []
    lines = [f"<b>{label} {len(changes)} 条</b>"]
    lines += [f"{mark} {esc(shorten(c.title, 40))}" for c in changes[:LIST_LIMIT]]
    if len(changes) > LIST_LIMIT:
        lines.append(f"…等共 {len(changes)} 条")
    return lines


def _measures(measures: Sequence[Measure]) -> list[str]:
    """The measures read from the document with the 一策一表 fields found for each."""
    if not measures:
        return []
    lines = ["", f"<b>识别出 {len(measures)} 项措施</b>(括号内为原文给出的申报要素)"]
    for measure in measures[:LIST_LIMIT]:
        fields = f"({esc('、'.join(measure.fields))})" if measure.fields else ""
        lines.append(f"· {esc(shorten(measure.title, 40))}{fields}")
    if len(measures) > LIST_LIMIT:
        lines.append(f"…等共 {len(measures)} 项")
    return lines


EXPIRED_UPLOAD = "该文件已过失效日期:发布后仍可查到(标注已失效),但不会作为新政策推送给订阅用户。"


def _date(value: dt.date | None) -> str:
    return value.isoformat() if value else "未设置"


def preview_text(preview: Preview, *, today: dt.date | None = None) -> str:
    """The upload preview; with ``today``, a document already past its 失效日期 is
    flagged (it is kept and answered as expired, but never pushed as news)."""
    lines = [f"<b>📄 上传预览 #{preview.upload_id}</b>  {esc(shorten(preview.file_name, 60))}"]
    if preview.is_document:
        lines += [
            f"标题:{esc(shorten(preview.title or '', 120))}",
            f"发文机关:{esc(preview.issuer or '未识别')}",
            f"发文日期:{_date(preview.publish_date)}"
            + (f" · 文号:{esc(preview.doc_number)}" if preview.doc_number else ""),
            f"层级:{esc(preview.level + '级') if preview.level else '未识别'}"
            f" · 地区:{esc(preview.region or '未识别')}",
            f"生效日期:{_date(preview.effective_date)} · 失效日期:{_date(preview.expiry_date)}",
            *(
                [f"⚠️ {EXPIRED_UPLOAD}"]
                if today and preview.expiry_date and preview.expiry_date < today
                else []
            ),
            "分类:" + (esc("、".join(preview.categories)) if preview.categories else KEEP),
            f"文档编号:<code>{esc(preview.key or '')}</code>",
        ]
        lines += _measures(preview.measures)
    else:
        lines.append("补充信息文件(enrich):为已有条目补充关键词、备选问法或申报要素。")
    lines.append("")
    lines += _changes("将新增", "+", preview.added)
    lines += _changes("将修改", "~", preview.changed)
    lines += _changes("将删除", "−", preview.removed)
    if preview.unchanged:
        lines.append(f"不变 {preview.unchanged} 条")
    if not (preview.added or preview.changed or preview.removed):
        lines.append("与知识库现有内容相同,发布不会改动任何条目。")
    lines += ["", "<i>确认发布前,知识库不会有任何改动。</i>"]
    return "\n".join(lines)


def preview_keyboard(preview: Preview) -> InlineKeyboardMarkup:
    upload_id = preview.upload_id
    rows = [
        [
            Button("✅ 确认发布", callback_data=upload_action("pub", upload_id)),
            Button("✖️ 取消", callback_data=upload_action("no", upload_id)),
        ]
    ]
    if preview.is_document:
        rows += [
            [
                Button("🏛 层级", callback_data=upload_action("lvl", upload_id)),
                Button("📍 地区", callback_data=upload_action("ask", upload_id, "reg")),
            ],
            [
                Button("📅 生效日期", callback_data=upload_action("ask", upload_id, "eff")),
                Button("⏳ 失效日期", callback_data=upload_action("ask", upload_id, "exp")),
            ],
            [Button("🏷 分类", callback_data=upload_action("ask", upload_id, "cat"))],
        ]
    return InlineKeyboardMarkup(rows)


def level_keyboard(upload_id: int) -> InlineKeyboardMarkup:
    row = [
        Button(f"{level}级", callback_data=upload_action("set", upload_id, code))
        for code, level in LEVEL_CODES.items()
    ]
    back = Button("« 返回", callback_data=upload_action("back", upload_id))
    return InlineKeyboardMarkup([row, [back]])


CANCEL_WORDS = {"取消", "算了"}
INPUT_CANCELLED = "已取消输入,上传预览中的按钮仍然可用。"


def prompt(upload_id: int, code: str) -> tuple[str, ForceReply]:
    _, label, example = FIELDS[code]
    text = (
        f"✏️ 请直接回复本消息,输入上传 #{upload_id} 的{label}"
        f"(例如:{example};输入“无”清除,输入“取消”放弃)。"
    )
    return text, ForceReply(selective=True, input_field_placeholder=example)


def import_failed(message: str) -> str:
    return f"❌ 无法导入:{esc(message)}\n知识库未做任何改动。"


def published(upload_id: int, report: ImportReport) -> str:
    return (
        f"✅ 已发布上传 #{upload_id}:{esc(shorten(report.document_title or '补充信息', 80))}\n"
        f"新增 {len(report.added)} 条,修改 {len(report.changed)} 条,"
        f"删除 {len(report.removed)} 条,不变 {report.unchanged} 条。\n"
        f"导入编号 {report.import_id};如需撤销:"
        f"<code>policybot kb rollback {report.import_id}</code>"
    )


def edit_failed(message: str) -> str:
    return f"❌ {esc(message)}"


def cancelled(upload_id: int) -> str:
    return f"已取消上传 #{upload_id},知识库未做任何改动。"


def admin_help() -> str:
    return "\n".join(
        [
            "<b>知识库管理(管理员)</b>",
            "",
            "· 直接发送政策文件(.txt / .md / .docx / .doc / .wps / 带文字的 .pdf / .html 网页)"
            "或 .yaml 补充信息文件:先预览,确认后发布",
            "/unanswered — 未答与“没帮助”的问题,可挂到条目或标为无关",
            "/stats — 使用统计与近 30 天图表(/stats 7 看近 7 天)",
            "/ebook — 导出政策汇编(/ebook epub 或 /ebook md 换格式)",
            "",
            "命令行:<code>policybot kb history</code> 查看导入记录,"
            "<code>policybot kb rollback 导入编号</code> 撤销一次导入或发布,"
            "<code>policybot kb remove 文档编号</code> 撤下整份文档"
            "(已收到推送的订阅用户会收到撤回通知)。",
        ]
    )
