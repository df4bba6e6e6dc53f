"""The registration rules, through the service functions the form, API and CLI share."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import create_engine, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.pool import NullPool

from eventapp.extensions import db
from eventapp.models import (
    AuditEntry,
    Delegate,
    MailKind,
    OutboxMail,
    Registration,
    RegistrationStatus,
    Session,
    utcnow,
)
from eventapp.services import mail
from eventapp.services import registration as service
from eventapp.services.audit import Actor
from eventapp.services.events import current_event
from eventapp.services.private_links import find_delegate_by_token, hash_token
from eventapp.services.registration import DelegateDetails
from eventapp.services.standing import delegates_by_email, waitlist_position
from eventapp.services.transactions import write_transaction

from .factories import CHINESE, GERMAN, person, seats, set_session

SYMPOSIUM = "german-enterprise-symposium"


def details(base=GERMAN, **overrides) -> DelegateDetails:
    payload = person(base, **overrides)
    payload.pop("consent")
    return DelegateDetails.from_mapping(payload)


def register(app, slugs=(SYMPOSIUM,), base=GERMAN, **overrides):
    with app.app_context():
        event = current_event()
        result = service.register(event, details(base, **overrides), list(slugs), actor=Actor.SYSTEM)
        return result.manage_token, [(r.session.slug, r.status, waitlist_position(r)) for r in result.registrations]


def test_full_symposium_puts_next_delegates_on_waiting_list_in_order(app, forum):
    for _ in range(27):
        _token, [(_slug, status, _pos)] = register(app)
        assert status == RegistrationStatus.CONFIRMED
    outcomes = [register(app)[1][0] for _ in range(3)]
    assert [(status, pos) for _slug, status, pos in outcomes] == [
        (RegistrationStatus.WAITLISTED, 1),
        (RegistrationStatus.WAITLISTED, 2),
        (RegistrationStatus.WAITLISTED, 3),
    ]
    state = seats(app, SYMPOSIUM)
    assert state["confirmed"] == state["confirmed_count"] == 27
    assert state["waitlisted"] == 3


def test_cancelling_a_confirmed_seat_promotes_the_first_waiting_delegate(app, forum):
    set_session(app, SYMPOSIUM, capacity=2)
    first_token, _ = register(app)
    register(app)
    waiting_token, [(_s, status, position)] = register(app, email="waiting@example.cn")
    later_token, _ = register(app)
    assert (status, position) == (RegistrationStatus.WAITLISTED, 1)

    with app.app_context():
        delegate = find_delegate_by_token(first_token)
        promoted = service.cancel_registration(delegate.registrations[0], actor=Actor.staff("organiser@forum.test"))
        assert [r.delegate.email for r in promoted] == ["waiting@example.cn"]
    with app.app_context():
        waiting = find_delegate_by_token(waiting_token)
        assert waiting.registrations[0].status == RegistrationStatus.CONFIRMED
        later = find_delegate_by_token(later_token)
        assert waitlist_position(later.registrations[0]) == 1
        actions = db.session.execute(select(AuditEntry.action, AuditEntry.actor)).all()
        assert ("promoted", "system") in actions and ("cancelled", "staff:organiser@forum.test") in actions
    assert seats(app, SYMPOSIUM)["confirmed"] == 2


def test_cancelling_a_waiting_place_promotes_nobody_and_twice_changes_nothing(app, forum):
    set_session(app, SYMPOSIUM, capacity=1)
    register(app)
    waiting_token, _ = register(app)
    with app.app_context():
        registration = find_delegate_by_token(waiting_token).registrations[0]
        assert service.cancel_registration(registration, actor=Actor.SYSTEM) == []
        assert service.cancel_registration(registration, actor=Actor.SYSTEM) == []
    assert seats(app, SYMPOSIUM) | {"ranks": None} == {
        "capacity": 1,
        "confirmed_count": 1,
        "confirmed": 1,
        "waitlisted": 0,
        "cancelled": 1,
        "ranks": None,
    }


def test_raising_the_capacity_promotes_as_many_as_fit(app, forum):
    set_session(app, SYMPOSIUM, capacity=1)
    for _ in range(4):
        register(app)
    with app.app_context():
        session = db.session.execute(select(Session).where(Session.slug == SYMPOSIUM)).scalar_one()
        promoted = service.set_capacity(session, 3, actor=Actor.staff("organiser@example.org"))
        assert len(promoted) == 2
    state = seats(app, SYMPOSIUM)
    assert (state["confirmed"], state["waitlisted"]) == (3, 1)


def test_capacity_cannot_fall_below_confirmed_seats(app, forum):
    register(app)
    register(app)
    with app.app_context():
        session = db.session.execute(select(Session).where(Session.slug == SYMPOSIUM)).scalar_one()
        with pytest.raises(service.CapacityTooLow):
            service.set_capacity(session, 1, actor=Actor.SYSTEM)
    assert seats(app, SYMPOSIUM)["capacity"] == 27


def test_same_email_cannot_hold_a_session_twice_whatever_its_case(app, forum):
    register(app, email="jurgen@example.de")
    with pytest.raises(service.AlreadyRegistered) as refusal:
        register(app, email=" Jurgen@Example.DE ")
    assert "already registered" in refusal.value.message
    assert seats(app, SYMPOSIUM)["confirmed"] == 1


def test_one_person_stays_one_delegate_whatever_the_session(app, forum):
    """Registering again for another session is refused: the session is added through the
    delegate's private link, so there is one link, one badge code and one lost-link mail."""
    token, _ = register(app, slugs=["exhibition"], email="jurgen@example.de")
    with pytest.raises(service.EmailHasDelegate) as refusal:
        register(app, slugs=[SYMPOSIUM], email="Jurgen@example.de")
    assert refusal.value.field == "email" and "private link" in refusal.value.message
    with app.app_context():
        delegate = find_delegate_by_token(token)
        badge_code = delegate.checkin_code
        service.add_sessions(delegate, [SYMPOSIUM], actor=Actor.SYSTEM)
        assert len(delegates_by_email(delegate.event, "jurgen@example.de")) == 1
        # The same link opens both sessions, the badge keeps its code...
        same = find_delegate_by_token(token)
        assert same.id == delegate.id and same.checkin_code == badge_code
        assert {r.session.slug for r in same.current_registrations} == {"exhibition", SYMPOSIUM}
        # ...and asking for the link again queues one mail, not one per session.
        before = db.session.execute(
            select(func.count()).select_from(OutboxMail).where(OutboxMail.kind == MailKind.PRIVATE_LINK)
        ).scalar_one()
        mail.send_lost_links(delegate.event_id, "jurgen@example.de")
        after = db.session.execute(
            select(func.count()).select_from(OutboxMail).where(OutboxMail.kind == MailKind.PRIVATE_LINK)
        ).scalar_one()
        assert after - before == 1
    assert seats(app, SYMPOSIUM)["confirmed"] == 1


def test_registration_outside_the_window_says_when_it_opens_or_that_it_closed(app, forum):
    set_session(app, SYMPOSIUM, registration_opens_at=utcnow() + timedelta(days=2))
    with pytest.raises(service.RegistrationNotOpen) as refusal:
        register(app)
    assert "opens on" in refusal.value.message
    set_session(app, SYMPOSIUM, registration_opens_at=None, registration_closes_at=utcnow() - timedelta(minutes=1))
    with pytest.raises(service.RegistrationNotOpen) as refusal:
        register(app)
    assert "has closed" in refusal.value.message
    with pytest.raises(service.RegistrationNotOpen) as refusal:
        register(app, slugs=["opening-ceremony"])
    assert "by invitation only" in refusal.value.message


def test_staff_may_register_for_invitation_only_sessions(app, forum):
    with app.app_context():
        result = service.register(
            current_event(), details(), ["opening-ceremony"], actor=Actor.staff("organiser@example.org"), by_staff=True
        )
        assert result.registrations[0].status == RegistrationStatus.CONFIRMED


def test_private_link_token_is_long_random_and_only_its_hash_is_stored(app, forum):
    token, _ = register(app)
    assert len(token) >= 43  # 256 bits in URL-safe base64
    with app.app_context():
        stored = db.session.execute(select(Delegate.manage_token_hash)).scalar_one()
        assert token not in stored and stored == hash_token(token)
        assert find_delegate_by_token(token + "x") is None
        assert find_delegate_by_token("") is None


def test_names_are_kept_exactly(app, forum):
    token, _ = register(app, base=CHINESE)
    token2, _ = register(app, family_name="O'Brien-Ström", given_name="José Ñandú ß")
    with app.app_context():
        chinese = find_delegate_by_token(token)
        assert (chinese.name_native, chinese.organisation) == ("王小明", "北京精工智能装备有限公司")
        other = find_delegate_by_token(token2)
        assert (other.family_name, other.given_name) == ("O'Brien-Ström", "José Ñandú ß")


def test_database_refuses_a_second_live_registration_of_one_delegate(app, forum):
    token, _ = register(app)
    with app.app_context():
        delegate = find_delegate_by_token(token)
        session = delegate.registrations[0].session
        db.session.add(
            Registration(delegate=delegate, session=session, status=RegistrationStatus.WAITLISTED, waitlist_rank=99)
        )
        with pytest.raises(IntegrityError):
            db.session.commit()


def test_database_refuses_more_confirmed_seats_than_capacity(app, forum):
    set_session(app, SYMPOSIUM, capacity=1)
    register(app)
    with app.app_context():
        session = db.session.execute(select(Session).where(Session.slug == SYMPOSIUM)).scalar_one()
        session.confirmed_count = 2
        with pytest.raises(IntegrityError):
            db.session.commit()


def test_every_status_change_is_in_the_audit_log_and_the_log_is_append_only(app, forum):
    token, _ = register(app)
    with app.app_context():
        delegate = find_delegate_by_token(token)
        service.cancel_delegate(delegate, actor=Actor.delegate(delegate.id))
    with app.app_context():
        entries = db.session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars().all()
        assert [(e.action, e.from_status, e.to_status) for e in entries] == [
            ("delegate_created", None, None),
            ("registered", None, "confirmed"),
            ("cancelled", "confirmed", "cancelled"),
        ]
        entries[0].action = "tampered"
        with pytest.raises(ValueError):
            db.session.commit()
        db.session.rollback()
        with pytest.raises(ValueError):
            db.session.delete(entries[0])
            db.session.flush()


def test_changing_email_to_one_that_holds_the_session_is_refused(app, forum):
    register(app, email="taken@example.de")
    token, _ = register(app, email="mine@example.de")
    with app.app_context():
        delegate = find_delegate_by_token(token)
        with pytest.raises(service.AlreadyRegistered):
            service.update_details(delegate, details(email="TAKEN@example.de"), actor=Actor.delegate(delegate.id))
    with app.app_context():
        assert find_delegate_by_token(token).email == "mine@example.de"
        assert (
            db.session.execute(select(func.count(AuditEntry.id)).where(AuditEntry.action == "details_changed")).scalar()
            == 0
        )


def test_a_new_registration_is_in_its_delegates_and_sessions_lists_whether_loaded_before_or_not(app, forum):
    """The seat is added to lists of registrations already loaded in the transaction, and a
    list read afterwards is read with it (the flush under the lock skips unloaded ones)."""
    register(app, slugs=["exhibition"])
    with app.app_context():
        event = current_event()
        delegate = db.session.execute(select(Delegate)).scalar_one()
        symposium = db.session.execute(select(Session).where(Session.slug == SYMPOSIUM)).scalar_one()
        assert [r.session.slug for r in delegate.registrations] == ["exhibition"]  # loaded now
        assert symposium.registrations == []  # loaded now
        with service.seat_transaction([symposium]) as locked:
            (added, _answer) = service._take_seats(delegate, locked, Actor.SYSTEM)[0]
            assert [r.session.slug for r in delegate.registrations] == ["exhibition", SYMPOSIUM]
            assert symposium.registrations == [added]
        with write_transaction():  # a new delegate: neither list loaded before the seat
            symposium = db.session.get_one(Session, symposium.id)
            (result,) = service.seat_people(
                event, [details(email="second@example.org")], [symposium], frozenset(), actor=Actor.SYSTEM
            )
            assert [r.session.slug for r in result.delegate.registrations] == [SYMPOSIUM]
            assert {r.delegate.email for r in symposium.registrations} == {delegate.email, "second@example.org"}


def test_a_group_joining_a_full_session_gets_the_next_places_in_turn(app, forum):
    """The waiting line read with the seat lock serves the first new place only; the next
    people of the group, and the next registration, are counted after it."""
    set_session(app, SYMPOSIUM, capacity=1)
    register(app, email="first@example.org")
    assert register(app, email="second@example.org")[1] == [(SYMPOSIUM, RegistrationStatus.WAITLISTED, 1)]
    with app.app_context():
        group = [details(email=f"group{i}@example.org") for i in range(3)]
        results = service.register_many(current_event(with_sessions=True), group, [SYMPOSIUM], actor=Actor.SYSTEM)
        assert [r.answers[0].waitlist_position for r in results] == [2, 3, 4]
    assert register(app, email="last@example.org")[1] == [(SYMPOSIUM, RegistrationStatus.WAITLISTED, 5)]
    state = seats(app, SYMPOSIUM)
    assert (state["confirmed"], state["waitlisted"]) == (1, 5)
    assert len(set(state["ranks"])) == 5


def test_a_seat_freed_after_the_session_was_read_full_is_taken(app, forum, database_url):
    """Full when the registration read it, a seat free when it takes the lock: the seat."""
    set_session(app, SYMPOSIUM, capacity=1)
    register(app, email="first@example.org")
    with app.app_context():
        event = current_event(with_sessions=True)
        assert next(s for s in event.sessions if s.slug == SYMPOSIUM).confirmed_count == 1  # read full
        other = create_engine(database_url, poolclass=NullPool)
        with other.begin() as connection:  # meanwhile, the seat's holder cancels
            connection.execute(update(Registration).values(status=RegistrationStatus.CANCELLED))
            connection.execute(update(Session).where(Session.slug == SYMPOSIUM).values(confirmed_count=0))
        other.dispose()
        result = service.register(event, details(email="next@example.org"), [SYMPOSIUM], actor=Actor.SYSTEM)
        assert result.answers[0].status == RegistrationStatus.CONFIRMED
    assert seats(app, SYMPOSIUM)["confirmed_count"] == 1


def test_registering_for_two_full_sessions_at_once_takes_the_next_place_in_each(app, forum):
    """Each new row is written before the next place is counted, or with the commit."""
    for slug in (SYMPOSIUM, "exhibition"):
        set_session(app, slug, capacity=1)
    both = [SYMPOSIUM, "exhibition"]
    assert {status for _, status, _ in register(app, slugs=both, email="first@example.org")[1]} == {
        RegistrationStatus.CONFIRMED
    }
    for position in (1, 2):
        _token, outcomes = register(app, slugs=both, email=f"waiting{position}@example.org")
        assert sorted(outcomes) == sorted((slug, RegistrationStatus.WAITLISTED, position) for slug in both)
    for slug in both:
        state = seats(app, slug)
        assert (state["confirmed"], state["waitlisted"], len(set(state["ranks"]))) == (1, 2, 2)
