"""Validation of reply_markup: inline keyboards, reply keyboards, remove, force reply."""

from __future__ import annotations

from typing import Any

from policybot_localapi.errors import Desc, bad_request
from policybot_localapi.htmlcheck import check_url
from policybot_localapi.limits import Limits

JSON = dict[str, Any]

_TEXT_TYPE = 'Field "text" must be of type String'
_INLINE_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)


def validate_markup(markup: Any, limits: Limits, *, inline_only: bool = False) -> JSON:
    """Return the markup if Telegram would accept it, else raise its 400 error."""
    if not isinstance(markup, dict):
        raise bad_request(Desc.REPLY_MARKUP_JSON)
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request(Desc.INLINE_KEYBOARD_NOT_ARRAY)
        count = 0
        for row in rows:
            for button in row:
                validate_inline_button(button, limits)
                count += 1
        if count > limits.max_inline_buttons:
            raise bad_request(Desc.REPLY_MARKUP_TOO_LONG)
        return {"inline_keyboard": rows}
    if inline_only:
        raise bad_request(Desc.INLINE_KEYBOARD_EXPECTED)
    if "keyboard" in markup:
        rows = markup["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request(
                'can\'t parse reply keyboard markup: Field "keyboard" of the '
                "ReplyKeyboardMarkup should be an Array of Arrays"
            )
        for row in rows:
            for button in row:
                text = button if isinstance(button, str) else (button or {}).get("text")
                if not isinstance(text, str) or not text:
                    raise bad_request(
                        'can\'t parse keyboard button: Field "text" must be of type String'
                    )
        return dict(markup)
    if markup.get("remove_keyboard") is True or markup.get("force_reply") is True:
        return dict(markup)
    raise bad_request(Desc.REPLY_MARKUP_JSON)


def validate_inline_button(button: Any, limits: Limits) -> None:
    if not isinstance(button, dict):
        raise bad_request(
            "can't parse inline keyboard button: InlineKeyboardButton must be an Object"
        )
    if "text" not in button:
        raise bad_request(Desc.BUTTON_TEXT_MISSING)
    if not isinstance(button["text"], str):
        raise bad_request(
            'can\'t parse inline keyboard button: Field "text" must be of type String'
        )
    if not any(key in button for key in _INLINE_ACTIONS):
        raise bad_request(Desc.TEXT_BUTTONS_UNALLOWED)
    if "callback_data" in button:
        data = button["callback_data"]
        if (
            not isinstance(data, str)
            or not 1 <= len(data.encode()) <= limits.max_callback_data_bytes
        ):
            raise bad_request(Desc.BUTTON_DATA_INVALID)
    if "url" in button:
        url = button["url"]
        if not isinstance(url, str) or check_url(url) is None:
            raise bad_request(Desc.BUTTON_URL_INVALID)
