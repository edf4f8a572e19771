"""Runtime configuration, read once from the environment (``POLICYBOT_*``) in ``main()``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

if TYPE_CHECKING:
    from services.sla import SlaPolicy


def default_data_dir() -> Path:
    """``$XDG_DATA_HOME/policybot``, i.e. ``~/.local/share/policybot`` by default."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "policybot"


class Settings(BaseSettings):
    """All settings of policybot. Every field can be set as ``POLICYBOT_<NAME>``."""

    model_config = SettingsConfigDict(
        env_prefix="POLICYBOT_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    data_dir: Path = Field(default_factory=default_data_dir)
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default: SQLite file in data_dir"
    )
    timezone: str = "Asia/Shanghai"

    # Knowledge base
    load_bundled_kb: bool = True
    answer_threshold: float = Field(default=0.5, ge=0.0, le=1.0)
    # a wording chosen (clarification tap or 👍) by this many distinct users becomes an
    # alternative question of the entry; an admin's attach confirms it at once
    learn_min_users: int = Field(default=3, ge=1, le=1000)
    max_question_chars: int = Field(default=300, ge=10)
    index_dir: Path | None = Field(
        default=None,
        description="where the built search index is kept between runs; default: data_dir/index",
    )

    # Telegram
    telegram_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org/bot"
    telegram_file_url: str | None = None
    webhook_url: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_secret: SecretStr | None = None
    # SIGTERM: seconds to let updates in progress finish before the process exits
    webhook_drain_seconds: float = Field(default=20.0, ge=0)
    admin_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)

    # Flood control per user: ``flood_rate`` updates per second sustained, bursts of
    # ``flood_burst``; over it, one notice per ``flood_window`` seconds
    flood_rate: float = Field(default=2.0, gt=0)
    flood_burst: int = Field(default=20, ge=1)
    flood_window: float = Field(default=10.0, gt=0)

    # A Bot API call that failed transiently (5xx, timeout, lost connection) is retried
    # after this many seconds, then twice as long each time (bot/retry.py)
    api_retry_delay: float = Field(default=0.5, ge=0, le=4)

    # Policy push: reminders N days before a 申报期限; delivery lease and pace
    deadline_remind_days: int = Field(default=3, ge=0, le=90)
    push_lease_seconds: float = Field(default=60.0, gt=0)
    push_rate: float = Field(default=28.0, gt=0, le=30, description="messages per second")

    # Service requests: SLA deadlines in working days (Mon–Fri), reminder hour
    sla_first_contact_days: int = Field(default=1, ge=0)
    sla_resolve_days: int = Field(default=3, ge=0)
    sla_remind_hour: int = Field(default=9, ge=0, le=23)

    # The database scans that plan pushes and send SLA reminders (push:plan, push:deadline,
    # tickets:sla) run every 20 s / 1 h / 5 min; this sets one interval for all of them
    scan_interval_seconds: float | None = Field(default=None, gt=0)

    # Eligibility self-check: minutes without activity before a check is paused
    check_timeout_minutes: float = Field(default=30.0, gt=0)
    # Any multi-step flow (request form, self-check, wizard…) without activity this long
    # ends before the next update, so it never takes a text typed much later
    flow_expiry_minutes: float = Field(default=120.0, gt=0)

    # Personal data: closed tickets' personal fields are anonymised after N days
    retention_days: int = Field(default=0, ge=0, description="0: keep")

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return [int(part) for part in value.replace(";", ",").split(",") if part.strip()]
        if isinstance(value, int):
            return [value]
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def sla_policy(self) -> SlaPolicy:
        """The service-request deadlines, for the ticket handlers and the SLA job."""
        from services.sla import SlaPolicy

        return SlaPolicy(
            first_contact_days=self.sla_first_contact_days,
            resolve_days=self.sla_resolve_days,
            remind_hour=self.sla_remind_hour,
            tz=self.tz,
        )

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'policybot.db'}"

    @property
    def resolved_index_dir(self) -> Path:
        return self.index_dir or self.data_dir / "index"

    def ensure_data_dir(self) -> None:
        if not self.database_url:
            self.data_dir.mkdir(parents=True, exist_ok=True)
