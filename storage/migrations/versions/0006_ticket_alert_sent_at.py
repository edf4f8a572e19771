"""ticket_alert.sent_at: an alert is claimed, then marked sent (re-sent if never marked)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "ticket_alert", sa.Column("sent_at", storage.types.AwareDateTime(), nullable=True)
    )
    # alerts recorded before this revision were sent when they were recorded
    op.execute("UPDATE ticket_alert SET sent_at = created_at")


def downgrade() -> None:
    with op.batch_alter_table("ticket_alert") as batch:
        batch.drop_column("sent_at")
