"""KPI records, monthly closes and the satisfaction survey

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-22

An independent branch from 0001 (the app upgrades to every head). Reference rows are seeded by
handlers.kpi.seed_kpi_reference, called from handlers.db.seed_reference_data.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('kpi_fiscal_years',
    sa.Column('be_year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('numeral_style', sa.String(length=8), nullable=False),
    sa.PrimaryKeyConstraint('be_year')
    )
    op.create_table('kpi_monthly_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('fiscal_year', sa.Integer(), nullable=False),
    sa.Column('closed_at', sa.DateTime(), nullable=False),
    sa.Column('closed_by', sa.String(length=200), nullable=True),
    sa.Column('questions', sa.Integer(), nullable=False),
    sa.Column('followers_total', sa.Integer(), nullable=False),
    sa.Column('broadcasts_sent', sa.Integer(), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.Column('supporting_factors_th', sa.Text(), nullable=True),
    sa.Column('obstacles_th', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('month', 'version')
    )
    op.create_index(op.f('ix_kpi_monthly_records_fiscal_year'), 'kpi_monthly_records', ['fiscal_year'], unique=False)
    op.create_index(op.f('ix_kpi_monthly_records_month'), 'kpi_monthly_records', ['month'], unique=False)
    op.create_table('kpi_scoring_schemes',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name_th', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('level_scores', sa.JSON(), nullable=False),
    sa.Column('floor_rule', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('code')
    )
    op.create_table('kpi_components',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('be_year', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=8), nullable=False),
    sa.Column('parent_code', sa.String(length=8), nullable=True),
    sa.Column('name_th', sa.Text(), nullable=False),
    sa.Column('base_tag', sa.String(length=32), nullable=True),
    sa.Column('umbrella_indicator_th', sa.Text(), nullable=True),
    sa.Column('weight', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['be_year'], ['kpi_fiscal_years.be_year'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('be_year', 'code')
    )
    op.create_table('kpi_indicators',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('component_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('number_label', sa.String(length=16), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('name_th', sa.Text(), nullable=False),
    sa.Column('weight', sa.Float(), nullable=False),
    sa.Column('target_level', sa.Integer(), nullable=False),
    sa.Column('scheme_code', sa.String(length=32), nullable=False),
    sa.Column('adjustment_note', sa.Text(), nullable=True),
    sa.Column('unit_th', sa.Text(), nullable=True),
    sa.Column('reporter_name', sa.String(length=200), nullable=True),
    sa.Column('reporter_position', sa.String(length=200), nullable=True),
    sa.Column('reporter_phone', sa.String(length=100), nullable=True),
    sa.Column('definition_th', sa.Text(), nullable=True),
    sa.Column('baseline_th', sa.Text(), nullable=True),
    sa.Column('auto_metric', sa.String(length=64), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['component_id'], ['kpi_components.id'], ),
    sa.ForeignKeyConstraint(['scheme_code'], ['kpi_scoring_schemes.code'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('component_id', 'key')
    )
    op.create_table('satisfaction_surveys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=True),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('offered_at', sa.DateTime(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=True),
    sa.Column('answered_at', sa.DateTime(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('commented_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['line_users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id', 'period')
    )
    op.create_index(op.f('ix_satisfaction_surveys_answered_at'), 'satisfaction_surveys', ['answered_at'], unique=False)
    op.create_table('kpi_indicator_results',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.Integer(), nullable=False),
    sa.Column('be_year', sa.Integer(), nullable=False),
    sa.Column('result_value', sa.Float(), nullable=True),
    sa.Column('result_text_th', sa.Text(), nullable=True),
    sa.Column('computed_level', sa.Integer(), nullable=True),
    sa.Column('computed_score', sa.Float(), nullable=True),
    sa.Column('override_level', sa.Integer(), nullable=True),
    sa.Column('override_score', sa.Float(), nullable=True),
    sa.Column('override_reason', sa.Text(), nullable=True),
    sa.Column('overridden_by', sa.String(length=200), nullable=True),
    sa.Column('overridden_at', sa.DateTime(), nullable=True),
    sa.Column('explanation_th', sa.Text(), nullable=True),
    sa.Column('supporting_factors_th', sa.Text(), nullable=True),
    sa.Column('obstacles_th', sa.Text(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['indicator_id'], ['kpi_indicators.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('indicator_id', 'be_year')
    )
    op.create_table('kpi_levels',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('points', sa.Float(), nullable=True),
    sa.Column('pct_criterion', sa.Float(), nullable=True),
    sa.Column('threshold', sa.Float(), nullable=True),
    sa.Column('criterion_th', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['indicator_id'], ['kpi_indicators.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('indicator_id', 'level')
    )
    op.create_table('kpi_evidence_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('result_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('title_th', sa.Text(), nullable=False),
    sa.Column('file_uri', sa.Text(), nullable=True),
    sa.Column('generated', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['result_id'], ['kpi_indicator_results.id'], ),
    sa.PrimaryKeyConstraint('id')
    )


def downgrade() -> None:
    op.drop_table('kpi_evidence_items')
    op.drop_table('kpi_levels')
    op.drop_table('kpi_indicator_results')
    op.drop_index(op.f('ix_satisfaction_surveys_answered_at'), table_name='satisfaction_surveys')
    op.drop_table('satisfaction_surveys')
    op.drop_table('kpi_indicators')
    op.drop_table('kpi_components')
    op.drop_table('kpi_scoring_schemes')
    op.drop_index(op.f('ix_kpi_monthly_records_month'), table_name='kpi_monthly_records')
    op.drop_index(op.f('ix_kpi_monthly_records_fiscal_year'), table_name='kpi_monthly_records')
    op.drop_table('kpi_monthly_records')
    op.drop_table('kpi_fiscal_years')
