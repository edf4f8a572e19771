"""question_log.outside_topic: the subject no document spoke of when a question was
declined for it (报税和发票 …), for the statistics

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("question_log", sa.Column("outside_topic", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("question_log") as batch:
        batch.drop_column("outside_topic")
