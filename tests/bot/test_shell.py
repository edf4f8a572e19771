"""``policybot shell``: the terminal chat drives the real bot through the local Bot API."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.settings import Settings
from bot.shell import SHELL_USER_ID
from services.knowledge import KnowledgeBase
from storage import users
from storage.models import QuestionLog
from tests.bot.shell_support import run_shell


async def test_scripted_session(engine: Engine, knowledge: KnowledgeBase) -> None:
    out = await run_shell(
        engine,
        knowledge,
        "/start",
        "2",  # 企业法人
        "个体户转成公司有奖励吗",
        "1",  # 原文
        "99",  # no such button
        "/browse",
        "!inline 贷款",
        "!sticker",
        "/quit",
        "never read",
    )
    assert "体验用户,您好!欢迎使用中小企业政策助手" in out
    assert "[1] 企业经办人   [2] 企业法人   [3] 市民" in out
    assert "已选择:企业法人" in out
    assert "📄 加快推进“个转企”" in out and "[1] 📜 原文" in out
    assert "原文 · 加快推进“个转企”" in out
    assert "没有这个按钮编号" in out
    assert "请选择政策分类" in out and "[1] 发展目标" in out
    assert "扩大小微企业贷款规模" in out  # inline results
    assert "我目前只能理解文字问题" in out
    assert out.rstrip().endswith("再见!")
    with Session(engine) as session:
        user = users.get_user(session, user_id=SHELL_USER_ID)
        channels = set(session.exec(select(QuestionLog.channel)).all())
    assert user is not None and user.role == "法人"
    assert channels == {"shell"}


async def test_clarifying_question_in_the_shell(engine: Engine, knowledge: KnowledgeBase) -> None:
    lines = ("专精特新怎么申报", "1", "专精特新怎么申报", "4", "/quit")
    out = await run_shell(engine, knowledge, *lines)
    assert out.count("您是想了解以下哪项?") == 2
    assert "[4] 都不是" in out and "[5] ✅" in out  # the self-check of the named programme
    assert "好的,以下是您选择的政策" in out  # option 1 chosen: its card
    assert "换个说法" in out  # 都不是: the rephrasing tip


async def test_the_buttons_of_every_message_of_a_reply_can_be_pressed(
    engine: Engine, knowledge: KnowledgeBase
) -> None:
    # asked back mid-form: the options and, in a second message, 继续 — numbered on, so
    # both can be pressed, as both can be tapped in a chat
    lines = ("/request", "融资方面有什么政策", "5", "融资方面有什么政策", "2", "/quit")
    out = await run_shell(engine, knowledge, *lines, width=160)
    assert "[4] 都不是" in out and "[5] 继续「提交诉求」" in out
    assert out.count("第 1/6 步") == 2  # 继续 went back to the step
    assert "好的,以下是您选择的政策" in out  # option 2 of the earlier message


async def test_files_the_bot_sends_are_saved(
    engine: Engine, knowledge: KnowledgeBase, tmp_path: Path
) -> None:
    settings = Settings(flood_rate=1000, admin_ids=[SHELL_USER_ID], data_dir=tmp_path)
    shown = await run_shell(engine, knowledge, "/ebook md", "/quit", settings=settings, quiet=0.3)
    out = " ".join(shown.split())
    [saved] = list((tmp_path / "shell-files").iterdir())
    assert saved.name.endswith(".md") and f"文件已保存到 {saved}" in out
    assert "惠企政策汇编" in saved.read_text(encoding="utf-8")
