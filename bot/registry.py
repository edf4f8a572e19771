"""Every feature, in the order its handlers get an update. ``bot/app.py`` loops over
``FEATURES``; the menus, /help, the fuzz command list and the role matrix read the same
declarations (see bot/features.py).

Order matters within group 0 (the first matching handler wins): conversations and the
handlers that take a typed answer come before ``consult`` (any text is a question), the
knowledge-base uploads before ``media``, and the catch-alls (``media``, ``fallback``)
last. Commands match only their own name, so a feature's commands may sit anywhere.
"""

from __future__ import annotations

from bot.features import Command, Feature, all_commands
from bot.handlers import (
    admin,
    broadcast,
    browse,
    clarify,
    consult,
    eligibility,
    fallback,
    feedback,
    flood,
    flows,
    forget,
    inline,
    kb_admin,
    kb_triage,
    media,
    profile,
    relay,
    request,
    search,
    start,
    stats,
    subscribe,
    ticket_input,
    ticket_route,
    tickets,
)

FEATURES: tuple[Feature, ...] = (
    flood.FEATURE,  # group -4: may stop the update
    flows.FEATURE,  # /cancel, /resume, expiry and one-open-flow: wired with the registry
    start.FEATURE,
    # service requests: their conversations and relay come before consult
    admin.FEATURE,
    request.FEATURE,
    ticket_input.FEATURE,
    relay.FEATURE,
    ticket_route.FEATURE,
    tickets.FEATURE,
    # knowledge-base admin: after the tickets (documents as materials), before consult
    # (typed edits are texts) and media (uploads are documents)
    kb_admin.FEATURE,
    kb_triage.FEATURE,
    stats.FEATURE,
    subscribe.FEATURE,  # policy push: /subscribe, card:sub, sub:…
    # eligibility: /check, card:check, elig:…, then /profile, /match, /forget
    eligibility.FEATURE,
    profile.FEATURE,
    forget.FEATURE,
    broadcast.FEATURE,
    browse.FEATURE,
    search.FEATURE,
    consult.FEATURE,
    clarify.FEATURE,
    feedback.FEATURE,
    inline.FEATURE,
    media.FEATURE,
    fallback.FEATURE,
)

# the order of the command menu and /help: everyone's commands as people use them,
# then the commissioners' and the admins' own
MENU: tuple[Feature, ...] = (
    start.FEATURE,
    browse.FEATURE,
    search.FEATURE,
    eligibility.FEATURE,
    profile.FEATURE,
    request.FEATURE,
    subscribe.FEATURE,
    forget.FEATURE,
    flows.FEATURE,
    tickets.FEATURE,
    admin.FEATURE,
    broadcast.FEATURE,
    kb_admin.FEATURE,
    kb_triage.FEATURE,
    stats.FEATURE,
)


def commands() -> list[Command]:
    """Every declared command, in feature order."""
    return list(all_commands(FEATURES))
