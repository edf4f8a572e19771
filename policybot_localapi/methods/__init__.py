"""Bot API method handlers; importing this package registers all of them."""

from policybot_localapi.methods import botapi, interactive, media, messages

__all__ = ["botapi", "interactive", "media", "messages"]
