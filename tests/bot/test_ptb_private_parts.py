"""``bot/cluster.py`` uses two private parts of python-telegram-bot: the Application's
``_conversation_handler_conversations`` (conversation name -> ``TrackingDict`` of states)
and ``TrackingDict``'s ``data`` and ``update_no_track``. ``pyproject.toml`` pins the minor
version they were written for; this test fails loudly when an upgrade changes them."""

from __future__ import annotations

from telegram.ext import ApplicationBuilder
from telegram.ext._utils.trackingdict import TrackingDict


def test_the_private_parts_the_cluster_uses_are_there() -> None:
    app = ApplicationBuilder().token("1:private-parts").build()
    conversations = app._conversation_handler_conversations
    assert isinstance(conversations, dict) and conversations == {}

    states: TrackingDict[tuple[int, ...], object] = TrackingDict()
    states.update_no_track({(1, 2): "STEP"})
    assert states.data == {(1, 2): "STEP"}
    assert states.pop_accessed_keys() == set()  # update_no_track marks nothing for writing
    states[(1, 2)] = "NEXT"
    assert states.pop_accessed_keys() == {(1, 2)}
    states.data.pop((1, 2), None)
    assert (1, 2) not in states and states.pop_accessed_keys() == set()
