"""资格自测 in ``policybot shell``: buttons are pressed by number, answers typed."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.shell import SHELL_USER_ID
from services.knowledge import KnowledgeBase
from storage import profiles
from tests.bot.shell_support import run_shell


async def test_check_in_the_shell(engine: Engine, knowledge: KnowledgeBase) -> None:
    out = await run_shell(
        engine,
        knowledge,
        "/check",
        "4",  # 个体工商户直接转为“四上”企业奖励(个转企)
        "江汉区",  # a choice may be typed
        "1",  # 是
        "是的",
        "1",  # 💾 保存到企业档案
        "/match",
        "/quit",
        width=160,
    )
    assert "请选择要自测的政策项目" in out and "[4] 个体工商户直接转为“四上”企业奖励" in out
    assert "(第 1 题)" in out and "(第 3 题)" in out
    assert "你可能符合:《个体工商户直接转为“四上”企业奖励(个转企)》" in out
    assert "已保存到企业档案" in out and "政策体检" in out
    with Session(engine) as session:
        profile = profiles.get_profile(session, user_id=SHELL_USER_ID)
    assert profile is not None and profile.district == "江汉区"
