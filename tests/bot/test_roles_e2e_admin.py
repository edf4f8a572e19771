"""/admin: list roles, grant a commissioner with buttons, revoke; nobody grants or revokes
their own role; /myid."""

from __future__ import annotations

from sqlmodel import Session

from services import roles as role_service
from storage import roles, users
from storage.db import session_scope
from storage.models import UserRole
from tests.bot.e2e_support import Bot, make_settings
from tests.bot.tickets_support import Watch, make_parties


def _menu(bot: Bot, chat_id: int) -> list[str]:
    """The commands in someone's private-chat menu (empty: everyone's menu applies)."""
    return [c["command"] for c in bot.client.commands({"type": "chat", "chat_id": chat_id})]


async def test_admin_grants_and_revokes_but_never_for_themselves(harness: Bot) -> None:
    bot, client = harness, harness.client
    parties = await make_parties(bot)
    admin, com = parties.admin, parties.commissioner
    root = await client.create_user("超级管理员", user_id=8_100_009)  # from the settings
    newcomer = await client.create_user("新专员", user_id=8_100_010)
    bot.settings = make_settings(admin_ids=[root.id])
    watch = Watch(bot)
    async with bot.run():
        await client.send_command(newcomer, "myid")
        await watch.wait(newcomer, str(newcomer.id))
        await client.send_command(admin, "admin")
        overview = await watch.wait(admin, "角色管理")
        assert str(root.id) in (overview.text or "") and "王专员" in (overview.text or "")
        assert f"撤销 管理员 {admin.id}" not in overview.button_texts  # not oneself
        assert f"撤销 管理员 {root.id}" not in overview.button_texts  # configured admins
        # grant with buttons: id (own id refused), role, area, display name
        await bot.press(admin, overview, text="➕ 授予角色")
        await watch.wait(admin, "请输入要授予角色的用户")
        await client.send_message(admin, str(admin.id))
        await watch.wait(admin, "不能给自己授予")
        await client.send_message(admin, str(newcomer.id))
        choose = await watch.wait(admin, "请选择要授予的角色")
        await bot.press(admin, choose, text="企业服务专员")
        area = await watch.wait(admin, "请选择专员的服务区域")
        await bot.press(admin, area, text="示例街道企业服务站")
        await watch.wait(admin, "对企业显示的称呼")
        await client.send_message(admin, "陈专员")
        await watch.wait(admin, "设为:企业服务专员")
        await watch.wait(newcomer, "您已被授予角色")
        # the new commissioner's menu has their own command now
        menu = await client.wait_for(lambda: _menu(bot, newcomer.id) or None, 10, "menu")
        assert "inbox" in menu and "start" in menu and "admin" not in menu
        # forged: revoke oneself, revoke a configured admin
        answer = await bot.press(admin, overview, data=f"adm:rv:{admin.id}")
        assert answer.text and "不能给自己" in answer.text
        answer = await bot.press(admin, overview, data=f"adm:rv:{root.id}")
        assert answer.text and "POLICYBOT_ADMIN_IDS" in answer.text
        # the configured admin revokes the commissioner
        await client.send_command(root, "admin")
        listing = await watch.wait(root, "角色管理")
        assert "陈专员" in (listing.text or "")
        await bot.press(root, listing, text="撤销 专员 王专员")
        await watch.wait(root, "已撤销")
        # their menu is everyone's again, and /inbox says whom it is for
        await client.wait_for(lambda: _menu(bot, com.id) == [] or None, 10, "default menu")
        await client.send_command(com, "inbox")
        await watch.wait(com, "/inbox 仅限企业服务专员和部门使用")
    with Session(bot.engine) as session:
        granted = roles.get_commissioner(session, user_id=newcomer.id)
        assert granted is not None and granted.name == "陈专员"
        assert granted.area_code == "demo-station"
        assert users.user_role(session, user_id=com.id) is None
        actions = [(a.actor_id, a.action, a.target) for a in roles.admin_actions(session)]
    assert (root.id, "revoke", str(com.id)) in actions
    assert (admin.id, "grant", str(newcomer.id)) in actions
    assert all(a[2] != str(a[0]) for a in actions)  # nobody acted on themselves


async def test_each_role_sees_its_own_commands(harness: Bot) -> None:
    """Everyone's menu by default; commissioners and admins their own commands added,
    set at start-up, or at /start for someone whose chat did not exist yet."""
    bot, client = harness, harness.client
    parties = await make_parties(bot)
    late = await client.create_user("晚到的专员", user_id=8_100_011, started=False)
    with session_scope(bot.engine) as session:
        role_service.grant(
            session,
            actor_id=None,
            user_id=late.id,
            role=UserRole.COMMISSIONER,
            area_code="demo-park",
            name="晚到的专员",
        )
    watch = Watch(bot)
    async with bot.run():
        everyone = [c["command"] for c in client.commands()]
        assert everyone[:2] == ["start", "help"] and everyone[-2:] == ["cancel", "resume"]
        assert not {"inbox", "queue", "admin", "stats"} & set(everyone)
        commissioner = _menu(bot, parties.commissioner.id)
        assert commissioner == [*everyone, "inbox"]
        admin = _menu(bot, parties.admin.id)
        assert admin[: len(everyone)] == everyone and "inbox" not in admin
        assert {"queue", "report", "admin", "broadcast", "kbadmin", "stats"} <= set(admin)
        assert _menu(bot, parties.enterprise.id) == [] and _menu(bot, late.id) == []
        await client.send_command(late, "start")
        await watch.wait(late, "企业服务专员")
        assert await client.wait_for(lambda: _menu(bot, late.id) or None, 10, "menu") == (
            commissioner
        )
        # /help lists the same commands as the menu
        await client.send_command(parties.admin, "help")
        help_text = (await watch.wait(parties.admin, "使用帮助")).text or ""
        assert all(f"/{name} " in help_text for name in admin)
        await client.send_command(parties.enterprise, "help")
        help_text = (await watch.wait(parties.enterprise, "使用帮助")).text or ""
        assert "/queue" not in help_text and "/inbox" not in help_text


async def test_a_role_revoked_from_the_command_line_leaves_the_menu_at_the_next_start(
    harness: Bot,
) -> None:
    bot = harness
    parties = await make_parties(bot)
    async with bot.run():
        assert "inbox" in _menu(bot, parties.commissioner.id)
    with session_scope(bot.engine) as session:  # policybot users revoke
        assert role_service.revoke(session, actor_id=None, user_id=parties.commissioner.id)
    async with bot.run():
        assert _menu(bot, parties.commissioner.id) == []
        assert "admin" in _menu(bot, parties.admin.id)
