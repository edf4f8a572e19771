"""The full lifecycle of a service request through the local Bot API, four parties:
enterprise, commissioner, department group chat, admin."""

from __future__ import annotations

from sqlmodel import Session

from storage import tickets as store
from tests.bot.e2e_support import QUESTION, Bot
from tests.bot.tickets_support import Watch, make_parties, ticket_number_of


async def test_full_lifecycle_four_parties(harness: Bot) -> None:
    bot, client = harness, harness.client
    parties = await make_parties(bot)
    ent, com, member, dept, admin = (
        parties.enterprise,
        parties.commissioner,
        parties.member,
        parties.department,
        parties.admin,
    )
    watch = Watch(bot)
    async with bot.run():
        # ---- the enterprise asks, then presses 人工咨询 under the card
        [card] = await bot.say(ent, QUESTION)
        await bot.press(ent, card, text="🙋 人工咨询")
        step = await watch.wait(ent, "请选择诉求类别")
        await bot.press(ent, step, text="政策咨询")
        step = await watch.wait(ent, "已预填")
        assert "关于「加快推进“个转企”」的咨询" in (step.text or "")
        await client.send_message(ent, "我们是个体户,想转为公司")
        step = await watch.wait(ent, "请输入企业名称")
        await bot.press(ent, step, text="« 上一步")  # back to the description
        step = await watch.wait(ent, "请描述您的诉求")
        await client.send_message(ent, "我们是个体户,想转为公司,有哪些奖励")
        step = await watch.wait(ent, "请输入企业名称")
        await client.send_message(ent, "示例科技有限公司")
        step = await watch.wait(ent, "所在的区、园区或服务站")
        await bot.press(ent, step, text="示例产业园")
        step = await watch.wait(ent, "联系电话")
        await client.send_message(ent, "12345")
        await watch.wait(ent, "电话格式不正确")
        await client.send_message(ent, "13800138000")
        step = await watch.wait(ent, "发送图片或文件")
        await client.send_photo(ent, caption="营业执照")
        step = await watch.wait(ent, "已收到 1 个附件")
        await bot.press(ent, step, text="完成")
        step = await watch.wait(ent, "请确认您的诉求")
        assert "13800138000" in (step.text or "") and "示例产业园" in (step.text or "")
        await bot.press(ent, step, text="✅ 提交")
        confirmation = await watch.wait(ent, "诉求已提交")
        number = ticket_number_of(confirmation.text)
        assert number.startswith("QY-") and number.endswith("-0001")

        # ---- routed to the park's commissioner, with the attachment; phone visible to them
        new = await watch.wait(com, "新工单")
        assert "13800138000" in (new.text or "") and "示例科技有限公司" in (new.text or "")
        assert "8100001" not in (new.text or "")  # the account was not shared
        assert new.button_texts == ["✅ 接单", "↩️ 退回/改派"]
        await watch.wait(com, "企业附件")
        answer = await bot.press(com, new, text="✅ 接单")
        assert answer.text and "处理中" in answer.text
        status = await watch.wait(ent, "状态:处理中")
        assert "王专员" in (status.text or "") and "8100002" not in (status.text or "")

        # ---- 转办 to the department group, which answers by replying
        new = await client.wait_for_edit(com, new.message_id)  # the buttons of 处理中
        await bot.press(com, new, text="🔀 转办")
        choose = await watch.wait(com, "请选择转办部门")
        await bot.press(com, choose, text="示例区中小企业服务中心")
        await watch.wait(com, "请输入转办说明")
        await client.send_message(com, "请核实个转企奖励条件")
        await watch.wait(com, "已转办")
        transfer = await watch.wait(dept, "转办")
        assert "请核实个转企奖励条件" in (transfer.text or "")
        assert "13800138000" not in (transfer.text or "")  # no phone for departments
        await watch.wait(ent, "状态:转办中")
        await client.send_message(member, "符合条件,可申请奖励", chat=dept, reply_to=transfer)
        await watch.wait(dept, "已转达")
        from_dept = await watch.wait(com, "部门 示例区中小企业服务中心")
        assert "符合条件,可申请奖励" in (from_dept.text or "")
        await watch.wait(ent, "状态:处理中")
        await client.send_message(com, "请提供去年报表", reply_to=from_dept)  # back to the dept
        await watch.wait(dept, "请提供去年报表")

        # ---- commissioner ↔ enterprise through the bot
        await bot.press(com, from_dept, text="💬 回复部门")
        prompt = await watch.wait(com, "请输入给部门的回复")
        await bot.press(com, prompt, text="取消")
        await client.wait_for_edit(com, prompt.message_id)  # the prompt's button is gone
        await client.send_message(com, "您好,符合个转企奖励条件", reply_to=new)
        relayed = await watch.wait(ent, "专员 王专员")
        assert "符合个转企奖励条件" in (relayed.text or "")
        await client.send_message(ent, "好的,需要什么材料?", reply_to=relayed)
        asked = await watch.wait(com, "企业 示例科技有限公司")
        assert "需要什么材料" in (asked.text or "")
        await bot.press(com, asked, text="💬 回复企业")
        await watch.wait(com, "请输入要发给企业的回复")
        await client.send_document(com, "清单.pdf", b"%PDF-1.4", caption="材料清单见附件")
        await watch.wait(ent, "材料清单见附件")
        await watch.wait(com, "已转达")  # seen before the next tap, as a person would

        # ---- 办结, rating with a comment
        new = client.message(com, new.message_id)
        await bot.press(com, new, text="🏁 办结")
        await watch.wait(com, "请输入办结意见")
        await client.send_message(com, "已指导企业申请个转企奖励")
        await watch.wait(com, "已办结")
        resolved = await watch.wait(ent, "状态:已办结")
        assert resolved.button_texts == ["满意", "基本满意", "不满意"]
        await bot.press(ent, resolved, text="满意")
        await watch.wait(ent, "状态:已关闭")
        await watch.wait(ent, "如有补充意见")
        await client.send_message(ent, "服务很及时")
        await watch.wait(ent, "感谢您的意见")
        await watch.wait(com, "服务很及时")

        # ---- views: the enterprise sees no internal exchange, the commissioner does
        await client.send_command(ent, "myrequests")
        mine = await watch.wait(ent, "我的诉求")
        assert number in (mine.text or "") and "已关闭" in (mine.text or "")
        await client.send_command(ent, "ticket", number)
        view = await watch.wait(ent, "办理记录")
        assert "服务很及时" in (view.text or "") and "符合条件,可申请奖励" not in (view.text or "")
        await client.send_command(com, "ticket", number)
        view = await watch.wait(com, "办理记录")
        assert "符合条件,可申请奖励" in (view.text or "") and "13800138000" in (view.text or "")
        await client.send_command(admin, "ticket", number)
        view = await watch.wait(admin, "办理记录")
        assert "满意" in (view.text or "")
        await client.send_command(admin, "report")
        report = await watch.wait(admin, "企业诉求月报")
        assert "工单总数:1" in (report.text or "") and "满意 1" in (report.text or "")
        document = await client.wait_for(
            lambda: next((m for m in client.messages(admin) if m.document), None), 10, "CSV"
        )
        assert str((document.document or {}).get("file_name", "")).endswith(".csv")

    with Session(bot.engine) as session:
        ticket = store.get_ticket_by_number(session, number=number)
        assert ticket is not None and ticket.status == "已关闭" and ticket.rating == "满意"
        assert ticket.first_contact_at is not None and ticket.resolved_at is not None
        events = store.events(session, ticket_id=ticket.id or 0, include_internal=True)
    kinds = [e.kind for e in events]
    assert kinds[:4] == ["created", "attachment", "assigned", "accepted"]
    assert {"transferred", "message", "resolved", "rated", "comment"} <= set(kinds)
    assert all(e.created_at.tzinfo is not None for e in events)
    assert [e.actor_role for e in events if e.kind == "message"][:2] == ["部门", "专员"]
