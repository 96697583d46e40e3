"""Cross-links: a project's need and services; a need matched to a team.

A project may answer one need (project.need_id) and draw on partners' services
(project_service). A need is matched to a service OR a team: matched_team_id, the
target CHECK widened, and a second CHECK that never both are set. On SQLite the CHECKs
change through batch mode (the table is copied).

Revision ID: 1cb14e938129
Revises: 5a23cef890cc
Create Date: 2026-11-29 21:28:57.201484

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '1cb14e938129'
down_revision = '5a23cef890cc'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('project_service',
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_project_service_project_id_project'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['service_id'], ['service.id'], name=op.f('fk_project_service_service_id_service'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('project_id', 'service_id', name=op.f('pk_project_service'))
    )
    with op.batch_alter_table('project_service', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_service_service_id'), ['service_id'], unique=False)

    with op.batch_alter_table('need', schema=None) as batch_op:
        batch_op.add_column(sa.Column('matched_team_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_need_matched_team_id'), ['matched_team_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_need_matched_team_id_team'), 'team', ['matched_team_id'], ['id'], ondelete='RESTRICT')
        batch_op.drop_constraint(batch_op.f('ck_need_matched_has_target'), type_='check')
        batch_op.create_check_constraint(
            batch_op.f('ck_need_matched_has_target'),
            "state NOT IN ('matched', 'in_service') OR matched_service_id IS NOT NULL "
            "OR matched_team_id IS NOT NULL")
        batch_op.create_check_constraint(batch_op.f('ck_need_one_match_target'),
                                         'matched_service_id IS NULL OR matched_team_id IS NULL')

    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.add_column(sa.Column('need_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_project_need_id'), ['need_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_project_need_id_need'), 'need', ['need_id'], ['id'], ondelete='RESTRICT')



def downgrade():
    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_project_need_id_need'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_project_need_id'))
        batch_op.drop_column('need_id')

    with op.batch_alter_table('need', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_need_one_match_target'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_need_matched_has_target'), type_='check')
        batch_op.create_check_constraint(
            batch_op.f('ck_need_matched_has_target'),
            "state NOT IN ('matched', 'in_service') OR matched_service_id IS NOT NULL")
        batch_op.drop_constraint(batch_op.f('fk_need_matched_team_id_team'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_need_matched_team_id'))
        batch_op.drop_column('matched_team_id')

    with op.batch_alter_table('project_service', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_service_service_id'))

    op.drop_table('project_service')
