"""Remember the last body fetched from a source; details pages as a source kind

Revision ID: 43b7641de946
Revises: a51330e09120
Create Date: 2026-12-03 18:20:26.827783

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '43b7641de946'
down_revision = 'a51330e09120'
branch_labels = None
depends_on = None

# The CHECK constraint of the kind column, stored as a string; autogenerate
# does not compare these, so the new value is added by hand.
KIND_CONSTRAINT = 'ck_source_source_kind'
OLD_KINDS = ('feed', 'html_list', 'jsonld_page', 'opendata_csv')
NEW_KINDS = ('feed', 'html_list', 'jsonld_page', 'details_page', 'opendata_csv')


def _kind_check(kinds):
    return sa.text('kind IN ({})'.format(', '.join(f"'{kind}'" for kind in kinds)))


def upgrade():
    with op.batch_alter_table('source', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_body_hash', sa.String(length=64), nullable=True))
        batch_op.drop_constraint(op.f(KIND_CONSTRAINT), type_='check')
        batch_op.create_check_constraint(op.f(KIND_CONSTRAINT), _kind_check(NEW_KINDS))


def downgrade():
    # Fails while a details_page source exists: delete or change those first,
    # rather than have a downgrade throw sources away.
    with op.batch_alter_table('source', schema=None) as batch_op:
        batch_op.drop_constraint(op.f(KIND_CONSTRAINT), type_='check')
        batch_op.create_check_constraint(op.f(KIND_CONSTRAINT), _kind_check(OLD_KINDS))
        batch_op.drop_column('last_body_hash')
