"""registrations: an index on delegate_id, for door scans and delegates' pages

A door scan loads the delegate's registrations (every status) by delegate_id, which only
the partial index of live registrations covered: PostgreSQL read the whole table instead.

Revision ID: e117d5d79d2c
Revises: 2fb14215c369
Create Date: 2026-12-04 01:36:12.235457

"""

from alembic import op


# revision identifiers, used by Alembic.
revision = "e117d5d79d2c"
down_revision = "2fb14215c369"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.create_index("ix_registrations_delegate_id", ["delegate_id"], unique=False)


def downgrade():
    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.drop_index("ix_registrations_delegate_id")
