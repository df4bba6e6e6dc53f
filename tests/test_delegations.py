"""Delegations and substitution: a contact person (a chamber of commerce, say) registers several
people of their organisation in one form, all or nothing or one by one; sees and manages them
on a contact page of its own; and a seat is handed to a colleague (same seat, new person, new
badge code) until the session's substitution deadline, afterwards only by organisers."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from eventapp.extensions import db
from eventapp.models import (
    AuditEntry,
    Delegate,
    Delegation,
    MailKind,
    OutboxMail,
    Registration,
    RegistrationStatus,
    ScanStatus,
    SeatMode,
    Session,
    StaffRole,
)
from eventapp.services import checkin as checkin_service
from eventapp.services import delegations, mail, private_links
from eventapp.services import registration as registration_service
from eventapp.services import staff as staff_service
from eventapp.services.audit import Actor, AuditAction
from eventapp.services.delegations import ContactDetails
from eventapp.services.events import current_event
from eventapp.services.registration import (
    DelegateDetails,
    EmailHasDelegate,
    NotEnoughSeats,
    SubstitutionClosed,
    WhenFull,
)

from .factories import GERMAN, register_by_api, seats, set_session
from .staff_helpers import sign_in
from .test_html_quality import assert_valid_and_labelled
from .test_openapi import documented

SYMPOSIUM = "german-enterprise-symposium"
SYMPOSIUM_TITLE = "German Enterprise Symposium"
ORGANISER = Actor.staff("organiser@forum.test")
CLOSED = datetime(2000, 1, 1, tzinfo=UTC)  # a deadline long gone, whatever the day the tests run

CONTACT = {
    "family_name": "Schneider",
    "given_name": "Petra",
    "email": "petra.schneider@ahk.example.de",
    "language": "de",
    "organisation": "AHK Greater China",
    "organisation_type": "chamber",
    "country": "DE",
}
PEOPLE = [
    {
        "family_name": "Wang",
        "given_name": "Xiaoming",
        "name_native": "王小明",
        "email": "wang@ahk.example.cn",
        "language": "zh",
    },
    {
        "family_name": "Müller",
        "given_name": "Jürgen",
        "position": "Vorstand",
        "email": "mueller@ahk.example.de",
        "language": "de",
    },
    {"family_name": "Schmidt", "given_name": "Anna", "email": "schmidt@ahk.example.de", "language": "en"},
]
COLLEAGUE = {"family_name": "Becker", "given_name": "Lena", "email": "becker@ahk.example.de", "language": "de"}


@pytest.fixture
def client(app):
    """A browser reading the pages in English (the contact and delegates here prefer German)."""
    browser = app.test_client()
    browser.get("/language/en")
    return browser


def text_of(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())


def group_form(people=PEOPLE, sessions=(SYMPOSIUM,), seat_mode="one_by_one", **extra) -> dict:
    """The group form as a browser sends it."""
    data = {f"contact-{name}": value for name, value in CONTACT.items()}
    for index, person in enumerate(people):
        data.update({f"people-{index}-{name}": value for name, value in person.items()})
    data.update({"sessions": list(sessions), "seat_mode": seat_mode, "consent": "y", **extra})
    return data


def details(person: dict, **organisation) -> DelegateDetails:
    values = {"organisation": CONTACT["organisation"], "country": CONTACT["country"], **person, **organisation}
    return DelegateDetails.from_mapping(values)


def register_group(app, people=PEOPLE, sessions=(SYMPOSIUM,), seat_mode=SeatMode.ONE_BY_ONE, **kwargs):
    """Through the service; returns the contact page's token and each person's registration ids."""
    with app.app_context():
        result = delegations.register_delegation(
            current_event(),
            ContactDetails.from_mapping(CONTACT),
            [details(p) for p in people],
            list(sessions),
            seat_mode,
            actor=Actor.on_registration_form(),
            **kwargs,
        )
        return result.token, [[r.id for r in person.registrations] for person in result.people]


def contact_page_path(response) -> str:
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    path = response.headers["Location"].split("forum.test", 1)[-1]
    assert path.startswith("/g/")
    return path


def count(app, model, *where) -> int:
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def door_scan(app, code: str, door: str = SYMPOSIUM) -> ScanStatus:
    """The badge's code read at a door, as the door app sends it."""
    with app.app_context():
        user = staff_service.find_user("door@forum.test") or staff_service.create_user(
            "door@forum.test", StaffRole.DOOR, "long-password-123"
        )
        number = count(app, AuditEntry)
        return checkin_service.scan(current_event(), code, door, f"scan-{code}-{number}", user).status


def registration_state(app, registration_id: int) -> tuple:
    with app.app_context():
        r = db.session.get_one(Registration, registration_id)
        return r.delegate.email, r.status, r.waitlist_rank, r.session.confirmed_count


# ---- the group form ----


def test_the_registration_form_leads_to_the_delegation_form(client, forum):
    register = client.get("/register")
    assert register.status_code == 200 and 'href="/delegation/new"' in register.get_data(as_text=True)
    assert "Register them as a delegation" in text_of(register)


def test_contact_registers_three_people_one_by_one_and_each_gets_own_link_badge_code_and_mail(client, app, forum):
    form = client.get("/delegation/new")
    assert form.status_code == 200
    assert [f"Person {n}" in text_of(form) for n in (1, 2, 3)] == [True, True, True]

    page = client.get(contact_page_path(client.post("/delegation/new", data=group_form())))
    text = text_of(page)
    assert "Delegation of AHK Greater China" in text and "3 people" in text
    for name in ("王小明 (WANG Xiaoming)", "Jürgen Müller", "Anna Schmidt"):
        assert name in text
    assert text.count("Confirmed") == 3
    with app.app_context():
        (delegation,) = db.session.execute(select(Delegation)).scalars()
        people = delegation.delegates
        assert {d.email for d in people} == {p["email"] for p in PEOPLE}
        assert {(d.organisation, d.country) for d in people} == {("AHK Greater China", "DE")}
        assert len({d.manage_token_hash for d in people} | {delegation.manage_token_hash}) == 4
        assert len({d.checkin_code for d in people}) == 3
        received = db.session.execute(select(OutboxMail).where(OutboxMail.kind == MailKind.RECEIVED)).scalars()
        assert {m.delegate_id for m in received} == {d.id for d in people}
        (contact_mail,) = db.session.execute(select(OutboxMail).where(OutboxMail.delegation_id.is_not(None))).scalars()
        assert contact_mail.kind == MailKind.DELEGATION and contact_mail.delegate_id is None
        written = mail.write(contact_mail)
        assert mail.subject_of(contact_mail) == written.subject
    assert written.recipient == CONTACT["email"] and written.language == "de"
    assert written.text.startswith("Guten Tag Petra Schneider,")
    assert "AHK Greater China" in written.text and "Jürgen Müller" in written.text
    assert written.text.count("Bestätigt") == 3
    contact_link = re.search(r"http://forum\.test/g/\S+", written.text).group(0)
    assert contact_link.endswith(page.request.path) and f'href="{contact_link}"' in written.html


def test_one_by_one_seats_while_they_last_then_the_waiting_list(client, app, forum):
    set_session(app, SYMPOSIUM, capacity=2)
    page = client.get(contact_page_path(client.post("/delegation/new", data=group_form(seat_mode="one_by_one"))))
    assert text_of(page).count("Confirmed") == 2 and "On the waiting list, position 1" in text_of(page)
    state = seats(app, SYMPOSIUM)
    assert (state["confirmed"], state["confirmed_count"], state["waitlisted"]) == (2, 2, 1)


def test_all_or_nothing_is_refused_when_two_seats_are_left_and_nothing_is_saved(client, app, forum):
    set_session(app, SYMPOSIUM, capacity=2)
    response = client.post("/delegation/new", data=group_form(seat_mode="all_or_nothing"))
    assert response.status_code == 422
    text = text_of(response)
    assert (
        f"Only 2 seats are left in {SYMPOSIUM_TITLE}, not enough for 3 people, so nobody of the group was registered"
        in text
    )
    assert 'value="mueller@ahk.example.de"' in response.get_data(as_text=True)  # the entries are kept
    assert_valid_and_labelled(response.get_data(as_text=True), "refused group")
    for model in (Delegation, Delegate, Registration, OutboxMail):
        assert count(app, model) == 0, model
    assert count(app, AuditEntry) == 0
    assert seats(app, SYMPOSIUM)["confirmed_count"] == 0


def test_all_or_nothing_seats_everyone_when_the_seats_are_there(app, forum):
    set_session(app, SYMPOSIUM, capacity=3)
    _, registrations = register_group(app, seat_mode=SeatMode.ALL_OR_NOTHING)
    assert [registration_state(app, ids[0])[1] for ids in registrations] == [RegistrationStatus.CONFIRMED] * 3
    with app.app_context(), pytest.raises(NotEnoughSeats, match=f"{SYMPOSIUM_TITLE} is full"):
        delegations.register_delegation(
            current_event(),
            ContactDetails.from_mapping(CONTACT),
            [details(COLLEAGUE)],
            [SYMPOSIUM],
            SeatMode.ALL_OR_NOTHING,
            actor=Actor.SYSTEM,
        )


def test_a_session_by_application_takes_the_groups_applications_whatever_the_seats(app, curated_forum):
    set_session(app, SYMPOSIUM, capacity=1)
    _, registrations = register_group(app, seat_mode=SeatMode.ALL_OR_NOTHING)
    assert [registration_state(app, ids[0])[1] for ids in registrations] == [RegistrationStatus.PENDING] * 3
    _, by_organiser = register_group(
        app, people=[COLLEAGUE], seat_mode=SeatMode.ALL_OR_NOTHING, by_staff=True
    )  # an organiser's registration takes the seat itself
    assert registration_state(app, by_organiser[0][0])[1] == RegistrationStatus.CONFIRMED


def test_add_a_person_button_adds_a_row_and_empty_rows_are_left_out(client, app, forum):
    response = client.post("/delegation/new/rows", data=group_form(people=PEOPLE[:1]))
    assert response.status_code == 200 and "Person 4" in text_of(response) and "Person 5" not in text_of(response)
    assert "Please correct" not in text_of(response)
    assert 'value="wang@ahk.example.cn"' in response.get_data(as_text=True)
    assert_valid_and_labelled(response.get_data(as_text=True), "four rows")
    page = client.get(contact_page_path(client.post("/delegation/new", data=group_form(people=PEOPLE[:1]))))
    assert "1 person" in text_of(page)


def test_group_form_errors_name_the_person_and_keep_every_entry(client, app, forum):
    register_by_api(client, ["exhibition"], email="schmidt@ahk.example.de")
    twice = [PEOPLE[0], {**PEOPLE[1], "email": PEOPLE[0]["email"]}]
    response = client.post("/delegation/new", data=group_form(people=twice))
    assert response.status_code == 422
    assert "Person 2, Email: This email address is given for another person of the group" in text_of(response)
    known = client.post("/delegation/new", data=group_form(people=PEOPLE))
    assert known.status_code == 422 and "schmidt@ahk.example.de already belongs to a registered delegate" in text_of(
        known
    )
    html = known.get_data(as_text=True)
    assert re.search(r'id="people-2-email"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="people-2-email"', html)
    missing = client.post(
        "/delegation/new", data={**group_form(people=[{**PEOPLE[1], "email": "not-an-address"}]), "consent": ""}
    )
    assert missing.status_code == 422
    summary = text_of(missing)
    assert "Person 1, Email" in summary and "consent of the people you register is needed" in summary
    assert_valid_and_labelled(missing.get_data(as_text=True), "errors")
    nobody = client.post("/delegation/new", data=group_form(people=[]))
    assert nobody.status_code == 422 and "Name at least one person." in text_of(nobody)
    assert count(app, Delegation) == 0


# ---- the contact page ----


def test_contact_page_adds_and_cancels_people_and_a_freed_seat_goes_to_the_waiting_list(client, app, forum):
    set_session(app, SYMPOSIUM, capacity=3)
    page_path = contact_page_path(client.post("/delegation/new", data=group_form()))
    page = client.get(page_path)
    assert_valid_and_labelled(page.get_data(as_text=True), "contact page")
    assert page.headers["Referrer-Policy"] == "no-referrer" and "no-store" in page.headers["Cache-Control"]

    person = {name: value for name, value in COLLEAGUE.items()}
    added = client.post(
        page_path + "/people",
        data={**person, "sessions": [SYMPOSIUM], "seat_mode": "one_by_one"},
        follow_redirects=True,
    )
    assert "Lena Becker is registered" in text_of(added) and "On the waiting list, position 1" in text_of(added)
    with app.app_context():
        becker = db.session.execute(select(Delegate).where(Delegate.email == COLLEAGUE["email"])).scalar_one()
        assert (becker.organisation, becker.country, becker.delegation.organisation) == (
            "AHK Greater China",
            "DE",
            "AHK Greater China",
        )
        mueller = db.session.execute(select(Delegate).where(Delegate.email == PEOPLE[1]["email"])).scalar_one()
        mueller_id, becker_id = mueller.id, becker.id
        assert db.session.execute(
            select(AuditEntry).where(
                AuditEntry.delegate_id == becker_id, AuditEntry.action == AuditAction.DELEGATION_CREATED
            )
        ).scalar_one()

    refused = client.post(page_path + "/people", data={**person, "email": "x", "sessions": [SYMPOSIUM]})
    assert refused.status_code == 422 and "Please correct" in text_of(refused)
    assert_valid_and_labelled(refused.get_data(as_text=True), "add refused")

    question = client.get(f"{page_path}/people/{mueller_id}/cancel")
    assert "Cancel every registration of Jürgen Müller?" in text_of(question)
    assert_valid_and_labelled(question.get_data(as_text=True), "cancel question")
    done = client.post(f"{page_path}/people/{mueller_id}/cancel", follow_redirects=True)
    assert "The registration of Jürgen Müller has been cancelled" in text_of(done)
    with app.app_context():
        assert db.session.get_one(Delegate, becker_id).registrations[0].status == RegistrationStatus.CONFIRMED
    assert seats(app, SYMPOSIUM)["confirmed_count"] == 3

    with app.app_context():  # someone of another delegation, or none, is not reachable from here
        other = registration_service.register(
            current_event(), details(COLLEAGUE, email="o@example.de"), ["exhibition"], actor=Actor.SYSTEM
        )
        other_id = other.delegate.id
    assert client.get(f"{page_path}/people/{other_id}/cancel").status_code == 404
    assert client.get("/g/not-a-token").status_code == 404
    with app.app_context():  # the contact page's link opens no delegate's page, and theirs not it
        delegation = db.session.execute(select(Delegation)).scalar_one()
        assert private_links.find_delegate_by_token(page_path.split("/")[2]) is None
        assert delegation.manage_token_hash != db.session.get_one(Delegate, becker_id).manage_token_hash


# ---- substitution ----


def test_contact_hands_a_seat_to_a_colleague_and_the_old_badge_stops_working_at_the_door(client, app, forum):
    set_session(app, SYMPOSIUM, capacity=2)
    page_path = contact_page_path(client.post("/delegation/new", data=group_form(sessions=[SYMPOSIUM, "exhibition"])))
    with app.app_context():
        schmidt = db.session.execute(select(Delegate).where(Delegate.email == PEOPLE[2]["email"])).scalar_one()
        waiting = next(r for r in schmidt.registrations if r.session.slug == SYMPOSIUM)
        old_code, waiting_id, rank = schmidt.checkin_code, waiting.id, waiting.waitlist_rank
        assert waiting.status == RegistrationStatus.WAITLISTED
        mueller = db.session.execute(select(Delegate).where(Delegate.email == PEOPLE[1]["email"])).scalar_one()
        seat_id = next(r.id for r in mueller.registrations if r.session.slug == SYMPOSIUM)
        mueller_code, mueller_id = mueller.checkin_code, mueller.id
    assert door_scan(app, mueller_code) == ScanStatus.OK

    form = client.get(f"{page_path}/registrations/{seat_id}/substitute")
    assert (
        form.status_code == 200
        and "Hand over the place of Jürgen Müller in German Enterprise Symposium to a colleague" in text_of(form)
    )
    assert_valid_and_labelled(form.get_data(as_text=True), "substitute form")
    done = client.post(f"{page_path}/registrations/{seat_id}/substitute", data=COLLEAGUE, follow_redirects=True)
    assert "Lena Becker now holds the place in German Enterprise Symposium" in text_of(done)
    assert "Lena Becker" in text_of(done) and "Jürgen Müller" in text_of(done)  # he keeps the exhibition

    assert registration_state(app, seat_id) == (COLLEAGUE["email"], RegistrationStatus.CONFIRMED, None, 2)
    assert registration_state(app, waiting_id)[1:3] == (RegistrationStatus.WAITLISTED, rank)
    with app.app_context():
        mueller = db.session.get_one(Delegate, mueller_id)
        becker = db.session.execute(select(Delegate).where(Delegate.email == COLLEAGUE["email"])).scalar_one()
        assert [r.session.slug for r in mueller.registrations] == ["exhibition"]
        assert mueller.checkin_code != mueller_code and becker.checkin_code not in (mueller_code, mueller.checkin_code)
        assert becker.delegation_id == mueller.delegation_id and becker.organisation == "AHK Greater China"
        assert becker.manage_token_hash != mueller.manage_token_hash
        new_code, becker_id = becker.checkin_code, becker.id
        entries = (
            db.session.execute(
                select(AuditEntry).where(AuditEntry.action == AuditAction.SUBSTITUTED).order_by(AuditEntry.id)
            )
            .scalars()
            .all()
        )
        assert [(e.delegate_id, e.registration_id) for e in entries] == [(mueller_id, seat_id), (becker_id, seat_id)]
        assert (
            entries[0].details["handed_to"] == "Lena Becker"
            and entries[1].details["taken_over_from"] == "Jürgen Müller"
        )
        kinds = {
            (m.delegate_id, m.kind)
            for m in db.session.execute(
                select(OutboxMail).where(OutboxMail.delegate_id.in_([mueller_id, becker_id]))
            ).scalars()
        }
        assert {(mueller_id, MailKind.SUBSTITUTED), (becker_id, MailKind.RECEIVED)} <= kinds
        substituted = db.session.execute(select(OutboxMail).where(OutboxMail.kind == MailKind.SUBSTITUTED)).scalar_one()
        letter = mail.write(substituted)
    assert letter.language == "de" and "Symposium mit deutschen Unternehmen" in letter.text
    assert "Lena Becker" in letter.text and "Ausstellung" in letter.text  # what he still holds

    assert door_scan(app, mueller_code) == ScanStatus.INVALID  # the old badge
    assert door_scan(app, new_code) == ScanStatus.OK
    assert door_scan(app, old_code, door="exhibition") == ScanStatus.OK  # nobody else's changed


def test_a_delegate_hands_their_own_seat_over_until_the_deadline_then_only_organisers_can(client, app, forum):
    response = register_by_api(client, [SYMPOSIUM], base=GERMAN, email="self@example.de")
    manage = "/" + response.json["manage_url"].split("/", 3)[3]
    with app.app_context():
        registration_id = db.session.execute(select(Registration.id)).scalar_one()
        starts = db.session.execute(select(Session.starts_at).where(Session.slug == SYMPOSIUM)).scalar_one()
    set_session(app, SYMPOSIUM, substitution_freeze_at=starts - timedelta(days=2))
    page = client.get(manage)
    assert "Hand my seat to a colleague" in text_of(page)
    assert_valid_and_labelled(page.get_data(as_text=True), "manage page")

    set_session(app, SYMPOSIUM, substitution_freeze_at=CLOSED)
    closed_page = client.get(manage)
    assert "Hand my seat to a colleague" not in text_of(closed_page)
    form = client.get(f"{manage}/registrations/{registration_id}/substitute")
    assert "can no longer be handed to a colleague" in text_of(form) and "Jan 1, 2000" in text_of(form)
    assert "<form" not in form.get_data(as_text=True).split("<main", 1)[1]
    refused = client.post(f"{manage}/registrations/{registration_id}/substitute", data=COLLEAGUE)
    assert refused.status_code == 200 and "can no longer be handed to a colleague" in text_of(refused)
    assert registration_state(app, registration_id)[0] == "self@example.de"

    organiser = app.test_client()
    sign_in(organiser, app, StaffRole.ORGANISER)
    with app.app_context():
        delegate_id = db.session.execute(select(Delegate.id)).scalar_one()
    admin_page = organiser.get(f"/admin/delegates/{delegate_id}")
    assert "Hand over to a colleague" in text_of(admin_page)
    admin_form = organiser.get(f"/admin/delegates/{delegate_id}/registrations/{registration_id}/substitute")
    assert "only organisers can hand this place over now" in text_of(admin_form)
    done = organiser.post(
        f"/admin/delegates/{delegate_id}/registrations/{registration_id}/substitute",
        data=COLLEAGUE,
        follow_redirects=True,
    )
    assert "Lena Becker now holds the place" in text_of(done) and "Lena Becker" in text_of(done)
    assert registration_state(app, registration_id)[:2] == (COLLEAGUE["email"], RegistrationStatus.CONFIRMED)
    with app.app_context():
        entry = (
            db.session.execute(
                select(AuditEntry).where(AuditEntry.action == AuditAction.SUBSTITUTED).order_by(AuditEntry.id)
            )
            .scalars()
            .first()
        )
        assert entry.actor == "staff:organiser@forum.test"
    history = organiser.get(f"/admin/delegates/{delegate_id}")
    assert "Seat handed to a colleague" in text_of(history) and "Handed to: Lena Becker" in text_of(history)


def test_substitution_deadline_is_checked_at_the_time_given_and_told_in_local_time(app, forum):
    freeze = datetime(2026, 5, 20, 10, 0, tzinfo=UTC)  # 18:00 in Beijing
    set_session(app, SYMPOSIUM, substitution_freeze_at=freeze)
    _, [[first], [second], _third] = register_group(app)
    with app.app_context():
        registration = db.session.get_one(Registration, first)
        before = registration_service.substitute(
            registration, details(COLLEAGUE), actor=Actor.SYSTEM, now=freeze - timedelta(minutes=1)
        )
        assert before.delegate.email == COLLEAGUE["email"]
        late = db.session.get_one(Registration, second)
        with pytest.raises(SubstitutionClosed) as refusal:
            registration_service.substitute(
                late, details(COLLEAGUE, email="late@example.de"), actor=Actor.SYSTEM, now=freeze
            )
        assert "Wed, May 20, 2026, 18:00 (China Time)" in refusal.value.message
        by_staff = registration_service.substitute(
            late,
            details(COLLEAGUE, email="late@example.de"),
            actor=ORGANISER,
            by_staff=True,
            now=freeze + timedelta(days=1),
        )
        assert by_staff.registrations[0].id == second


def test_a_seat_goes_only_to_someone_not_registered_yet_and_only_while_it_is_held(app, forum):
    _, [[first], [second], _third] = register_group(app)
    with app.app_context():
        registration = db.session.get_one(Registration, first)
        with pytest.raises(EmailHasDelegate, match="already belongs to a registered delegate"):
            registration_service.substitute(registration, details(PEOPLE[1]), actor=Actor.SYSTEM)
        registration_service.cancel_registration(db.session.get_one(Registration, second), actor=Actor.SYSTEM)
        with pytest.raises(registration_service.RegistrationRefused, match="still held"):
            registration_service.substitute(
                db.session.get_one(Registration, second), details(COLLEAGUE), actor=Actor.SYSTEM
            )
    assert count(app, Delegate) == 3


# ---- organisers ----


def test_organisers_see_the_delegations_with_their_people(client, app, forum):
    register_group(app)
    sign_in(client, app, StaffRole.ORGANISER)
    page = client.get("/admin/delegations")
    assert page.status_code == 200
    text = text_of(page)
    assert "AHK Greater China" in text and "petra.schneider@ahk.example.de" in text and "Anna Schmidt" in text
    assert "One by one" in text
    assert_valid_and_labelled(page.get_data(as_text=True), "admin delegations")
    with app.app_context():
        delegation_id = db.session.execute(select(Delegation.id)).scalar_one()
    mailed = client.post(f"/admin/delegations/{delegation_id}/mail", follow_redirects=True)
    assert "The link of the contact page will be mailed to petra.schneider@ahk.example.de" in text_of(mailed)
    assert count(app, OutboxMail, OutboxMail.delegation_id == delegation_id) == 2


# ---- the JSON API ----


def api_body(**overrides) -> dict:
    return {
        "contact": CONTACT,
        "people": PEOPLE,
        "sessions": [SYMPOSIUM],
        "seat_mode": "one_by_one",
        "consent": True,
        **overrides,
    }


def test_api_registers_a_group_and_answers_as_documented(client, app, forum):
    spec = client.get("/api/v1/openapi.json").json
    set_session(app, SYMPOSIUM, capacity=2)
    created = client.post("/api/v1/delegations", json=api_body())
    assert created.status_code == 201
    body = documented(spec, "POST", "/delegations", created)
    assert [p["email"] for p in body["people"]] == [p["email"] for p in PEOPLE]
    assert [p["registrations"][0]["status"] for p in body["people"]] == ["confirmed", "confirmed", "waitlisted"]
    assert body["people"][2]["registrations"][0]["waitlist_position"] == 1
    assert client.get(body["delegation_url"].split("forum.test", 1)[1]).status_code == 200
    assert client.get(body["people"][0]["manage_url"].split("forum.test", 1)[1]).status_code == 200

    cases = {
        "a person's bad email": (api_body(people=[PEOPLE[0], {**PEOPLE[1], "email": "x"}]), 422, {"people.1.email"}),
        "a person given as {}": (
            api_body(people=[{}, COLLEAGUE]),
            422,
            {"people.0.family_name", "people.0.given_name", "people.0.email"},
        ),
        "wrong types": (
            api_body(contact={**CONTACT, "email": 7}, people=[{**COLLEAGUE, "language": 1}]),
            422,
            {"contact.email", "people.0.language"},
        ),
        "no people": (api_body(people=[]), 422, {"people"}),
        "people not a list": (api_body(people="Wang"), 422, {"people"}),
        "too many": (api_body(people=[{**COLLEAGUE, "email": f"p{n}@example.de"} for n in range(21)]), 422, {"people"}),
        "two with one email": (api_body(people=[COLLEAGUE, COLLEAGUE]), 422, {"people.1.email"}),
        "all or nothing, full": (api_body(people=[COLLEAGUE], seat_mode="all_or_nothing"), 422, {"sessions"}),
        "a bad seat mode": (api_body(people=[COLLEAGUE], seat_mode="first"), 422, {"seat_mode"}),
        "already a delegate": (api_body(people=[COLLEAGUE, PEOPLE[2]]), 409, {"people.1.email"}),
    }
    for name, (payload, status, keys) in cases.items():
        response = client.post("/api/v1/delegations", json=payload)
        assert response.status_code == status, (name, response.json)
        assert set(documented(spec, "POST", "/delegations", response)["errors"]) == keys, (name, response.json)
    assert count(app, Delegation) == 1 and count(app, Delegate) == 3


# ---- concurrency ----


def test_approvals_group_registrations_and_substitutions_racing_for_the_last_seats_keep_the_count(
    app, curated_forum, backend
):
    """Approvals of applications, groups (all or nothing, one by one) and substitutions, all
    at once on the symposium's last seats: never a seat too many, and the counter agrees."""
    if backend == "sqlite":
        pytest.skip("SQLite serialises writers: the race needs PostgreSQL")
    capacity = 12
    set_session(app, SYMPOSIUM, capacity=capacity)
    with app.app_context():
        event = current_event()
        applications = [
            registration_service.register(
                event, details(COLLEAGUE, email=f"applicant{n}@example.de"), [SYMPOSIUM], actor=Actor.SYSTEM
            )
            .registrations[0]
            .id
            for n in range(8)
        ]
        held = [
            registration_service.register(
                event, details(COLLEAGUE, email=f"holder{n}@example.de"), [SYMPOSIUM], actor=ORGANISER, by_staff=True
            )
            .registrations[0]
            .id
            for n in range(4)
        ]
    # 8 free seats; 8 approvals and 4 groups of 3 want them.

    def approve(ids):
        registration_service.decide_applications(ids, approve=True, actor=ORGANISER, when_full=WhenFull.WAITLIST_HEAD)

    def group(number, seat_mode):
        people = [details(COLLEAGUE, email=f"g{number}p{n}@example.de") for n in range(3)]
        contact = ContactDetails.from_mapping({**CONTACT, "email": f"contact{number}@example.de"})
        try:
            delegations.register_delegation(
                current_event(), contact, people, [SYMPOSIUM], seat_mode, actor=ORGANISER, by_staff=True
            )
        except NotEnoughSeats:
            refused.append(number)

    def hand_over(registration_id, number):
        registration = db.session.get_one(Registration, registration_id)
        registration_service.substitute(
            registration, details(COLLEAGUE, email=f"successor{number}@example.de"), actor=ORGANISER
        )

    refused: list[int] = []
    tasks = [lambda ids=applications[n : n + 2]: approve(ids) for n in range(0, 8, 2)]
    tasks += [lambda n=n: group(n, SeatMode.ALL_OR_NOTHING if n % 2 else SeatMode.ONE_BY_ONE) for n in range(4)]
    tasks += [lambda rid=rid, n=n: hand_over(rid, n) for n, rid in enumerate(held)]
    barrier = threading.Barrier(len(tasks))
    failures = []

    def run(task):
        with app.app_context():
            current_event()
            db.session.commit()  # give the connection back to the pool while waiting
            barrier.wait()
            try:
                task()
            except Exception as error:  # noqa: BLE001 - any failure fails the test below
                failures.append(repr(error))

    threads = [threading.Thread(target=run, args=(task,)) for task in tasks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []

    state = seats(app, SYMPOSIUM)
    assert state["confirmed"] == state["confirmed_count"] == capacity  # more wanted seats than there were
    assert len(state["ranks"]) == len(set(state["ranks"]))
    with app.app_context():
        for delegation in db.session.execute(select(Delegation)).scalars():
            statuses = [r.status for d in delegation.delegates for r in d.registrations]
            if delegation.seat_mode == SeatMode.ALL_OR_NOTHING:
                assert statuses == [RegistrationStatus.CONFIRMED] * 3, statuses
            else:
                assert len(statuses) == 3
        assert count(app, Delegation) == 4 - len(refused) and set(refused) <= {1, 3}
        holders = [db.session.get_one(Registration, rid) for rid in held]
        assert [(r.status, r.delegate.email) for r in holders] == [
            (RegistrationStatus.CONFIRMED, f"successor{n}@example.de") for n in range(4)
        ]
        decided = db.session.execute(select(Registration).where(Registration.id.in_(applications))).scalars().all()
        assert {r.status for r in decided} <= {RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED}
