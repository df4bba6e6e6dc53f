"""The questions delegates are asked: organisers turn each on (optional or required) or off;
the registration form, the API and the private pages ask and show only those; mails greet
as the salutation and title ask; a visa letter's passport data is kept apart (the visa team
sees it, organisers and exports never); every registration records the privacy notice's
version, which /privacy shows in three languages."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from eventapp.extensions import db
from eventapp.models import (
    AuditEntry,
    Delegate,
    MailKind,
    OutboxMail,
    QuestionUse,
    Salutation,
    StaffRole,
    VisaLetterStatus,
    VisaRequest,
)
from eventapp.services import mail, visa
from eventapp.services.audit import Actor
from eventapp.services.events import current_event

from .factories import CHINESE, GERMAN, form_data, person, register_by_api
from .staff_helpers import sign_in
from .test_html_quality import assert_valid_and_labelled

EXHIBITION = "exhibition"
NUMBER = "C4X9K2L7M"


def text_of(response) -> str:
    return response.get_data(as_text=True)


def set_questions(app, **uses: str) -> None:
    """The event asks these questions (the others are off)."""
    with app.app_context():
        current_event().questions = dict(uses)
        db.session.commit()


def delegate_by_email(app, email: str) -> Delegate:
    with app.app_context():
        found = db.session.execute(select(Delegate).filter_by(email=email)).scalar_one()
        db.session.expunge(found)
        return found


def passport_entries(forum_day: date, **overrides) -> dict:
    return {
        "name": "Müller-Lüdenscheidt Jürgen",
        "nationality": "DE",
        "number": "c4x9 k2l7m",
        "expiry": (forum_day + timedelta(days=5 * 365)).isoformat(),
        "date_of_birth": "1970-03-14",
        **overrides,
    }


def as_posted(entries: dict) -> dict:
    """The passport entries as the HTML form sends them."""
    names = {"name": "passport_name", "number": "passport_number", "expiry": "passport_expiry"}
    return {f"passport-{names.get(k, k)}": v for k, v in entries.items()}


def with_letter(forum_day: date, **overrides) -> dict:
    """A German delegate asking for a visa letter, as the API takes it."""
    return person(GERMAN, visa_letter=True, passport=passport_entries(forum_day), passport_consent=True, **overrides)


def private_path(response) -> str:
    return "/" + response.json["manage_url"].split("/", 3)[3]


# ---- asked, required, off ----


def test_questions_that_are_off_are_not_shown_and_nothing_sent_for_them_is_taken(app, client, forum):
    set_questions(app, dietary="optional")
    page = text_of(client.get("/register?lang=en"))
    assert 'name="dietary"' in page
    assert (
        'name="salutation"' not in page and 'name="arrival_date"' not in page and "passport-passport_number" not in page
    )

    payload = person(GERMAN, salutation="mr", academic_title="Dr.", arrival_date="2020-01-01", dietary="vegan")
    assert client.post("/register", data=form_data(payload, [EXHIBITION])).status_code == 302
    by_api = person(GERMAN, salutation="ms", visa_letter=True, passport={"number": NUMBER}, passport_consent=True)
    response = client.post("/api/v1/registrations", json={**by_api, "sessions": [EXHIBITION]})
    assert response.status_code == 201, response.json
    for email in (payload["email"], by_api["email"]):
        delegate = delegate_by_email(app, email)
        assert delegate.salutation is None and delegate.academic_title == "" and delegate.arrival_date is None
        assert not delegate.visa_letter_requested
    assert delegate_by_email(app, payload["email"]).dietary == "vegan"
    with app.app_context():
        assert db.session.execute(select(VisaRequest)).first() is None


def test_registering_with_no_answer_works_when_the_questions_are_optional(app, client, forum):
    page = text_of(client.get("/register?lang=en"))
    assert "Dietary needs (optional)" in page and "Do you need a visa invitation letter? (optional)" in page
    payload = person()
    assert client.post("/api/v1/registrations", json={**payload, "sessions": [EXHIBITION]}).status_code == 201
    delegate = delegate_by_email(app, payload["email"])
    assert (delegate.salutation, delegate.dietary, delegate.visa_letter_requested) == (None, "", False)


def test_a_required_question_left_unanswered_is_refused_with_the_entries_kept(app, client, forum):
    set_questions(app, dietary="required", arrival_date="optional")
    payload = person(GERMAN)
    refused = client.post("/register?lang=en", data=form_data(payload, [EXHIBITION]))
    assert refused.status_code == 422
    page = text_of(refused)
    assert "Dietary needs: Please answer this question." in page
    assert f'value="{payload["family_name"]}"' in page and f'value="{payload["email"]}"' in page
    by_api = register_by_api(client, [EXHIBITION])
    assert by_api.status_code == 422 and set(by_api.json["errors"]) == {"dietary"}

    other = client.post("/register?lang=en", data=form_data({**payload, "dietary": "other"}, [EXHIBITION]))
    assert other.status_code == 422 and "Please say in the note which dietary needs you have." in text_of(other)
    answered = {**payload, "dietary": "vegetarian", "dietary_note": "no  nuts"}
    assert client.post("/register", data=form_data(answered, [EXHIBITION])).status_code == 302
    assert delegate_by_email(app, payload["email"]).dietary == "vegetarian: no nuts"


def test_an_arrival_after_the_forum_is_refused_and_one_before_it_is_taken(app, client, forum):
    late = register_by_api(client, [EXHIBITION], arrival_date=(forum + timedelta(days=1)).isoformat())
    assert late.status_code == 422 and "The forum ends on" in late.json["errors"]["arrival_date"][0]
    early = register_by_api(client, [EXHIBITION], arrival_date=(forum - timedelta(days=3)).isoformat())
    assert early.status_code == 201
    assert register_by_api(client, [EXHIBITION], arrival_date="next week").status_code == 422


# ---- the greeting ----


def test_a_german_delegate_with_herr_and_dr_is_greeted_sehr_geehrter_herr_dr_mueller(app, client, forum):
    payload = person(GERMAN, family_name="Müller", salutation="mr", academic_title=" Dr. ")
    assert client.post("/register", data=form_data(payload, [EXHIBITION])).status_code == 302
    with app.app_context():
        delegate = db.session.execute(select(Delegate).filter_by(email=payload["email"])).scalar_one()
        assert (delegate.salutation, delegate.academic_title) == (Salutation.MR, "Dr.")
        (received,) = db.session.execute(select(OutboxMail)).scalars().all()
        assert received.kind == MailKind.RECEIVED
        written = mail.write(received)
    assert written.text.startswith("Sehr geehrter Herr Dr. Müller,")


def test_a_chinese_delegate_is_greeted_with_the_form_of_address_after_the_name(app, client, forum):
    assert register_by_api(client, [EXHIBITION], base=CHINESE, salutation="ms").status_code == 201
    with app.app_context():
        (received,) = db.session.execute(select(OutboxMail)).scalars().all()
        assert mail.write(received).text.startswith("尊敬的王小明女士：")


# ---- the visa letter and its passport data ----


def test_a_visa_letter_keeps_the_passport_data_apart_where_only_the_visa_team_sees_it(app, client, forum):
    payload = with_letter(forum)
    response = client.post("/api/v1/registrations", json={**payload, "sessions": [EXHIBITION]})
    assert response.status_code == 201, response.json
    delegate = delegate_by_email(app, payload["email"])
    assert delegate.visa_letter_requested
    with app.app_context():
        request = db.session.execute(select(VisaRequest).filter_by(delegate_id=delegate.id)).scalar_one()
        assert (request.passport_name, request.passport_number, request.status) == (
            "MÜLLER-LÜDENSCHEIDT JÜRGEN",
            NUMBER,
            VisaLetterStatus.REQUESTED,
        )
        assert request.date_of_birth == date(1970, 3, 14)
        entries = db.session.execute(select(AuditEntry).filter_by(delegate_id=delegate.id)).scalars().all()
        assert "passport_data_saved" in [e.action for e in entries]
        assert not any(NUMBER in str(e.details) or "1970" in str(e.details) for e in entries)

    sign_in(client, app, StaffRole.ADMIN)
    assert NUMBER in text_of(client.get(f"/visa/delegates/{delegate.id}?lang=en"))
    client.post("/staff/logout")
    sign_in(client, app, StaffRole.ORGANISER)
    organisers_page = text_of(client.get(f"/admin/delegates/{delegate.id}?lang=en"))
    assert delegate.family_name in organisers_page and NUMBER not in organisers_page and "1970" not in organisers_page
    export = text_of(client.get("/admin/exports/delegates.csv?lang=en"))
    rows = {row["Email"]: row for row in csv.DictReader(io.StringIO(export.lstrip("\ufeff")))}
    assert rows[payload["email"]]["Visa letter requested"] == "yes"
    assert NUMBER not in export and "LÜDENSCHEIDT JÜRGEN" not in export and "1970-03-14" not in export


def test_a_visa_letter_needs_the_passport_data_and_its_separate_consent(app, client, forum):
    missing = register_by_api(client, [EXHIBITION], visa_letter=True)
    assert missing.status_code == 422
    assert set(missing.json["errors"]) == {"passport", "passport_consent"}
    assert any("Passport number: This is needed for the letter." in m for m in missing.json["errors"]["passport"])

    wrong = client.post(
        "/register?lang=en",
        data={
            **form_data(person(GERMAN), [EXHIBITION]),
            "visa_letter": "yes",
            "passport_consent": "y",
            **as_posted(passport_entries(forum, number="12", expiry=forum.isoformat())),
        },
    )
    assert wrong.status_code == 422
    page = text_of(wrong)
    assert "5 to 20 letters and digits, as printed in the passport." in page
    assert "The passport must still be valid after the forum&#39;s last day." in page
    assert 'value="Müller-Lüdenscheidt Jürgen"' in page  # the entries are kept as typed

    no_letter = register_by_api(client, [EXHIBITION], visa_letter=False, passport={"number": NUMBER})
    assert no_letter.status_code == 201
    with app.app_context():
        assert db.session.execute(select(VisaRequest)).first() is None


def test_the_private_page_shows_the_answers_and_only_the_end_of_the_passport_number(app, client, forum):
    payload = with_letter(forum, dietary="vegetarian", dietary_note="no nuts", interpretation_language="none")
    response = client.post("/api/v1/registrations", json={**payload, "sessions": [EXHIBITION]})
    page = text_of(client.get(private_path(response) + "?lang=en"))
    assert "Vegetarian (no nuts)" in page and "No interpretation needed" in page
    assert "••••••L7M" in page and NUMBER not in page
    assert "The visa team checks your data" in page


def test_the_delegate_changes_answers_and_passport_data_which_sends_a_checked_letter_back(app, client, forum):
    payload = with_letter(forum)
    path = private_path(client.post("/api/v1/registrations", json={**payload, "sessions": [EXHIBITION]}))
    delegate = delegate_by_email(app, payload["email"])
    edit = text_of(client.get(path + "/edit?lang=en"))
    assert '<input checked id="visa_letter-0" name="visa_letter" type="radio" value="yes">' in edit
    changed = {**form_data(payload, []), "visa_letter": "yes", "dietary": "halal", "interpretation_language": "de"}
    changed.pop("sessions")
    saved = client.post(path + "/edit", data=changed)
    assert saved.status_code == 302, text_of(saved)[:2000]
    again = delegate_by_email(app, payload["email"])
    assert (again.dietary, again.interpretation_language, again.visa_letter_requested) == ("halal", "de", True)

    with app.app_context():
        request = db.session.execute(select(VisaRequest).filter_by(delegate_id=delegate.id)).scalar_one()
        visa.review(request, Actor.staff("visa@forum.test"))
    form = text_of(client.get(path + "/passport?lang=en"))
    assert NUMBER not in form and "ending in L7M" in form
    assert_valid_and_labelled(form, "passport page")
    new_expiry = (forum + timedelta(days=3000)).isoformat()
    entries = passport_entries(forum, number="", expiry=new_expiry)
    sent = client.post(path + "/passport", data={**as_posted(entries), "passport_consent": "y"})
    assert sent.status_code == 302
    with app.app_context():
        request = db.session.execute(select(VisaRequest).filter_by(delegate_id=delegate.id)).scalar_one()
        assert request.status == VisaLetterStatus.REQUESTED  # back for review
        assert request.passport_number == NUMBER and request.passport_expiry.isoformat() == new_expiry
    refused = client.post(path + "/passport", data=as_posted(entries))
    assert refused.status_code == 422 and "separate consent" in text_of(refused)


def test_without_the_visa_question_there_is_no_passport_page(app, client, forum):
    set_questions(app, dietary="optional")
    path = private_path(register_by_api(client, [EXHIBITION]))
    assert client.get(path + "/passport").status_code == 404
    assert "passport" not in text_of(client.get(path + "/edit?lang=en")).lower()


# ---- consent and the privacy notice ----


def test_each_registration_records_the_privacy_notice_version_agreed_to(app, client, forum):
    first = person()
    assert client.post("/api/v1/registrations", json={**first, "sessions": [EXHIBITION]}).status_code == 201
    with app.app_context():
        current_event().privacy_notice_version = "2026-2"
        db.session.commit()
    page = text_of(client.get("/register?lang=en"))
    assert 'href="/privacy"' in page and "version 2026-2" in page
    second = person()
    assert client.post("/register", data=form_data(second, [EXHIBITION])).status_code == 302
    older, newer = delegate_by_email(app, first["email"]), delegate_by_email(app, second["email"])
    assert (older.privacy_notice_version, newer.privacy_notice_version) == ("2026-1", "2026-2")
    assert newer.consent_at >= older.consent_at
    with app.app_context():
        created = db.session.execute(
            select(AuditEntry).filter_by(delegate_id=newer.id, action="delegate_created")
        ).scalar_one()
        assert created.details == {"privacy_notice": "2026-2"}


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", ["Privacy notice", "Transfer between China and Germany", "separate consent", "erased 30 days after"]),
        ("de", ["Datenschutzhinweise", "Übermittlung zwischen China und Deutschland", "gesonderten", "30 Tage nach"]),
        (
            "zh",
            ["个人信息保护告知书", "中国与德国之间的个人信息传输", "单独同意", "敏感个人信息", "最后一天后30天删除"],
        ),
    ],
)
def test_the_privacy_notice_is_shown_in_each_language(app, client, forum, language, words):
    response = client.get(f"/privacy?lang={language}")
    assert response.status_code == 200
    page = text_of(response)
    assert_valid_and_labelled(page, f"/privacy in {language}")
    for word in words:
        assert word in page, (language, word)
    assert "2026-1" in page and "forum@eventapp.localhost" in page


# ---- the organisers' page ----


def test_organisers_set_the_questions_and_the_audit_log_tells_what_changed(app, client, forum):
    sign_in(client, app, StaffRole.ORGANISER)
    page = client.get("/admin/questions?lang=en")
    assert page.status_code == 200
    assert_valid_and_labelled(text_of(page), "/admin/questions")
    assert "Registration questions" in text_of(client.get("/admin/sessions?lang=en"))
    sent = {
        "salutation": "required",
        "dietary": "optional",
        "interpretation": "off",
        "arrival_date": "off",
        "visa_letter": "optional",
        "privacy_notice_version": " 2026-2 ",
        "passport_retention_days": "14",
    }
    assert client.post("/admin/questions", data=sent).status_code == 302
    with app.app_context():
        event = current_event()
        assert event.questions["salutation"] == QuestionUse.REQUIRED and event.questions["interpretation"] == "off"
        assert (event.privacy_notice_version, event.passport_retention_days) == ("2026-2", 14)
        (entry,) = db.session.execute(select(AuditEntry).filter_by(action="questions_changed")).scalars().all()
        assert set(entry.details["fields"]) == {
            "salutation",
            "interpretation",
            "arrival_date",
            "privacy_notice_version",
            "passport_retention_days",
        }
        assert entry.actor == "staff:organiser@forum.test"
    assert client.post("/admin/questions", data=sent).status_code == 302  # the same again: nothing is recorded
    with app.app_context():
        assert len(db.session.execute(select(AuditEntry).filter_by(action="questions_changed")).all()) == 1
    refused = client.post("/admin/questions", data={**sent, "passport_retention_days": "1000"})
    assert refused.status_code == 422
    assert register_by_api(client, [EXHIBITION]).json["errors"] == {"salutation": ["Please answer this question."]}
    client.post("/staff/logout")
    sign_in(client, app, StaffRole.ADMIN)
    assert "Registration questions changed" in text_of(client.get("/admin/audit?lang=en"))
    client.post("/staff/logout")
    sign_in(client, app, StaffRole.DOOR)
    assert client.get("/admin/questions").status_code == 403
