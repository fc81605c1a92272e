"""officers notified of hand-offs: officers' e-mail and on-duty flag, notice_mails, handoff_notices

Revision ID: 0009
Revises: 0007
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("officers") as batch:
        batch.add_column(sa.Column("email", sa.String(length=254), nullable=True))
        batch.add_column(sa.Column("on_duty", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "notice_mails",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("to_address", sa.String(length=254), nullable=False),
        sa.Column("message_id", sa.String(length=200), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=300), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(), nullable=True),
        sa.Column("next_try_at", sa.DateTime(), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["officer_id"], ["officers.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_notice_mails_status_due", "notice_mails", ["status", "next_try_at"])
    op.create_index("ix_notice_mails_officer_time", "notice_mails", ["officer_id", "created_at"])
    op.create_table(
        "handoff_notices",
        sa.Column("question_id", BIG_ID, nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("mail_id", BIG_ID, nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["question_id"], ["interactions.id"]),
        sa.ForeignKeyConstraint(["officer_id"], ["officers.id"]),
        sa.ForeignKeyConstraint(["mail_id"], ["notice_mails.id"]),
        sa.PrimaryKeyConstraint("question_id", "officer_id"),
    )
    op.create_index("ix_handoff_notices_mail_id", "handoff_notices", ["mail_id"])


def downgrade() -> None:
    op.drop_index("ix_handoff_notices_mail_id", table_name="handoff_notices")
    op.drop_table("handoff_notices")
    op.drop_index("ix_notice_mails_officer_time", table_name="notice_mails")
    op.drop_index("ix_notice_mails_status_due", table_name="notice_mails")
    op.drop_table("notice_mails")
    with op.batch_alter_table("officers") as batch:
        batch.drop_column("on_duty")
        batch.drop_column("email")
