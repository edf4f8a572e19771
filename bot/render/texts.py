"""Fixed user-facing texts (Simplified Chinese); the command menu itself is declared by
the features (bot/features.py)."""

from __future__ import annotations

from collections.abc import Sequence

from storage.models import UserRole

from .markup import esc

# role callback code -> (stored role, button label). Only self-chosen roles appear here.
ROLE_CHOICES: dict[str, tuple[UserRole, str]] = {
    "handler": (UserRole.HANDLER, "企业经办人"),
    "legal": (UserRole.LEGAL_REP, "企业法人"),
    "citizen": (UserRole.CITIZEN, "市民"),
}
ROLE_LABELS: dict[str, str] = {
    **{role.value: label for role, label in ROLE_CHOICES.values()},
    UserRole.COMMISSIONER.value: "企业服务专员",
    UserRole.ADMIN.value: "管理员",
}

# whom a command or button is for (bot/features.py Access), in the one refusal text
AUDIENCES: dict[str, str] = {
    "everyone": "所有用户",
    "staff": "企业服务专员和部门",
    "admin": "管理员",
}


def refused(what: str | None, audience: str, *, private: bool = False, hint: str = "") -> str:
    """The one refusal of every role check: whom ``what`` (a /command; None: a button)
    is for. ``private``: the person may use it, but in a private chat with the bot."""
    where = "在与我的私聊中" if private else ""
    text = f"{esc(what) + ' ' if what else '该功能'}仅限{audience}{where}使用。"
    return text + hint if hint and not private else text


STALE_BUTTON = "按钮已过期,请重新提问或使用 /browse"
ERROR = "抱歉,处理出错了,请稍后再试"
# the database is unreachable or busy / its storage is full (the operator log has
# an ERROR line for the latter)
DB_UNAVAILABLE = "系统繁忙,请稍后再试。"
STORAGE_FULL = "服务器存储空间已满,暂时无法保存,请稍后再试;管理员已收到提醒。"
FLOOD = "您发送消息过于频繁,请稍后再试。"
ONLY_TEXT = "我目前只能理解文字问题。请用一句话描述您想了解的政策,例如:个体户转成公司有奖励吗"
STICKER = "收到您的表情啦 😊 " + ONLY_TEXT
NO_FILES = "我暂时无法阅读文件。" + ONLY_TEXT
EMPTY_TEXT = (
    "抱歉,暂未理解您的问题。请用文字描述您想了解的政策,例如:\n"
    "· 个体户转成公司有奖励吗\n· 小微企业贷款有什么支持\n也可以用 /browse 按分类浏览。"
)
CHATTER = "不客气。有政策方面的问题,直接发给我就好,也可以用 /browse 按分类浏览。"
EDITED = "您修改了消息,以下是按新内容检索的结果:"
ROLE_REFUSED = "该身份不能自行选择,请从下方按钮中选择。"
FEEDBACK_THANKS = "感谢您的反馈!"
FEEDBACK_SORRY = "感谢反馈,我们会改进。您也可以换个说法再问,或使用 /browse。"
SEARCH_USAGE = (
    "用法:<code>/search 关键词</code>\n"
    "例如:<code>/search 贷款</code>、<code>/search 专精特新</code>"
)
SEARCH_NONE = "没有找到包含「{query}」的政策。可以换个关键词,或使用 /browse 按分类浏览。"
BROWSE_EMPTY = "知识库暂无政策条目。"
CHOOSE_CATEGORY = "<b>按分类浏览</b>\n请选择政策分类,或按层级、发文机关浏览:"
CHOOSE_FACET_LEVEL = "<b>按层级浏览</b>\n请选择政策层级:"
CHOOSE_ISSUER = "<b>按发文机关浏览</b>\n请选择发文机关:"
UNKNOWN_COMMAND = "没有这个命令。可用的命令请看 /help。"
NOTHING_TO_CANCEL = "当前没有进行中的操作。您可以直接提问,或发送 /help 查看命令。"
NOTHING_TO_RESUME = "没有可以继续的操作。您可以直接提问,或发送 /help 查看命令。"


def flow_suspended(title: str) -> str:
    return f"已暂停「{esc(title)}」,发送 /resume 继续。"


def flow_cancelled(title: str, *, paused: str | None) -> str:
    text = f"已取消「{esc(title)}」。"
    if paused:
        return text + f"暂停的「{esc(paused)}」可发送 /resume 继续。"
    return text + "您可以直接提问,或发送 /help 查看命令。"


def flow_resumed(title: str) -> str:
    return f"继续「{esc(title)}」,请按上一条提示操作。"


def flow_waits(title: str) -> str:
    return f"「{esc(title)}」仍在进行,点下方按钮继续。"


def flow_still_open(title: str) -> str:
    return f"以上是您问题的答复。{flow_waits(title)}"


def flow_way_out(title: str) -> str:
    return f"抱歉,暂未理解您的输入。您正在「{esc(title)}」中:可以继续填写,或取消。"


def flow_expired(title: str, *, restart: str, kept: bool, paused: bool = False) -> str:
    """A flow ended by itself: what is left of it and what the person can do next
    (``restart``: how to start it again; ``kept``: it was put aside with what was entered,
    and that way goes on where it was)."""
    how = esc(restart) + (" " if restart[-1:].isascii() else "")  # "/request 重新开始"
    if kept and restart:
        return f"「{esc(title)}」长时间未操作,已暂停,已输入的内容已保存。{how}即可接着完成。"
    if paused:
        head = f"暂停的「{esc(title)}」长时间未继续,已自动结束,无法再用 /resume 恢复"
    else:
        head = f"「{esc(title)}」长时间未操作,已自动结束"
    if restart:
        return f"{head},已输入的内容未保存。如需办理,请{how}重新开始。"
    return f"{head},已输入的内容未保存。您可以直接提问,或发送 /help 查看命令。"


def welcome(first_name: str | None) -> str:
    name = (first_name or "").strip()
    greeting = f"{esc(name)},您好!" if name else "您好!"
    return (
        f"{greeting}欢迎使用<b>中小企业政策助手</b>。\n\n"
        "我可以帮您查找政府惠企政策:直接用一句话提问即可,例如"
        "“个体户转成公司有奖励吗”。\n\n请先选择您的身份,以便为您提供更合适的信息:"
    )


def role_chosen(role: str) -> str:
    label = ROLE_LABELS.get(role, role)
    return (
        f"已将您的身份设置为:<b>{esc(label)}</b>。\n\n"
        "现在可以直接提问,或使用 /browse 按分类浏览、/search 关键词搜索。"
    )


def granted_role(role: str) -> str:
    return f"您的身份是:<b>{esc(ROLE_LABELS.get(role, role))}</b>。可以直接提问。"


def help_text(commands: Sequence[tuple[str, str]], username: str | None = None) -> str:
    """The help: ``commands`` are (name, menu text) of the person's menu."""
    lines = ["<b>使用帮助</b>", "", "直接发送问题即可,例如:“小微企业贷款有什么支持”。", ""]
    lines += [f"/{command} — {esc(description)}" for command, description in commands]
    lines += [
        "",
        f"在任意聊天中输入 <code>@{esc(username or 'policybot')} 关键词</code> 可以分享政策卡片。",
        "群聊中请 @我 或回复我的消息提问。",
        "",
        "<i>说明:答复依据已收录的政策原文,原文未载明的信息请向主管部门确认。</i>",
    ]
    return "\n".join(lines)


def truncated(limit: int) -> str:
    return f"您的消息较长,我只取前 {limit} 字进行检索。"
