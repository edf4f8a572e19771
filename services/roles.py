"""Granting roles and loading the service map (areas, departments, commissioners).

Every change is written to ``admin_action`` with its actor (None: the CLI operator).
Nobody grants or revokes a role of their own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from sqlmodel import Session

from storage import roles, users
from storage.models import BotUser, UserRole
from storage.models_tickets import AreaKind

GRANTABLE = (UserRole.COMMISSIONER, UserRole.ADMIN)
# codes travel in callback data: letters, digits, "_", "." and "-" (not at the start)
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")


class RoleError(ValueError):
    """A refused change, with a message for the operator (Chinese)."""


def grant(
    session: Session,
    *,
    actor_id: int | None,
    user_id: int,
    role: UserRole,
    area_code: str | None = None,
    capacity: int | None = None,
    name: str | None = None,
) -> BotUser:
    if actor_id is not None and actor_id == user_id:
        raise RoleError("不能给自己授予角色。")
    if role not in GRANTABLE:
        raise RoleError("只能授予 专员 或 管理员。")
    if area_code and roles.get_area(session, code=area_code) is None:
        raise RoleError(f"没有编码为 {area_code} 的服务区域。")
    if capacity is not None and capacity < 0:
        raise RoleError("容量不能为负数。")
    user = users.set_role(session, user_id=user_id, role=role)
    if role is UserRole.COMMISSIONER:
        roles.upsert_commissioner(
            session, user_id=user_id, name=name, area_code=area_code, capacity=capacity
        )
    else:
        roles.deactivate_commissioner(session, user_id=user_id)
    details: dict[str, Any] = {"role": role.value, "area": area_code, "capacity": capacity}
    roles.log_action(
        session, actor_id=actor_id, action="grant", target=str(user_id), details=details
    )
    return user


def revoke(session: Session, *, actor_id: int | None, user_id: int) -> bool:
    """Remove a granted role (the user may choose 经办人/法人/市民 again). Tickets of a
    revoked commissioner stay assigned and appear in admins' /queue for reassignment."""
    if actor_id is not None and actor_id == user_id:
        raise RoleError("不能撤销自己的角色。")
    if users.user_role(session, user_id=user_id) not in GRANTABLE:
        return False
    roles.clear_role(session, user_id=user_id)
    roles.deactivate_commissioner(session, user_id=user_id)
    roles.log_action(session, actor_id=actor_id, action="revoke", target=str(user_id))
    return True


# ------------------------------------------------------------------ the service map


@dataclass(frozen=True, slots=True)
class MapReport:
    areas: int
    departments: int
    commissioners: int


def _text(item: dict[str, Any], key: str, where: str, *, required: bool = True) -> str | None:
    value = item.get(key)
    if value is None or str(value).strip() == "":
        if required:
            raise RoleError(f"{where} 缺少 {key}。")
        return None
    return str(value).strip()


def _int(value: object, where: str) -> int:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        raise RoleError(f"{where} 的 {value!r} 不是整数。") from None


def _items(data: dict[str, Any], key: str) -> list[dict[str, Any]]:
    items = data.get(key) or []
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise RoleError(f"{key} 应为列表,每项是键值对。")
    return items


def check_code(code: str, where: str = "") -> str:
    if not CODE_RE.match(code):
        raise RoleError(f"{where} 的编码 {code!r} 只能含字母、数字、_ . -(最长 40)。")
    return code


def read_service_map(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError) as exc:
        raise RoleError(f"无法读取 {path.name}:{type(exc).__name__}") from None
    if not isinstance(data, dict):
        raise RoleError(f"{path.name} 应包含 areas / departments / commissioners。")
    return data


def load_service_map(
    session: Session, data: dict[str, Any], *, actor_id: int | None = None
) -> MapReport:
    """Upsert areas, then departments and commissioners (granted 专员). All or nothing:
    any error raises ``RoleError`` and the caller's transaction is rolled back."""
    kinds = {k.value for k in AreaKind}
    areas = _items(data, "areas")
    for n, item in enumerate(areas, 1):
        where = f"areas 第 {n} 项"
        code, name = _text(item, "code", where), _text(item, "name", where)
        kind = _text(item, "kind", where, required=False) or AreaKind.DISTRICT.value
        if kind not in kinds:
            raise RoleError(f"{where} 的 kind 应为 {'/'.join(sorted(kinds))}。")
        district = _text(item, "district", where, required=kind != AreaKind.DISTRICT.value)
        assert code and name
        check_code(code, where)
        roles.upsert_area(session, code=code, name=name, kind=kind, district=district or code)
    departments = _items(data, "departments")
    for n, item in enumerate(departments, 1):
        where = f"departments 第 {n} 项"
        code, name = _text(item, "code", where), _text(item, "name", where)
        area = _text(item, "area", where, required=False)
        if area and roles.get_area(session, code=area) is None:
            raise RoleError(f"{where} 的区域 {area} 不存在。")
        contacts = [_int(c, where) for c in item.get("contacts") or []]
        assert code and name
        check_code(code, where)
        chat_id = _int(item.get("chat_id"), where)
        roles.upsert_department(
            session, code=code, name=name, chat_id=chat_id, area_code=area, contacts=contacts
        )
    commissioners = _items(data, "commissioners")
    for n, item in enumerate(commissioners, 1):
        where = f"commissioners 第 {n} 项"
        grant(
            session,
            actor_id=actor_id,
            user_id=_int(item.get("user_id"), where),
            role=UserRole.COMMISSIONER,
            area_code=_text(item, "area", where, required=False),
            capacity=_int(item["capacity"], where) if "capacity" in item else None,
            name=_text(item, "name", where, required=False),
        )
    report = MapReport(len(areas), len(departments), len(commissioners))
    roles.log_action(
        session,
        actor_id=actor_id,
        action="load_service_map",
        target="service_map",
        details={"areas": report.areas, "departments": report.departments},
    )
    return report
