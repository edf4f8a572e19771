"""Bot benchmark: simulated users ask questions through the local Bot API.

    python benchmarks/bot.py                   # 1,000 users, relaxed and Telegram limits
    python benchmarks/bot.py --users 200 --limits relaxed

The real Application (polling over loopback, AIORateLimiter, SQLite database, bundled
knowledge base) answers; every user sends one question from the dev set at the same
moment. Reported: updates handled per second (questions answered / wall time) and the
p50/p99 time from a question to the bot's reply (all questions arrive at once, so the
latencies are mostly queueing). Run once with the server's flood limits off and once
with Telegram's limits (30 messages/s overall, 429 beyond). In both the bot's own
AIORateLimiter keeps it at Telegram's 30 messages/s, which is the ceiling of the
updates/s figure.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

from pydantic import SecretStr

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.app import build_application  # noqa: E402
from bot.runner import running  # noqa: E402
from bot.settings import Settings  # noqa: E402
from knowledge.evaluation import load_questions  # noqa: E402
from policybot_localapi.api import BotClient, LocalBotAPI, User  # noqa: E402
from policybot_localapi.limits import Limits  # noqa: E402
from services.knowledge import KnowledgeBase  # noqa: E402
from storage.db import make_engine, upgrade  # noqa: E402

TOKEN = "777000:benchmark-token"
QUESTIONS = [q.question for q in load_questions(ROOT / "tests/knowledge/dev_questions.yaml")]


async def run(users: int, limits: Limits, data_dir: Path) -> dict[str, float]:
    settings = Settings(
        telegram_token=SecretStr(TOKEN),
        data_dir=data_dir,
        flood_rate=1000,
        admin_ids=[],
    )
    engine = make_engine(settings.resolved_database_url)
    upgrade(engine)
    knowledge = KnowledgeBase(engine)
    knowledge.ensure_bundled()
    knowledge.refresh()
    async with LocalBotAPI(limits=limits) as api:
        api.register_bot(TOKEN, username="policybot_bench_bot")
        client = api.client(TOKEN)
        people = await client.create_users(users)
        app = build_application(
            settings,
            knowledge=knowledge,
            engine=engine,
            base_url=api.bot_api_url,
            base_file_url=api.file_url,
        )
        async with running(app, poll_timeout=1):
            figures = await ask_all(client, people)
    engine.dispose()
    return figures


async def ask_all(client: BotClient, people: list[User]) -> dict[str, float]:
    """Every user sends one dev-set question at the same moment and waits for the reply:
    updates per second over the wall time, p50/p99 from question to reply."""

    async def ask(index: int) -> float:
        person = people[index]
        started = time.perf_counter()
        await client.send_message(person, QUESTIONS[index % len(QUESTIONS)])
        await client.wait_for_messages(person, 1, timeout=600)
        return time.perf_counter() - started

    began = time.perf_counter()
    latencies = sorted(await asyncio.gather(*(ask(i) for i in range(len(people)))))
    wall = time.perf_counter() - began
    return {
        "users": len(people),
        "wall_s": wall,
        "updates_per_s": len(people) / wall,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[max(0, int(len(latencies) * 0.99) - 1)] * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--limits", choices=["relaxed", "telegram", "both"], default="both")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    modes = ["relaxed", "telegram"] if args.limits == "both" else [args.limits]
    print(f"# policybot bot benchmark — {time.strftime('%Y-%m-%d %H:%M')} — {args.users} users")
    print(f"{'limits':28} {'users':>6} {'wall s':>8} {'updates/s':>10} {'p50 ms':>9} {'p99 ms':>9}")
    for mode in modes:
        limits = Limits.relaxed() if mode == "relaxed" else Limits.strict()
        label = "server limits off" if mode == "relaxed" else "Telegram (30 msg/s overall)"
        with tempfile.TemporaryDirectory() as tmp:
            r = asyncio.run(run(args.users, limits, Path(tmp)))
        print(
            f"{label:28} {r['users']:6d} {r['wall_s']:8.1f} {r['updates_per_s']:10.1f}"
            f" {r['p50_ms']:9.0f} {r['p99_ms']:9.0f}"
        )
    print("the bot's AIORateLimiter caps replies at 30/s (Telegram's overall limit) in both rows")


if __name__ == "__main__":
    main()
