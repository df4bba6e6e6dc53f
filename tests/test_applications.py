"""Curated seats: the symposium is by application in the demo forum. A delegate applies, an
organiser approves (a seat, or the head of the waiting list when full, or nothing) or
rejects with a reason; the delegate sees each state and gets a mail for each change.
Invitation links take seats in sessions by invitation or by application directly."""

from __future__ import annotations

import re
import threading

import pytest
from sqlalchemy import func, select

from eventapp.extensions import db
from eventapp.models import (
    AuditEntry,
    Delegate,
    Invitation,
    MailKind,
    OutboxMail,
    Registration,
    RegistrationStatus,
    Session,
    SessionAccess,
    StaffRole,
)
from eventapp.services import invitations, mail
from eventapp.services import registration as registration_service
from eventapp.services.audit import Actor
from eventapp.services.invitations import InviteeDetails
from eventapp.services.private_links import invitation_token
from eventapp.services.registration import DelegateDetails, WhenFull

from .factories import CHINESE, GERMAN, form_data, person, register_by_api, seats, set_session
from .staff_helpers import sign_in
from .test_mail import body_text

SYMPOSIUM = "german-enterprise-symposium"
CEREMONY = "opening-ceremony"
ORGANISER = Actor.staff("organiser@forum.test")


def text_of(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())


def applications(app, status=RegistrationStatus.PENDING) -> list[int]:
    with app.app_context():
        return list(
            db.session.execute(
                select(Registration.id)
                .join(Session)
                .where(Session.slug == SYMPOSIUM, Registration.status == status)
                .order_by(Registration.id)
            ).scalars()
        )


def apply(client, **overrides):
    response = register_by_api(client, [SYMPOSIUM], **overrides)
    assert response.status_code == 201, response.json
    return response


def decide(app, ids, approve=True, when_full=WhenFull.WAITLIST_HEAD, reason="") -> dict[str, list[int]]:
    """What deciding did, as registration ids by outcome."""
    with app.app_context():
        outcome = registration_service.decide_applications(
            ids, approve=approve, actor=ORGANISER, reason=reason, when_full=when_full
        )
        return {name: [r.id for r in rows] for name, rows in vars(outcome).items()}


def test_an_application_waits_for_the_organisers_and_the_delegate_sees_it(app, client, curated_forum):
    response = apply(client, base=GERMAN)
    assert response.json["registrations"] == [{"session": SYMPOSIUM, "status": "pending", "waitlist_position": None}]
    page = text_of(client.get(response.json["manage_url"] + "?lang=en"))
    assert "Application received: the organisers will decide" in page
    assert "Withdraw the application" in page
    assert seats(app, SYMPOSIUM)["confirmed"] == 0  # no seat is taken by applying
    with app.app_context():
        (received,) = db.session.execute(select(OutboxMail)).scalars().all()
        written = mail.write(received)
    assert received.kind == MailKind.RECEIVED
    assert "we will write to you as soon as they have decided" in written.text.replace("\n", " ") or (
        "entschieden" in written.text
    )
    programme = text_of(client.get("/?lang=en"))
    assert "By application" in programme and "Apply for this session" in programme


def test_organisers_approve_on_the_applications_page_and_the_delegate_is_told(app, client, curated_forum):
    first = apply(client, base=GERMAN, family_name="Adler")
    apply(client, base=CHINESE)
    sign_in(client, app, StaffRole.ORGANISER)
    dashboard = text_of(client.get("/admin/?lang=en"))
    assert "2 applications are waiting for a decision." in dashboard
    page = client.get("/admin/applications?lang=en")
    assert page.status_code == 200
    assert "Adler" in text_of(page) and "王小明" in text_of(page)
    ids = applications(app)
    decided = client.post(
        "/admin/applications?lang=en",
        data={
            "applications": [str(ids[0])],
            "decision": "approve",
            "when_full": "waitlist_head",
            "reason": "Willkommen!",
        },
        follow_redirects=True,
    )
    assert "1 application approved: seat confirmed." in text_of(decided)
    assert "1 application to decide" in text_of(decided)
    assert applications(app, RegistrationStatus.CONFIRMED) == [ids[0]]
    assert seats(app, SYMPOSIUM)["confirmed_count"] == 1
    assert "Confirmed" in text_of(client.get(first.json["manage_url"] + "?lang=en"))
    with app.app_context():
        approved = db.session.execute(
            select(OutboxMail).where(OutboxMail.kind == MailKind.APPLICATION_APPROVED)
        ).scalar_one()
        written = mail.write(approved)
        audit = db.session.execute(
            select(AuditEntry.action, AuditEntry.actor, AuditEntry.to_status).where(
                AuditEntry.registration_id == ids[0]
            )
        ).all()
    assert "Willkommen!" in written.text and written.attachments  # the calendar file
    assert ("application_approved", "staff:organiser@forum.test", "confirmed") in audit


def test_approval_never_overbooks_a_full_session(app, client, curated_forum):
    set_session(app, SYMPOSIUM, capacity=1)
    for _ in range(3):
        apply(client)
    ids = applications(app)
    head = decide(app, ids[:2])  # one seat: the second approved goes first in line
    assert head["confirmed"] == [ids[0]] and head["waitlisted"] == [ids[1]]
    refused = decide(app, [ids[2]], when_full=WhenFull.REFUSE)
    assert refused["left_pending"] == [ids[2]]
    state = seats(app, SYMPOSIUM)
    assert (state["confirmed"], state["confirmed_count"], state["waitlisted"]) == (1, 1, 1)
    assert applications(app) == [ids[2]]  # still waiting for a decision
    # An approval when full goes before everyone already waiting.
    set_session(app, SYMPOSIUM, access=SessionAccess.OPEN)
    queued = register_by_api(client, [SYMPOSIUM]).json["registrations"][0]
    assert queued == {"session": SYMPOSIUM, "status": "waitlisted", "waitlist_position": 2}
    set_session(app, SYMPOSIUM, access=SessionAccess.APPLICATION)
    decide(app, [ids[2]])
    with app.app_context():
        line = (
            db.session.execute(
                select(Registration.id)
                .where(Registration.status == RegistrationStatus.WAITLISTED)
                .order_by(Registration.waitlist_rank)
            )
            .scalars()
            .all()
        )
    assert line[0] == ids[2] and line[1] == ids[1]
    assert seats(app, SYMPOSIUM)["confirmed_count"] == 1


def test_a_rejection_tells_the_reason_and_the_delegate_may_apply_again(app, client, curated_forum):
    response = apply(client, base=GERMAN)
    (application,) = applications(app)
    outcome = decide(app, [application], approve=False, reason="Die Plätze sind Kammern vorbehalten.")
    assert outcome["rejected"] == [application]
    assert decide(app, [application])["not_pending"] == [application]  # decided once: approving later changes nothing
    page = text_of(client.get(response.json["manage_url"] + "?lang=en"))
    assert "Application not accepted" in page
    with app.app_context():
        rejected = db.session.execute(
            select(OutboxMail).where(OutboxMail.kind == MailKind.APPLICATION_REJECTED)
        ).scalar_one()
        assert "Die Plätze sind Kammern vorbehalten." in mail.write(rejected).text
        delegate = db.session.execute(select(Delegate)).scalar_one()
        (again,) = registration_service.add_sessions(delegate, [SYMPOSIUM], actor=Actor.delegate(delegate.id))
        assert again.status == RegistrationStatus.PENDING


def test_withdrawing_an_application_frees_nothing_and_mails_a_cancellation(app, client, curated_forum):
    apply(client, base=GERMAN)
    (application,) = applications(app)
    with app.app_context():
        registration = db.session.get_one(Registration, application)
        assert registration_service.cancel_registration(registration, actor=Actor.SYSTEM) == []
    assert applications(app, RegistrationStatus.CANCELLED) == [application]
    assert decide(app, [application])["not_pending"] == [application]


@pytest.mark.parametrize("approve", [True, False])
def test_the_organisers_form_needs_a_ticked_application_and_keeps_the_choices(app, client, curated_forum, approve):
    apply(client)
    sign_in(client, app, StaffRole.ORGANISER)
    response = client.post(
        "/admin/applications?lang=en",
        data={"decision": "approve" if approve else "reject", "reason": "kept text"},
    )
    assert response.status_code == 422
    assert "Tick at least one application." in text_of(response) and "kept text" in text_of(response)


def test_approvals_and_registrations_racing_for_the_last_seats_never_overbook(app, curated_forum, database_url):
    """Threads, each with its own connection: applications approved while others register
    through an invitation for the same seats."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite serialises writers: the race needs PostgreSQL")
    set_session(app, SYMPOSIUM, capacity=5)
    with app.app_context():
        people = [DelegateDetails.from_mapping(person()) for _ in range(12)]
        results = registration_service.register_many(_event(), people, [SYMPOSIUM], actor=Actor.SYSTEM)
        pending = [r.registrations[0].id for r in results]
        invited = [
            invitations.add_invitation(_event(), InviteeDetails(email=f"invitee{n}@example.de"), [SYMPOSIUM], ORGANISER)
            for n in range(6)
        ]
        invited_ids = [i.id for i in invited]
    errors: list[BaseException] = []

    def approve(ids):
        try:
            with app.app_context():
                registration_service.decide_applications(ids, approve=True, actor=ORGANISER)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    def accept(invitation_id):
        try:
            with app.app_context():
                invitation = db.session.get_one(Invitation, invitation_id)
                details = DelegateDetails.from_mapping(person(email=invitation.email))
                registration_service.register(
                    invitation.event, details, [SYMPOSIUM], actor=Actor.on_registration_form(), invitation=invitation
                )
        except BaseException as error:  # noqa: BLE001
            errors.append(error)

    threads = [threading.Thread(target=approve, args=([i],)) for i in pending]
    threads += [threading.Thread(target=accept, args=(i,)) for i in invited_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    state = seats(app, SYMPOSIUM)
    assert state["confirmed"] == state["confirmed_count"] == 5
    assert state["confirmed"] + state["waitlisted"] == 18  # everyone approved or invited is placed
    ranks = state["ranks"]
    assert len(set(ranks)) == len(ranks)


def _event():
    from eventapp.services.events import current_event

    return current_event()


# --- invitation links -----------------------------------------------------------------------------


def invite(app, email="juergen.mueller@example.de", sessions=(CEREMONY, SYMPOSIUM), **known):
    details = dict(
        family_name="Müller", given_name="Jürgen", organisation="Weiß & Söhne GmbH", country="DE", language="de"
    )
    details.update(known)
    with app.app_context():
        invitation = invitations.add_invitation(
            _event(), InviteeDetails(email=email, **details), list(sessions), ORGANISER
        )
        return invitation.id, invitation_token(invitation)


def test_an_invitation_link_opens_the_form_filled_in_and_takes_the_seats(app, client, curated_forum):
    invitation_id, token = invite(app)
    page = client.get(f"/invitation/{token}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'lang="de"' in html
    assert 'value="juergen.mueller@example.de"' in html and 'value="Müller"' in html
    assert 'id="session-opening-ceremony" value="opening-ceremony" checked' in html  # by invitation only
    payload = person(GERMAN, email="juergen.mueller@example.de", family_name="Müller")
    sent = client.post(f"/invitation/{token}", data=form_data(payload, [CEREMONY, SYMPOSIUM]))
    assert sent.status_code == 302, text_of(sent)
    with app.app_context():
        invitation = db.session.get_one(Invitation, invitation_id)
        statuses = {r.session.slug: r.status for r in invitation.delegate.registrations}
    assert statuses == {CEREMONY: RegistrationStatus.CONFIRMED, SYMPOSIUM: RegistrationStatus.CONFIRMED}
    again = client.get(f"/invitation/{token}?lang=en")
    assert "You have registered with this invitation." in text_of(again)
    assert client.post(f"/invitation/{token}", data=form_data(payload, [CEREMONY])).status_code == 200


def test_without_an_invitation_the_ceremony_refuses_and_the_symposium_takes_an_application(app, client, curated_forum):
    refused = register_by_api(client, [CEREMONY])
    assert refused.status_code == 422 and "by invitation only" in refused.json["errors"]["sessions"][0]
    assert apply(client).json["registrations"][0]["status"] == "pending"


def test_an_invitee_declines_and_an_unknown_link_is_not_found(app, client, curated_forum):
    _invitation_id, token = invite(app)
    assert client.post(f"/invitation/{token}/decline").status_code == 302
    assert "You have declined this invitation." in text_of(client.get(f"/invitation/{token}?lang=en"))
    assert client.get("/invitation/nope").status_code == 404
    with app.app_context():
        assert invitations.reminder_candidates(_event()) == []


def test_the_invitation_mail_greets_as_the_salutation_asks_and_carries_the_link(
    app, client, curated_forum, smtp_app, inbox
):
    from eventapp.models import Salutation

    _id, token = invite(app, salutation=Salutation.MR, academic_title="Dr.")
    _id2, _token2 = invite(
        app,
        email="wang@example.cn",
        family_name="Wang",
        given_name="Xiaoming",
        name_native="王小明",
        country="CN",
        language="zh",
        salutation=Salutation.MS,
    )
    with app.app_context():
        sent = invitations.send_invitations(invitations.invitations_in(_event()), ORGANISER)
        assert len(sent) == 2
        mail.send_due()
    inbox.wait_for(2)
    by_recipient = {message["To"]: message for message in inbox.messages}
    german = body_text(next(m for to, m in by_recipient.items() if "juergen" in to))
    chinese = body_text(next(m for to, m in by_recipient.items() if "wang" in to))
    assert german.startswith("Sehr geehrter Herr Dr. Müller,")
    assert f"/invitation/{token}" in german
    assert chinese.startswith("尊敬的王小明女士：")
    with app.app_context():
        assert db.session.execute(select(func.count(OutboxMail.id))).scalar_one() == 2
