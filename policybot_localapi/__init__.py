"""A local Telegram Bot API server for end-to-end tests, offline chat and benchmarks.

async with LocalBotAPI() as api:
    api.register_bot("123:ABC", username="policybot_bot")
    client = api.client("123:ABC")
    user = await client.create_user("张三")
    ...  # run PTB against api.base_url + "/bot"
    await client.send_message(user, "/start")
    [reply] = await client.wait_for_messages(user)
"""

from policybot_localapi.api import (
    ApiError,
    BotClient,
    CallbackAnswer,
    Chat,
    Fault,
    FaultInjector,
    Injected,
    InlineAnswer,
    Limits,
    LocalBotAPI,
    MessageRecord,
    RemoteControl,
    RemoteControlError,
    User,
)

__all__ = [
    "ApiError",
    "BotClient",
    "CallbackAnswer",
    "Chat",
    "Fault",
    "FaultInjector",
    "Injected",
    "InlineAnswer",
    "Limits",
    "LocalBotAPI",
    "MessageRecord",
    "RemoteControl",
    "RemoteControlError",
    "User",
]
