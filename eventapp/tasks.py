"""Background work on huey: badges rendered ahead of printing, agendas, print-shop batches,
and the mail sender (after each commit that wrote mails, and every minute for retries).

The queue lives in SQLite in instance/ by default, in Redis when REDIS_URL is set (then
several app servers share it). `make run` starts a consumer beside the web server:

    huey_consumer eventapp.tasks.huey

Nothing depends on the consumer running: a badge or agenda that is not ready yet is
rendered when it is asked for.
"""

from __future__ import annotations

import logging
import time

from flask import Flask, current_app, has_app_context
from flask.globals import app_ctx
from huey import Huey, RedisHuey, SqliteHuey, crontab
from sqlalchemy import event as sa_event
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session as OrmSession

from . import create_app
from .config import Config, instance_folder
from .extensions import db
from .models import AgendaItem, Delegate, Event, Exhibitor, Registration, RegistrationStatus, Session
from .services import agendas, mail, printing, retention, visa
from .services.transactions import on_object_inserted

log = logging.getLogger(__name__)


def make_huey(config: type[Config] = Config) -> Huey:
    """The queue, from the settings the app reads too (the consumer imports this module, so
    it is made here, from the same configuration, not from a running app)."""
    if config.REDIS_URL:
        return RedisHuey("eventapp", url=config.REDIS_URL)
    instance = instance_folder()
    instance.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("eventapp", filename=str(instance / "huey.sqlite3"))


huey = make_huey()
_consumer_app: Flask | None = None


def task_app() -> Flask:
    """The app a task runs in: the caller's (immediate mode), else one made for the consumer."""
    global _consumer_app
    if has_app_context():
        return app_ctx.app
    if _consumer_app is None:
        _consumer_app = create_app()
    return _consumer_app


@huey.task(retries=2, retry_delay=10)
def render_badge(delegate_id: int) -> None:
    with task_app().app_context():  # a fresh context: its own database session
        printing.refresh_badge(delegate_id)


@huey.task(retries=2, retry_delay=10)
def render_agenda(language: str) -> None:
    with task_app().app_context():
        agendas.refresh_agenda(language)


@huey.task()
def run_print_job(job_id: int) -> None:
    with task_app().app_context():
        printing.run_print_job(job_id)


@huey.periodic_task(crontab(minute="*"))
def resume_interrupted_print_jobs() -> None:
    """A batch whose worker died (deploy, crash, OOM) holds its lease until it expires; then
    it is run again here, on what is already kept (see printing.jobs)."""
    with task_app().app_context():
        for job_id in printing.jobs_to_resume():
            log.warning("print job %s was interrupted; queueing it again", job_id)
            enqueue(run_print_job, job_id)  # only one worker can claim it (printing.claim_print_job)


@huey.periodic_task(crontab(hour="3", minute="17"))
def prune_every_night() -> None:
    """Old print batches and kept documents (services.retention), at a quiet hour."""
    with task_app().app_context():
        report = retention.prune()
        log.info("pruned %s print jobs and %s kept documents", report.print_jobs, report.documents)


@huey.task()
def send_mail() -> None:
    """Deliver the mails due now (queued after a commit that wrote some)."""
    with task_app().app_context():
        mail.send_due()


@huey.task(retries=2, retry_delay=10)
def mail_lost_links(event_id: int, email: str) -> None:
    """The lost-link form's lookup and mail, off the request (see public.routes.lost_link)."""
    with task_app().app_context():
        mail.send_lost_links(event_id, email)


def mail_private_links_soon(event_id: int, email: str) -> None:
    """The private link of whoever registered with `email`, mailed by the worker (inline if
    the queue is down): the answer to the request is the same whether anyone did."""
    if not enqueue(mail_lost_links, event_id, email):
        mail.send_lost_links(event_id, email)


@huey.periodic_task(crontab(minute="*"))
def send_mail_every_minute() -> None:
    """Retries come due later, and a commit's own task may have been lost: look every minute."""
    with task_app().app_context():
        mail.send_due()


# One sender task sends every mail due when it runs, so a burst of registrations need not
# queue one each (a write to the queue per request): the sender is queued to run a moment
# later, and until shortly before then this process queues no other, since that one sends
# whatever was committed before it runs.
SENDER_DELAY = 1.0  # seconds a mail may wait for the sender
_SENDER_MARGIN = 0.1  # seconds; a commit this close to the queued sender's run queues another
_sender_runs_at = 0.0  # _clock() until which this process's queued sender is still ahead
_clock = time.monotonic


def queue_mail_sender() -> None:
    """After a commit that wrote mails (services.mail calls it): send them soon."""
    global _sender_runs_at
    if huey.immediate:  # inline (tests): a scheduled task would never run
        enqueue(send_mail)
        return
    now = _clock()
    if now < _sender_runs_at:
        return
    if enqueue(send_mail, delay=SENDER_DELAY):
        _sender_runs_at = now + SENDER_DELAY - _SENDER_MARGIN


def enqueue(task, *args, delay: float | None = None) -> bool:
    """Queue a task (to run `delay` seconds from now, if given); if the queue itself is
    unreachable, say so in the log and go on."""
    try:
        if delay is None:
            task(*args)
        else:
            task.schedule(args=args, delay=delay)
        return True
    except Exception:
        # Not the arguments: they may be personal (the lost-link form's email address).
        log.warning("could not queue %s; it will be done on demand", task.task_class.__name__, exc_info=True)
        return False


# --- render what a committed change made stale ----------------------------------------------

_PENDING = "eventapp_pending_renders"


def _pending_renders(session: OrmSession) -> dict:
    return session.info.setdefault(_PENDING, {"delegates": set(), "programme": False})


def _collect_changes(session: OrmSession, flush_context) -> None:
    pending = _pending_renders(session)
    new = set(session.new)
    for obj in list(new) + list(session.dirty):
        _note_stale(pending, obj, obj in new)
    for obj in session.deleted:
        if isinstance(obj, (AgendaItem, Exhibitor, Session)):
            pending["programme"] = True


def _collect_inserted(session: OrmSession, obj) -> None:
    """An object written without a flush (transactions.insert_object): taken as a new one."""
    _note_stale(_pending_renders(session), obj, new=True)


def _note_stale(pending: dict, obj, new: bool) -> None:
    """What a new or changed object makes stale: a delegate's badge, or the programme."""
    if isinstance(obj, Delegate) and obj.id is not None:
        # A new delegate's badge waits for a confirmed seat (below); a new registration
        # also marks its delegate dirty (the collection), which changes no badge.
        if not new and _columns_changed(obj):
            pending["delegates"].add(obj.id)
    elif isinstance(obj, Registration) and obj.delegate_id is not None:
        # A new place waitlisted or applied for has no badge to print (refresh_badge skips it).
        if not new or obj.status == RegistrationStatus.CONFIRMED:
            pending["delegates"].add(obj.delegate_id)
    elif isinstance(obj, Session) and not new and _only_seat_counts_changed(obj):
        return  # a registration moved the counter: nothing printed on the agenda changed
    elif isinstance(obj, (Event, Session, AgendaItem, Exhibitor)):
        pending["programme"] = True


def _columns_changed(obj) -> bool:
    """Some column of `obj` was changed in this flush (not only a collection it holds).
    Only the attributes set since the last flush are looked at, not all of them."""
    state = sa_inspect(obj)
    relationships = state.mapper.relationships
    return any(key not in relationships and state.attrs[key].history.has_changes() for key in state.committed_state)


def _only_seat_counts_changed(obj) -> bool:
    state = sa_inspect(obj)
    if state.pending:
        return False
    return all(key == "confirmed_count" or not state.attrs[key].history.has_changes() for key in state.committed_state)


def _after_commit(session: OrmSession) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending or not has_app_context() or not current_app.config.get("PRERENDER_DOCUMENTS"):
        return
    for delegate_id in sorted(pending["delegates"]):
        enqueue(render_badge, delegate_id)
    if pending["programme"]:
        for language in current_app.config["LANGUAGES"]:
            enqueue(render_agenda, language)


def _after_soft_rollback(session: OrmSession, previous_transaction) -> None:
    session.info.pop(_PENDING, None)


def register(app: Flask) -> None:
    """Queue renders after commits (PRERENDER_DOCUMENTS); run tasks inline if HUEY_IMMEDIATE."""
    if app.config.get("HUEY_IMMEDIATE"):
        huey.immediate = True
    if not sa_event.contains(db.session, "after_flush", _collect_changes):  # the app's sessions only
        sa_event.listen(db.session, "after_flush", _collect_changes)
        sa_event.listen(db.session, "after_commit", _after_commit)
        sa_event.listen(db.session, "after_soft_rollback", _after_soft_rollback)
        on_object_inserted(_collect_inserted)


@huey.periodic_task(crontab(hour="4", minute="7"))
def erase_passport_data_every_night() -> None:
    """Passport data past its event's retention (services.visa), erased with an audit entry each."""
    with task_app().app_context():
        log.info("erased the passport data of %s visa requests", visa.erase_passport_data())
