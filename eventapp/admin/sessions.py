"""The programme for organisers: sessions (times, rooms, capacity, registration window),
their agenda items, and the exhibitors."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from ..auth import staff_actor
from ..extensions import db
from ..i18n import localized
from ..labels import exhibitor_theme_labels, session_access_short_labels
from ..models import AgendaItem, Exhibitor, Session, SessionKind
from ..services import programme
from ..services.registration import session_fill
from ..web import ConfirmForm, event_or_404
from . import bp
from .session_forms import (
    LANGUAGE_LABELS,
    AgendaItemForm,
    ExhibitorForm,
    NewSessionForm,
    SessionForm,
    missing_translation_notes,
)


def session_or_404(session_id: int) -> Session:
    event = event_or_404()
    session = db.session.get(Session, session_id)
    if session is None or session.event_id != event.id:
        abort(404)
    return session


def agenda_item_or_404(item_id: int) -> AgendaItem:
    item = db.session.get(AgendaItem, item_id)
    if item is None or item.session.event_id != event_or_404().id:
        abort(404)
    return item


def exhibitor_or_404(exhibitor_id: int) -> Exhibitor:
    exhibitor = db.session.get(Exhibitor, exhibitor_id)
    if exhibitor is None or exhibitor.event_id != event_or_404().id:
        abort(404)
    return exhibitor


def status_for(form) -> int:
    return 422 if form.errors else 200


@bp.get("/sessions")
def sessions():
    event = event_or_404()
    return render_template(
        "admin/sessions.html",
        event=event,
        fills=session_fill(event),
        missing=missing_translation_notes,
        access_labels=session_access_short_labels(),
    )


@bp.route("/sessions/new", methods=["GET", "POST"])
def session_new():
    event = event_or_404()
    form = NewSessionForm(zone=event.timezone) if request.method == "POST" else NewSessionForm.blank(event)
    session = form.save(
        lambda: programme.create_session(
            event,
            form.details(),
            form.capacity.data,
            kind=SessionKind(form.kind.data),
            slug=form.slug.data,
            actor=staff_actor(),
        )
    )
    if session is not None:
        flash(_("%(session)s has been added. Add its agenda below.", session=localized(session.title)), "success")
        return redirect(url_for("admin.session_edit", session_id=session.id, _anchor="agenda"))
    return render_template("admin/session_new.html", event=event, form=form), status_for(form)


@bp.route("/sessions/<int:session_id>/edit", methods=["GET", "POST"])
def session_edit(session_id: int):
    session = session_or_404(session_id)
    event = session.event
    form = SessionForm(zone=event.timezone) if request.method == "POST" else SessionForm.of(session)
    saved = form.save(
        lambda: programme.update_session(session, form.details(), form.capacity.data, actor=staff_actor())
    )
    if saved is not None:
        flash_saved(session, saved)
        return redirect(url_for("admin.sessions"))
    fill = next(f for f in session_fill(event) if f.session.id == session.id)
    return render_template(
        "admin/session_edit.html",
        event=event,
        session=session,
        fill=fill,
        form=form,
        confirm_form=ConfirmForm(),
        missing_languages=programme.missing_languages,
        language_labels=LANGUAGE_LABELS,
    ), status_for(form)


def flash_saved(session: Session, saved: programme.SessionSaved) -> None:
    title = localized(session.title)
    if not saved.changed and not saved.capacity_changed:
        flash(_("%(session)s: nothing was changed.", session=title), "success")
        return
    flash(_("%(session)s has been saved.", session=title), "success")
    if saved.promoted:
        flash(
            ngettext(
                "%(num)d delegate was confirmed from the waiting list.",
                "%(num)d delegates were confirmed from the waiting list.",
                len(saved.promoted),
            ),
            "success",
        )
    if saved.agenda_moved:
        flash(_("The agenda items moved with the new start time."), "success")


# --- agenda items ------------------------------------------------------------------------


@bp.route("/sessions/<int:session_id>/agenda/new", methods=["GET", "POST"])
def session_agenda_new(session_id: int):
    session = session_or_404(session_id)
    form = AgendaItemForm(session=session)
    if form.save(lambda: programme.add_agenda_item(session, form.details(), actor=staff_actor())):
        flash(_("The agenda item has been added."), "success")
        return redirect(url_for("admin.session_edit", session_id=session.id, _anchor="agenda"))
    return render_agenda_item(form, session, item=None)


@bp.route("/agenda/<int:item_id>/edit", methods=["GET", "POST"])
def session_agenda_edit(item_id: int):
    item = agenda_item_or_404(item_id)
    session = item.session
    form = AgendaItemForm(session=session) if request.method == "POST" else AgendaItemForm.of(item)
    if form.save(lambda: programme.update_agenda_item(item, form.details(), actor=staff_actor())):
        flash(_("The agenda item has been saved."), "success")
        return redirect(url_for("admin.session_edit", session_id=session.id, _anchor="agenda"))
    return render_agenda_item(form, session, item=item)


def render_agenda_item(form: AgendaItemForm, session: Session, item: AgendaItem | None):
    return render_template(
        "admin/agenda_item.html", event=session.event, session=session, item=item, form=form
    ), status_for(form)


@bp.post("/agenda/<int:item_id>/delete")
def session_agenda_delete(item_id: int):
    item = agenda_item_or_404(item_id)
    back = url_for("admin.session_edit", session_id=item.session_id, _anchor="agenda")
    delete_confirmed(
        lambda: programme.delete_agenda_item(item, actor=staff_actor()),
        _("Deleted from the agenda: %(title)s.", title=localized(item.title)),
    )
    return redirect(back)


def delete_confirmed(delete, done: str) -> None:
    """Delete when the confirm form (its CSRF token) is valid, and say what happened."""
    if ConfirmForm().validate_on_submit():
        delete()
        flash(done, "success")
    else:
        flash(_("The form had expired. Please try again."), "error")


# --- exhibitors --------------------------------------------------------------------------


@bp.get("/exhibitors")
def exhibitors():
    event = event_or_404()
    return render_template(
        "admin/exhibitors.html",
        event=event,
        by_theme=programme.exhibitors_by_theme(event),
        theme_labels=exhibitor_theme_labels(),
        confirm_form=ConfirmForm(),
    )


@bp.route("/exhibitors/new", methods=["GET", "POST"])
def exhibitor_new():
    event = event_or_404()
    form = ExhibitorForm()
    if request.method == "GET" and request.args.get("theme"):
        form.theme.data = request.args["theme"]
    if form.save(lambda: programme.add_exhibitor(event, form.details(), actor=staff_actor())):
        flash(_("%(company)s has been added.", company=form.company.data), "success")
        return redirect(url_for("admin.exhibitors"))
    return render_template("admin/exhibitor.html", event=event, form=form, exhibitor=None), status_for(form)


@bp.route("/exhibitors/<int:exhibitor_id>/edit", methods=["GET", "POST"])
def exhibitor_edit(exhibitor_id: int):
    exhibitor = exhibitor_or_404(exhibitor_id)
    form = ExhibitorForm() if request.method == "POST" else ExhibitorForm(obj=exhibitor)
    if form.save(lambda: programme.update_exhibitor(exhibitor, form.details(), actor=staff_actor())):
        flash(_("%(company)s has been saved.", company=form.company.data), "success")
        return redirect(url_for("admin.exhibitors"))
    return render_template("admin/exhibitor.html", event=exhibitor.event, form=form, exhibitor=exhibitor), status_for(
        form
    )


@bp.post("/exhibitors/<int:exhibitor_id>/delete")
def exhibitor_delete(exhibitor_id: int):
    exhibitor = exhibitor_or_404(exhibitor_id)
    delete_confirmed(
        lambda: programme.delete_exhibitor(exhibitor, actor=staff_actor()),
        _("%(company)s has been removed.", company=exhibitor.company),
    )
    return redirect(url_for("admin.exhibitors"))
