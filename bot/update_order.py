"""One person's updates are handled one at a time, in the order they came; different
people's updates concurrently.

PTB's ``concurrent_updates(n)`` (``SimpleUpdateProcessor``) starts up to ``n`` updates at
once whoever sent them. Several messages a person sends in quick succession (a pasted
text Telegram splits, a question typed while the previous answer is on its way, a tap
right after a command) were then handled side by side: their replies could come out of
order, and each saw the conversation state and ``user_data`` as they were before the
other — /cancel sent right after /request found nothing to cancel, and the form stayed
open. :class:`PerPersonUpdateProcessor` chains each person's updates instead: an update
starts once the previous update of the same person is done (its prompts sent and its
state written, see :mod:`bot.cluster`).

An update waiting for its turn does not take one of the ``handling`` places, so a burst
from one person never stalls everyone else. PTB's own semaphore (``max_concurrent_updates``)
admits ``handling + waiting`` updates; beyond that, updates wait in PTB's queue as usual.

A person is the update's user, or its chat when it has no user (channel posts); updates
with neither (polls) are not ordered. Within one instance only: several instances behind
one webhook rely on Telegram sending one person's updates one after another.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

Person = tuple[str, int]

WAITING = 256  # updates admitted beyond those being handled (waiting for their turn)


def person_of(update: object) -> Person | None:
    """Whose update this is: ("user", id), ("chat", id), or None."""
    if not isinstance(update, Update):
        return None
    if update.effective_user is not None:
        return ("user", update.effective_user.id)
    if update.effective_chat is not None:
        return ("chat", update.effective_chat.id)
    return None


def _finish(done: asyncio.Future[None]) -> None:
    if not done.done():
        done.set_result(None)


class PerPersonUpdateProcessor(BaseUpdateProcessor):
    """At most ``handling`` updates are handled at once; a person's updates one after
    another, in the order they were admitted."""

    __slots__ = ("_handling", "_last", "_slots")

    def __init__(self, handling: int, *, waiting: int = WAITING) -> None:
        if handling < 1:
            raise ValueError("handling must be a positive integer")
        super().__init__(handling + waiting)
        self._handling = handling
        self._slots = asyncio.BoundedSemaphore(handling)
        # each person's most recently admitted update: resolved when it is done
        self._last: dict[Person, asyncio.Future[None]] = {}

    @property
    def handling(self) -> int:
        """How many updates are handled at the same moment (at most)."""
        return self._handling

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        person = person_of(update)
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        # registered before the first await: the order of admission is the order of turns
        before = self._last.get(person) if person is not None else None
        if person is not None:
            self._last[person] = done
        try:
            if before is not None:
                await asyncio.shield(before)
        except asyncio.CancelledError:
            # cancelled while waiting (shutdown): it never starts, and the next update of
            # this person still waits for the one before it
            assert before is not None

            def pass_on(_: object) -> None:
                _finish(done)
                self._forget(person, done)

            before.add_done_callback(pass_on)
            if inspect.iscoroutine(coroutine):
                coroutine.close()
            raise
        started = False
        try:
            async with self._slots:
                started = True
                await coroutine
        finally:
            _finish(done)  # the next update of this person may start
            self._forget(person, done)
            if not started and inspect.iscoroutine(coroutine):
                coroutine.close()  # cancelled while waiting for a place

    def _forget(self, person: Person | None, done: asyncio.Future[None]) -> None:
        if person is not None and self._last.get(person) is done and done.done():
            del self._last[person]

    async def initialize(self) -> None:
        """Nothing to set up (the chains are created as updates come)."""

    async def shutdown(self) -> None:
        """Nothing to free: every chain ends with its last update."""
