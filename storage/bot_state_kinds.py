"""The kinds of rows in table ``bot_state`` (written by the PTB persistence in
``storage/persistence.py``, removed per user by ``storage/privacy.py``). Kept apart from the
persistence so that reading or deleting rows needs no python-telegram-bot."""

from __future__ import annotations

USER_DATA = "user_data"
CHAT_DATA = "chat_data"
BOT_DATA = "bot_data"
CALLBACK_DATA = "callback_data"
SINGLE_KEY = "-"  # the key of the single bot_data and callback_data rows


def conversation_kind(name: str) -> str:
    return f"conversation:{name}"[:80]
