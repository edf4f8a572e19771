"""/start, role choice, /help and the command menu."""

from __future__ import annotations

from sqlmodel import Session

from storage import users
from tests.bot.e2e_support import Bot, make_settings


def role_of(bot: Bot, user_id: int) -> str | None:
    with Session(bot.engine) as session:
        row = users.get_user(session, user_id=user_id)
        return row.role if row else None


async def test_start_and_choose_role(bot: Bot) -> None:
    user = await bot.user("张三")
    [welcome] = await bot.command(user, "start")
    assert "张三" in (welcome.text or "") and "欢迎" in (welcome.text or "")
    assert welcome.button_texts == ["企业经办人", "企业法人", "市民"]
    assert role_of(bot, user.id) is None
    answer = await bot.press(user, welcome, text="企业法人")
    assert answer.text and "企业法人" in answer.text
    [confirm] = await bot.next(user)
    assert "企业法人" in (confirm.text or "")
    assert role_of(bot, user.id) == "法人"
    record = bot.client.message(user, welcome.message_id)
    assert record.buttons == []  # the used keyboard is removed


async def test_admins_are_recognised(harness: Bot) -> None:
    harness.settings = make_settings(admin_ids=[7_000_001])
    async with harness.run():
        admin = await harness.user("管理员甲")
        assert admin.id == 7_000_001
        [welcome] = await harness.command(admin, "start")
        assert "管理员" in (welcome.text or "") and welcome.buttons == []
        answer = await harness.press(admin, welcome, data="role:citizen")  # forged, too
        assert answer.text == "您的身份是:管理员"
        [kept] = await harness.next(admin)
        assert "管理员" in (kept.text or "")
    assert role_of(harness, admin.id) == "管理员"  # a choice never downgrades a grant


async def test_forged_roles_are_refused(bot: Bot) -> None:
    user = await bot.user()
    [welcome] = await bot.command(user, "start")
    for forged in ("role:admin", "role:commissioner", "role:管理员", "role:"):
        answer = await bot.press(user, welcome, data=forged)
        assert answer.text and "不能自行选择" in answer.text
    assert role_of(bot, user.id) is None


async def test_help_and_command_menu(bot: Bot) -> None:
    user = await bot.user()
    [help_message] = await bot.command(user, "help")
    for command in ("/start", "/help", "/browse", "/search"):
        assert command in (help_message.text or "")
    menu = {c["command"]: c["description"] for c in bot.client.commands()}
    assert {"start", "help", "browse", "search"} <= set(menu)
    assert menu["browse"] == "按分类浏览政策"
    assert menu["cancel"] == "取消当前操作" and "resume" in menu  # the way out is in the menu
