"""outbox mails, private link nonce

Revision ID: 3e2942d6c379
Revises: 6aca31e6e2a3
Create Date: 2026-11-26 04:59:44.128070

"""

from alembic import op
import sqlalchemy as sa

import eventapp.models


# revision identifiers, used by Alembic.
revision = "3e2942d6c379"
down_revision = "6aca31e6e2a3"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "outbox_mails",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("delegate_id", sa.Integer(), nullable=True),
        sa.Column(
            "kind",
            sa.Enum(
                "received",
                "waitlisted",
                "promoted",
                "cancelled",
                "details_changed",
                "private_link",
                "message",
                name="mail_kind",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("message_id", sa.String(length=200), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "queued",
                "sending",
                "sent",
                "failed",
                name="mail_status",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", eventapp.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("created_at", eventapp.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("claimed_at", eventapp.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("sent_at", eventapp.models.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_outbox_mails_attempts_not_negative")),
        sa.ForeignKeyConstraint(
            ["delegate_id"], ["delegates.id"], name=op.f("fk_outbox_mails_delegate_id_delegates"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_mails")),
        sa.UniqueConstraint("message_id", name=op.f("uq_outbox_mails_message_id")),
    )
    with op.batch_alter_table("outbox_mails", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_mails_delegate_id"), ["delegate_id"], unique=False)
        batch_op.create_index("ix_outbox_mails_due", ["status", "next_attempt_at"], unique=False)

    with op.batch_alter_table("delegates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("manage_link_nonce", sa.String(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table("delegates", schema=None) as batch_op:
        batch_op.drop_column("manage_link_nonce")

    with op.batch_alter_table("outbox_mails", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_mails_due")
        batch_op.drop_index(batch_op.f("ix_outbox_mails_delegate_id"))

    op.drop_table("outbox_mails")
