"""End to end: an import reaches the right subscribers (and only them), updates are marked
更新, a removed entry's recipients get one 政策已撤回 notice; quiet hours, time zones and
digest windows with a fake clock."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session

from storage import push
from storage.models_push import Cadence
from tests.bot.e2e_support import Bot
from tests.bot.push_support import Clock, at, build, deliver, plan, rows, subscribe, write_document

FINANCE = [
    {"id": "1", "title": "小微企业贷款贴息", "categories": ["融资服务"], "audiences": ["小微企业"]},
    {"id": "2", "title": "首贷奖励", "categories": ["融资服务"]},
]


async def test_import_reaches_the_right_subscribers(harness: Bot, tmp_path: Path) -> None:
    clock = Clock(at(10))
    app = build(harness, clock, jobs=True)  # the real push:deliver job sends
    async with harness.run(app):
        await plan(app)  # the bundled document was imported before anyone subscribed
        finance, jiangan, hongshan, innovation, micro = [await harness.user() for _ in range(5)]
        # one subscription made through the bot, the others directly
        [intro] = await harness.command(finance, "subscribe")
        await harness.press(finance, intro, text="📚 按主题订阅")
        wizard = await harness.client.wait_for_edit(finance, intro.message_id)
        await harness.press(finance, wizard, text="融资服务")
        wizard = await harness.client.wait_for_edit(finance, intro.message_id, edits=2)
        await harness.press(finance, wizard, text="✅ 保存订阅")
        await harness.client.wait_for_edit(finance, intro.message_id, edits=3)
        subscribe(harness.engine, jiangan.id, at(10), levels=("区",), districts=("江岸",))
        subscribe(harness.engine, hongshan.id, at(10), levels=("区",), districts=("洪山",))
        subscribe(harness.engine, innovation.id, at(10), categories=("创新发展",))
        subscribe(harness.engine, micro.id, at(10), audiences=("个体工商户",))

        path = write_document(tmp_path, "qu-jiangan", FINANCE)
        harness.knowledge.import_paths([path])
        report = await plan(app)
        assert (report.events, report.notices, report.rows) == (2, 2, 5)

        notices = {user.id: (await harness.next(user))[0] for user in (finance, jiangan)}
        for notice in notices.values():
            text = notice.text or ""
            assert "政策推送 · 2 条" in text
            assert "🆕 小微企业贷款贴息" in text and "🆕 首贷奖励" in text
            assert notice.button_texts == ["1. 小微企业贷款贴息", "2. 首贷奖励", "⚙️ 管理订阅"]
        [single] = await harness.next(micro)  # names no audience → for everyone
        assert "🆕 新政策" in (single.text or "") and "首贷奖励" in (single.text or "")
        assert "适用:江岸 · 区级" in (single.text or "")
        await harness.press(finance, notices[finance.id], text="1. 小微企业贷款贴息")
        [card] = await harness.next(finance)
        assert "小微企业贷款贴息" in (card.text or "")
        for user in (hongshan, innovation):
            await harness.client.expect_no_messages(user, within=0.3)

        # re-import: one entry changed (更新), one removed (its recipients are told)
        changed = [{**FINANCE[0], "body": "贴息比例提高到50%。"}]
        harness.knowledge.import_paths([write_document(tmp_path, "qu-jiangan", changed)])
        report = await plan(app)
        assert (report.events, report.notices, report.rows) == (2, 2, 5)
        withdrawn, update = await harness.next(finance, count=2)
        assert "↩️ 政策已撤回" in (withdrawn.text or "") and "首贷奖励" in (withdrawn.text or "")
        assert withdrawn.button_texts == ["⚙️ 管理订阅"]
        assert "🔄 政策更新" in (update.text or "") and "贴息比例提高到50%" in (update.text or "")
        assert update.button_texts == ["📄 查看详情", "⚙️ 管理订阅"]
        await harness.next(jiangan, count=2)
        [withdrawn] = await harness.next(micro)  # it was told only about the removed entry
        assert "↩️ 政策已撤回" in (withdrawn.text or "")
        await harness.client.expect_no_messages(micro, within=0.3)
        assert await plan(app) == type(report)()  # nothing left to plan


async def test_quiet_hours_hold_notices_until_morning(harness: Bot, tmp_path: Path) -> None:
    clock = Clock(at(23, 30))  # 15:30 UTC
    app = build(harness, clock)
    async with harness.run(app):
        await plan(app)
        sleeper, owl = await harness.user(), await harness.user()
        subscribe(harness.engine, sleeper.id, at(23), categories=("融资服务",))
        subscribe(harness.engine, owl.id, at(23), categories=("融资服务",))
        with Session(harness.engine) as session:
            push.set_prefs(
                session, user_id=owl.id, prefs=push.Prefs(quiet_start=0, quiet_end=0), now=at(23)
            )
            session.commit()
        harness.knowledge.import_paths([write_document(tmp_path, "qu-night", FINANCE[:1])])
        await plan(app)
        stats = await deliver(app)
        assert stats.sent == 1  # only the user without quiet hours
        [late] = await harness.next(owl)
        assert "小微企业贷款贴息" in (late.text or "")
        [waiting] = rows(harness.engine, sleeper.id)
        assert waiting.state == "pending"
        assert waiting.due_at == at(8, day=3)  # 08:00 Shanghai = 00:00 UTC
        clock.set(at(7, 59, day=3))
        assert (await deliver(app)).sent == 0
        clock.set(at(8, 0, day=3))
        assert (await deliver(app)).sent == 1
        [morning] = await harness.next(sleeper)
        assert "小微企业贷款贴息" in (morning.text or "")


async def test_daily_digest_windows(harness: Bot, tmp_path: Path) -> None:
    clock = Clock(at(8, 30))
    app = build(harness, clock)
    async with harness.run(app):
        await plan(app)
        user = await harness.user()
        subscribe(harness.engine, user.id, at(8), categories=("融资服务",))
        with Session(harness.engine) as session:
            prefs = push.Prefs(cadence=Cadence.DAILY)
            push.set_prefs(session, user_id=user.id, prefs=prefs, now=at(8))
            session.commit()
        harness.knowledge.import_paths([write_document(tmp_path, "qu-a", FINANCE[:1])])
        await plan(app)  # before 09:00: today's digest
        clock.set(at(9, 10))
        second = [{"id": "1", "title": "担保费补贴", "categories": ["融资服务"]}]
        harness.knowledge.import_paths([write_document(tmp_path, "qu-b", second)])
        await plan(app)  # after 09:00: tomorrow's digest
        assert sorted(r.due_at for r in rows(harness.engine, user.id)) == [
            at(9),
            at(9, day=3),
        ]
        assert (await deliver(app)).sent == 1
        [today] = await harness.next(user)
        assert "每日政策摘要 · 1 条" in (today.text or "")
        assert "小微企业贷款贴息" in (today.text or "") and "担保费补贴" not in (today.text or "")
        clock.set(at(9, 0, day=3))
        assert (await deliver(app)).sent == 1
        [tomorrow] = await harness.next(user)
        assert "担保费补贴" in (tomorrow.text or "")
        assert tomorrow.button_texts == ["📄 查看详情", "⚙️ 管理订阅"]
