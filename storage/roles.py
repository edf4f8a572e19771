"""Data access for the service map (areas, commissioners, departments), granted roles and
the admin action log. Keyword-only functions; callers own the session."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import Session, col, select

from storage.models import BotUser, UserRole
from storage.models_tickets import AdminAction, Commissioner, Department, ServiceArea
from storage.types import utcnow

GRANTED = (UserRole.COMMISSIONER.value, UserRole.ADMIN.value)

# ------------------------------------------------------------------ areas


def upsert_area(session: Session, *, code: str, name: str, kind: str, district: str) -> ServiceArea:
    row = get_area(session, code=code) or ServiceArea(
        code=code, name=name, kind=kind, district=district
    )
    row.name, row.kind, row.district = name, kind, district
    session.add(row)
    session.flush()
    return row


def get_area(session: Session, *, code: str) -> ServiceArea | None:
    return session.exec(select(ServiceArea).where(ServiceArea.code == code)).first()


def list_areas(session: Session) -> list[ServiceArea]:
    stmt = select(ServiceArea).order_by(col(ServiceArea.district), col(ServiceArea.code))
    return list(session.exec(stmt).all())


def remove_area(session: Session, *, code: str) -> bool:
    row = get_area(session, code=code)
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True


# ------------------------------------------------------------------ commissioners


def upsert_commissioner(
    session: Session,
    *,
    user_id: int,
    name: str | None = None,
    area_code: str | None = None,
    capacity: int | None = None,
) -> Commissioner:
    """Create or update (and re-activate) a commissioner; None keeps a stored value."""
    row = session.get(Commissioner, user_id)
    if row is None:
        row = Commissioner(user_id=user_id, name=name or f"专员{str(user_id)[-4:]}")
    if name:
        row.name = name[:50]
    if area_code is not None:
        row.area_code = area_code or None
    if capacity is not None:
        row.capacity = max(capacity, 0)
    row.active = True
    session.add(row)
    session.flush()
    return row


def get_commissioner(session: Session, *, user_id: int) -> Commissioner | None:
    return session.get(Commissioner, user_id)


def list_commissioners(session: Session, *, active_only: bool = True) -> list[Commissioner]:
    stmt = select(Commissioner).order_by(col(Commissioner.user_id))
    if active_only:
        stmt = stmt.where(col(Commissioner.active).is_(True))
    return list(session.exec(stmt).all())


def deactivate_commissioner(session: Session, *, user_id: int) -> bool:
    row = session.get(Commissioner, user_id)
    if row is None or not row.active:
        return False
    row.active = False
    session.add(row)
    session.flush()
    return True


# ------------------------------------------------------------------ departments


def upsert_department(
    session: Session,
    *,
    code: str,
    name: str,
    chat_id: int,
    area_code: str | None = None,
    contacts: list[int] | None = None,
) -> Department:
    row = get_department_by_code(session, code=code)
    if row is None:
        row = Department(code=code, name=name, chat_id=chat_id)
    row.name, row.chat_id, row.area_code = name, chat_id, area_code
    row.contacts = sorted(set(contacts or []))
    session.add(row)
    session.flush()
    return row


def get_department(session: Session, *, department_id: int) -> Department | None:
    return session.get(Department, department_id)


def get_department_by_code(session: Session, *, code: str) -> Department | None:
    return session.exec(select(Department).where(Department.code == code)).first()


def list_departments(session: Session) -> list[Department]:
    return list(session.exec(select(Department).order_by(col(Department.code))).all())


def departments_of(session: Session, *, user_id: int, chat_id: int) -> list[int]:
    """Ids of the departments someone acts for: in the department's chat, or as one of
    its contact commissioners."""
    return [
        d.id
        for d in list_departments(session)
        if d.id is not None and (d.chat_id == chat_id or user_id in d.contacts)
    ]


def remove_department(session: Session, *, code: str) -> bool:
    row = get_department_by_code(session, code=code)
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True


# ------------------------------------------------------------------ roles and the log


def users_with_granted_roles(session: Session) -> list[BotUser]:
    stmt = select(BotUser).where(col(BotUser.role).in_(GRANTED)).order_by(col(BotUser.id))
    return list(session.exec(stmt).all())


def admin_user_ids(session: Session) -> list[int]:
    stmt = select(BotUser.id).where(BotUser.role == UserRole.ADMIN.value)
    return list(session.exec(stmt).all())


def clear_role(session: Session, *, user_id: int) -> bool:
    user = session.get(BotUser, user_id)
    if user is None or user.role is None:
        return False
    user.role = None
    session.add(user)
    session.flush()
    return True


def log_action(
    session: Session,
    *,
    actor_id: int | None,
    action: str,
    target: str,
    details: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> AdminAction:
    row = AdminAction(
        actor_id=actor_id,
        action=action[:30],
        target=target[:100],
        details=details or {},
        created_at=at or utcnow(),
    )
    session.add(row)
    session.flush()
    return row


def admin_actions(session: Session, *, limit: int = 100) -> list[AdminAction]:
    stmt = select(AdminAction).order_by(col(AdminAction.id).desc()).limit(limit)
    return list(session.exec(stmt).all())
