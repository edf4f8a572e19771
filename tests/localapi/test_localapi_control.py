"""The ``/_control`` HTTP endpoints and ``python -m policybot_localapi``, as another process
uses them."""

from __future__ import annotations

import asyncio
import base64
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from telegram import Bot
from telegram.error import Forbidden, RetryAfter

from policybot_localapi.api import Limits, LocalBotAPI, RemoteControl, RemoteControlError
from policybot_localapi.testing import ptb_bot

TOKEN = "888000:CONTROL-token"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def api() -> AsyncIterator[LocalBotAPI]:
    async with LocalBotAPI(limits=Limits.relaxed()) as server:
        server.register_bot(TOKEN, username="policybot_bot")
        yield server


@pytest.fixture
async def remote(api: LocalBotAPI) -> AsyncIterator[RemoteControl]:
    async with RemoteControl(api.base_url) as control:
        yield control


@pytest.fixture
async def bot(api: LocalBotAPI) -> AsyncIterator[Bot]:
    async with ptb_bot(api, TOKEN) as ptb:
        yield ptb


async def test_drive_a_conversation_over_http(remote: RemoteControl, bot: Bot) -> None:
    user = await remote.call("create_user", first_name="孙八", username="sunba")
    assert user["language_code"] == "zh-hans"
    sent = await remote.call("send_message", user=user["id"], text="/start")
    (update,) = await bot.get_updates(timeout=1)
    assert update.update_id == sent["update_id"]
    reply = await bot.send_message(user["id"], "<i>欢迎</i>", parse_mode="HTML")
    [message] = await remote.call("wait_for_messages", chat=user["id"], count=1, timeout=2)
    assert message["message_id"] == reply.message_id
    assert message["text"] == "欢迎" and message["raw_text"] == "<i>欢迎</i>"

    document = await remote.call(
        "send_document", user=user["id"], filename="a.txt", data=b"bytes over http"
    )
    file_id = document["payload"]["document"]["file_id"]
    assert base64.b64decode(await remote.call("file_bytes", file_id=file_id)) == b"bytes over http"

    with pytest.raises(RemoteControlError, match="expected 1 new bot message") as info:
        await remote.call("wait_for_messages", chat=user["id"], timeout=0.1)
    assert info.value.status == 408
    with pytest.raises(RemoteControlError, match="unknown control action"):
        await remote.call("drop_database")
    with pytest.raises(RemoteControlError, match="unknown user"):
        await remote.call("send_message", user=1, text="x")


async def test_faults_and_limits_over_http(remote: RemoteControl, bot: Bot) -> None:
    user = await remote.call("create_user")
    fault = await remote.call("add_fault", method="sendMessage", status=403, count=1)
    assert fault["status"] == 403
    with pytest.raises(Forbidden):
        await bot.send_message(user["id"], "x")
    await bot.send_message(user["id"], "ok")
    limits = await remote.call("limits", private_burst=1)
    assert limits["private_burst"] == 1 and limits["rate_limits"] is False
    assert (await remote.call("bots"))[0]["username"] == "policybot_bot"
    assert "sendMessage" in await remote.call("methods")
    await remote.call("block_bot", user=user["id"])
    with pytest.raises(Forbidden, match="blocked"):
        await bot.send_message(user["id"], "x")
    await remote.call("clear_faults")
    await bot.send_message(user["id"], "unblocked by clear_faults")


async def test_control_get_and_raw_json(api: LocalBotAPI) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{api.base_url}/_control/bots") as response:
            body = await response.json()
        assert body["ok"] is True and body["result"][0]["id"] == 888000
        async with session.post(f"{api.base_url}/_control/create_chat", data="nope") as response:
            assert response.status == 400


async def test_python_m_localapi_serves_until_sigterm(tmp_path: Path) -> None:
    ready = tmp_path / "ready"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "policybot_localapi",
        "--port",
        "0",
        "--token",
        "123:ABC",
        "--username",
        "policybot_bot",
        "--ready-file",
        str(ready),
        "--log-level",
        "WARNING",
        cwd=str(ROOT),
        env=env,
    )
    try:
        for _ in range(200):
            if ready.exists() and ready.read_text().strip():
                break
            await asyncio.sleep(0.05)
        base_url = ready.read_text().strip()
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"{base_url}/bot123:ABC/getMe") as response,
        ):
            me = await response.json()
        assert me["result"]["username"] == "policybot_bot"
        async with RemoteControl(base_url) as control:
            user = await control.call("create_user", first_name="远程")
            await control.call("send_message", user=user["id"], text="hi")
            assert len(await control.call("pending_updates")) == 1
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.wait(), timeout=10)
    assert code == 0


async def test_push_benchmark_helpers(
    api: LocalBotAPI, remote: RemoteControl, bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    await remote.call("limits", rate_limits=True, global_per_second=4)
    users = await remote.call("create_users", count=6, first_name="企业")
    assert [u["first_name"] for u in users[:2]] == ["企业 0", "企业 1"]
    delivered, limited = 0, 0
    for user in users:
        try:
            await bot.send_message(user["id"], "政策推送")
            delivered += 1
        except RetryAfter:
            limited += 1
    assert (delivered, limited) == (4, 2)
    stats = await remote.call("stats")
    assert stats["errors"] == {"sendMessage:429": 2}
    assert stats["calls"]["sendMessage"] == 6 and stats["bot_messages"] == 4

    client = api.client(TOKEN)
    first = users[0]["id"]
    await asyncio.sleep(1.0)

    async def burst() -> None:
        await bot.send_message(first, "第一段")
        await asyncio.sleep(0.1)
        await bot.send_message(first, "第二段")

    task = asyncio.create_task(burst())
    collected = await client.collect_messages(first, idle=0.3, timeout=2)
    await task
    assert [m.text for m in collected][-2:] == ["第一段", "第二段"]
