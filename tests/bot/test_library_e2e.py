"""End to end with a document of the test library: an admin uploads a district notice,
the preview shows its issuer, date, level and measures with the fields read for each,
it is published, and an enterprise's question is answered with that measure's fields;
a question that a repealed document also covers is answered from the current one."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session, select

from storage.models import PolicyDocument
from tests.bot.e2e_support import Bot, make_settings

ADMIN_ID = 9_180_001
OLD_KEY = "doc-4f2f63b18d"  # 示范市专精特新企业培育办法, repealed by c1
LIBRARY = Path(__file__).resolve().parents[1] / "fixtures" / "library"


async def test_upload_preview_publish_and_answer_with_fields(harness: Bot) -> None:
    harness.settings = make_settings(admin_ids=[ADMIN_ID])
    async with harness.run():
        admin = await harness.client.create_user("管理员", user_id=ADMIN_ID)
        data = (LIBRARY / "d1-district-software.txt").read_bytes()
        await harness.client.send_document(admin, "试点区软件措施.txt", data)
        [preview] = await harness.next(admin)
        text = preview.text or ""
        assert "发文机关:示范市试点区人民政府办公室" in text
        assert "发文日期:2026-11-20 · 文号:试政办〔2026〕8号" in text
        assert "层级:区级 · 地区:试点" in text
        assert "生效日期:2026-12-01 · 失效日期:2028-11-30" in text
        assert "识别出 4 项措施" in text
        assert (
            "· 首次入规奖励(支持内容/标准、申报材料、受理部门、联系方式、兑现方式、申报期限)"
            in text
        )
        assert "+ 申报材料" not in text and "+ 受理部门" not in text  # fields are no entries

        published = await harness.press(admin, preview, text="✅ 确认发布")
        assert published.text == "已发布"
        done = await harness.client.wait_for_edit(admin, preview.message_id)
        assert "新增 4 条" in (done.text or "")

        user = await harness.user()
        [card] = await harness.say(user, "软件企业首次入规奖励要什么材料")
        answer = card.text or ""
        assert answer.startswith("📄 首次入规奖励")
        assert "申报材料:营业执照复印件、纳统证明、申请表" in answer
        assert "受理部门:试点区科技和经济信息化局" in answer  # its own, not the shared one
        assert "联系方式:027-8000 0000(测试号码)" in answer  # from the shared section
        assert "申报期限:2026年12月1日至2026年12月31日。" in answer
        assert (
            "来源:《示范市试点区人民政府办公室关于印发试点区支持软件企业发展若干措施的通知》三、(三)联系方式"
            in answer
        )
        assert "(未载明:支持对象、申报条件、办理流程)" in answer
        assert "适用:试点 · 区级" in answer
        # no 支持对象 line: who it is for, as its text says it
        assert "适用对象(据原文归纳):信息传输、软件和信息技术服务业" in answer


async def test_a_measure_for_another_trade_is_answered_with_a_warning(harness: Bot) -> None:
    harness.knowledge.import_paths([LIBRARY / "d1-district-software.txt"])
    async with harness.run():
        user = await harness.user()
        [card] = await harness.say(user, "我们是做餐饮的,招高校毕业生有没有补贴")
        text = card.text or ""
        assert text.startswith(
            "ℹ️ 您提到的行业是「住宿和餐饮业」,而这条措施原文写明的适用行业是"
            "「信息传输、软件和信息技术服务业」"
        )
        assert "📄 吸纳高校毕业生社保补贴" in text
        [card] = await harness.say(user, "我们是做软件的,招高校毕业生有没有补贴")
        assert (card.text or "").startswith("📄 吸纳高校毕业生社保补贴")  # its own trade


async def test_a_repealed_document_is_answered_as_such(harness: Bot) -> None:
    harness.knowledge.import_paths(
        [LIBRARY / "c0-city-specialized-old.txt", LIBRARY / "c1-city-specialized.txt"]
    )
    async with harness.run():
        user = await harness.user()
        # the current document answers a question both documents cover
        [card] = await harness.say(user, "我们刚被认定为市级专精特新,市里奖多少钱")
        if "您是想了解以下哪项?" in (card.text or ""):  # asked back: the current one first
            assert card.button_texts[0].startswith("1. 市级专精特新企业奖励")
            await harness.press(user, card, text=card.button_texts[0])
            [card] = await harness.next(user)
        assert "一次性奖励20万元" in (card.text or "") and "已废止" not in (card.text or "")
        with Session(harness.engine) as session:  # both are kept
            assert session.exec(select(PolicyDocument).where(PolicyDocument.key == OLD_KEY)).one()


async def test_browse_by_level_and_by_issuer(harness: Bot) -> None:
    files = sorted(p for p in LIBRARY.iterdir() if p.suffix in (".txt", ".md", ".docx"))
    harness.knowledge.import_paths(files)
    async with harness.run():
        user = await harness.user()
        [menu] = await harness.command(user, "browse")
        assert menu.button_texts[-2:] == ["🏛 按层级", "🏢 按发文机关"]
        edits = 0

        async def press(text: str) -> str:
            nonlocal edits
            edits += 1
            await harness.press(user, menu, text=text)
            record = await harness.client.wait_for_edit(user, menu.message_id, edits=edits)
            return record.text or ""

        assert "请选择政策层级" in await press("🏛 按层级")
        current = harness.client.message(user, menu.message_id)
        assert current.button_texts == ["国家级", "省级", "市级", "区级", "« 返回分类"]
        listed = await press("区级")
        assert "区级政策 共 12 条" in listed and "首次入规奖励" in listed
        assert "境外展会补贴" not in listed
        assert "请选择政策层级" in await press("« 返回")
        listed = await press("市级")  # the 2023 plan's items after the current measures
        assert "〔2023年度〕" not in listed.split("\n", 3)[2]
        assert "请选择政策层级" in await press("« 返回")
        assert "请选择政策分类" in await press("« 返回分类")

        assert "请选择发文机关" in await press("🏢 按发文机关")
        current = harness.client.message(user, menu.message_id)
        assert "样板省商务厅" in current.button_texts and "示范市财政局" in current.button_texts
        listed = await press("示范市经济和信息化局")
        # the repealed measures are listed as such beside the current ones
        assert "市级专精特新企业奖励〔已废止〕" in listed and "已被新文件替代" in listed
        assert "企业技术中心奖励" in listed and "境外展会补贴" not in listed
        # current measures first: the repealed ones, still listed, come after them
        assert listed.index("企业技术中心奖励") < listed.index("〔已废止〕")
        assert "1. 市级专精特新企业奖励\n" in listed
        page = harness.client.message(user, menu.message_id)
        await harness.press(user, page, text=page.button_texts[0])
        [card] = await harness.next(user)
        assert "📄 " in (card.text or "")


async def test_levels_and_self_checks_across_documents(
    harness: Bot,
) -> None:
    # 首贷 names the bundled 首贷户 self-check (Wuhan's programme); the province's 首贷贴息
    # that answers has its own conditions, so the check is not offered under its card
    files = sorted(p for p in LIBRARY.iterdir() if p.suffix in (".txt", ".md", ".docx"))
    harness.knowledge.import_paths(files)
    async with harness.run():
        user = await harness.user()
        [card] = await harness.say(user, "首贷有贴息吗")
        assert "📄 首贷贴息" in (card.text or "") and "样板省" in (card.text or "")
        assert not any(t.startswith("✅") for t in card.button_texts)
        assert "可以做资格自测" not in (card.text or "")
        # the level the person names: the province's measure, though the city's scores
        # as high
        [card] = await harness.say(user, "贷款快到期了资金周转不过来,省里有应急资金帮忙吗")
        assert "📄 应急转贷" in (card.text or "") and "适用:样板 · 省级" in (card.text or "")
