"""learned_evidence and learned_wording: wordings learned from use

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import AwareDateTime

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "learned_evidence",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("entry_id", sa.String(length=80), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("normalized", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=True),
        sa.Column("question_id", sa.Integer(), nullable=True),
        sa.Column("created_at", AwareDateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_learned_evidence_wording", "learned_evidence", ["normalized", "entry_id"])
    op.create_index("ix_learned_evidence_user_id", "learned_evidence", ["user_id"])
    op.create_table(
        "learned_wording",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("entry_id", sa.String(length=80), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("normalized", sa.Text(), nullable=False),
        sa.Column("basis", sa.String(length=10), nullable=False),
        sa.Column("confirmed_by", sa.BigInteger(), nullable=True),
        sa.Column("users", sa.Integer(), nullable=False),
        sa.Column("confirmed_at", AwareDateTime(timezone=True), nullable=False),
        sa.Column("undone_at", AwareDateTime(timezone=True), nullable=True),
        sa.Column("undone_by", sa.BigInteger(), nullable=True),
        sa.UniqueConstraint("normalized", "entry_id", name="uq_learned_wording"),
    )
    op.create_index("ix_learned_wording_entry_id", "learned_wording", ["entry_id"])


def downgrade() -> None:
    op.drop_table("learned_wording")
    op.drop_table("learned_evidence")
