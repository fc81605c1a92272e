"""the LINE channel as it is really used: typed choices (chat_prompts), officers' claims (handoff_claims)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "chat_prompts",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("options", sa.Text(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=True),
        sa.Column("offered_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["line_users.id"]),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_table(
        "handoff_claims",
        sa.Column("question_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["question_id"], ["interactions.id"]),
        sa.ForeignKeyConstraint(["officer_id"], ["officers.id"]),
        sa.PrimaryKeyConstraint("question_id"),
    )


def downgrade() -> None:
    op.drop_table("handoff_claims")
    op.drop_table("chat_prompts")
