"""Community fund: chart of accounts, append-only journal with a hash chain, donations,
charity sales, monthly periods, fund settings.

Journal entries and lines are append-only: triggers refuse UPDATE and DELETE on both
databases (and TRUNCATE on PostgreSQL). Balances are maintained caches, checked by
``verify-ledger``.

Revision ID: 5a23cef890cc
Revises: 261c537a1e2a
Create Date: 2026-11-29 20:05:51.982832

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '5a23cef890cc'
down_revision = '261c537a1e2a'
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


def add_append_only_triggers(table):
    """Refuse UPDATE and DELETE on ``table`` in the database itself (copied from the
    initial migration, so this file stands alone)."""
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


def upgrade():
    op.create_table('fund_account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=10), nullable=False),
    sa.Column('kind', sa.Enum('asset', 'net_asset', 'income', 'expense', name='fund_account_kind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('parent_code', sa.String(length=10), nullable=True),
    sa.Column('balance_fen', sa.BigInteger(), nullable=False),
    sa.CheckConstraint("kind <> 'asset' OR balance_fen >= 0", name=op.f('ck_fund_account_asset_not_negative')),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_fund_account_community_id_community'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fund_account')),
    sa.UniqueConstraint('community_id', 'code', name=op.f('uq_fund_account_community_id_code'))
    )
    op.create_table('fund_journal_entry',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('value_date', sa.Date(), nullable=False),
    sa.Column('memo', sa.String(length=200), nullable=False),
    sa.Column('reference_type', sa.Enum('opening', 'donation', 'sale', 'grant_tranche', 'expense_claim', 'expense', 'reversal', name='fund_reference_type', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('reference_id', sa.String(length=40), nullable=True),
    sa.Column('project', sa.String(length=100), nullable=True),
    sa.Column('reverses_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('idempotency_key', sa.String(length=64), nullable=True),
    sa.Column('posted_by_id', sa.Integer(), nullable=True),
    sa.Column('posted_by_label', sa.String(length=80), nullable=False),
    sa.Column('posted_at', sa.DateTime(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.CheckConstraint('length(hash) = 64 AND length(prev_hash) = 64', name=op.f('ck_fund_journal_entry_hash_length')),
    sa.CheckConstraint('seq >= 1', name=op.f('ck_fund_journal_entry_seq_positive')),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_fund_journal_entry_community_id_community'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['posted_by_id'], ['user_account.id'], name=op.f('fk_fund_journal_entry_posted_by_id_user_account'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['reverses_id'], ['fund_journal_entry.id'], name=op.f('fk_fund_journal_entry_reverses_id_fund_journal_entry'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fund_journal_entry')),
    sa.UniqueConstraint('community_id', 'idempotency_key', name=op.f('uq_fund_journal_entry_community_id_idempotency_key')),
    sa.UniqueConstraint('community_id', 'seq', name=op.f('uq_fund_journal_entry_community_id_seq')),
    sa.UniqueConstraint('reverses_id', name=op.f('uq_fund_journal_entry_reverses_id'))
    )
    with op.batch_alter_table('fund_journal_entry', schema=None) as batch_op:
        batch_op.create_index('ix_fund_journal_entry_community_date', ['community_id', 'value_date', 'seq'], unique=False)

    op.create_table('fund_ledger_head',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('last_seq', sa.BigInteger(), nullable=False),
    sa.Column('last_hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_fund_ledger_head_community_id_community'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fund_ledger_head')),
    sa.UniqueConstraint('community_id', name=op.f('uq_fund_ledger_head_community_id'))
    )
    op.create_table('fund_period',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('month', sa.Integer(), nullable=False),
    sa.Column('state', sa.Enum('open', 'closed', 'reopen_requested', name='fund_period_state', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('reopen_requested_by_id', sa.Integer(), nullable=True),
    sa.Column('reopen_requested_role', sa.String(length=20), nullable=True),
    sa.Column('reopen_reason', sa.String(length=200), nullable=True),
    sa.CheckConstraint('month BETWEEN 1 AND 12', name=op.f('ck_fund_period_month_range')),
    sa.ForeignKeyConstraint(['closed_by_id'], ['user_account.id'], name=op.f('fk_fund_period_closed_by_id_user_account'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_fund_period_community_id_community'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['reopen_requested_by_id'], ['user_account.id'], name=op.f('fk_fund_period_reopen_requested_by_id_user_account'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fund_period')),
    sa.UniqueConstraint('community_id', 'year', 'month', name=op.f('uq_fund_period_community_id_year_month'))
    )
    op.create_table('fund_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('volunteer_hour_value_fen', sa.Integer(), nullable=True),
    sa.CheckConstraint('volunteer_hour_value_fen >= 0', name=op.f('ck_fund_settings_hour_value_not_negative')),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_fund_settings_community_id_community'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fund_settings')),
    sa.UniqueConstraint('community_id', name=op.f('uq_fund_settings_community_id'))
    )
    op.create_table('fund_subfund',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.Enum('elderly', 'children', 'special', 'new_employment', name='fund_purpose', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('balance_fen', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('balance_fen >= 0', name=op.f('ck_fund_subfund_balance_not_negative')),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_fund_subfund_community_id_community'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fund_subfund')),
    sa.UniqueConstraint('community_id', 'purpose', name=op.f('uq_fund_subfund_community_id_purpose'))
    )
    op.create_table('fund_donation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('receipt_no', sa.String(length=20), nullable=False),
    sa.Column('donor_name', sa.String(length=100), nullable=True),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('method', sa.Enum('cash', 'bank', 'wechat', 'alipay', name='fund_payment_method', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('subfund_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('entry_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('amount_fen > 0', name=op.f('ck_fund_donation_amount_positive')),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_fund_donation_community_id_community'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_fund_donation_created_by_id_user_account'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['entry_id'], ['fund_journal_entry.id'], name=op.f('fk_fund_donation_entry_id_fund_journal_entry'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['subfund_id'], ['fund_subfund.id'], name=op.f('fk_fund_donation_subfund_id_fund_subfund'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fund_donation')),
    sa.UniqueConstraint('community_id', 'receipt_no', name=op.f('uq_fund_donation_community_id_receipt_no')),
    sa.UniqueConstraint('entry_id', name=op.f('uq_fund_donation_entry_id'))
    )
    op.create_table('fund_journal_line',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('entry_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('subfund_id', sa.Integer(), nullable=True),
    sa.Column('purpose', sa.Enum('elderly', 'children', 'special', 'new_employment', name='fund_line_purpose', native_enum=False, create_constraint=True, length=20), nullable=True),
    sa.CheckConstraint('amount_fen <> 0', name=op.f('ck_fund_journal_line_amount_not_zero')),
    sa.ForeignKeyConstraint(['account_id'], ['fund_account.id'], name=op.f('fk_fund_journal_line_account_id_fund_account'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['entry_id'], ['fund_journal_entry.id'], name=op.f('fk_fund_journal_line_entry_id_fund_journal_entry'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['subfund_id'], ['fund_subfund.id'], name=op.f('fk_fund_journal_line_subfund_id_fund_subfund'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fund_journal_line'))
    )
    with op.batch_alter_table('fund_journal_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fund_journal_line_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_fund_journal_line_entry_id'), ['entry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_fund_journal_line_subfund_id'), ['subfund_id'], unique=False)

    op.create_table('fund_sale',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('event', sa.String(length=100), nullable=False),
    sa.Column('items', sa.String(length=500), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('method', sa.Enum('cash', 'bank', 'wechat', 'alipay', name='fund_sale_method', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('sold_on', sa.Date(), nullable=False),
    sa.Column('entry_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('amount_fen > 0', name=op.f('ck_fund_sale_amount_positive')),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_fund_sale_community_id_community'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['entry_id'], ['fund_journal_entry.id'], name=op.f('fk_fund_sale_entry_id_fund_journal_entry'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fund_sale')),
    sa.UniqueConstraint('entry_id', name=op.f('uq_fund_sale_entry_id'))
    )
    add_append_only_triggers('fund_journal_entry')
    add_append_only_triggers('fund_journal_line')


def downgrade():
    drop_append_only_triggers('fund_journal_line')
    drop_append_only_triggers('fund_journal_entry')
    op.drop_table('fund_sale')
    with op.batch_alter_table('fund_journal_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fund_journal_line_subfund_id'))
        batch_op.drop_index(batch_op.f('ix_fund_journal_line_entry_id'))
        batch_op.drop_index(batch_op.f('ix_fund_journal_line_account_id'))

    op.drop_table('fund_journal_line')
    op.drop_table('fund_donation')
    op.drop_table('fund_subfund')
    op.drop_table('fund_settings')
    op.drop_table('fund_period')
    op.drop_table('fund_ledger_head')
    with op.batch_alter_table('fund_journal_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_fund_journal_entry_community_date')

    op.drop_table('fund_journal_entry')
    op.drop_table('fund_account')
