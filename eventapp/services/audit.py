"""The audit log: who changed what, written in the transaction of the change."""

from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..models import AuditEntry, Delegate, Registration, Session


def record_audit(
    action: str,
    actor: str,
    *,
    delegate: Delegate | None = None,
    registration: Registration | None = None,
    session: Session | None = None,
    from_status: str | None = None,
    to_status: str | None = None,
    **details: object,
) -> None:
    if registration is not None:
        delegate = delegate or registration.delegate
        session = session or registration.session
    db.session.add(
        AuditEntry(
            actor=actor,
            action=action,
            delegate_id=delegate.id if delegate else None,
            session_id=session.id if session else None,
            registration_id=registration.id if registration else None,
            from_status=from_status,
            to_status=to_status,
            details={k: v for k, v in details.items() if v is not None},
        )
    )


def delegate_history(delegate: Delegate) -> list[AuditEntry]:
    """Everything the audit log holds about a delegate, oldest first."""
    return list(
        db.session.execute(
            select(AuditEntry).where(AuditEntry.delegate_id == delegate.id).order_by(AuditEntry.at, AuditEntry.id)
        ).scalars()
    )
