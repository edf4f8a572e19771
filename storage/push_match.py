"""Which subscriptions want a policy entry, as SQL over ``push_subscription``.

The filter columns are packed text (``|a|b|``), so matching is ``LIKE`` on SQLite and
PostgreSQL alike and planning stays one ``INSERT … SELECT``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, or_, true
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from storage.models_push import PushPrefs, Subscription, SubscriptionKind
from storage.push import pack, terms

DISTRICT_LEVEL = "区"


@dataclass(frozen=True, slots=True)
class MatchTarget:
    """The facts of a policy entry that subscriptions filter on."""

    entry_id: str
    categories: tuple[str, ...] = ()
    level: str | None = None
    region: str | None = None
    audiences: tuple[str, ...] = ()


def _any_of(column: Any, values: Iterable[str]) -> ColumnElement[bool]:
    """The packed ``column`` is "" (any) or contains one of ``values``."""
    options = [col(column).contains(f"|{v}|", autoescape=True) for v in terms(pack(values))]
    return or_(col(column) == "", *options)


def match_clause(target: MatchTarget) -> ColumnElement[bool]:
    """Topic subscriptions that want ``target``.

    A subscription follows its entry (``entry_id``) and, when it has filters, every entry
    passing them: a category in common; the entry's level; for 区-level entries one of the
    districts (higher levels apply to every district); an audience in common, where an
    entry that names no audience is for everyone. No filters and no entry: everything.
    """
    sub = Subscription
    audiences = _any_of(sub.audiences, target.audiences) if target.audiences else true()
    districts = (
        _any_of(sub.districts, [target.region or ""]) if target.level == DISTRICT_LEVEL else true()
    )
    filtered = and_(
        _any_of(sub.categories, target.categories),
        _any_of(sub.levels, [target.level or ""]),
        districts,
        audiences,
    )
    narrowed = or_(
        col(sub.categories) != "",
        col(sub.levels) != "",
        col(sub.districts) != "",
        col(sub.audiences) != "",
    )
    return and_(
        col(sub.kind) == SubscriptionKind.TOPIC.value,
        or_(
            col(sub.entry_id) == target.entry_id,
            and_(narrowed, filtered),
            and_(~narrowed, col(sub.entry_id).is_(None)),
        ),
    )


def profile_clause() -> ColumnElement[bool]:
    return col(Subscription.kind) == SubscriptionKind.PROFILE.value


def profile_subscribers(session: Session) -> list[int]:
    """Users with a "符合我企业画像的政策" subscription whose pushes are not paused."""
    stmt = (
        select(Subscription.user_id)
        .outerjoin(PushPrefs, col(PushPrefs.user_id) == col(Subscription.user_id))
        .where(profile_clause(), col(PushPrefs.paused_at).is_(None))
        .distinct()
    )
    return sorted(int(user_id) for user_id in session.exec(stmt))
