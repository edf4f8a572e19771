"""Cluster benchmark: 1 and 2 ``policybot run --webhook`` processes on one PostgreSQL.

    python benchmarks/cluster.py                   # 300 users, 1 then 2 instances
    python benchmarks/cluster.py --users 500 --instances 2

The local Bot API delivers updates by webhook (in parallel up to 40 connections, one
chat's updates in order, as Telegram does) to a round-robin balancer in front of the
instances (tests/bot/cluster_support.py, the stand-in for nginx); every user sends one
dev-set question at the same moment. Reported: updates per second (questions answered /
wall time) and the p50/p99 time from question to reply. Every update is read from and
written to PostgreSQL (shared conversation state). No issue names a target for this; the
single-process polling figure of ``benchmarks/bot.py`` is the baseline beside it. Each
instance's AIORateLimiter allows 30 replies/s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import tempfile
import uuid
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

from benchmarks.bot import ask_all  # noqa: E402
from policybot_localapi.api import Limits, LocalBotAPI  # noqa: E402
from services.knowledge import KnowledgeBase  # noqa: E402
from storage.db import make_engine, upgrade  # noqa: E402
from tests.bot.cluster_support import (  # noqa: E402
    Balancer,
    Instance,
    free_port,
    instance_env,
    start_instance,
)

TOKEN = "777001:cluster-benchmark-token"
PG_URL = os.environ.get(
    "POLICYBOT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


async def healthy(instances: list[Instance], session: aiohttp.ClientSession) -> bool:
    states = [await i.health(session) for i in instances]
    return all(s is not None and s["status"] == "ok" for s in states)


async def run(users: int, count: int, work: Path, schema_url: str) -> dict[str, float]:
    engine = make_engine(schema_url)
    upgrade(engine)
    KnowledgeBase(engine).ensure_bundled()
    engine.dispose()
    ports = [free_port() for _ in range(count)]
    balancer = Balancer(ports)
    await balancer.start()
    instances: list[Instance] = []
    try:
        async with LocalBotAPI(limits=Limits.relaxed()) as api, aiohttp.ClientSession() as http:
            api.register_bot(TOKEN, username="policybot_cluster_bench_bot")
            client = api.client(TOKEN)
            env = instance_env(
                {
                    "POLICYBOT_DATA_DIR": str(work / "data"),
                    "POLICYBOT_DATABASE_URL": schema_url,
                    "POLICYBOT_TELEGRAM_TOKEN": TOKEN,
                    "POLICYBOT_TELEGRAM_API_URL": api.bot_api_url,
                    "POLICYBOT_FLOOD_RATE": "1000",
                }
            )
            for n, port in enumerate(ports):
                instances.append(
                    await start_instance(env, port, balancer.url, work / f"instance-{n}.log")
                )
            for _ in range(900):
                if await healthy(instances, http) and client.webhook_info()["url"]:
                    break
                await asyncio.sleep(0.1)
            people = await client.create_users(users)

            figures = await ask_all(client, people)
            for instance in instances:
                instance.process.send_signal(signal.SIGTERM)
            for instance in instances:
                await asyncio.wait_for(instance.process.wait(), 60)
    finally:
        for instance in instances:
            if instance.process.returncode is None:
                instance.process.kill()
                await instance.process.wait()
        await balancer.stop()
    served = min(balancer.served.values()) if balancer.served else 0
    return {**figures, "instances": count, "served": served}


def with_schema(users: int, count: int) -> dict[str, float]:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        with tempfile.TemporaryDirectory() as work:
            url = f"{PG_URL}?options=-csearch_path%3D{schema}"
            return asyncio.run(run(users, count, Path(work), url))
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=300)
    parser.add_argument("--instances", type=int, choices=[1, 2], default=None)
    args = parser.parse_args()
    counts = [args.instances] if args.instances else [1, 2]
    print(f"# policybot cluster benchmark — {args.users} users, webhook, PostgreSQL")
    header = ("instances", "users", "wall s", "updates/s", "p50 ms", "p99 ms")
    print(f"{header[0]:<10} " + " ".join(f"{h:>9}" for h in header[1:]))
    for count in counts:
        row = with_schema(args.users, count)
        print(
            f"{count:<10} {row['users']:>9.0f} {row['wall_s']:>9.1f} "
            f"{row['updates_per_s']:>9.1f} {row['p50_ms']:>9.0f} {row['p99_ms']:>9.0f}"
        )
    print("baseline: benchmarks/bot.py (one process, polling, SQLite); 30 replies/s per instance")


if __name__ == "__main__":
    main()
