"""End to end: an expired policy is found but not answered as current (marked 已失效),
and the weekly digest reaches the admins."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from knowledge.model import DocumentMeta
from scheduler import kb_expiry
from tests.bot.e2e_support import Bot, make_settings
from tests.kbops.samples import DISTRICT_DOC, QUESTION

ADMIN_ID = 9_100_003


async def test_expired_policy_is_marked(harness: Bot, tmp_path: Path) -> None:
    path = tmp_path / "expired.txt"
    path.write_text(DISTRICT_DOC, encoding="utf-8")
    meta = DocumentMeta(key="qu-expired", expiry_date=dt.date(2020, 12, 31))
    harness.knowledge.import_paths([path], meta=meta)
    async with harness.run():
        bot = harness
        user = await bot.user()
        [reply] = await bot.say(user, QUESTION)
        text = reply.text or ""
        assert "没有找到与您的问题完全对应的政策" in text  # not a confident answer
        assert "1. 贷款贴息〔已失效〕" in text and "已过有效期,仅供参考" in text
        await bot.press(user, reply, data=reply.buttons[0]["callback_data"])
        [card] = await bot.next(user)
        assert "⚠️ 已失效:本政策已于 2020年12月31日失效" in (card.text or "")
        [found] = await bot.command(user, "search", "贷款贴息")
        assert "贷款贴息〔已失效〕" in (found.text or "")


async def test_weekly_digest_reaches_admins(harness: Bot, tmp_path: Path) -> None:
    harness.settings = make_settings(admin_ids=[ADMIN_ID])
    path = tmp_path / "soon.txt"
    path.write_text(DISTRICT_DOC, encoding="utf-8")
    soon = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=10)
    harness.knowledge.import_paths([path], meta=DocumentMeta(key="qu-soon", expiry_date=soon))
    async with harness.run() as app:
        admin = await harness.client.create_user("管理员", user_id=ADMIN_ID)
        assert app.job_queue is not None
        [job] = app.job_queue.get_jobs_by_name(kb_expiry.JOB_NAME)
        await job.run(app)
        [digest] = await harness.next(admin)
        text = digest.text or ""
        assert "未来 30 天内将失效的政策" in text and soon.isoformat() in text
        assert "qu-soon" in text and "3 条" in text
