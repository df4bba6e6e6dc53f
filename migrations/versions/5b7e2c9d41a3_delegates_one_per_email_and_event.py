"""delegates: one per email and event, as a unique index

One person, one delegate was the services' rule (each check holding an advisory lock on
the email); the database now refuses a second delegate with the same email for an event
too, and a registration needs no look-up of the email first. The unique index on
(event_id, email_normalized) also serves the look-ups by email the old index on
email_normalized served.

Revision ID: 5b7e2c9d41a3
Revises: e117d5d79d2c
Create Date: 2026-12-04 20:15:00.000000

"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "5b7e2c9d41a3"
down_revision = "e117d5d79d2c"
branch_labels = None
depends_on = None


def upgrade():
    shared = (
        op.get_bind()
        .execute(
            sa.text(
                "SELECT event_id, email_normalized, count(*) FROM delegates"
                " GROUP BY event_id, email_normalized HAVING count(*) > 1 ORDER BY event_id, email_normalized"
            )
        )
        .fetchall()
    )
    if shared:
        listed = "; ".join(f"event {event_id}: {email} ({count} delegates)" for event_id, email, count in shared[:20])
        raise RuntimeError(
            "Some delegates share an email address, which one person, one delegate forbids; give each"
            f" their own address (the delegate's page) or cancel the extra ones, then upgrade again: {listed}"
        )
    with op.batch_alter_table("delegates", schema=None) as batch_op:
        batch_op.create_index("uq_delegates_event_email", ["event_id", "email_normalized"], unique=True)
        batch_op.drop_index("ix_delegates_email_normalized")


def downgrade():
    with op.batch_alter_table("delegates", schema=None) as batch_op:
        batch_op.create_index("ix_delegates_email_normalized", ["email_normalized"], unique=False)
        batch_op.drop_index("uq_delegates_event_email")
