"""Every public name of :mod:`policybot_localapi` in one module."""

from policybot_localapi.client import BotClient
from policybot_localapi.errors import ApiError
from policybot_localapi.faults import Fault, FaultInjector
from policybot_localapi.limits import Limits
from policybot_localapi.reader import Injected
from policybot_localapi.records import CallbackAnswer, InlineAnswer, MessageRecord
from policybot_localapi.remote import RemoteControl, RemoteControlError
from policybot_localapi.server import LocalBotAPI
from policybot_localapi.types import Chat, User

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
