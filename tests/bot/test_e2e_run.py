"""``policybot run`` as a real subprocess against the local Bot API: polling, webhook,
clean SIGTERM shutdown, and clear errors for a missing/bad token or an unreachable API."""

from __future__ import annotations

import asyncio
import shutil
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from policybot_localapi.api import Limits, LocalBotAPI
from tests.bot.cluster_support import free_port, instance_env, until
from tests.bot.e2e_support import TOKEN, USERNAME

EXE = shutil.which("policybot")
pytestmark = pytest.mark.skipif(EXE is None, reason="policybot is not installed")


@pytest.fixture
async def api() -> AsyncIterator[LocalBotAPI]:
    async with LocalBotAPI(limits=Limits.relaxed()) as server:
        server.register_bot(TOKEN, username=USERNAME)
        yield server


def environment(tmp_path: Path, **values: str) -> dict[str, str]:
    return instance_env({"POLICYBOT_DATA_DIR": str(tmp_path / "data")}, **values)


STARTED: list[asyncio.subprocess.Process] = []


@pytest.fixture(autouse=True)
async def reap() -> AsyncIterator[None]:
    """A test that fails half-way leaves no bot process behind."""
    yield
    while STARTED:
        proc = STARTED.pop()
        if proc.returncode is None:
            proc.kill()
            await proc.communicate()


async def start(env: dict[str, str], *args: str) -> asyncio.subprocess.Process:
    assert EXE is not None
    proc = await asyncio.create_subprocess_exec(
        EXE, "run", *args, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    STARTED.append(proc)
    return proc


async def finish(proc: asyncio.subprocess.Process) -> tuple[int, str]:
    _, stderr = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert proc.returncode is not None
    return proc.returncode, stderr.decode()


async def test_missing_token(tmp_path: Path) -> None:
    code, stderr = await finish(await start(environment(tmp_path)))
    assert code != 0
    assert "POLICYBOT_TELEGRAM_TOKEN" in stderr and "Traceback" not in stderr


async def test_bad_token(tmp_path: Path, api: LocalBotAPI) -> None:
    env = environment(
        tmp_path,
        POLICYBOT_TELEGRAM_TOKEN="999:not-registered",
        POLICYBOT_TELEGRAM_API_URL=api.bot_api_url,
    )
    code, stderr = await finish(await start(env))
    assert code != 0
    assert "令牌无效" in stderr and "Traceback" not in stderr
    assert "not-registered" not in stderr


async def test_unreachable_api(tmp_path: Path) -> None:
    env = environment(
        tmp_path,
        POLICYBOT_TELEGRAM_TOKEN=TOKEN,
        POLICYBOT_TELEGRAM_API_URL=f"http://127.0.0.1:{free_port()}/bot",
    )
    code, stderr = await finish(await start(env))
    assert code != 0
    assert "无法连接" in stderr and "Traceback" not in stderr and TOKEN not in stderr


async def _converse(api: LocalBotAPI) -> None:
    client = api.client(TOKEN)
    await client.wait_for(lambda: "setMyCommands" in client.calls() or None, 60, "start-up")
    user = await client.create_user("运维")
    await client.send_command(user, "start")
    [welcome] = await client.wait_for_messages(user, timeout=30)
    assert "欢迎" in (welcome.text or "")


async def _stop(proc: asyncio.subprocess.Process) -> str:
    proc.send_signal(signal.SIGTERM)
    return await _stop_after_signal(proc)


async def test_polling_and_clean_sigterm(tmp_path: Path, api: LocalBotAPI) -> None:
    env = environment(
        tmp_path, POLICYBOT_TELEGRAM_TOKEN=TOKEN, POLICYBOT_TELEGRAM_API_URL=api.bot_api_url
    )
    proc = await start(env)
    await _converse(api)
    assert "long polling" in await _stop(proc)


async def _health(session: aiohttp.ClientSession, port: int) -> tuple[int, dict[str, object]]:
    async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
        return response.status, await response.json()


async def _start_webhook(
    tmp_path: Path, api: LocalBotAPI, **values: str
) -> tuple[asyncio.subprocess.Process, int, str]:
    port = free_port()
    env = environment(
        tmp_path,
        POLICYBOT_TELEGRAM_TOKEN=TOKEN,
        POLICYBOT_TELEGRAM_API_URL=api.bot_api_url,
        **values,
    )
    url = f"http://127.0.0.1:{port}/telegram/hook"
    args = ("--webhook", "--url", url, "--listen", "127.0.0.1", "--port", str(port))
    proc = await start(env, *args, "--secret", "s3cret-token")
    client = api.client(TOKEN)
    await client.wait_for(lambda: client.webhook_info()["url"] or None, 60, "setWebhook")
    return proc, port, url


async def test_webhook_with_secret_and_health(tmp_path: Path, api: LocalBotAPI) -> None:
    proc, port, url = await _start_webhook(tmp_path, api)
    client = api.client(TOKEN)
    assert client.webhook_info()["url"] == url
    assert client.bot.webhook is not None and client.bot.webhook.secret_token == "s3cret-token"
    await _converse(api)
    await until(lambda: api.webhook_deliveries(TOKEN) >= 1, 10, "the delivery to be confirmed")
    async with aiohttp.ClientSession() as session:
        status, health = await _health(session, port)
        assert status == 200, health
        assert health["status"] == "ok" and health["database"] == "ok"
        assert health["scheduler"] == "ok" and health["draining"] is False
        update = {"update_id": 1}
        for headers in ({"X-Telegram-Bot-Api-Secret-Token": "wrong"}, {}):  # forged, missing
            async with session.post(url, json=update, headers=headers) as response:
                assert response.status == 403
        good = {"X-Telegram-Bot-Api-Secret-Token": "s3cret-token"}
        async with session.post(url, data=b"{not json", headers=good) as response:
            assert response.status == 400
    await _stop(proc)


async def test_sigterm_drains_updates_in_progress(tmp_path: Path, api: LocalBotAPI) -> None:
    """SIGTERM while an update is being handled: the update finishes (its reply is sent),
    the health check turns 503 meanwhile, and the process exits 0."""
    proc, port, _ = await _start_webhook(tmp_path, api, POLICYBOT_WEBHOOK_DRAIN_SECONDS="30")
    client = api.client(TOKEN)
    await client.wait_for(lambda: "setMyCommands" in client.calls() or None, 60, "start-up")
    user = await client.create_user("排空")
    api.faults.slow("sendMessage", delay=3.0, count=1)  # the reply takes 3 s to go out
    async with aiohttp.ClientSession() as session:
        await client.send_command(user, "start")
        await until(lambda: "sendMessage" in client.calls(), 30, "the reply to start")
        status, health = await _health(session, port)
        assert status == 200 and health["in_flight"] == 1, health
        proc.send_signal(signal.SIGTERM)
        await asyncio.sleep(0.5)
        status, health = await _health(session, port)
        assert status == 503 and health["draining"] is True, health
    [welcome] = await client.wait_for_messages(user, timeout=30)
    assert "欢迎" in (welcome.text or "")
    stderr = await _stop_after_signal(proc)
    assert "drained" in stderr and "complete" in stderr
    await until(lambda: api.webhook_deliveries(TOKEN) >= 1, 10, "the delivery to be confirmed")


async def _stop_after_signal(proc: asyncio.subprocess.Process) -> str:
    code, stderr = await finish(proc)
    assert code == 0, stderr
    assert TOKEN not in stderr and "Traceback" not in stderr
    return stderr
