"""``policybot ask`` gives the status of what it answers as the bot's card and lists do,
in the same words (``bot.render.cards``): a past year's plan, an expired document."""

from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

from bot.cli import app
from bot.render import cards
from knowledge.model import DocStatus
from services.knowledge import KnowledgeBase
from storage.db import make_engine
from tests.kbops.samples import DISTRICT_DOC, QUESTION

FORMATS = Path(__file__).resolve().parents[1] / "fixtures" / "formats"
# the sample document as a yearly work plan of a past year (a test fixture)
PLAN = DISTRICT_DOC.replace("示例区促进小微企业发展若干措施", "示例区2023年小微企业工作要点", 1)
EXPIRED_QUESTION = "招用高校毕业生有一次性吸纳就业补贴吗"  # only the expired test document


def test_ask_prints_the_cards_status_note_and_list_marks(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "plan.txt").write_text(PLAN, encoding="utf-8")
    (folder / "plan.yaml").write_text("document:\n  key: qu-plan\n  file: plan.txt\n")
    shutil.copy(FORMATS / "yangli-jiuye.txt", folder / "old.txt")
    (folder / "old.yaml").write_text(
        "document:\n  key: qu-old\n  file: old.txt\n  expiry_date: 2024-12-31\n"
    )
    env = {
        "POLICYBOT_DATA_DIR": str(tmp_path / "data"),
        "POLICYBOT_LOAD_BUNDLED_KB": "false",
        "POLICYBOT_DATABASE_URL": "",
        "COLUMNS": "200",
    }
    cli = CliRunner(env=env)
    imported = cli.invoke(app, ["kb", "import", str(folder)])
    assert imported.exit_code == 0, imported.output
    # one process, two questions: the plan's item, then one only the expired document has
    asked = cli.invoke(app, ["ask", "-"], input=f"{QUESTION}\n{EXPIRED_QUESTION}\n")
    assert asked.exit_code == 0, asked.output
    lines = asked.stdout.splitlines()

    engine = make_engine(f"sqlite:///{tmp_path / 'data' / 'policybot.db'}")
    knowledge = KnowledgeBase(engine)
    entry = knowledge.entry("qu-plan:1.1")
    assert entry is not None and entry.status_on(knowledge.today()) is DocStatus.PAST_YEAR
    note = cards.status_note(entry, knowledge.today())
    assert note == "此为2023年度工作要点,相关安排可能已调整。"
    # the answer to the plan: the card's own note under its title and source
    assert lines[0].startswith(entry.title) and lines[2] == f"⚠️ {note}"
    # the expired document is never the answer; listed with the bot's mark and note
    assert "没有找到确切答案" in asked.stdout
    assert f"{cards.EXPIRED_MARK}(qu-old:" in asked.stdout
    assert cards.EXPIRED_NOTE in asked.stdout
    engine.dispose()
