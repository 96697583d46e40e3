"""Micro-venture grants: rounds, criteria, panel, applications with budget lines and
attachments, conflicts, scores, votes, decisions, objections, grants, tranches, mid-term
evaluations, expense claims with receipts, refunds and final reports.

Also: the ``expert`` role joins the membership CHECK (batch mode copies the table on
SQLite), and every community that already has a chart of accounts gets account 1221
(grant advances to teams).

Revision ID: 96ac9dd84dd2
Revises: 1cb14e938129
Create Date: 2026-11-29 22:46:09.108280

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '96ac9dd84dd2'
down_revision = '1cb14e938129'
branch_labels = None
depends_on = None

ROLES_CHECK = "role IN ({})"
WITHOUT_EXPERT = "'admin', 'council', 'leader', 'auditor', 'merchant', 'volunteer'"
WITH_EXPERT = "'admin', 'council', 'expert', 'leader', 'auditor', 'merchant', 'volunteer'"


def upgrade():
    op.create_table('grant_round',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('eligibility', sa.Text(), nullable=False),
    sa.Column('cap_fen', sa.BigInteger(), nullable=False),
    sa.Column('committed_fen', sa.BigInteger(), nullable=False),
    sa.Column('max_per_application_fen', sa.BigInteger(), nullable=False),
    sa.Column('opens_on', sa.Date(), nullable=False),
    sa.Column('closes_on', sa.Date(), nullable=False),
    sa.Column('quorum_rule', sa.Enum('majority', 'two_thirds', name='grant_quorum_rule', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('notice_days', sa.Integer(), nullable=False),
    sa.Column('chair_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('cap_fen > 0', name=op.f('ck_grant_round_cap_positive')),
    sa.CheckConstraint('closes_on >= opens_on', name=op.f('ck_grant_round_closes_after_opens')),
    sa.CheckConstraint('committed_fen >= 0 AND committed_fen <= cap_fen', name=op.f('ck_grant_round_committed_within_cap')),
    sa.CheckConstraint('max_per_application_fen > 0 AND max_per_application_fen <= cap_fen', name=op.f('ck_grant_round_max_within_cap')),
    sa.CheckConstraint('notice_days >= 1 AND notice_days <= 30', name=op.f('ck_grant_round_notice_days_range')),
    sa.ForeignKeyConstraint(['chair_id'], ['user_account.id'], name=op.f('fk_grant_round_chair_id_user_account'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_grant_round_community_id_community'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_grant_round_created_by_id_user_account'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grant_round')),
    sa.UniqueConstraint('community_id', 'name', name=op.f('uq_grant_round_community_id_name'))
    )
    with op.batch_alter_table('grant_round', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grant_round_community_id'), ['community_id'], unique=False)

    op.create_table('grant_application',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('target_groups', sa.String(length=100), nullable=False),
    sa.Column('planned_activities', sa.Text(), nullable=False),
    sa.Column('requested_fen', sa.BigInteger(), nullable=False),
    sa.Column('state', sa.Enum('draft', 'submitted', 'in_review', 'more_info', 'resubmitted', 'approved', 'rejected', 'public_notice', 'cancelled', 'awarded', 'active', 'final_report_submitted', 'closed', 'terminated', 'withdrawn', name='grant_application_state', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('info_request', sa.String(length=1000), nullable=False),
    sa.Column('scoring_closed_at', sa.DateTime(), nullable=True),
    sa.Column('scoring_closed_by_id', sa.Integer(), nullable=True),
    sa.Column('approved_fen', sa.BigInteger(), nullable=True),
    sa.Column('conditions', sa.String(length=1000), nullable=False),
    sa.Column('notice_starts_on', sa.Date(), nullable=True),
    sa.Column('notice_ends_on', sa.Date(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('approved_fen IS NULL OR (approved_fen > 0 AND approved_fen <= requested_fen)', name=op.f('ck_grant_application_approved_within_request')),
    sa.CheckConstraint('notice_ends_on IS NULL OR notice_ends_on >= notice_starts_on', name=op.f('ck_grant_application_notice_ends_after_start')),
    sa.CheckConstraint('requested_fen >= 0', name=op.f('ck_grant_application_requested_non_negative')),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_grant_application_community_id_community'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_grant_application_created_by_id_user_account'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['round_id'], ['grant_round.id'], name=op.f('fk_grant_application_round_id_grant_round'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['scoring_closed_by_id'], ['user_account.id'], name=op.f('fk_grant_application_scoring_closed_by_id_user_account'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], name=op.f('fk_grant_application_team_id_team'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grant_application'))
    )
    with op.batch_alter_table('grant_application', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grant_application_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_grant_application_round_id'), ['round_id'], unique=False)
        batch_op.create_index('ix_grant_application_round_state', ['round_id', 'state'], unique=False)
        batch_op.create_index(batch_op.f('ix_grant_application_team_id'), ['team_id'], unique=False)

    op.create_table('grant_criterion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=False),
    sa.Column('weight', sa.Integer(), nullable=False),
    sa.CheckConstraint('weight > 0 AND weight <= 100', name=op.f('ck_grant_criterion_weight_percent')),
    sa.ForeignKeyConstraint(['round_id'], ['grant_round.id'], name=op.f('fk_grant_criterion_round_id_grant_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grant_criterion')),
    sa.UniqueConstraint('round_id', 'position', name=op.f('uq_grant_criterion_round_id_position'))
    )
    with op.batch_alter_table('grant_criterion', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grant_criterion_round_id'), ['round_id'], unique=False)

    op.create_table('grant_reviewer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('council', 'expert', name='grant_reviewer_kind', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('affiliation', sa.String(length=120), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['added_by_id'], ['user_account.id'], name=op.f('fk_grant_reviewer_added_by_id_user_account'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['round_id'], ['grant_round.id'], name=op.f('fk_grant_reviewer_round_id_grant_round'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_grant_reviewer_user_id_user_account'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grant_reviewer')),
    sa.UniqueConstraint('round_id', 'user_id', name=op.f('uq_grant_reviewer_round_id_user_id'))
    )
    with op.batch_alter_table('grant_reviewer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grant_reviewer_round_id'), ['round_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_grant_reviewer_user_id'), ['user_id'], unique=False)

    op.create_table('grant_attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('original_name', sa.String(length=120), nullable=False),
    sa.Column('content_type', sa.String(length=40), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("content_type IN ('image/jpeg', 'image/png', 'application/pdf')", name=op.f('ck_grant_attachment_content_type_allowed')),
    sa.CheckConstraint('size > 0', name=op.f('ck_grant_attachment_size_positive')),
    sa.ForeignKeyConstraint(['application_id'], ['grant_application.id'], name=op.f('fk_grant_attachment_application_id_grant_application'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user_account.id'], name=op.f('fk_grant_attachment_uploaded_by_id_user_account'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grant_attachment'))
    )
    with op.batch_alter_table('grant_attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grant_attachment_application_id'), ['application_id'], unique=False)

    op.create_table('grant_budget_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('item', sa.String(length=120), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('unit_cost_fen', sa.BigInteger(), nullable=False),
    sa.Column('line_total_fen', sa.BigInteger(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('line_total_fen = quantity * unit_cost_fen', name=op.f('ck_grant_budget_line_line_total_checked')),
    sa.CheckConstraint('quantity > 0 AND quantity <= 100000', name=op.f('ck_grant_budget_line_quantity_range')),
    sa.CheckConstraint('unit_cost_fen > 0', name=op.f('ck_grant_budget_line_unit_cost_positive')),
    sa.ForeignKeyConstraint(['application_id'], ['grant_application.id'], name=op.f('fk_grant_budget_line_application_id_grant_application'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['partner_id'], ['partner.id'], name=op.f('fk_grant_budget_line_partner_id_partner'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grant_budget_line')),
    sa.UniqueConstraint('application_id', 'position', name=op.f('uq_grant_budget_line_application_id_position'))
    )
    with op.batch_alter_table('grant_budget_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grant_budget_line_application_id'), ['application_id'], unique=False)

    op.create_table('grant_conflict',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('none', 'team_member', 'partner_tie', 'other', name='grant_conflict_kind', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('declared_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("kind <> 'other' OR reason <> ''", name=op.f('ck_grant_conflict_other_has_reason')),
    sa.ForeignKeyConstraint(['application_id'], ['grant_application.id'], name=op.f('fk_grant_conflict_application_id_grant_application'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_grant_conflict_user_id_user_account'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grant_conflict')),
    sa.UniqueConstraint('application_id', 'user_id', name=op.f('uq_grant_conflict_application_id_user_id'))
    )
    with op.batch_alter_table('grant_conflict', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grant_conflict_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_grant_conflict_user_id'), ['user_id'], unique=False)

    op.create_table('grant_decision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.Enum('approved', 'rejected', 'no_decision', name='grant_decision_outcome', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('eligible', sa.Integer(), nullable=False),
    sa.Column('quorum', sa.Integer(), nullable=False),
    sa.Column('approve', sa.Integer(), nullable=False),
    sa.Column('reject', sa.Integer(), nullable=False),
    sa.Column('abstain', sa.Integer(), nullable=False),
    sa.Column('approved_fen', sa.BigInteger(), nullable=True),
    sa.Column('conditions', sa.String(length=1000), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("outcome <> 'approved' OR approved_fen > 0", name=op.f('ck_grant_decision_approved_has_amount')),
    sa.CheckConstraint('eligible >= 0 AND quorum >= 0 AND approve >= 0 AND reject >= 0 AND abstain >= 0', name=op.f('ck_grant_decision_counts_non_negative')),
    sa.ForeignKeyConstraint(['application_id'], ['grant_application.id'], name=op.f('fk_grant_decision_application_id_grant_application'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['meeting_id'], ['council_meeting.id'], name=op.f('fk_grant_decision_meeting_id_council_meeting'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_grant_decision_recorded_by_id_user_account'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grant_decision')),
    sa.UniqueConstraint('application_id', 'meeting_id', name=op.f('uq_grant_decision_application_id_meeting_id'))
    )
    with op.batch_alter_table('grant_decision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grant_decision_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_grant_decision_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('grant_objection',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('contact', sa.String(length=100), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('state', sa.Enum('pending', 'upheld', 'dismissed', name='grant_objection_state', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('resolution', sa.String(length=1000), nullable=False),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("state = 'pending' OR resolution <> ''", name=op.f('ck_grant_objection_resolved_has_reason')),
    sa.ForeignKeyConstraint(['application_id'], ['grant_application.id'], name=op.f('fk_grant_objection_application_id_grant_application'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_grant_objection_community_id_community'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['user_account.id'], name=op.f('fk_grant_objection_resolved_by_id_user_account'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grant_objection'))
    )
    with op.batch_alter_table('grant_objection', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grant_objection_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_grant_objection_community_id'), ['community_id'], unique=False)

    op.create_table('grant_score_sheet',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('weighted_centi', sa.Integer(), nullable=False),
    sa.Column('comment', sa.String(length=1000), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('weighted_centi >= 0 AND weighted_centi <= 1000', name=op.f('ck_grant_score_sheet_weighted_range')),
    sa.ForeignKeyConstraint(['application_id'], ['grant_application.id'], name=op.f('fk_grant_score_sheet_application_id_grant_application'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_grant_score_sheet_user_id_user_account'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grant_score_sheet')),
    sa.UniqueConstraint('application_id', 'user_id', name=op.f('uq_grant_score_sheet_application_id_user_id'))
    )
    with op.batch_alter_table('grant_score_sheet', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grant_score_sheet_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_grant_score_sheet_user_id'), ['user_id'], unique=False)

    op.create_table('grant_vote',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('choice', sa.Enum('approve', 'reject', 'abstain', name='grant_vote_choice', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['grant_application.id'], name=op.f('fk_grant_vote_application_id_grant_application'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['meeting_id'], ['council_meeting.id'], name=op.f('fk_grant_vote_meeting_id_council_meeting'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_grant_vote_recorded_by_id_user_account'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_grant_vote_user_id_user_account'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grant_vote')),
    sa.UniqueConstraint('application_id', 'meeting_id', 'user_id', name=op.f('uq_grant_vote_application_id_meeting_id_user_id'))
    )
    with op.batch_alter_table('grant_vote', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grant_vote_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_grant_vote_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_grant_vote_user_id'), ['user_id'], unique=False)

    op.create_table('grant_score',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sheet_id', sa.Integer(), nullable=False),
    sa.Column('criterion_id', sa.Integer(), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('comment', sa.String(length=500), nullable=False),
    sa.CheckConstraint('points >= 0 AND points <= 10', name=op.f('ck_grant_score_points_range')),
    sa.ForeignKeyConstraint(['criterion_id'], ['grant_criterion.id'], name=op.f('fk_grant_score_criterion_id_grant_criterion'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['sheet_id'], ['grant_score_sheet.id'], name=op.f('fk_grant_score_sheet_id_grant_score_sheet'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grant_score')),
    sa.UniqueConstraint('sheet_id', 'criterion_id', name=op.f('uq_grant_score_sheet_id_criterion_id'))
    )
    with op.batch_alter_table('grant_score', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grant_score_criterion_id'), ['criterion_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_grant_score_sheet_id'), ['sheet_id'], unique=False)

    op.create_table('grant',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=True),
    sa.Column('agreement_no', sa.String(length=40), nullable=False),
    sa.Column('awarded_fen', sa.BigInteger(), nullable=False),
    sa.Column('disbursed_fen', sa.BigInteger(), nullable=False),
    sa.Column('spent_fen', sa.BigInteger(), nullable=False),
    sa.Column('returned_fen', sa.BigInteger(), nullable=False),
    sa.Column('signed_on', sa.Date(), nullable=True),
    sa.Column('team_signatory', sa.String(length=80), nullable=False),
    sa.Column('community_signatory', sa.String(length=80), nullable=False),
    sa.Column('signed_recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('payments_stopped', sa.Boolean(), nullable=False),
    sa.Column('awarded_by_id', sa.Integer(), nullable=True),
    sa.Column('awarded_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("signed_on IS NULL OR (team_signatory <> '' AND community_signatory <> '')", name=op.f('ck_grant_signed_has_signatories')),
    sa.CheckConstraint('awarded_fen > 0', name=op.f('ck_grant_awarded_positive')),
    sa.CheckConstraint('disbursed_fen <= awarded_fen', name=op.f('ck_grant_disbursed_within_award')),
    sa.CheckConstraint('disbursed_fen >= 0 AND spent_fen >= 0 AND returned_fen >= 0', name=op.f('ck_grant_amounts_non_negative')),
    sa.CheckConstraint('spent_fen + returned_fen <= disbursed_fen', name=op.f('ck_grant_spent_within_disbursed')),
    sa.ForeignKeyConstraint(['application_id'], ['grant_application.id'], name=op.f('fk_grant_application_id_grant_application'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['awarded_by_id'], ['user_account.id'], name=op.f('fk_grant_awarded_by_id_user_account'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_grant_community_id_community'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_grant_project_id_project'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['signed_recorded_by_id'], ['user_account.id'], name=op.f('fk_grant_signed_recorded_by_id_user_account'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grant')),
    sa.UniqueConstraint('application_id', name=op.f('uq_grant_application_id')),
    sa.UniqueConstraint('community_id', 'agreement_no', name=op.f('uq_grant_community_id_agreement_no'))
    )
    with op.batch_alter_table('grant', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grant_community_id'), ['community_id'], unique=False)

    op.create_table('grant_expense_claim',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('grant_id', sa.Integer(), nullable=False),
    sa.Column('budget_line_id', sa.Integer(), nullable=False),
    sa.Column('description', sa.String(length=300), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('spent_on', sa.Date(), nullable=False),
    sa.Column('state', sa.Enum('submitted', 'approved', 'rejected', name='grant_claim_state', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('decision_note', sa.String(length=500), nullable=False),
    sa.Column('entry_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("state <> 'approved' OR entry_id IS NOT NULL", name=op.f('ck_grant_expense_claim_approved_has_entry')),
    sa.CheckConstraint("state <> 'rejected' OR decision_note <> ''", name=op.f('ck_grant_expense_claim_rejected_has_reason')),
    sa.CheckConstraint('amount_fen > 0', name=op.f('ck_grant_expense_claim_amount_positive')),
    sa.ForeignKeyConstraint(['budget_line_id'], ['grant_budget_line.id'], name=op.f('fk_grant_expense_claim_budget_line_id_grant_budget_line'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_grant_expense_claim_decided_by_id_user_account'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['entry_id'], ['fund_journal_entry.id'], name=op.f('fk_grant_expense_claim_entry_id_fund_journal_entry'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['grant_id'], ['grant.id'], name=op.f('fk_grant_expense_claim_grant_id_grant'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['user_account.id'], name=op.f('fk_grant_expense_claim_submitted_by_id_user_account'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grant_expense_claim'))
    )
    with op.batch_alter_table('grant_expense_claim', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grant_expense_claim_budget_line_id'), ['budget_line_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_grant_expense_claim_grant_id'), ['grant_id'], unique=False)

    op.create_table('grant_final_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('grant_id', sa.Integer(), nullable=False),
    sa.Column('narrative', sa.Text(), nullable=False),
    sa.Column('outcomes', sa.Text(), nullable=False),
    sa.Column('beneficiaries', sa.Integer(), nullable=False),
    sa.Column('state', sa.Enum('submitted', 'returned', 'accepted', name='grant_final_report_state', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('opinion', sa.String(length=1000), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("state <> 'returned' OR opinion <> ''", name=op.f('ck_grant_final_report_returned_has_opinion')),
    sa.CheckConstraint('beneficiaries >= 0', name=op.f('ck_grant_final_report_beneficiaries_non_negative')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_grant_final_report_decided_by_id_user_account'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['grant_id'], ['grant.id'], name=op.f('fk_grant_final_report_grant_id_grant'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['user_account.id'], name=op.f('fk_grant_final_report_submitted_by_id_user_account'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grant_final_report'))
    )
    with op.batch_alter_table('grant_final_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grant_final_report_grant_id'), ['grant_id'], unique=False)

    op.create_table('grant_midterm',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('grant_id', sa.Integer(), nullable=False),
    sa.Column('tranche_seq', sa.Integer(), nullable=False),
    sa.Column('self_evaluation', sa.Text(), nullable=False),
    sa.Column('state', sa.Enum('submitted', 'more_material', 'passed', 'failed', name='grant_midterm_state', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('opinion', sa.Text(), nullable=False),
    sa.Column('published', sa.Boolean(), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(), nullable=False),
    sa.Column('evaluated_by_id', sa.Integer(), nullable=True),
    sa.Column('evaluated_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("state NOT IN ('passed', 'failed', 'more_material') OR opinion <> ''", name=op.f('ck_grant_midterm_evaluated_has_opinion')),
    sa.CheckConstraint('tranche_seq >= 2', name=op.f('ck_grant_midterm_gates_later_tranche')),
    sa.ForeignKeyConstraint(['evaluated_by_id'], ['user_account.id'], name=op.f('fk_grant_midterm_evaluated_by_id_user_account'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['grant_id'], ['grant.id'], name=op.f('fk_grant_midterm_grant_id_grant'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['user_account.id'], name=op.f('fk_grant_midterm_submitted_by_id_user_account'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grant_midterm'))
    )
    with op.batch_alter_table('grant_midterm', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grant_midterm_grant_id'), ['grant_id'], unique=False)

    op.create_table('grant_refund',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('grant_id', sa.Integer(), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('returned_on', sa.Date(), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('entry_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('amount_fen > 0', name=op.f('ck_grant_refund_amount_positive')),
    sa.ForeignKeyConstraint(['entry_id'], ['fund_journal_entry.id'], name=op.f('fk_grant_refund_entry_id_fund_journal_entry'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['grant_id'], ['grant.id'], name=op.f('fk_grant_refund_grant_id_grant'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_grant_refund_recorded_by_id_user_account'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grant_refund'))
    )
    with op.batch_alter_table('grant_refund', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grant_refund_grant_id'), ['grant_id'], unique=False)

    op.create_table('grant_tranche',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('grant_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('percent', sa.Integer(), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('needs_evaluation', sa.Boolean(), nullable=False),
    sa.Column('state', sa.Enum('planned', 'paid', 'stopped', name='grant_tranche_state', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=True),
    sa.Column('entry_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('paid_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("state <> 'paid' OR (paid_on IS NOT NULL AND entry_id IS NOT NULL)", name=op.f('ck_grant_tranche_paid_has_entry')),
    sa.CheckConstraint('amount_fen > 0', name=op.f('ck_grant_tranche_amount_positive')),
    sa.CheckConstraint('percent > 0 AND percent <= 100', name=op.f('ck_grant_tranche_percent_range')),
    sa.CheckConstraint('seq >= 1', name=op.f('ck_grant_tranche_seq_positive')),
    sa.ForeignKeyConstraint(['entry_id'], ['fund_journal_entry.id'], name=op.f('fk_grant_tranche_entry_id_fund_journal_entry'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['grant_id'], ['grant.id'], name=op.f('fk_grant_tranche_grant_id_grant'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['paid_by_id'], ['user_account.id'], name=op.f('fk_grant_tranche_paid_by_id_user_account'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grant_tranche')),
    sa.UniqueConstraint('grant_id', 'seq', name=op.f('uq_grant_tranche_grant_id_seq'))
    )
    with op.batch_alter_table('grant_tranche', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grant_tranche_grant_id'), ['grant_id'], unique=False)

    op.create_table('grant_expense_receipt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('claim_id', sa.Integer(), nullable=False),
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('original_name', sa.String(length=120), nullable=False),
    sa.Column('content_type', sa.String(length=40), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("content_type IN ('image/jpeg', 'image/png', 'application/pdf')", name=op.f('ck_grant_expense_receipt_content_type_allowed')),
    sa.CheckConstraint('size > 0', name=op.f('ck_grant_expense_receipt_size_positive')),
    sa.ForeignKeyConstraint(['claim_id'], ['grant_expense_claim.id'], name=op.f('fk_grant_expense_receipt_claim_id_grant_expense_claim'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user_account.id'], name=op.f('fk_grant_expense_receipt_uploaded_by_id_user_account'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grant_expense_receipt'))
    )
    with op.batch_alter_table('grant_expense_receipt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grant_expense_receipt_claim_id'), ['claim_id'], unique=False)

    op.create_table('grant_final_report_activity',
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name=op.f('fk_grant_final_report_activity_activity_id_activity'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['report_id'], ['grant_final_report.id'], name=op.f('fk_grant_final_report_activity_report_id_grant_final_report'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('report_id', 'activity_id', name=op.f('pk_grant_final_report_activity'))
    )
    with op.batch_alter_table('grant_final_report_activity', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grant_final_report_activity_activity_id'), ['activity_id'], unique=False)

    op.create_table('grant_midterm_activity',
    sa.Column('evaluation_id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name=op.f('fk_grant_midterm_activity_activity_id_activity'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['evaluation_id'], ['grant_midterm.id'], name=op.f('fk_grant_midterm_activity_evaluation_id_grant_midterm'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('evaluation_id', 'activity_id', name=op.f('pk_grant_midterm_activity'))
    )
    with op.batch_alter_table('grant_midterm_activity', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grant_midterm_activity_activity_id'), ['activity_id'], unique=False)


    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_membership_role'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_membership_role'), ROLES_CHECK.format(WITH_EXPERT))

    # Grant advances (其他应收款—微创投资助款) for communities whose chart already exists.
    op.execute("INSERT INTO fund_account (community_id, code, kind, parent_code, balance_fen) "
               "SELECT DISTINCT community_id, '1221', 'asset', NULL, 0 FROM fund_account "
               "WHERE community_id NOT IN (SELECT community_id FROM fund_account WHERE code = '1221')")


def downgrade():
    op.execute("DELETE FROM fund_account WHERE code = '1221' AND balance_fen = 0")
    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_membership_role'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_membership_role'), ROLES_CHECK.format(WITHOUT_EXPERT))

    with op.batch_alter_table('grant_midterm_activity', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grant_midterm_activity_activity_id'))

    op.drop_table('grant_midterm_activity')
    with op.batch_alter_table('grant_final_report_activity', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grant_final_report_activity_activity_id'))

    op.drop_table('grant_final_report_activity')
    with op.batch_alter_table('grant_expense_receipt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grant_expense_receipt_claim_id'))

    op.drop_table('grant_expense_receipt')
    with op.batch_alter_table('grant_tranche', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grant_tranche_grant_id'))

    op.drop_table('grant_tranche')
    with op.batch_alter_table('grant_refund', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grant_refund_grant_id'))

    op.drop_table('grant_refund')
    with op.batch_alter_table('grant_midterm', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grant_midterm_grant_id'))

    op.drop_table('grant_midterm')
    with op.batch_alter_table('grant_final_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grant_final_report_grant_id'))

    op.drop_table('grant_final_report')
    with op.batch_alter_table('grant_expense_claim', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grant_expense_claim_grant_id'))
        batch_op.drop_index(batch_op.f('ix_grant_expense_claim_budget_line_id'))

    op.drop_table('grant_expense_claim')
    with op.batch_alter_table('grant', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grant_community_id'))

    op.drop_table('grant')
    with op.batch_alter_table('grant_score', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grant_score_sheet_id'))
        batch_op.drop_index(batch_op.f('ix_grant_score_criterion_id'))

    op.drop_table('grant_score')
    with op.batch_alter_table('grant_vote', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grant_vote_user_id'))
        batch_op.drop_index(batch_op.f('ix_grant_vote_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_grant_vote_application_id'))

    op.drop_table('grant_vote')
    with op.batch_alter_table('grant_score_sheet', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grant_score_sheet_user_id'))
        batch_op.drop_index(batch_op.f('ix_grant_score_sheet_application_id'))

    op.drop_table('grant_score_sheet')
    with op.batch_alter_table('grant_objection', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grant_objection_community_id'))
        batch_op.drop_index(batch_op.f('ix_grant_objection_application_id'))

    op.drop_table('grant_objection')
    with op.batch_alter_table('grant_decision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grant_decision_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_grant_decision_application_id'))

    op.drop_table('grant_decision')
    with op.batch_alter_table('grant_conflict', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grant_conflict_user_id'))
        batch_op.drop_index(batch_op.f('ix_grant_conflict_application_id'))

    op.drop_table('grant_conflict')
    with op.batch_alter_table('grant_budget_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grant_budget_line_application_id'))

    op.drop_table('grant_budget_line')
    with op.batch_alter_table('grant_attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grant_attachment_application_id'))

    op.drop_table('grant_attachment')
    with op.batch_alter_table('grant_reviewer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grant_reviewer_user_id'))
        batch_op.drop_index(batch_op.f('ix_grant_reviewer_round_id'))

    op.drop_table('grant_reviewer')
    with op.batch_alter_table('grant_criterion', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grant_criterion_round_id'))

    op.drop_table('grant_criterion')
    with op.batch_alter_table('grant_application', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grant_application_team_id'))
        batch_op.drop_index('ix_grant_application_round_state')
        batch_op.drop_index(batch_op.f('ix_grant_application_round_id'))
        batch_op.drop_index(batch_op.f('ix_grant_application_community_id'))

    op.drop_table('grant_application')
    with op.batch_alter_table('grant_round', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grant_round_community_id'))

    op.drop_table('grant_round')
