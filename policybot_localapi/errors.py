"""Telegram-style API errors and the exact descriptions the real Bot API uses."""

from __future__ import annotations

from typing import Any

JSON = dict[str, Any]


class ApiError(Exception):
    """An error answered to the bot exactly as api.telegram.org would answer it."""

    def __init__(
        self,
        status: int,
        description: str,
        *,
        retry_after: int | None = None,
        migrate_to_chat_id: int | None = None,
        html_body: str | None = None,
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after
        self.migrate_to_chat_id = migrate_to_chat_id
        self.html_body = html_body

    def payload(self) -> JSON:
        body: JSON = {"ok": False, "error_code": self.status, "description": self.description}
        parameters: JSON = {}
        if self.retry_after is not None:
            parameters["retry_after"] = self.retry_after
        if self.migrate_to_chat_id is not None:
            parameters["migrate_to_chat_id"] = self.migrate_to_chat_id
        if parameters:
            body["parameters"] = parameters
        return body


def bad_request(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: {detail}")


def forbidden(detail: str) -> ApiError:
    return ApiError(403, f"Forbidden: {detail}")


def too_many_requests(retry_after: int) -> ApiError:
    retry_after = max(1, int(retry_after))
    return ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)


def conflict(detail: str) -> ApiError:
    return ApiError(409, f"Conflict: {detail}")


def unauthorized() -> ApiError:
    return ApiError(401, "Unauthorized")


def not_found() -> ApiError:
    return ApiError(404, "Not Found")


BAD_GATEWAY_HTML = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n"
    "</body>\r\n</html>\r\n"
)


class Desc:
    """Descriptions (without the "Bad Request: " / "Forbidden: " prefix) used by Telegram."""

    TEXT_EMPTY = "message text is empty"
    TEXT_TOO_LONG = "message is too long"
    CAPTION_TOO_LONG = "message caption is too long"
    CANT_PARSE = "can't parse entities: "
    UNSUPPORTED_PARSE_MODE = "unsupported parse_mode"
    CHAT_ID_EMPTY = "chat_id is empty"
    CHAT_NOT_FOUND = "chat not found"
    USER_NOT_FOUND = "user not found"
    MESSAGE_ID_MISSING = "message identifier is not specified"
    EDIT_NOT_FOUND = "message to edit not found"
    CANT_BE_EDITED = "message can't be edited"
    NO_TEXT_TO_EDIT = "there is no text in the message to edit"
    NO_CAPTION_TO_EDIT = "there is no caption in the message to edit"
    NOT_MODIFIED = (
        "message is not modified: specified new message content and reply markup are "
        "exactly the same as a current content and reply markup of the message"
    )
    DELETE_NOT_FOUND = "message to delete not found"
    REPLY_NOT_FOUND = "message to be replied not found"
    FORWARD_NOT_FOUND = "message to forward not found"
    COPY_NOT_FOUND = "message to copy not found"
    QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
    CALLBACK_TEXT_TOO_LONG = "MESSAGE_TOO_LONG"
    BUTTON_DATA_INVALID = "BUTTON_DATA_INVALID"
    BUTTON_URL_INVALID = "BUTTON_URL_INVALID"
    BUTTON_TEXT_MISSING = "can't parse inline keyboard button: Can't find field \"text\""
    TEXT_BUTTONS_UNALLOWED = (
        "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
    )
    INLINE_KEYBOARD_NOT_ARRAY = (
        'can\'t parse inline keyboard button: Field "inline_keyboard" of the '
        "InlineKeyboardMarkup should be an Array of Arrays"
    )
    REPLY_MARKUP_JSON = "can't parse reply keyboard markup JSON object"
    REPLY_MARKUP_TOO_LONG = "REPLY_MARKUP_TOO_LONG"
    INLINE_KEYBOARD_EXPECTED = "inline keyboard expected"
    RESULTS_TOO_MUCH = "RESULTS_TOO_MUCH"
    RESULT_ID_DUPLICATE = "RESULT_ID_DUPLICATE"
    RESULT_ID_INVALID = "RESULT_ID_INVALID"
    RESULT_TYPE_INVALID = "RESULT_TYPE_INVALID"
    BOT_COMMAND_INVALID = "BOT_COMMAND_INVALID"
    BOT_COMMANDS_TOO_MUCH = "BOT_COMMANDS_TOO_MUCH"
    COMMAND_EMPTY = "command must be non-empty"
    COMMAND_DESCRIPTION_EMPTY = "command description must be non-empty"
    LANGUAGE_CODE_INVALID = "invalid language code specified"
    WRONG_FILE_ID = "wrong file identifier/HTTP URL specified"
    INVALID_FILE_ID = "invalid file_id"
    FILE_TOO_BIG = "file is too big"
    FILE_EMPTY = "file must be non-empty"
    IMAGE_PROCESS_FAILED = "IMAGE_PROCESS_FAILED"
    WRONG_ACTION = "wrong parameter action in request"
    SECRET_TOKEN_INVALID = "secret token contains unallowed characters"
    WEBHOOK_HTTPS = "bad webhook: An HTTPS URL must be provided for webhook"
    WEBHOOK_URL_INVALID = "bad webhook: Failed to resolve host: Name or service not known"
    # 403 descriptions (prefix "Forbidden: ")
    BLOCKED = "bot was blocked by the user"
    DEACTIVATED = "user is deactivated"
    CANT_INITIATE = "bot can't initiate conversation with a user"
    KICKED = "bot was kicked from the {kind} chat"
    NOT_MEMBER = "bot is not a member of the {kind} chat"
    # 409 descriptions (prefix "Conflict: ")
    WEBHOOK_ACTIVE = (
        "can't use getUpdates method while webhook is active; use deleteWebhook to delete "
        "the webhook first"
    )
    OTHER_GETUPDATES = (
        "terminated by other getUpdates request; make sure that only one bot instance is running"
    )
