"""``policybot shell`` plays several users with ``!as USER_ID``: the four-party demo of
docs/service-map.example.yaml (enterprise 10004, commissioner 10002, department 10003)."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from bot.settings import Settings
from services import roles as role_service
from services.knowledge import KnowledgeBase
from storage.db import session_scope
from tests.bot.shell_support import run_shell
from tests.bot.tickets_support import MAP


async def test_shell_switches_between_simulated_users(
    engine: Engine, knowledge: KnowledgeBase
) -> None:
    with session_scope(engine) as session:
        role_service.load_service_map(session, role_service.read_service_map(MAP))
    out = await run_shell(
        engine,
        knowledge,
        "!as 10002",  # each party "opens the bot" once, as a real user would press Start
        "!as 10004",  # the enterprise
        "/request",
        "1",  # 政策咨询
        "想咨询贷款贴息",
        "示例科技有限公司",
        "2",  # 示例产业园
        "1",  # no phone: 跳过
        "2",  # no attachments: 跳过
        "1",  # ✅ 提交
        "!as 10002",  # the park's commissioner
        "1",  # ✅ 接单
        "!as 10004",
        "/quit",
        settings=Settings(flood_rate=1000, admin_ids=[10001]),
    )
    assert "现在的身份:用户10004(10004)" in out
    assert "诉求已提交" in out
    assert "新工单" in out and "示例产业园" in out and "[1] ✅ 接单" in out
    assert "状态:处理中" in out and "示例专员甲" in out
