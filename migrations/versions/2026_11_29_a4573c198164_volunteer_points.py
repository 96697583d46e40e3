"""Volunteer points: settings and versioned rules per community, accounts, the
append-only point ledger, earning lots, redemptions and their monthly quota counters,
trainings and commendations, registered service certificates; identity fields on
volunteers (ID type, ID number, volunteer number).

Point entries and rule versions are append-only: triggers refuse UPDATE and DELETE on
both databases (and TRUNCATE on PostgreSQL). Every existing community gets its settings
and rule version 1 (10 points an hour for every kind, in force from 2000-01-01), as a
new community does through ``seed_points``.

Revision ID: a4573c198164
Revises: 96ac9dd84dd2
Create Date: 2026-11-29 22:46:52.799408

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a4573c198164'
down_revision = '96ac9dd84dd2'
branch_labels = None
depends_on = None

APPEND_ONLY_FUNCTION_PG = """
CREATE OR REPLACE FUNCTION append_only_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation';
END
$$
"""

ACTIVITY_KINDS = ("visit", "class", "reading", "workshop", "repair", "haircut", "charity_sale",
                  "training", "other")


def add_append_only_triggers(table):
    """Refuse UPDATE and DELETE on ``table`` in the database itself (as the fund ledger's
    migration does, copied so this file stands alone)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(APPEND_ONLY_FUNCTION_PG)
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION append_only_guard()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION append_only_guard()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {verb} refused'); END"
            )


def drop_append_only_triggers(table):
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
    else:
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{verb}")


def seed_existing_communities():
    conn = op.get_bind()
    rates = {k: 10 for k in ACTIVITY_KINDS}
    for community_id, name in conn.execute(sa.text("SELECT id, name FROM community")).all():
        conn.execute(sa.text(
            "INSERT INTO point_settings (community_id, hold_days, level_hours, issuing_org, "
            "person_in_charge, handler, contact_phone) VALUES (:c, 14, '20,100,300,600,1000', :n, '', '', '')"),
            {"c": community_id, "n": name})
        conn.execute(sa.text(
            "INSERT INTO point_rule_version (community_id, number, effective_from, rates, organiser_bonus, "
            "note, created_at) VALUES (:c, 1, '2000-01-01 00:00:00', :r, 0, '默认规则', CURRENT_TIMESTAMP)")
            .bindparams(sa.bindparam("r", type_=sa.JSON())),
            {"c": community_id, "r": rates})


def upgrade():
    op.create_table('point_rule_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('effective_from', sa.DateTime(), nullable=False),
    sa.Column('rates', sa.JSON(), nullable=False),
    sa.Column('cap_per_activity', sa.Integer(), nullable=True),
    sa.Column('organiser_bonus', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('cap_per_activity IS NULL OR cap_per_activity > 0', name=op.f('ck_point_rule_version_cap_positive')),
    sa.CheckConstraint('number >= 1', name=op.f('ck_point_rule_version_number_positive')),
    sa.CheckConstraint('organiser_bonus >= 0', name=op.f('ck_point_rule_version_bonus_not_negative')),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_point_rule_version_community_id_community'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_point_rule_version_created_by_id_user_account'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_point_rule_version')),
    sa.UniqueConstraint('community_id', 'number', name=op.f('uq_point_rule_version_community_id_number'))
    )
    with op.batch_alter_table('point_rule_version', schema=None) as batch_op:
        batch_op.create_index('ix_point_rule_version_community_from', ['community_id', 'effective_from'], unique=False)

    op.create_table('point_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('hold_days', sa.Integer(), nullable=False),
    sa.Column('expiry_months', sa.Integer(), nullable=True),
    sa.Column('level_hours', sa.String(length=100), nullable=False),
    sa.Column('issuing_org', sa.String(length=120), nullable=False),
    sa.Column('person_in_charge', sa.String(length=40), nullable=False),
    sa.Column('handler', sa.String(length=40), nullable=False),
    sa.Column('contact_phone', sa.String(length=30), nullable=False),
    sa.CheckConstraint('expiry_months IS NULL OR expiry_months BETWEEN 1 AND 120', name=op.f('ck_point_settings_expiry_months_range')),
    sa.CheckConstraint('hold_days BETWEEN 1 AND 90', name=op.f('ck_point_settings_hold_days_range')),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_point_settings_community_id_community'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_point_settings')),
    sa.UniqueConstraint('community_id', name=op.f('uq_point_settings_community_id'))
    )
    op.create_table('point_account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('volunteer_id', sa.Integer(), nullable=False),
    sa.Column('balance', sa.Integer(), nullable=False),
    sa.Column('held', sa.Integer(), nullable=False),
    sa.Column('lifetime_points', sa.Integer(), nullable=False),
    sa.Column('lifetime_minutes', sa.Integer(), nullable=False),
    sa.Column('leaderboard_opt_out', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('balance >= 0', name=op.f('ck_point_account_balance_not_negative')),
    sa.CheckConstraint('held >= 0', name=op.f('ck_point_account_held_not_negative')),
    sa.CheckConstraint('lifetime_minutes >= 0', name=op.f('ck_point_account_minutes_not_negative')),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_point_account_community_id_community'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['volunteer_id'], ['volunteer.id'], name=op.f('fk_point_account_volunteer_id_volunteer'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_point_account')),
    sa.UniqueConstraint('volunteer_id', name=op.f('uq_point_account_volunteer_id'))
    )
    with op.batch_alter_table('point_account', schema=None) as batch_op:
        batch_op.create_index('ix_point_account_board', ['community_id', 'leaderboard_opt_out', 'lifetime_minutes', 'id'], unique=False)

    op.create_table('service_certificate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('volunteer_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=24), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('snapshot', sa.JSON(), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('minutes >= 0', name=op.f('ck_service_certificate_minutes_not_negative')),
    sa.CheckConstraint('period_end >= period_start', name=op.f('ck_service_certificate_period_order')),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_service_certificate_community_id_community'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['issued_by_id'], ['user_account.id'], name=op.f('fk_service_certificate_issued_by_id_user_account'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['volunteer_id'], ['volunteer.id'], name=op.f('fk_service_certificate_volunteer_id_volunteer'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_certificate')),
    sa.UniqueConstraint('community_id', 'year', 'seq', name=op.f('uq_service_certificate_community_id_year_seq')),
    sa.UniqueConstraint('number', name=op.f('uq_service_certificate_number'))
    )
    with op.batch_alter_table('service_certificate', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_certificate_volunteer_id'), ['volunteer_id'], unique=False)

    op.create_table('volunteer_commendation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('volunteer_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('awarded_on', sa.Date(), nullable=False),
    sa.Column('issuer', sa.String(length=120), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('training', 'commendation')", name=op.f('ck_volunteer_commendation_kind_known')),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_volunteer_commendation_community_id_community'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_volunteer_commendation_created_by_id_user_account'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['volunteer_id'], ['volunteer.id'], name=op.f('fk_volunteer_commendation_volunteer_id_volunteer'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_volunteer_commendation'))
    )
    with op.batch_alter_table('volunteer_commendation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_volunteer_commendation_volunteer_id'), ['volunteer_id'], unique=False)

    op.create_table('point_quota_use',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('used', sa.Integer(), nullable=False),
    sa.CheckConstraint('used >= 0', name=op.f('ck_point_quota_use_used_not_negative')),
    sa.ForeignKeyConstraint(['service_id'], ['service.id'], name=op.f('fk_point_quota_use_service_id_service'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_point_quota_use')),
    sa.UniqueConstraint('service_id', 'month', name=op.f('uq_point_quota_use_service_id_month'))
    )
    op.create_table('point_redemption',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('volunteer_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('state', sa.Enum('held', 'redeemed', 'cancelled', 'expired', name='redemption_state', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('on_behalf', sa.Boolean(), nullable=False),
    sa.Column('quota_month', sa.String(length=7), nullable=False),
    sa.Column('quota_counted', sa.Boolean(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=64), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('hold_until', sa.DateTime(), nullable=False),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("(state = 'held') = (closed_at IS NULL)", name=op.f('ck_point_redemption_closed_when_not_held')),
    sa.CheckConstraint('points > 0', name=op.f('ck_point_redemption_points_positive')),
    sa.ForeignKeyConstraint(['account_id'], ['point_account.id'], name=op.f('fk_point_redemption_account_id_point_account'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['closed_by_id'], ['user_account.id'], name=op.f('fk_point_redemption_closed_by_id_user_account'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_point_redemption_community_id_community'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_point_redemption_created_by_id_user_account'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['partner_id'], ['partner.id'], name=op.f('fk_point_redemption_partner_id_partner'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['service_id'], ['service.id'], name=op.f('fk_point_redemption_service_id_service'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['volunteer_id'], ['volunteer.id'], name=op.f('fk_point_redemption_volunteer_id_volunteer'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_point_redemption')),
    sa.UniqueConstraint('code', name=op.f('uq_point_redemption_code')),
    sa.UniqueConstraint('community_id', 'idempotency_key', name=op.f('uq_point_redemption_community_id_idempotency_key'))
    )
    with op.batch_alter_table('point_redemption', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_point_redemption_account_id'), ['account_id'], unique=False)
        batch_op.create_index('ix_point_redemption_hold', ['state', 'hold_until'], unique=False)
        batch_op.create_index('ix_point_redemption_partner_state', ['partner_id', 'state', 'created_at'], unique=False)

    op.create_table('point_entry',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('earn', 'hold', 'redeem', 'release', 'expire', 'adjust', name='point_entry_kind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('held', sa.Integer(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('memo', sa.String(length=200), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=True),
    sa.Column('rule_version_id', sa.Integer(), nullable=True),
    sa.Column('redemption_id', sa.Integer(), nullable=True),
    sa.Column('idempotency_key', sa.String(length=80), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("(kind = 'earn' AND held = 0) OR (kind = 'hold' AND points < 0 AND held = -points AND minutes = 0) OR (kind = 'redeem' AND points = 0 AND held < 0 AND minutes = 0) OR (kind = 'release' AND points > 0 AND held = -points AND minutes = 0) OR (kind = 'expire' AND points < 0 AND held = 0 AND minutes = 0) OR (kind = 'adjust' AND held = 0 AND minutes = 0)", name=op.f('ck_point_entry_kind_shape')),
    sa.CheckConstraint('points <> 0 OR held <> 0 OR minutes <> 0', name=op.f('ck_point_entry_changes_something')),
    sa.ForeignKeyConstraint(['account_id'], ['point_account.id'], name=op.f('fk_point_entry_account_id_point_account'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name=op.f('fk_point_entry_activity_id_activity'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_point_entry_community_id_community'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_point_entry_created_by_id_user_account'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['redemption_id'], ['point_redemption.id'], name=op.f('fk_point_entry_redemption_id_point_redemption'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['rule_version_id'], ['point_rule_version.id'], name=op.f('fk_point_entry_rule_version_id_point_rule_version'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_point_entry')),
    sa.UniqueConstraint('community_id', 'idempotency_key', name=op.f('uq_point_entry_community_id_idempotency_key'))
    )
    with op.batch_alter_table('point_entry', schema=None) as batch_op:
        batch_op.create_index('ix_point_entry_account_id', ['account_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_point_entry_activity_id'), ['activity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_point_entry_redemption_id'), ['redemption_id'], unique=False)

    op.create_table('point_lot',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('earned_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=True),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('remaining', sa.Integer(), nullable=False),
    sa.CheckConstraint('points > 0', name=op.f('ck_point_lot_points_positive')),
    sa.CheckConstraint('remaining >= 0 AND remaining <= points', name=op.f('ck_point_lot_remaining_range')),
    sa.ForeignKeyConstraint(['account_id'], ['point_account.id'], name=op.f('fk_point_lot_account_id_point_account'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['entry_id'], ['point_entry.id'], name=op.f('fk_point_lot_entry_id_point_entry'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_point_lot')),
    sa.UniqueConstraint('entry_id', name=op.f('uq_point_lot_entry_id'))
    )
    with op.batch_alter_table('point_lot', schema=None) as batch_op:
        batch_op.create_index('ix_point_lot_account_open', ['account_id', 'remaining', 'earned_at'], unique=False)
        batch_op.create_index('ix_point_lot_expiry', ['expires_at', 'remaining'], unique=False)

    op.create_table('point_lot_use',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('redemption_id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.CheckConstraint('points > 0', name=op.f('ck_point_lot_use_points_positive')),
    sa.ForeignKeyConstraint(['lot_id'], ['point_lot.id'], name=op.f('fk_point_lot_use_lot_id_point_lot'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['redemption_id'], ['point_redemption.id'], name=op.f('fk_point_lot_use_redemption_id_point_redemption'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_point_lot_use'))
    )
    with op.batch_alter_table('point_lot_use', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_point_lot_use_redemption_id'), ['redemption_id'], unique=False)

    with op.batch_alter_table('volunteer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('id_type', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('id_number', sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column('volunteer_number', sa.String(length=30), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_volunteer_community_id_volunteer_number'), ['community_id', 'volunteer_number'])

    add_append_only_triggers('point_entry')
    add_append_only_triggers('point_rule_version')
    seed_existing_communities()


def downgrade():
    drop_append_only_triggers('point_rule_version')
    drop_append_only_triggers('point_entry')
    with op.batch_alter_table('volunteer', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_volunteer_community_id_volunteer_number'), type_='unique')
        batch_op.drop_column('volunteer_number')
        batch_op.drop_column('id_number')
        batch_op.drop_column('id_type')

    with op.batch_alter_table('point_lot_use', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_point_lot_use_redemption_id'))

    op.drop_table('point_lot_use')
    with op.batch_alter_table('point_lot', schema=None) as batch_op:
        batch_op.drop_index('ix_point_lot_expiry')
        batch_op.drop_index('ix_point_lot_account_open')

    op.drop_table('point_lot')
    with op.batch_alter_table('point_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_point_entry_redemption_id'))
        batch_op.drop_index(batch_op.f('ix_point_entry_activity_id'))
        batch_op.drop_index('ix_point_entry_account_id')

    op.drop_table('point_entry')
    with op.batch_alter_table('point_redemption', schema=None) as batch_op:
        batch_op.drop_index('ix_point_redemption_partner_state')
        batch_op.drop_index('ix_point_redemption_hold')
        batch_op.drop_index(batch_op.f('ix_point_redemption_account_id'))

    op.drop_table('point_redemption')
    op.drop_table('point_quota_use')
    with op.batch_alter_table('volunteer_commendation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_volunteer_commendation_volunteer_id'))

    op.drop_table('volunteer_commendation')
    with op.batch_alter_table('service_certificate', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_certificate_volunteer_id'))

    op.drop_table('service_certificate')
    with op.batch_alter_table('point_account', schema=None) as batch_op:
        batch_op.drop_index('ix_point_account_board')

    op.drop_table('point_account')
    op.drop_table('point_settings')
    with op.batch_alter_table('point_rule_version', schema=None) as batch_op:
        batch_op.drop_index('ix_point_rule_version_community_from')

    op.drop_table('point_rule_version')
