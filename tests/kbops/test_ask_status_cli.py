"""``policybot ask`` gives the status of what it answers as the bot's card and lists do,
in the same words (``bot.render.cards``): a past year's plan, an expired document."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.render import cards
from knowledge.model import DocStatus
from services.knowledge import KnowledgeBase
from storage.db import make_engine
from tests.kbops.samples import DISTRICT_DOC, QUESTION

# the sample document as a yearly work plan of a past year (a test fixture)
PLAN = DISTRICT_DOC.replace("示例区促进小微企业发展若干措施", "示例区2023年小微企业工作要点", 1)


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.delenv("POLICYBOT_DATABASE_URL", raising=False)
    monkeypatch.setenv("POLICYBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("POLICYBOT_LOAD_BUNDLED_KB", "false")
    monkeypatch.setenv("COLUMNS", "200")
    return CliRunner()


def test_ask_prints_the_cards_status_note_and_list_marks(cli: CliRunner, tmp_path: Path) -> None:
    plan = tmp_path / "plan.txt"
    plan.write_text(PLAN, encoding="utf-8")
    assert cli.invoke(app, ["kb", "import", str(plan), "--key", "qu-plan"]).exit_code == 0
    answered = cli.invoke(app, ["ask", QUESTION])
    assert answered.exit_code == 0, answered.output
    engine = make_engine(f"sqlite:///{tmp_path / 'data' / 'policybot.db'}")
    knowledge = KnowledgeBase(engine)
    entry = knowledge.entry("qu-plan:1.1")
    assert entry is not None
    assert entry.status_on(knowledge.today()) is DocStatus.PAST_YEAR
    note = cards.status_note(entry, knowledge.today())
    assert note == "此为2023年度工作要点,相关安排可能已调整。"  # the card's own words
    assert answered.stdout.splitlines()[2] == f"⚠️ {note}"  # under the title and source

    expire = ["kb", "import", str(plan), "--key", "qu-plan", "--expiry", "2024-12-31"]
    assert cli.invoke(app, expire).exit_code == 0
    expired = cli.invoke(app, ["ask", QUESTION])
    assert expired.exit_code == 0, expired.output
    assert "没有找到确切答案" in expired.stdout  # an expired document is never the answer
    assert f"贷款贴息{cards.EXPIRED_MARK}(qu-plan:1.1" in expired.stdout
    assert cards.EXPIRED_NOTE in expired.stdout
    assert dt.date(2024, 12, 31) < knowledge.today()
    engine.dispose()
