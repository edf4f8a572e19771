"""Precise push ("符合我企业档案的政策") for every policy entry: a
``services.push.ProfileMatcher`` that asks the eligibility rules when a rule links the
entry (the stronger signal: the programme's own conditions), and otherwise the entry's
audience tags (适用对象 read from its text, ``knowledge.audience``) against the facts of
each subscriber's enterprise profile."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Sequence

from sqlalchemy.engine import Engine
from sqlmodel import Session

from knowledge.audience import Audience, profile_fits
from knowledge.model import EntryView
from services.eligibility import ProfileRuleMatcher
from storage import kb, profiles
from storage.db import session_scope
from storage.profiles import ProfileView


def entry_audience(engine: Engine, entry_id: str) -> Audience | None:
    """The 适用对象 tags profile matching uses for an entry (None: no such entry)."""
    with session_scope(engine) as session:
        return kb.audience_of(session, entry_id=entry_id)


class ProfilePushMatcher:
    def __init__(self, rules: ProfileRuleMatcher, *, today: Callable[[], dt.date]) -> None:
        self.rules = rules
        self._today = today
        # the profiles read for one planning batch (its session and subscriber list): a
        # batch asks about up to 50 entries, each against the same subscribers
        self._batch: tuple[Session, Sequence[int], dict[int, ProfileView]] | None = None

    def _profiles(self, session: Session, user_ids: Sequence[int]) -> dict[int, ProfileView]:
        batch = self._batch
        if batch is not None and batch[0] is session and batch[1] is user_ids:
            return batch[2]
        found = profiles.profiles_of(session, user_ids=user_ids)
        self._batch = (session, user_ids, found)
        return found

    def users_for(
        self, session: Session, entry: EntryView, user_ids: Sequence[int]
    ) -> Collection[int]:
        if not user_ids:
            return ()
        if self.rules.rules.for_entry(entry.entry_id):
            return self.rules.users_for(session, entry, user_ids)
        if entry.is_expired(self._today()):
            return ()
        audience = kb.audience_of(session, entry_id=entry.entry_id)
        if audience is None or audience.is_empty:
            return ()  # the text names no audience: nothing is guessed
        found = self._profiles(session, user_ids)
        return [
            user_id
            for user_id in user_ids
            if (profile := found.get(user_id)) is not None and profile_fits(audience, profile.facts)
        ]
