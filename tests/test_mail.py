"""Mail to delegates through the outbox, delivered to a real SMTP peer on the loopback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path
from types import SimpleNamespace

from flask_babel import force_locale
from icalendar import Calendar
from sqlalchemy import select

from eventapp import tasks
from eventapp.extensions import db
from eventapp.models import Delegate, MailKind, MailStatus, OutboxMail, Registration, utcnow
from eventapp.services import mail
from eventapp.services import registration as registration_service
from eventapp.services.audit import Actor

from .factories import CHINESE, GERMAN, person, register_by_api, set_session
from .servers import free_port

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SYMPOSIUM = "german-enterprise-symposium"


def send_due(app, **kwargs) -> mail.SendReport:
    with app.app_context():
        return mail.send_due(**kwargs)


def outbox(app) -> list[OutboxMail]:
    with app.app_context():
        rows = db.session.execute(select(OutboxMail).order_by(OutboxMail.id)).scalars().all()
        db.session.expunge_all()
        return rows


def private_link(response) -> str:
    return response.json["manage_url"]


def body_text(message) -> str:
    return message.get_body(("plain",)).get_content()


def subject_in(app, kind: MailKind, language: str, event_name: str) -> str:
    with app.test_request_context(), force_locale(language):
        return str(mail.SUBJECTS[kind]) % {"event": event_name}


def calendar_of(message) -> Calendar:
    (attachment,) = [part for part in message.iter_attachments() if part.get_content_type() == "text/calendar"]
    assert attachment.get_content_charset() == "utf-8", "readers must not guess how to decode the Chinese"
    return Calendar.from_ical(attachment.get_payload(decode=True))


# ---- what delegates receive ----


def test_confirmation_arrives_in_the_delegates_language_with_link_and_calendar(smtp_app, client, inbox, forum):
    response = register_by_api(client, [SYMPOSIUM, "exhibition"], base=GERMAN)
    assert send_due(smtp_app).sent == 1
    (message,) = inbox.messages
    german_name = "Beijinger Forum für chinesisch-deutsche Industriekooperation und Entwicklung"
    assert message["Subject"] == subject_in(smtp_app, MailKind.RECEIVED, "de", german_name)
    assert message["Content-Language"] == "de"
    (recipient,) = message["To"].addresses
    assert recipient.addr_spec.endswith("@example.de") and recipient.display_name == "Jürgen Müller-Lüdenscheidt"
    text = body_text(message)
    assert private_link(response) in text
    assert "Jürgen Müller-Lüdenscheidt" in text
    assert f'href="{private_link(response)}"' in message.get_body(("html",)).get_content()
    events = [e for e in calendar_of(message).walk("VEVENT")]
    assert len(events) == 2
    starts = sorted(e.decoded("DTSTART") for e in events)
    assert str(starts[0].tzinfo) == "Asia/Shanghai" and starts[0].hour == 9  # the exhibition opens at 09:00
    with smtp_app.app_context():
        assert db.session.execute(select(OutboxMail)).scalar_one().status == MailStatus.SENT


def test_the_calendar_attachment_is_published_by_the_mails_sender(smtp_app, client, inbox, forum):
    """iMIP (RFC 6047): the part's method is the file's METHOD, and PUBLISH names an ORGANIZER,
    here the address the mail comes from."""
    register_by_api(client, ["exhibition"], base=CHINESE)
    send_due(smtp_app)
    (message,) = inbox.messages
    (part,) = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    calendar = calendar_of(message)
    assert part.get_param("method") == str(calendar["METHOD"]) == "PUBLISH"
    (entry,) = calendar.walk("VEVENT")
    (sender,) = message["From"].addresses
    assert str(entry["ORGANIZER"]) == f"mailto:{sender.addr_spec}" == "mailto:forum@forum.test"
    assert entry["ORGANIZER"].params["CN"] == sender.display_name == "北京中德产业合作发展论坛"
    assert entry.decoded("SEQUENCE") == 0 and entry.decoded("LAST-MODIFIED").tzinfo is not None


def test_a_chinese_delegate_is_written_to_in_chinese(smtp_app, client, inbox, forum):
    register_by_api(client, ["exhibition"], base=CHINESE)
    send_due(smtp_app)
    (message,) = inbox.messages
    assert message["Subject"] == subject_in(smtp_app, MailKind.RECEIVED, "zh", "北京中德产业合作发展论坛")
    assert "王小明" in body_text(message) and message["Content-Language"] == "zh-CN"


def test_waiting_list_promotion_and_cancellation_mails(smtp_app, client, inbox, forum):
    set_session(smtp_app, SYMPOSIUM, capacity=1)
    first = register_by_api(client, [SYMPOSIUM], base=GERMAN, language="en")
    second = register_by_api(client, [SYMPOSIUM], base=GERMAN, language="en", given_name="Anna")
    send_due(smtp_app)
    subjects = [m["Subject"] for m in inbox.messages]
    assert subjects[0].startswith("Your registration:") and subjects[1].startswith("You are on the waiting list:")
    assert "On the waiting list, position 1" in body_text(inbox.messages[1])
    assert not list(inbox.messages[1].iter_attachments())  # nothing to put in a calendar yet
    # The first cancels through their private link: the second is promoted in the same move.
    path = "/" + private_link(first).split("/", 3)[3]
    assert client.post(path + "/cancel").status_code == 302
    send_due(smtp_app)
    by_subject = {m["Subject"].split(":")[0]: m for m in inbox.messages[2:]}
    assert set(by_subject) == {"Registration cancelled", "Your seat is confirmed"}
    promoted = by_subject["Your seat is confirmed"]
    assert "Anna" in body_text(promoted) and private_link(second) in body_text(promoted)
    assert len(list(calendar_of(promoted).walk("VEVENT"))) == 1


def test_details_changed_by_an_organiser_are_mailed_but_not_the_delegates_own(smtp_app, client, inbox, forum):
    register_by_api(client, ["exhibition"], base=GERMAN, language="en")
    with smtp_app.app_context():
        delegate = db.session.execute(select(Delegate)).scalar_one()
        details = registration_service.DelegateDetails.of(delegate)
        details.organisation = "Neue Firma GmbH"
        registration_service.update_details(delegate, details, actor=Actor.delegate(delegate.id))
        details.position = "Vorstand"
        registration_service.update_details(delegate, details, actor=Actor.staff("organiser@forum.test"))
    send_due(smtp_app)
    kinds = [m.kind for m in outbox(smtp_app)]
    assert kinds == [MailKind.RECEIVED, MailKind.DETAILS_CHANGED]
    assert "Vorstand" in body_text(inbox.messages[1]) and "Neue Firma GmbH" in body_text(inbox.messages[1])


def test_private_link_is_resent_and_a_new_one_mailed(smtp_app, client, inbox, forum):
    response = register_by_api(client, ["exhibition"], base=GERMAN, language="en")
    with smtp_app.app_context():
        delegate = db.session.execute(select(Delegate)).scalar_one()
        mail.send_private_link(delegate, actor=Actor.staff("organiser@forum.test"))
        new_token = registration_service.renew_private_link(delegate, actor=Actor.staff("organiser@forum.test"))
    send_due(smtp_app)
    assert [m["Subject"].split(":")[0] for m in inbox.messages] == [
        "Your registration",
        "Your private link",
        "Your private link",
    ]
    # Mails are written when sent: both link mails carry the link that works now.
    assert new_token in body_text(inbox.messages[2]) and "old link no longer works" in body_text(inbox.messages[2])
    assert private_link(response) not in body_text(inbox.messages[2])
    assert client.get("/" + private_link(response).split("/", 3)[3]).status_code == 404


def test_a_refused_registration_writes_no_mail(smtp_app, client, inbox, forum):
    payload = person(GERMAN)
    assert client.post("/api/v1/registrations", json={**payload, "sessions": [SYMPOSIUM]}).status_code == 201
    again = client.post("/api/v1/registrations", json={**payload, "sessions": [SYMPOSIUM]})
    assert again.status_code == 409 and "private link" in again.json["errors"]["email"][0]
    # No registration mail, only the private link again (at most once in 15 minutes).
    client.post("/api/v1/registrations", json={**payload, "sessions": ["exhibition"]})
    assert [m.kind for m in outbox(smtp_app)] == [MailKind.RECEIVED, MailKind.PRIVATE_LINK]


# ---- when the SMTP server is not willing ----


def test_a_refusing_server_leaves_the_mail_queued_for_a_retry(smtp_app, client, inbox, forum):
    register_by_api(client, ["exhibition"], base=GERMAN)
    inbox.refuse_with = "451 4.3.0 Mailbox temporarily unavailable"
    report = send_due(smtp_app)
    assert (report.sent, report.retrying) == (0, 1)
    (queued,) = outbox(smtp_app)
    assert queued.status == MailStatus.QUEUED and queued.attempts == 1 and "451" in queued.last_error
    assert queued.next_attempt_at > utcnow() + timedelta(seconds=30)
    assert send_due(smtp_app).sent == 0  # not due yet
    inbox.refuse_with = None
    assert send_due(smtp_app, now=utcnow() + timedelta(minutes=2)).sent == 1
    assert len(inbox.messages) == 1 and outbox(smtp_app)[0].status == MailStatus.SENT


def test_a_server_that_is_down_is_retried_with_back_off_then_failed_visibly(app, client, forum):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_MAX_ATTEMPTS=3)
    register_by_api(client, ["exhibition"], base=GERMAN)
    moment, delays = utcnow(), []
    for _attempt in range(3):
        send_due(app, now=moment)
        (row,) = outbox(app)
        delays.append(row.next_attempt_at)
        moment = row.next_attempt_at + timedelta(seconds=1)
    assert row.status == MailStatus.FAILED and row.attempts == 3
    assert "Connection refused" in row.last_error or "ConnectionRefused" in row.last_error
    assert delays[1] - delays[0] > timedelta(seconds=90)  # 1 minute, then 2: the wait grows


def test_without_a_server_mails_are_written_as_files(app, client, forum):
    register_by_api(client, ["exhibition"], base=GERMAN, language="en")
    send_due(app)
    (sent,) = outbox(app)
    written = {}
    for path in (Path(app.instance_path) / "mail").glob("*.eml"):  # the folder is shared by the tests
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        written[message["Message-ID"].strip()] = message
    assert written[sent.message_id]["Subject"].startswith("Your registration:")


def test_send_mail_command_sends_once(smtp_app, client, inbox, forum):
    register_by_api(client, ["exhibition"], base=GERMAN)
    result = smtp_app.test_cli_runner().invoke(args=["send-mail"])
    assert result.exit_code == 0 and "sent 1" in result.output
    assert len(inbox.messages) == 1


def test_a_commit_queues_the_sender_at_once(smtp_app, client, inbox, forum):
    smtp_app.config["MAIL_SEND_AFTER_COMMIT"] = True  # huey runs inline in the tests
    register_by_api(client, ["exhibition"], base=GERMAN)
    assert len(inbox.messages) == 1


def test_a_burst_of_commits_queues_one_sender_a_moment_ahead(monkeypatch):
    """Each commit that writes a mail asks for the sender; one queued sender, run a moment
    later, sends them all, so a burst does not write a task per registration to the queue."""
    queued: list[float | None] = []
    clock = [1000.0]
    queue_works = [True]

    def fake_enqueue(task, *args, delay=None):
        if queue_works[0]:
            queued.append(delay)
        return queue_works[0]

    monkeypatch.setattr(tasks, "huey", SimpleNamespace(immediate=False))
    monkeypatch.setattr(tasks, "_clock", lambda: clock[0])
    monkeypatch.setattr(tasks, "_sender_runs_at", 0.0)
    monkeypatch.setattr(tasks, "enqueue", fake_enqueue)
    for _ in range(50):  # half a second of commits
        tasks.queue_mail_sender()
        clock[0] += 0.01
    assert queued == [tasks.SENDER_DELAY]
    clock[0] = 1000.0 + tasks.SENDER_DELAY - 0.05  # the queued sender runs in a moment: too close
    queue_works[0] = False
    tasks.queue_mail_sender()
    queue_works[0] = True
    tasks.queue_mail_sender()  # the queue was down for the last commit: this one queues again
    assert queued == [tasks.SENDER_DELAY, tasks.SENDER_DELAY]


def test_the_queued_sender_is_due_a_moment_later(app):
    tasks.huey.storage.flush_schedule()
    assert tasks.enqueue(tasks.send_mail, delay=tasks.SENDER_DELAY)
    try:
        (scheduled,) = tasks.huey.scheduled()
        assert isinstance(scheduled, tasks.send_mail.task_class)
        ahead = (scheduled.eta - utcnow().replace(tzinfo=None)).total_seconds()
        assert 0 < ahead <= tasks.SENDER_DELAY
    finally:
        tasks.huey.storage.flush_schedule()


def test_no_mail_is_sent_twice_when_the_sender_dies_and_starts_again(smtp_app, client, inbox, forum, database_url):
    for number in range(5):
        register_by_api(client, ["exhibition"], base=GERMAN, given_name=f"Person{number}")
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(inbox.port),
        "MAIL_SEND_AFTER_COMMIT": "0",
    }

    def start_sender():
        return subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "eventapp", "send-mail", "--loop", "--interval", "0.2"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    sender = start_sender()
    # The server has the third mail but the sender dies before it hears "250 OK".
    inbox.on_message = lambda count: count == 3 and os.kill(sender.pid, signal.SIGKILL)
    inbox.wait_for(3)
    sender.wait(timeout=30)
    inbox.on_message = None
    restarted = start_sender()
    try:
        inbox.wait_for(5)
        time.sleep(1.5)  # a few more passes: nothing more may arrive
    finally:
        restarted.terminate()
        restarted.wait(timeout=30)
    ids = [m["Message-ID"] for m in inbox.messages]
    assert len(ids) == 5 and len(set(ids)) == 5
    statuses = sorted(m.status for m in outbox(smtp_app))
    assert statuses.count(MailStatus.SENT) == 4 and statuses.count(MailStatus.SENDING) == 1
    # Past the lease the interrupted one is shown as failed, for an organiser to decide.
    send_due(smtp_app, now=utcnow() + timedelta(minutes=11))
    interrupted = [m for m in outbox(smtp_app) if m.status == MailStatus.FAILED]
    assert len(interrupted) == 1 and "interrupted" in interrupted[0].last_error
    assert len(inbox.messages) == 5


def test_demo_delegates_get_no_mail(app, runner, forum):
    result = runner.invoke(args=["fake-delegates", "20", "--seed", "1"])
    assert result.exit_code == 0, result.output
    assert outbox(app) == []
    with app.app_context():
        assert db.session.execute(select(Registration)).first() is not None


def test_a_delegate_who_lost_the_link_gets_it_mailed_and_strangers_learn_nothing(smtp_app, client, inbox, forum):
    response = register_by_api(client, ["exhibition"], base=GERMAN, language="en", email="Jurgen@Example.de")
    form = client.get("/r/lost?lang=en").get_data(as_text=True)
    assert '<label for="email"' in form
    known = client.post("/r/lost", data={"email": "jurgen@example.de"}).get_data(as_text=True)
    unknown = client.post("/r/lost", data={"email": "nobody@example.de"}).get_data(as_text=True)
    assert "a mail with the private link is on its way" in known
    assert known.replace("jurgen", "X") == unknown.replace("nobody", "X")  # the same answer
    client.post("/r/lost", data={"email": "jurgen@example.de"})  # again at once: no second mail
    send_due(smtp_app)
    assert [m["Subject"].split(":")[0] for m in inbox.messages] == ["Your registration", "Your private link"]
    assert private_link(response) in body_text(inbox.messages[1])
    bad = client.post("/r/lost", data={"email": "not an address"})
    assert bad.status_code == 422 and 'value="not an address"' in bad.get_data(as_text=True)
    # The 404 of an old private link points here.
    assert "/r/lost" in client.get("/r/no-such-token").get_data(as_text=True)


def test_the_lost_link_form_does_the_same_work_for_known_and_unknown_addresses(app, client, forum):
    """Both answers only queue a task: the lookup and the mail happen in the worker, so the
    time of the answer does not tell whether an address is registered."""
    from eventapp.tasks import huey

    register_by_api(client, ["exhibition"], email="jurgen@example.de")
    huey.immediate = False  # a real queue, as in production
    try:
        huey.flush()
        before = len(outbox(app))
        for email in ("jurgen@example.de", "nobody@example.de"):
            assert client.post("/r/lost", data={"email": email}).status_code == 200
        assert len(outbox(app)) == before  # nothing looked up or written in the request
        assert huey.pending_count() == 2
        with app.app_context():
            while (task := huey.dequeue()) is not None:
                huey.execute(task)
    finally:
        huey.immediate = True
    assert [m.kind for m in outbox(app)][before:] == [MailKind.PRIVATE_LINK]


def test_a_late_mail_still_tells_of_its_own_change(smtp_app, client, inbox, forum):
    response = register_by_api(client, ["exhibition"], base=GERMAN, language="en")
    path = "/" + private_link(response).split("/", 3)[3]
    client.post(path + "/cancel")  # before the sender ran: both mails go out together
    send_due(smtp_app)
    received, cancelled = inbox.messages
    assert received["Subject"].startswith("Your registration:") and "Confirmed" in body_text(received)
    assert "Cancelled" not in body_text(received)
    assert cancelled["Subject"].startswith("Registration cancelled:") and "Cancelled" in body_text(cancelled)
    assert "register again" in body_text(cancelled)


def test_other_writes_during_the_hand_over_do_not_break_the_sender(app, client, forum, monkeypatch):
    """A registration committed while the sender talks to the server (which takes seconds)."""
    register_by_api(client, ["exhibition"], base=GERMAN)
    handed_over = []

    class BusyTransport:
        def send(self, message, envelope_from, recipient):
            if not handed_over:
                assert register_by_api(client, ["exhibition"], base=GERMAN).status_code == 201
            handed_over.append(message["Message-ID"])

    monkeypatch.setattr(mail.sender, "transport", lambda: BusyTransport())  # where send_due looks it up
    report = send_due(app)
    assert report.sent == 2 and len(handed_over) == 2  # the one written meanwhile went out too
    assert [m.status for m in outbox(app)] == [MailStatus.SENT, MailStatus.SENT]


def test_a_link_made_with_another_secret_key_is_not_mailed(app, client, forum):
    register_by_api(client, ["exhibition"], base=GERMAN)
    app.secret_key = "another key"
    send_due(app)
    (failed,) = outbox(app)
    assert failed.status == MailStatus.FAILED and "SECRET_KEY" in failed.last_error


def test_an_internationalised_domain_is_written_in_its_ascii_form(smtp_app, client, inbox, forum):
    assert register_by_api(client, ["exhibition"], base=CHINESE, email="wang@例子.中国").status_code == 201
    assert register_by_api(client, ["exhibition"], base=CHINESE, email="王@example.cn").status_code == 422
    send_due(smtp_app)
    (message,) = inbox.messages
    assert message["To"].addresses[0].addr_spec == "wang@xn--fsqu00a.xn--fiqs8s"


def test_message_ids_stay_unique_when_the_random_module_is_seeded_alike(app):
    """hypothesis seeds `random` the same for each example: ids must not repeat then."""
    import random

    from eventapp.services.mail import new_message_id

    ids = set()
    with app.app_context():
        for _ in range(3):
            random.seed(1234)
            ids.add(new_message_id())
    assert len(ids) == 3
