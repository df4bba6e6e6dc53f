"""Organisers and mail: the outbox with failures and resending, messages to a session's
delegates (previewed, then queued), and a delegate's mails and private link."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from eventapp.extensions import db
from eventapp.models import Delegate, MailKind, MailStatus, OutboxMail, Session, StaffRole
from eventapp.services import mail as mail_service
from eventapp.services.audit import Actor

from .factories import CHINESE, GERMAN, person, register_by_api, set_session
from .staff_helpers import sign_in
from .test_html_quality import assert_valid_and_labelled

SYMPOSIUM = "german-enterprise-symposium"


def text_of(response) -> str:
    return response.get_data(as_text=True)


def outbox(app, kind: MailKind | None = None) -> list[tuple[str, MailKind, MailStatus, int]]:
    """(delegate's email, kind, status, id) of every mail, oldest first."""
    with app.app_context():
        statement = select(OutboxMail).order_by(OutboxMail.id)
        if kind is not None:
            statement = statement.where(OutboxMail.kind == kind)
        return [(m.delegate.email, m.kind, m.status, m.id) for m in db.session.execute(statement).scalars()]


def session_id(app, slug: str = SYMPOSIUM) -> int:
    with app.app_context():
        return db.session.execute(select(Session.id).where(Session.slug == slug)).scalar_one()


def delegate_id(app, email: str) -> int:
    with app.app_context():
        return db.session.execute(select(Delegate.id).where(Delegate.email == email)).scalar_one()


def fail(app, mail_id: int, error: str) -> None:
    with app.app_context():
        mail = db.session.get(OutboxMail, mail_id)
        mail.status, mail.attempts, mail.last_error = MailStatus.FAILED, 8, error
        mail.recipient = mail.delegate.email
        db.session.commit()


def test_outbox_lists_a_registrations_mail_and_shows_it_sent(app, client, forum):
    payload = person(GERMAN, language="en")
    client.post("/api/v1/registrations", json={**payload, "sessions": [SYMPOSIUM]})
    sign_in(client, app, StaffRole.ORGANISER)
    page = text_of(client.get("/admin/mail?lang=en"))
    assert "Registration received" in page and payload["email"] in page and "Queued" in page
    assert "1 mail" in page and "Resend" not in page
    with app.app_context():
        assert mail_service.send_due().sent == 1
    page = text_of(client.get("/admin/mail?lang=en&status=sent"))
    assert "Your registration:" in page and "Resend" in page
    assert "No mail matches." in text_of(client.get("/admin/mail?lang=en&status=failed"))


def test_failed_mail_stands_out_and_resend_puts_it_back_in_the_queue(app, client, forum):
    register_by_api(client, [SYMPOSIUM])
    [(email, _kind, _status, mail_id)] = outbox(app)
    fail(app, mail_id, "SMTPRecipientsRefused: {'x@example.de': (550, b'No such user')}")
    sign_in(client, app, StaffRole.ORGANISER)
    dashboard = text_of(client.get("/admin/?lang=en"))
    assert "1 mail to delegates could not be sent." in dashboard and "/admin/mail?status=failed" in dashboard
    page = text_of(client.get("/admin/mail?lang=en&status=failed"))
    assert "1 mail could not be sent." in page and "No such user" in page
    assert re.search(r'<tr class="mail-failed">.*?Failed.*?Resend', page, re.S)
    response = client.post(f"/admin/mail/{mail_id}/resend", data={"next": "/admin/mail?status=failed"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/mail?status=failed")
    with app.app_context():
        mail = db.session.get(OutboxMail, mail_id)
        assert (mail.status, mail.attempts) == (MailStatus.QUEUED, 0)
    assert "is back in the queue" in text_of(client.get("/admin/mail?lang=en"))
    assert "could not be sent" not in text_of(client.get("/admin/?lang=en"))
    # A mail sent already is sent again as a copy; an off-site `next` is ignored.
    with app.app_context():
        mail_service.send_due()
    key = "ab" * 16  # as the page gives it; a double click sends the same
    for _click in range(2):
        response = client.post(f"/admin/mail/{mail_id}/resend", data={"next": "//evil.example/", "key": key})
    assert response.headers["Location"].endswith("/admin/mail")
    assert [(e, s) for e, _k, s, _i in outbox(app)] == [(email, MailStatus.SENT), (email, MailStatus.QUEUED)]


def test_interrupted_mail_is_explained(app, client, forum):
    register_by_api(client, [SYMPOSIUM])
    [(_email, _kind, _status, mail_id)] = outbox(app)
    fail(app, mail_id, "interrupted while sending; it may have arrived")
    sign_in(client, app, StaffRole.ORGANISER)
    page = text_of(client.get("/admin/mail?lang=en"))
    assert "Interrupted while sending: it may have arrived." in page


def message(app, audience="confirmed", slug=SYMPOSIUM, **texts):
    data = {
        "session": str(session_id(app, slug)),
        "audience": audience,
        "subject_zh": "会议室变更",
        "subject_de": "Raumänderung",
        "subject_en": "",
        "body_zh": "研讨会改在B厅举行。",
        "body_de": "Das Symposium findet in Saal B statt.",
        "body_en": "",
    }
    data.update(texts)
    return data


def registered_three(app, client) -> dict[str, str]:
    """Two confirmed seats (a Chinese and a German delegate) and one German on the waiting list."""
    set_session(app, SYMPOSIUM, capacity=2)
    emails = {}
    people = {"wang": person(CHINESE), "mueller": person(GERMAN), "waiting": person(GERMAN, family_name="Wartend")}
    for name, payload in people.items():
        assert client.post("/api/v1/registrations", json={**payload, "sessions": [SYMPOSIUM]}).status_code == 201
        emails[name] = payload["email"]
    return emails


def test_compose_preview_then_send_queues_one_message_per_recipient(app, client, forum):
    emails = registered_three(app, client)
    sign_in(client, app, StaffRole.ORGANISER)
    assert_valid_and_labelled(text_of(client.get("/admin/mail/message?lang=en")))
    preview = client.post("/admin/mail/message?lang=en", data={**message(app), "action": "preview"})
    assert preview.status_code == 200
    page = text_of(preview)
    assert_valid_and_labelled(page)
    assert "This message goes to 2 delegates." in page
    chinese = re.search(r'<pre class="mail-text" lang="zh-CN">(.*?)</pre>', page, re.S).group(1)
    german = re.search(r'<pre class="mail-text" lang="de">(.*?)</pre>', page, re.S).group(1)
    assert "王小明" in chinese and "研讨会改在B厅举行。" in chinese
    assert "Das Symposium findet in Saal B statt." in german and "研讨会" not in german
    assert '<strong lang="zh-CN">会议室变更</strong>' in page
    assert "/r/…" in chinese and not re.search(r"/r/[A-Za-z0-9_-]{20,}", page)  # no live private link
    assert outbox(app, MailKind.MESSAGE) == []  # a preview saves nothing
    # The Send form carries what was previewed.
    assert 'type="hidden" name="body_de" value="Das Symposium findet in Saal B statt."' in page
    key = re.search(r'name="message_key" value="([0-9a-f]{32})"', page).group(1)
    sent = client.post("/admin/mail/message?lang=en", data={**message(app), "action": "send", "message_key": key})
    assert sent.status_code == 302 and sent.headers["Location"].endswith("/admin/mail")
    assert "2 messages queued." in text_of(client.get("/admin/mail?lang=en"))
    # A second click on Send (or the browser's back and Send again) queues nothing more.
    client.post("/admin/mail/message?lang=en", data={**message(app), "action": "send", "message_key": key})
    assert "already been queued" in text_of(client.get("/admin/mail?lang=en"))
    assert len(outbox(app, MailKind.MESSAGE)) == 2
    queued = outbox(app, MailKind.MESSAGE)
    assert sorted(e for e, *_ in queued) == sorted([emails["wang"], emails["mueller"]])
    assert {s for _e, _k, s, _i in queued} == {MailStatus.QUEUED}
    with app.app_context():
        assert mail_service.send_due().sent >= 2
        mail = db.session.execute(
            select(OutboxMail).where(OutboxMail.kind == MailKind.MESSAGE, OutboxMail.language == "zh")
        ).scalar_one()
        assert mail.subject == "会议室变更" and mail.recipient == emails["wang"]


def test_the_waiting_list_audience_reaches_only_waiting_delegates(app, client, forum):
    emails = registered_three(app, client)
    sign_in(client, app, StaffRole.ORGANISER)
    page = text_of(client.post("/admin/mail/message?lang=en", data={**message(app, "waitlisted"), "action": "preview"}))
    previewed = page.split('id="preview"')[1].split("</section>")[0]
    assert "This message goes to 1 delegate." in previewed
    assert '<pre class="mail-text" lang="de">' in previewed and 'lang="zh-CN"' not in previewed
    client.post("/admin/mail/message", data={**message(app, "waitlisted"), "action": "send"})
    assert [e for e, *_ in outbox(app, MailKind.MESSAGE)] == [emails["waiting"]]
    client.post("/admin/mail/message", data={**message(app, "both"), "action": "send"})
    assert len(outbox(app, MailKind.MESSAGE)) == 1 + 3


def test_form_errors_keep_entries_and_an_empty_audience_is_explained(app, client, forum):
    sign_in(client, app, StaffRole.ORGANISER)
    response = client.post(
        "/admin/mail/message?lang=en",
        data={
            "session": "",
            "audience": "confirmed",
            "subject_de": "Hallo zusammen",
            "body_de": "",
            "action": "preview",
        },
    )
    assert response.status_code == 422
    page = text_of(response)
    assert_valid_and_labelled(page)
    assert 'value="Hallo zusammen"' in page and "Choose a session." in page
    assert "Write the message in at least one language." in page and "subject in at least one" not in page
    nobody = client.post("/admin/mail/message?lang=en", data={**message(app, "waitlisted"), "action": "send"})
    assert nobody.status_code == 422 and "nobody to write to" in text_of(nobody)
    assert "Das Symposium findet in Saal B statt.</textarea>" in text_of(nobody)
    assert outbox(app, MailKind.MESSAGE) == []


def test_door_staff_cannot_open_or_send_mail(app, client, forum):
    register_by_api(client, [SYMPOSIUM])
    [(_email, _kind, _status, mail_id)] = outbox(app)
    sign_in(client, app, StaffRole.DOOR)
    assert client.get("/admin/mail").status_code == 403
    assert client.post("/admin/mail/message", data={**message(app), "action": "send"}).status_code == 403
    assert client.post(f"/admin/mail/{mail_id}/resend").status_code == 403
    assert client.get(f"/admin/mail/{mail_id}").status_code == 403
    assert outbox(app, MailKind.MESSAGE) == []


def test_delegate_page_lists_mails_and_emails_the_private_link(app, client, forum):
    payload = person(CHINESE)
    client.post("/api/v1/registrations", json={**payload, "sessions": [SYMPOSIUM]})
    did = delegate_id(app, payload["email"])
    sign_in(client, app, StaffRole.ORGANISER)
    page = text_of(client.get(f"/admin/delegates/{did}?lang=en"))
    assert_valid_and_labelled(page)
    mails = page.split('id="mails"')[1]
    assert "Registration received" in mails and "Queued" in mails
    assert "Email the private link" in page and "also mailed to the delegate" in page
    response = client.post(f"/admin/delegates/{did}/private-link/mail")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/admin/delegates/{did}#mails")
    assert [k for _e, k, *_ in outbox(app)] == [MailKind.RECEIVED, MailKind.PRIVATE_LINK]
    page = text_of(client.get(f"/admin/delegates/{did}?lang=en"))
    assert f"The private link will be mailed to {payload['email']}." in page
    assert "Private link" in page.split('id="mails"')[1]
    # A new link is mailed too, and the page says so.
    renewed = text_of(client.post(f"/admin/delegates/{did}/private-link?lang=en"))
    assert "The new one is being mailed to the delegate" in renewed
    assert [k for _e, k, *_ in outbox(app)][-1] == MailKind.PRIVATE_LINK and len(outbox(app)) == 3


def test_a_failed_mail_is_resent_from_the_delegate_page(app, client, forum):
    payload = person(GERMAN)
    client.post("/api/v1/registrations", json={**payload, "sessions": [SYMPOSIUM]})
    [(_email, _kind, _status, mail_id)] = outbox(app)
    fail(app, mail_id, "SMTPDataError: (554, b'Message rejected')")
    did = delegate_id(app, payload["email"])
    sign_in(client, app, StaffRole.ORGANISER)
    page = text_of(client.get(f"/admin/delegates/{did}?lang=en"))
    assert "Message rejected" in page and f'name="next" value="/admin/delegates/{did}#mails"' in page
    response = client.post(f"/admin/mail/{mail_id}/resend", data={"next": f"/admin/delegates/{did}#mails"})
    assert response.headers["Location"].endswith(f"/admin/delegates/{did}#mails")
    assert outbox(app)[0][2] == MailStatus.QUEUED


@pytest.mark.parametrize("language", ["en", "de", "zh"])
def test_mail_pages_are_valid_html_in_every_language(app, client, forum, language):
    registered_three(app, client)
    fail(app, outbox(app)[0][3], "interrupted while sending; it may have arrived")
    sign_in(client, app, StaffRole.ORGANISER)
    for path in (
        "/admin/mail",
        "/admin/mail?status=failed&kind=received",
        "/admin/mail/message",
        "/admin/",
        f"/admin/mail/{outbox(app)[0][3]}",
        f"/admin/mail/{outbox(app)[1][3]}",
    ):
        response = client.get(f"{path}{'&' if '?' in path else '?'}lang={language}")
        assert response.status_code == 200, path
        assert_valid_and_labelled(text_of(response))
    preview = client.post(f"/admin/mail/message?lang={language}", data={**message(app, "both"), "action": "preview"})
    assert preview.status_code == 200
    assert_valid_and_labelled(text_of(preview))


def test_the_outbox_pages_through_many_mails_newest_first(app, client, forum):
    payload = person(GERMAN)
    client.post("/api/v1/registrations", json={**payload, "sessions": [SYMPOSIUM]})
    with app.app_context():
        delegate = db.session.execute(select(Delegate)).scalar_one()
        for _ in range(60):
            mail_service.send_private_link(delegate, actor=Actor.SYSTEM)
    sign_in(client, app, StaffRole.ORGANISER)
    first = text_of(client.get("/admin/mail?lang=en&kind=private_link"))
    assert "60 mails" in first and "Page 1 of 2" in first
    assert len(re.findall(r'<tr class="mail-', first)) == 50 and ">Registration received</a>" not in first
    assert '<a href="/admin/mail?lang=en&amp;kind=private_link&amp;page=2" rel="next">' in first
    last = text_of(client.get("/admin/mail?lang=en&page=2"))
    assert "Page 2 of 2" in last and ">Registration received</a>" in last  # the oldest, last
    assert len(re.findall(r'<tr class="mail-', last)) == 61 - 50
    # A page past the end shows the last one; a page number that is no number, the first.
    assert "Page 2 of 2" in text_of(client.get("/admin/mail?lang=en&page=99"))
    for bad in ("abc", "-1", "0", "1e9", "99999999999999999999", "%00", "２"):
        response = client.get(f"/admin/mail?lang=en&page={bad}")
        assert response.status_code in (200, 400), bad  # a NUL byte is refused before any view
        if response.status_code == 200:
            assert "Page 1 of 2" in text_of(response), bad


def test_outbox_warns_when_mail_links_would_point_to_localhost(app, client, forum):
    sign_in(client, app, StaffRole.ORGANISER)
    assert "PUBLIC_BASE_URL" not in text_of(client.get("/admin/mail?lang=en"))
    app.config.update(MAIL_SERVER="smtp.example.org", PUBLIC_BASE_URL="")
    assert "PUBLIC_BASE_URL is not set" in text_of(client.get("/admin/mail?lang=en"))


# --- reading one mail -------------------------------------------------------------------------


def test_an_organiser_opens_a_mail_from_the_outbox_and_reads_it(app, client, forum):
    payload = person(CHINESE)
    client.post("/api/v1/registrations", json={**payload, "sessions": ["exhibition", SYMPOSIUM]})
    [(_email, _kind, _status, mail_id)] = outbox(app)
    sign_in(client, app, StaffRole.ORGANISER)
    assert f'href="/admin/mail/{mail_id}"' in text_of(client.get("/admin/mail?lang=en"))
    response = client.get(f"/admin/mail/{mail_id}?lang=en")
    assert response.status_code == 200
    page = text_of(response)
    assert_valid_and_labelled(page)
    assert '<h1><span lang="zh-CN">北京中德产业合作发展论坛报名确认</span></h1>' in page
    assert "Registration received" in page and payload["email"] in page and "王小明" in page
    assert "Queued" in page and "Not yet" in page and "this is how it reads now" in page
    text = re.search(r'<pre class="mail-text" lang="zh-CN">(.*?)</pre>', page, re.S).group(1)
    assert "尊敬的王小明" in text and "德企座谈会" in text and "隐形冠军专题展" in text
    assert "/r/…" in text and not re.search(r"/r/[A-Za-z0-9_-]{20,}", page), "the private link stays private"
    assert "beijing-china-germany-forum.ics" in page.split("Attachments")[1]
    # Sent, the page says when, and how many attempts it took.
    with app.app_context():
        assert mail_service.send_due().sent == 1
    page = text_of(client.get(f"/admin/mail/{mail_id}?lang=en"))
    assert "Sent" in page and "Not yet" not in page and "written again from the delegate's details now" in page
    assert re.search(r"<dt>Attempts</dt>\s*<dd>1</dd>", page) and "Resend" in page


def test_a_failed_mail_shows_its_attempts_and_error_and_can_be_resent_from_its_page(app, client, forum):
    register_by_api(client, [SYMPOSIUM])
    [(_email, _kind, _status, mail_id)] = outbox(app)
    fail(app, mail_id, "SMTPRecipientsRefused: {'x@example.de': (550, b'No such user')}")
    sign_in(client, app, StaffRole.ORGANISER)
    page = text_of(client.get(f"/admin/mail/{mail_id}?lang=en"))
    assert re.search(r"<dt>Attempts</dt>\s*<dd>8</dd>", page)
    assert re.search(
        r"<dt>Last error</dt>\s*<dd[^>]*><span class=\"mail-error\">SMTPRecipientsRefused.*No such user", page
    )
    assert f'name="next" value="/admin/mail/{mail_id}"' in page
    response = client.post(f"/admin/mail/{mail_id}/resend", data={"next": f"/admin/mail/{mail_id}"})
    assert response.headers["Location"].endswith(f"/admin/mail/{mail_id}")
    assert "is back in the queue" in text_of(client.get(f"/admin/mail/{mail_id}?lang=en"))


def test_a_mail_whose_delegate_was_deleted_still_opens(app, client, forum):
    register_by_api(client, [SYMPOSIUM])
    [(_email, _kind, _status, mail_id)] = outbox(app)
    with app.app_context():
        db.session.get(OutboxMail, mail_id).delegate_id = None
        db.session.commit()
    sign_in(client, app, StaffRole.ORGANISER)
    response = client.get(f"/admin/mail/{mail_id}?lang=en")
    assert response.status_code == 200
    assert "Delegate deleted" in text_of(response) and "the delegate has been deleted" in text_of(response)


def test_a_missing_mail_is_not_found(app, client, forum):
    sign_in(client, app, StaffRole.ORGANISER)
    assert client.get("/admin/mail/999999").status_code == 404
    assert client.get("/admin/mail/99999999999999").status_code == 404  # beyond any id
    assert client.get("/admin/mail/abc").status_code == 404


def test_outbox_times_are_one_short_line_with_the_full_time_on_hover(app, client, forum):
    register_by_api(client, [SYMPOSIUM])
    [(_email, _kind, _status, mail_id)] = outbox(app)
    with app.app_context():
        mail = db.session.get(OutboxMail, mail_id)
        mail.created_at = datetime(2026, 12, 2, 6, 5, tzinfo=UTC)  # 14:05 in Beijing
        mail.status, mail.attempts, mail.sent_at = MailStatus.SENT, 1, datetime(2026, 12, 2, 6, 7, tzinfo=UTC)
        db.session.commit()
    sign_in(client, app, StaffRole.ORGANISER)
    page = text_of(client.get("/admin/mail?lang=en"))
    assert (
        '<time class="mail-time" datetime="2026-12-02T14:05+08:00" title="Wed, Dec 2, 2026, 14:05">Dec 2, 14:05</time>'
        in page
    )
    assert ">Dec 2, 14:07</time>" in page  # when it went, beside "Sent"
    assert ">2. Dez., 14:05</time>" in text_of(client.get("/admin/mail?lang=de"))
    assert ">12月2日 14:05</time>" in text_of(client.get("/admin/mail?lang=zh"))
    # No column that stays empty for nearly every mail: attempts and errors go with the status.
    header = page.split("<thead>")[1].split("</thead>")[0]
    assert "Last error" not in header and "Attempts" not in header
