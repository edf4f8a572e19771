"""policy_entry.audience_tags: who an entry is for (industry, size, type, district)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # NULL for the entries stored before: their tags are read from the text when needed
    op.add_column("policy_entry", sa.Column("audience_tags", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("policy_entry") as batch:
        batch.drop_column("audience_tags")
