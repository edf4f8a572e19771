"""Learning from use, end to end: users pick the same option of a clarifying question,
the wording becomes an alternative question on the next index refresh, and the next user
asking it gets the card at once; `policybot kb learned` lists it with its provenance."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session, select

from services import learning
from storage.models_learning import LearnedEvidence
from tests.bot.e2e_support import Bot, make_settings

AMBIGUOUS = "专精特新怎么申报"


async def _choose(bot: Bot, name: str, option: str | None = None) -> str:
    """Ask the ambiguous question as a new user and tap ``option`` (default: the first);
    the title of the chosen option."""
    user = await bot.user(name)
    [asked] = await bot.say(user, AMBIGUOUS)
    assert "您是想了解以下哪项?" in (asked.text or "")
    label = option or asked.button_texts[0]
    assert label in asked.button_texts
    await bot.press(user, asked, text=label)
    [card] = await bot.next(user)
    assert "好的,以下是您选择的政策" in (card.text or "")
    return label


async def test_two_users_teach_the_bot_a_wording(harness: Bot, tmp_path: Path) -> None:
    harness.settings = make_settings(learn_min_users=2)
    async with harness.run():
        bot = harness
        label = await _choose(bot, "甲")
        with Session(bot.engine) as session:
            assert learning.listing(session) == []  # one user is not enough
        await _choose(bot, "乙", label)
        with Session(bot.engine) as session:
            [learned] = learning.listing(session)
            evidence = session.exec(select(LearnedEvidence)).all()
        assert learned.basis == "users" and learned.users == 2
        assert learned.question == AMBIGUOUS
        assert {e.kind for e in evidence} == {"clarify"} and len(evidence) == 2
        chosen = bot.knowledge.entry(learned.entry_id)
        assert chosen is not None and label.split(". ", 1)[1].rstrip("…") in chosen.title
        assert bot.knowledge.is_stale()  # picked up by the next index refresh (kb:refresh)
        bot.knowledge.refresh()
        user = await bot.user("丙")
        [card] = await bot.say(user, AMBIGUOUS)
        assert "您是想了解以下哪项" not in (card.text or "")
        assert chosen.title in (card.text or "") and "👍 有帮助" in card.button_texts
