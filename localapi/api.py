"""Every public name of :mod:`localapi`, importable even when ``localapi`` resolves as a
namespace package (pytest puts ``tests/`` on sys.path, and ``tests/localapi/`` exists)."""

from localapi.client import BotClient
from localapi.errors import ApiError
from localapi.faults import Fault, FaultInjector
from localapi.limits import Limits
from localapi.reader import Injected
from localapi.records import CallbackAnswer, InlineAnswer, MessageRecord
from localapi.remote import RemoteControl, RemoteControlError
from localapi.server import LocalBotAPI
from localapi.types import Chat, User

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
