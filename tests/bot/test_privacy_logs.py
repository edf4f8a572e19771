"""The log output of a whole conversation — a /request with a phone number and a
/profile revenue — never contains the bot token, the phone number or the finances."""

from __future__ import annotations

import logging

import pytest

from bot.runner import protect_logs
from tests.bot.e2e_support import TOKEN, Bot
from tests.bot.test_profile_e2e import edit
from tests.bot.tickets_support import Watch, make_parties

PHONE = "13912345678"
REVENUE = "98765"


async def test_logs_hold_no_token_phone_or_finances(
    harness: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)  # the level `policybot run` logs at
    protect_logs(TOKEN)  # what `policybot run` does before starting
    bot, client = harness, harness.client
    parties = await make_parties(bot)
    ent = parties.enterprise
    watch = Watch(bot)
    async with bot.run():
        await client.send_command(ent, "request")
        step = await watch.wait(ent, "请选择诉求类别")
        await bot.press(ent, step, text="政策咨询")
        await watch.wait(ent, "请描述您的诉求")
        await client.send_message(ent, f"营业收入{REVENUE}万元,电话{PHONE},想申请补贴")
        await watch.wait(ent, "请输入企业名称")
        await client.send_message(ent, "示例科技有限公司")
        step = await watch.wait(ent, "所在的区、园区或服务站")
        await bot.press(ent, step, text="示例产业园")
        await watch.wait(ent, "联系电话")
        await client.send_message(ent, PHONE)
        step = await watch.wait(ent, "发送图片或文件")
        await bot.press(ent, step, text="完成")
        step = await watch.wait(ent, "请确认您的诉求")
        await bot.press(ent, step, text="✅ 提交")
        await watch.wait(ent, "诉求已提交")
        await watch.wait(parties.commissioner, "新工单")

        await client.send_command(ent, "profile")
        view = await watch.wait(ent, "档案")
        client.mark_read(ent)
        prompt = await edit(bot, ent, view, "上年度营业收入")
        assert "修改:上年度营业收入" in (prompt.text or "")
        watch.skip(ent)
        await client.send_message(ent, f"{REVENUE}万")
        await watch.wait(ent, "已更新:上年度营业收入")
    logged = caplog.text + "\n".join(str(r.args) for r in caplog.records)
    assert caplog.records, "nothing was logged"
    for secret in (TOKEN, TOKEN.partition(":")[2], PHONE, REVENUE):
        assert secret not in logged, f"{secret!r} appears in the logs"
