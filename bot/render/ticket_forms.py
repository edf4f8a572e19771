"""Texts of the /request form, /myrequests, /admin and /report (HTML, Simplified Chinese)."""

from __future__ import annotations

from collections.abc import Sequence

from services.report import MonthlyReport, report_lines
from storage.models_tickets import Commissioner, TicketCategory

from .markup import esc

CATEGORIES: tuple[str, ...] = tuple(c.value for c in TicketCategory)
MAX_ATTACHMENTS = 5
MAX_DESCRIPTION = 1000

STEP_CATEGORY = "<b>提交诉求</b>(第 1/6 步)\n请选择诉求类别:"
STEP_NAME = "(第 3/6 步)请输入企业名称:"
STEP_AREA = "(第 4/6 步)请选择企业所在的区、园区或服务站(也可以直接输入名称):"
STEP_PHONE = (
    "(第 5/6 步)请输入联系电话(可选):手机号,或带区号的座机,如 027-8xxxxxxx。\n"
    "<i>电话仅对负责的专员可见。</i>"
)
STEP_ATTACH = (
    f"(第 6/6 步)如有材料,请发送图片或文件(最多 {MAX_ATTACHMENTS} 个),完成后点「完成」;"
    "没有请点「跳过」。"
)
PHONE_INVALID = (
    "电话格式不正确。请输入 11 位手机号,或带区号的座机(如 027-8xxxxxxx),或点「跳过」;"
    "发送 /cancel 可取消提交。"
)
NAME_INVALID = "企业名称应为 2–100 个字。"
DESCRIPTION_INVALID = f"请用文字描述您的诉求(不超过 {MAX_DESCRIPTION} 字)。"
AREA_UNKNOWN = "没有找到这个区域,请从按钮中选择,或点「不确定/其他」;发送 /cancel 可取消提交。"
TEXT_EXPECTED = "请点按上一条消息中的按钮选择;发送 /cancel 可取消提交。"
ATTACH_FULL = f"最多 {MAX_ATTACHMENTS} 个附件,请点「完成」。"
CANCELLED = "已取消提交。需要时可随时发送 /request。"
GROUP_REQUEST = "为保护您的信息,请私聊我发送 /request 提交诉求。"

ADMIN_ASK_ID = "请输入要授予角色的用户 Telegram 数字 ID(对方可私聊我发送 /myid 获取):"
ADMIN_ID_INVALID = "请输入数字 ID。"
ADMIN_CHOOSE_ROLE = "请选择要授予的角色:"
ADMIN_CHOOSE_AREA = "请选择专员的服务区域:"
ADMIN_ASK_NAME = "请输入专员对企业显示的称呼(如:王专员):"
ADMIN_SELF = "不能给自己授予或撤销角色。"
ADMIN_ENV = "该管理员由 POLICYBOT_ADMIN_IDS 配置,不能在机器人中撤销。"
ADMIN_NOT_GRANTED = "该用户没有可撤销的角色。"


def step_description(prefill: str | None) -> str:
    base = f"(第 2/6 步)请描述您的诉求(不超过 {MAX_DESCRIPTION} 字):"
    if prefill:
        return f"{base}\n已预填:<b>{esc(prefill)}</b>\n可点「使用」直接采用,或输入补充说明。"
    return base


def attachment_added(count: int) -> str:
    return f"已收到 {count} 个附件。可继续发送,或点「完成」。"


def confirm(draft: dict[str, object], area_name: str | None) -> str:
    files = draft.get("files") or []
    lines = [
        "<b>请确认您的诉求</b>",
        f"类别:{esc(draft.get('category'))}",
        f"描述:{esc(draft.get('description'))}",
        f"企业:{esc(draft.get('name'))}",
        f"区域:{esc(area_name or '不确定')}",
        f"电话:{esc(draft.get('phone') or '未填写')}",
        f"附件:{len(files) if isinstance(files, list) else 0} 个",
        "",
        "提交后将分派给企业服务专员。默认不向专员展示您的 Telegram 账号;"
        "如希望专员直接联系您,可选择「提交并允许专员看到我的账号」。",
    ]
    return "\n".join(lines)


def my_id(user_id: int, role: str | None) -> str:
    return f"您的 Telegram 数字 ID:<code>{user_id}</code>\n身份:{esc(role or '未选择')}"


def roles_overview(
    admins: Sequence[tuple[int, bool]], commissioners: Sequence[Commissioner], load: dict[int, int]
) -> str:
    lines = ["<b>角色管理</b>", "", "<b>管理员</b>"]
    for uid, configured in admins:
        lines.append(f"· <code>{uid}</code>" + ("(配置文件)" if configured else ""))
    lines += ["", "<b>企业服务专员</b>(区域,在办/容量)"]
    for c in commissioners:
        lines.append(
            f"· {esc(c.name)} <code>{c.user_id}</code>({esc(c.area_code or '-')},"
            f"{load.get(c.user_id, 0)}/{c.capacity})"
        )
    if not commissioners:
        lines.append("(暂无)")
    return "\n".join(lines)


def granted(user_id: int, role: str) -> str:
    return f"已将 <code>{user_id}</code> 设为:<b>{esc(role)}</b>。"


def revoked(user_id: int) -> str:
    return f"已撤销 <code>{user_id}</code> 的角色。其未办结工单会出现在 /queue 中,请及时改派。"


def report(report: MonthlyReport) -> str:
    return "<pre>" + esc("\n".join(report_lines(report))) + "</pre>"


REPORT_USAGE = "用法:<code>/report 2026-11</code>(不带月份则为本月)"


def you_were_granted(role: str) -> str:
    return (
        f"您已被授予角色:<b>{esc(role)}</b>。\n"
        "企业服务专员可用 /inbox 查看待办工单;管理员可用 /queue、/admin、/report。"
    )
