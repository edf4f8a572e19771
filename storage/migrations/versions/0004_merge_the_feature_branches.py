"""merge the feature branches

Revision ID: 0004
Revises: 0003kbops, 0003profile, 0003push, 0003tickets
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types


revision: str = '0004'
down_revision: str | Sequence[str] | None = ('0003kbops', '0003profile', '0003push', '0003tickets')
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
