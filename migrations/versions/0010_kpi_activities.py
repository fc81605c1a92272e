"""activity records for every indicator (kpi_activities) and their evidence links and files

Revision ID: 0010
Revises: 0011
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "kpi_activities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("be_year", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("count", sa.Integer(), nullable=True),
        sa.Column("title_th", sa.String(length=300), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.String(length=200), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["be_year"], ["kpi_fiscal_years.be_year"]),
        sa.ForeignKeyConstraint(["indicator_id"], ["kpi_indicators.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_kpi_activities_be_year", "kpi_activities", ["be_year"])
    op.create_index("ix_kpi_activities_indicator_id", "kpi_activities", ["indicator_id"])
    op.create_table(
        "kpi_activity_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=True),
        sa.Column("filename", sa.String(length=200), nullable=True),
        sa.Column("content_type", sa.String(length=100), nullable=True),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("data", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(["activity_id"], ["kpi_activities.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_kpi_activity_evidence_activity_id", "kpi_activity_evidence", ["activity_id"])


def downgrade() -> None:
    op.drop_index("ix_kpi_activity_evidence_activity_id", table_name="kpi_activity_evidence")
    op.drop_table("kpi_activity_evidence")
    op.drop_index("ix_kpi_activities_indicator_id", table_name="kpi_activities")
    op.drop_index("ix_kpi_activities_be_year", table_name="kpi_activities")
    op.drop_table("kpi_activities")
