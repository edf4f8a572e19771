"""Push benchmark: planning against 100 000 subscriptions, delivery through the local Bot
API with Telegram's limits, and a crash (kill -9) in the middle of a delivery.

    python benchmarks/push.py                   # everything (≈ 7 minutes)
    python benchmarks/push.py --messages 1000   # a quicker delivery and crash run
    python benchmarks/push.py --only plan       # plan | deliver | crash

Planning: 100 000 topic subscriptions with mixed filters and preferences; each run imports
one new policy and times ``plan_events`` (matching + outbox writes + planning mark, one
transaction) on SQLite and on PostgreSQL (private schema, skipped when unreachable).

Delivery: N outbox rows to N users, the real Application (AIORateLimiter, push:deliver
job) against an in-process local Bot API with strict limits (30 msg/s overall, 429
beyond): sustained rate, lost messages, 429s answered and any left unhandled.

Crash: ``policybot run`` as a subprocess delivers N rows, is killed with SIGKILL halfway,
restarted (lease 10 s); all N must arrive, duplicates ≤ rows in flight at the crash.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import shutil
import signal
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402
from sqlalchemy import create_engine, func, insert, select, text  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402
from sqlmodel import col  # noqa: E402

from bot.settings import Settings  # noqa: E402
from policybot_localapi.api import Limits, LocalBotAPI  # noqa: E402
from services.knowledge import KnowledgeBase  # noqa: E402
from services.push import NoProfileMatcher, plan_events  # noqa: E402
from storage import push_admin  # noqa: E402
from storage.db import make_engine, session_scope, upgrade  # noqa: E402
from storage.models_push import PushOutbox, PushPrefs, Subscription  # noqa: E402
from storage.push import pack  # noqa: E402
from storage.push_match import MatchTarget, match_clause  # noqa: E402

PG_URL = os.environ.get(
    "POLICYBOT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
TOKEN = "777001:push-benchmark"
TZ = Settings().tz
CATEGORIES = [
    "融资服务",
    "创新发展",
    "企业培育",
    "市场法治",
    "政策服务",
    "人才支持",
    "数字化转型",
    "外贸",
]
DISTRICTS = ["江岸", "江汉", "硚口", "汉阳", "武昌", "青山", "洪山", "东西湖", "蔡甸", "江夏"]
AUDIENCES = ["小微企业", "个体工商户", "专精特新企业", "科技型中小企业", "制造业企业"]
LEVELS = ["国家", "省", "市", "区"]


def ok(good: bool) -> str:
    return "✓" if good else "✗"


# ---------------------------------------------------------------------------- planning
def seed_subscriptions(engine: Engine, count: int, rng: random.Random) -> None:
    now = dt.datetime.now(dt.UTC)
    subs, prefs = [], []
    for user_id in range(1, count + 1):
        kind = rng.random()
        row = {"user_id": user_id, "kind": "topic", "categories": "", "levels": "", "districts": ""}
        row |= {"audiences": "", "entry_id": None, "created_at": now, "updated_at": now}
        if kind < 0.45:
            row["categories"] = pack(rng.sample(CATEGORIES, rng.randint(1, 2)))
        elif kind < 0.60:
            row["levels"] = pack(rng.sample(LEVELS, rng.randint(1, 2)))
        elif kind < 0.75:
            row["levels"], row["districts"] = pack(["区"]), pack(rng.sample(DISTRICTS, 1))
        elif kind < 0.85:
            row["audiences"] = pack(rng.sample(AUDIENCES, 1))
        subs.append(row)
        cadence = rng.choices(["instant", "daily", "weekly"], [7, 2, 1])[0]
        prefs.append(
            {"user_id": user_id, "cadence": cadence, "deliver_minute": rng.choice([480, 540, 600])}
            | {"weekday": rng.randint(0, 6), "quiet_start": 1320, "quiet_end": 480}
            | {"paused_at": None, "paused_reason": None, "created_at": now, "updated_at": now}
        )
    with engine.begin() as conn:
        conn.execute(insert(Subscription), subs)
        conn.execute(insert(PushPrefs), prefs)
    with engine.begin() as conn:  # statistics, as autovacuum / a DBA would have them
        conn.execute(text("ANALYZE"))


def new_policy(kb: KnowledgeBase, directory: Path, n: int) -> MatchTarget:
    key = f"bench-{n}"
    entry: dict[str, object] = {"id": "1", "title": f"新政策{n}", "body": "给予贴息。"}
    entry |= {"categories": ["融资服务"], "audiences": ["小微企业"]}
    level, region = ("区", "江岸") if n % 2 else ("市", "武汉")
    doc = {"document": {"key": key, "title": f"文件{n}", "level": level, "region": region}}
    path = directory / f"{key}.yaml"
    path.write_text(yaml.safe_dump(doc | {"entries": [entry]}, allow_unicode=True), "utf-8")
    kb.import_paths([path])
    return MatchTarget(f"{key}:1", ("融资服务",), level, region, ("小微企业",))


def bench_plan(name: str, url: str, count: int, runs: int) -> None:
    engine = make_engine(url)
    upgrade(engine)
    kb = KnowledgeBase(engine)
    with session_scope(engine) as session:  # nothing to plan before the measurement
        plan_events(session, now=dt.datetime.now(TZ), tz=TZ, matcher=NoProfileMatcher())
    started = time.perf_counter()
    seed_subscriptions(engine, count, random.Random(5))
    seeded = time.perf_counter() - started
    times, rows, matching = [], [], []
    with tempfile.TemporaryDirectory() as directory:
        for n in range(runs):
            target = new_policy(kb, Path(directory), n)
            query = select(func.count(func.distinct(Subscription.user_id))).where(
                match_clause(target)
            )
            with engine.connect() as conn:
                t0 = time.perf_counter()
                conn.execute(query).scalar_one()
                matching.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            with session_scope(engine) as session:
                report = plan_events(
                    session, now=dt.datetime.now(TZ), tz=TZ, matcher=NoProfileMatcher()
                )
            times.append(time.perf_counter() - t0)
            rows.append(report.rows)
    worst = max(times)
    plans = ", ".join(f"{t * 1000:.0f}" for t in times)
    written = ", ".join(f"{r:,}" for r in rows)
    print(f"  {name:<10} {count:,} subs (seeded in {seeded:.1f} s)", end="")
    print(f"  match-only {statistics.median(matching) * 1000:.0f} ms", end="")
    print(f"  plan {plans} ms for {written} rows", end="")
    print(f"  worst {worst:.2f} s   target ≤ 1 s {ok(worst <= 1)}")
    engine.dispose()


def pg_schema_url() -> tuple[str, Engine] | None:
    try:
        admin = create_engine(PG_URL, connect_args={"connect_timeout": 3})
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # unreachable PostgreSQL: report and skip
        print(f"  postgresql skipped: {type(exc).__name__}")
        return None
    return f"{PG_URL}?options=-csearch_path%3D{schema}", admin


def run_plan(args: argparse.Namespace, tmp: Path) -> None:
    print(f"\nPlanning one new policy against {args.subscriptions:,} subscriptions")
    bench_plan("sqlite", f"sqlite:///{tmp / 'plan.db'}", args.subscriptions, args.runs)
    found = pg_schema_url()
    if found is not None:
        url, admin = found
        try:
            bench_plan("postgresql", url, args.subscriptions, args.runs)
        finally:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{url.rsplit("%3D", 1)[1]}" CASCADE'))


# ---------------------------------------------------------------------------- delivery
def queue_messages(url: str, user_ids: list[int]) -> Engine:
    engine = make_engine(url)
    upgrade(engine)
    KnowledgeBase(engine).ensure_bundled()
    now = dt.datetime.now(dt.UTC)
    with session_scope(engine) as session:
        notice_id, _ = push_admin.queue_broadcast(
            session, text="基准测试通知", audience=push_admin.Audience(), actor_id=0, now=now
        )
    rows = [
        {"user_id": u, "notice_id": notice_id, "state": "pending", "digest": False, "due_at": now}
        | {"attempts": 0, "resends": 0, "created_at": now}
        for u in user_ids
    ]
    prefs = [  # quiet hours off: the benchmark must not depend on the time of day
        {"user_id": u, "cadence": "instant", "deliver_minute": 540, "weekday": 0}
        | {"quiet_start": 0, "quiet_end": 0, "created_at": now, "updated_at": now}
        for u in user_ids
    ]
    with engine.begin() as conn:
        conn.execute(insert(PushPrefs), prefs)
        conn.execute(insert(PushOutbox), rows)
    return engine


def count_states(engine: Engine) -> Counter[str]:
    state = col(PushOutbox.state)
    stmt = select(state, func.count()).group_by(state)
    with engine.connect() as conn:
        return Counter({str(state): int(n) for state, n in conn.execute(stmt)})


async def wait_all_sent(engine: Engine, total: int, limit: float) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        states = await asyncio.to_thread(count_states, engine)
        if states["sent"] + states["failed"] >= total:
            return
        await asyncio.sleep(1)
    raise TimeoutError(f"not delivered within {limit:.0f} s: {dict(states)}")


def delivered(api: LocalBotAPI, users: list[int]) -> tuple[int, int, list[float]]:
    """(distinct users reached, duplicate messages, send times)."""
    client = api.client(TOKEN)
    counts = [len(client.messages(u)) for u in users]
    times = sorted(m.created for u in users for m in client.messages(u))
    return sum(1 for c in counts if c), sum(max(c - 1, 0) for c in counts), times


def sustained(times: list[float]) -> float:
    """Messages per second between the 5th and 95th percentile sends (ramp-up excluded)."""
    lo, hi = int(len(times) * 0.05), int(len(times) * 0.95) - 1
    return (hi - lo) / (times[hi] - times[lo]) if hi > lo else 0.0


def bot_env(url: str, api: LocalBotAPI, tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYBOT_")}
    env |= {"POLICYBOT_DATABASE_URL": url, "POLICYBOT_DATA_DIR": str(tmp)}
    env |= {"POLICYBOT_TELEGRAM_TOKEN": TOKEN, "POLICYBOT_TELEGRAM_API_URL": api.bot_api_url}
    return env | {"POLICYBOT_PUSH_LEASE_SECONDS": "10"}


async def start_bot(env: dict[str, str]) -> asyncio.subprocess.Process:
    """``policybot run`` in its own process (its event loop is not the server's)."""
    exe = shutil.which("policybot")
    assert exe is not None, "pip install -e . first"
    devnull = asyncio.subprocess.DEVNULL
    return await asyncio.create_subprocess_exec(exe, "run", env=env, stdout=devnull, stderr=devnull)


async def run_deliver(args: argparse.Namespace, tmp: Path) -> None:
    print(f"\nDelivery of {args.messages:,} messages by `policybot run`")
    print("(local Bot API in this process, strict limits: 30 msg/s overall, 429 beyond)")
    async with LocalBotAPI(limits=Limits.strict()) as api:
        api.register_bot(TOKEN, username="push_bench_bot")
        users = [u.id for u in await api.client(TOKEN).create_users(args.messages)]
        url = f"sqlite:///{tmp / 'deliver.db'}"
        engine = queue_messages(url, users)
        started = time.monotonic()
        proc = await start_bot(bot_env(url, api, tmp))
        await wait_all_sent(engine, len(users), limit=args.messages / 20 + 60)
        wall = time.monotonic() - started
        proc.send_signal(signal.SIGTERM)
        await proc.wait()
        reached, duplicates, times = delivered(api, users)
        answered_429 = api.client(TOKEN).stats()["errors"].get("sendMessage:429", 0)
        failed = count_states(engine)["failed"]
    rate, lost = sustained(times), len(users) - reached
    print(f"  sustained {rate:5.1f} msg/s (with start-up {len(times) / wall:4.1f})", end="")
    print(f"   target ≥ 27 {ok(rate >= 27)}")
    print(f"  lost {lost}  duplicates {duplicates}   target 0 lost {ok(lost == 0)}")
    print(
        f"  429 answered by the server {answered_429}, retried by the bot's rate limiter;", end=""
    )
    print(f" rows failed {failed}   target no unhandled 429 {ok(failed == 0 and lost == 0)}")


# ---------------------------------------------------------------------------- crash
async def run_crash(args: argparse.Namespace, tmp: Path) -> None:
    print(
        f"\nCrash: `policybot run` killed with SIGKILL halfway through {args.messages:,} messages"
    )
    async with LocalBotAPI(limits=Limits.strict()) as api:
        api.register_bot(TOKEN, username="push_bench_bot")
        client = api.client(TOKEN)
        users = [u.id for u in await client.create_users(args.messages)]
        url = f"sqlite:///{tmp / 'crash.db'}"
        engine = queue_messages(url, users)
        env = bot_env(url, api, tmp)
        proc = await start_bot(env)
        half = len(users) // 2
        await client.wait_for(
            lambda: client.stats()["bot_messages"] >= half or None, args.messages / 10 + 120, "half"
        )
        proc.send_signal(signal.SIGKILL)
        await proc.wait()
        at_kill = client.stats()["bot_messages"]
        in_flight = count_states(engine)["sending"]
        restarted = time.monotonic()
        proc = await start_bot(env)
        await wait_all_sent(engine, len(users), limit=args.messages / 20 + 120)
        took = time.monotonic() - restarted
        proc.send_signal(signal.SIGTERM)
        await proc.wait()
        with engine.connect() as conn:
            resends = select(func.coalesce(func.sum(PushOutbox.resends), 0))
            resent = conn.execute(resends).scalar_one()
        reached, duplicates, _ = delivered(api, users)
    lost = len(users) - reached
    print(f"  killed after {at_kill:,} messages, {in_flight} rows in flight (sending)", end="")
    print(f"; the restart finished in {took:.0f} s (lease 10 s)")
    print(f"  delivered {reached:,}/{len(users):,}  lost {lost}   target 0 {ok(lost == 0)}")
    print(f"  duplicates {duplicates}  in_flight_resent {resent}", end="")
    print(f"   target duplicates ≤ in flight {ok(duplicates <= resent)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscriptions", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3, help="new policies planned, one by one")
    parser.add_argument("--messages", type=int, default=5_000)
    parser.add_argument("--only", choices=["plan", "deliver", "crash"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="push-bench-") as directory:
        tmp = Path(directory)
        if args.only in (None, "plan"):
            run_plan(args, tmp)
        if args.only in (None, "deliver"):
            asyncio.run(run_deliver(args, tmp))
        if args.only in (None, "crash"):
            asyncio.run(run_crash(args, tmp))


if __name__ == "__main__":
    main()
