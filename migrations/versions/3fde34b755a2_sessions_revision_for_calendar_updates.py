"""sessions: revision and revised_at, the SEQUENCE and LAST-MODIFIED of calendar entries

Revision ID: 3fde34b755a2
Revises: be8b1ab1e324
Create Date: 2026-12-02 17:10:52.237712

"""

from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa

import eventapp.models


# revision identifiers, used by Alembic.
revision = "3fde34b755a2"
down_revision = "be8b1ab1e324"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revision", sa.Integer(), server_default=sa.text("0"), nullable=False))
        batch_op.add_column(sa.Column("revised_at", eventapp.models.UTCDateTime(timezone=True), nullable=True))

    # Existing sessions count as revised now: their entries get a LAST-MODIFIED from here on.
    sessions = sa.table("sessions", sa.column("revised_at", eventapp.models.UTCDateTime(timezone=True)))
    op.execute(sessions.update().values(revised_at=datetime.now(timezone.utc)))

    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.alter_column("revised_at", existing_type=eventapp.models.UTCDateTime(timezone=True), nullable=False)


def downgrade():
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.drop_column("revised_at")
        batch_op.drop_column("revision")
