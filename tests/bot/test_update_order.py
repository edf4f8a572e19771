"""The update processor: one person's updates in order and one at a time, different
people's concurrently, and a burst from one person does not hold the others up."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from telegram import Chat, Message, Update, User

from bot.update_order import PerPersonUpdateProcessor, person_of

_ids = iter(range(1, 1_000_000))


def update_from(user_id: int | None, chat_id: int = 1) -> Update:
    n = next(_ids)
    user = User(user_id, "张三", is_bot=False) if user_id is not None else None
    chat = Chat(chat_id, Chat.PRIVATE if user_id is not None else Chat.CHANNEL)
    message = Message(n, dt.datetime.now(dt.UTC), chat, from_user=user, text=str(n))
    if user is None:
        return Update(n, channel_post=message)
    return Update(n, message=message)


def test_a_person_is_the_user_else_the_chat() -> None:
    assert person_of(update_from(7, chat_id=-100)) == ("user", 7)
    assert person_of(update_from(None, chat_id=-100)) == ("chat", -100)
    assert person_of(Update(1)) is None
    assert person_of("not an update") is None


class Recorder:
    """Coroutines standing for handled updates: what ran, and how many at once."""

    def __init__(self) -> None:
        self.log: list[str] = []
        self.running = 0
        self.most = 0
        self.gates: dict[str, asyncio.Event] = {}

    async def handle(self, name: str, pause: float = 0.0) -> None:
        self.running += 1
        self.most = max(self.most, self.running)
        self.log.append(f"start {name}")
        gate = self.gates.get(name)
        if gate is not None:
            await gate.wait()
        await asyncio.sleep(pause)
        self.log.append(f"end {name}")
        self.running -= 1


async def test_one_persons_updates_run_one_after_another_in_order() -> None:
    processor = PerPersonUpdateProcessor(8)
    seen = Recorder()
    # the first takes longest: side by side, the later ones would finish first
    pauses = [0.05, 0.0, 0.03, 0.0, 0.01]
    await asyncio.gather(
        *(
            processor.process_update(update_from(1), seen.handle(str(i), pause))
            for i, pause in enumerate(pauses)
        )
    )
    assert seen.log == [f"{what} {i}" for i in range(len(pauses)) for what in ("start", "end")]
    assert seen.most == 1


async def test_different_people_run_side_by_side_up_to_the_limit() -> None:
    processor = PerPersonUpdateProcessor(3)
    seen = Recorder()
    await asyncio.gather(
        *(
            processor.process_update(update_from(user), seen.handle(str(user), 0.02))
            for user in range(1, 7)
        )
    )
    assert seen.most == 3
    assert processor.handling == 3


async def test_a_burst_from_one_person_does_not_hold_up_another() -> None:
    processor = PerPersonUpdateProcessor(2)
    seen = Recorder()
    seen.gates["a0"] = gate = asyncio.Event()
    burst = [
        asyncio.create_task(processor.process_update(update_from(1), seen.handle(f"a{i}")))
        for i in range(20)
    ]
    other = asyncio.create_task(processor.process_update(update_from(2), seen.handle("b")))
    await asyncio.wait_for(other, 1.0)  # while a0 still waits for its gate
    assert seen.log == ["start a0", "start b", "end b"]
    gate.set()
    await asyncio.gather(*burst)
    assert seen.log[3:] == [f"{what} a{i}" for i in range(20) for what in ("start", "end")][1:]


async def test_a_cancelled_waiting_update_never_starts_and_the_order_holds() -> None:
    processor = PerPersonUpdateProcessor(4)
    seen = Recorder()
    seen.gates["first"] = gate = asyncio.Event()
    first = asyncio.create_task(processor.process_update(update_from(1), seen.handle("first")))
    waiting = asyncio.create_task(processor.process_update(update_from(1), seen.handle("gone")))
    third = asyncio.create_task(processor.process_update(update_from(1), seen.handle("third")))
    await asyncio.sleep(0.01)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting  # its coroutine is closed, not left un-awaited (warnings are errors)
    await asyncio.sleep(0.01)
    assert seen.log == ["start first"]  # the third still waits for the first
    gate.set()
    await asyncio.gather(first, third)
    await processor.process_update(update_from(1), seen.handle("next"))
    assert seen.log == [
        *("start first", "end first", "start third", "end third"),
        *("start next", "end next"),
    ]


def test_a_positive_number_of_places() -> None:
    with pytest.raises(ValueError, match="positive"):
        PerPersonUpdateProcessor(0)
