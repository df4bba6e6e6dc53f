"""Invitations for organisers: the list and where each stands, a list imported from a
spreadsheet (uploaded, previewed with its columns and each row's problems, then saved), one
invitee added by hand, and the invitation mails and reminders, each previewed, then sent once.

Between the preview and the save the list travels with the page, signed with the app's key
and compressed (itsdangerous), not in a server's memory or the session cookie: any of
several app servers can save it, and nothing is stored before the organiser says so."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from itsdangerous import BadData, URLSafeTimedSerializer

from .. import names
from ..auth import staff_actor
from ..guards import takes_files
from ..i18n import format_list, localized
from ..models import Event, Invitation
from ..services import invitations as invitations_service
from ..services.invitations import (
    ImportFileError,
    ImportPreview,
    InvitationRefused,
    InvitationState,
    InviteeField,
    PreviewRow,
    RowState,
    UploadedTable,
)
from ..web import ConfirmForm, event_or_404, page_number
from . import bp
from .invitation_forms import ImportPreviewForm, ImportUploadForm, InvitationForm

PER_PAGE = 100
SHOWN_ROWS = 300  # of a preview, besides every row with a problem
UPLOAD_SALT = "invitation-import"
UPLOAD_MAX_AGE = 6 * 3600  # seconds a preview may be saved after the upload
UPLOAD_MAX_CHARS = 400_000  # a form field Werkzeug takes (500 kB), with room for the rest


# The encodings spreadsheets.read_table tells, as Excel's menus call them.
ENCODING_NAMES = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8",
    "utf-16": "UTF-16",
    "gb18030": "GB18030",
    "cp1252": "Windows-1252",
}


def state_labels() -> dict[InvitationState, str]:
    return {
        InvitationState.NOT_SENT: _("Not sent"),
        InvitationState.SENT: _("Sent, no answer"),
        InvitationState.REMINDED: _("Reminded, no answer"),
        InvitationState.REGISTERED: _("Registered"),
        InvitationState.DECLINED: _("Declined"),
    }


def row_state_labels() -> dict[RowState, str]:
    return {
        RowState.NEW: _("New"),
        RowState.UPDATED: _("Updated"),
        RowState.UNCHANGED: _("Unchanged"),
        RowState.INVALID: _("Not valid"),
    }


def invitee_name(invitation: Invitation) -> str:
    shown = names.display_name(invitation.family_name, invitation.given_name, invitation.name_native)
    return " ".join(part for part in (invitation.academic_title, shown) if part) or invitation.email


def session_choices(event: Event) -> list[tuple[str, str]]:
    return [(s.slug, localized(s.title)) for s in event.sessions]


def page_context(event: Event) -> dict:
    return {
        "event": event,
        "state_labels": state_labels(),
        "invitee_name": invitee_name,
        "session_title": lambda s: localized(s.title),
        "InvitationState": InvitationState,
    }


# --- the list ---------------------------------------------------------------------------------


@bp.get("/invitations")
def invitations():
    event = event_or_404()
    state_arg = request.args.get("state", "")
    state = InvitationState(state_arg) if state_arg in InvitationState._value2member_map_ else None
    return render_template(
        "admin/invitations.html",
        page=invitations_service.invitation_page(event, state, page_number(), PER_PAGE),
        state=state,
        counts=invitations_service.state_counts(event),
        **page_context(event),
    )


def _chosen_ids() -> list[int]:
    return [int(value) for value in request.form.getlist("invitation") if value.isdigit() and len(value) < 10]


@bp.route("/invitations/send", methods=["GET", "POST"])
def invitations_send():
    """GET: to whom the invitations would go; POST: send them to those listed (still unsent)."""
    return _mail_step(
        InvitationState.NOT_SENT,
        invitations_service.send_invitations,
        lambda n: ngettext("%(num)d invitation queued.", "%(num)d invitations queued.", n),
    )


@bp.route("/invitations/remind", methods=["GET", "POST"])
def invitations_remind():
    """GET: who has not answered; POST: one reminder each to those listed."""
    return _mail_step(
        InvitationState.SENT,
        lambda chosen, actor: invitations_service.send_reminders([i.id for i in chosen], actor),
        lambda n: ngettext("%(num)d reminder queued.", "%(num)d reminders queued.", n),
    )


def _mail_step(state: InvitationState, send, done_message):
    event = event_or_404()
    form = ConfirmForm()
    if form.validate_on_submit():
        # Only those listed on the page confirmed: one added since is not mailed unseen.
        chosen = invitations_service.invitations_in(event, state, ids=_chosen_ids())
        sent = send(chosen, staff_actor()) if chosen else []
        if sent:
            flash(done_message(len(sent)), "success")
        else:
            flash(_("Nothing was sent: these mails have been sent already."), "notice")
        return redirect(url_for("admin.invitations"))
    return render_template(
        "admin/invitations_send.html",
        form=form,
        reminder=state == InvitationState.SENT,
        recipients=invitations_service.invitations_in(event, state),
        **page_context(event),
    )


# --- one invitee ------------------------------------------------------------------------------


@bp.route("/invitations/new", methods=["GET", "POST"])
def invitation_new():
    event = event_or_404()
    form = InvitationForm(session_choices=session_choices(event))
    if form.validate_on_submit():
        try:
            invitation = invitations_service.add_invitation(
                event, form.details(), form.sessions.data or [], staff_actor()
            )
        except InvitationRefused as refusal:
            for field, message in refusal.problems:
                form[field.value].errors.append(message)
        else:
            flash(
                _(
                    "%(name)s is invited. The invitation is mailed when you send the invitations.",
                    name=invitee_name(invitation),
                ),
                "success",
            )
            return redirect(url_for("admin.invitations"))
    return render_template("admin/invitation_new.html", form=form, **page_context(event)), (422 if form.errors else 200)


# --- a list from a file -----------------------------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    if not current_app.secret_key:
        raise RuntimeError("the import preview needs the app's SECRET_KEY")
    return URLSafeTimedSerializer(current_app.secret_key, salt=UPLOAD_SALT)


def pack_upload(event: Event, table: UploadedTable, session_slugs: list[str]) -> str:
    return _serializer().dumps({"event": event.id, "table": table.as_json(), "sessions": session_slugs})


def unpack_upload(event: Event, packed: str) -> tuple[UploadedTable, list[str]] | None:
    """The list as uploaded, or None if the field is not one this app signed for the event
    (or it is older than UPLOAD_MAX_AGE)."""
    try:
        value = _serializer().loads(packed, max_age=UPLOAD_MAX_AGE)
    except BadData:
        return None
    if not isinstance(value, dict) or value.get("event") != event.id:
        return None
    return UploadedTable.from_json(value["table"]), [str(slug) for slug in value["sessions"]]


def _mapping_text(mapping: list[InviteeField | None]) -> str:
    return ",".join(f.value if f else "" for f in mapping)


def _mapping_from_form(columns: int) -> list[InviteeField | None]:
    chosen = [request.form.get(f"column-{i}", "") for i in range(columns)]
    return [InviteeField(value) if value in InviteeField._value2member_map_ else None for value in chosen]


@bp.route("/invitations/import", methods=["GET", "POST"])
@takes_files
def invitations_import():
    event = event_or_404()
    form = ImportUploadForm()
    form.sessions.choices = session_choices(event)
    if form.validate_on_submit():
        upload = form.file.data
        try:
            table = invitations_service.read_table(
                upload.filename or "", upload.read(invitations_service.MAX_FILE_BYTES + 1)
            )
        except ImportFileError as problem:
            form.file.errors.append(str(problem))
        else:
            packed = pack_upload(event, table, list(form.sessions.data or []))
            if len(packed) > UPLOAD_MAX_CHARS:
                form.file.errors.append(_("The list is too long to be checked in one go. Split it into parts."))
            else:
                mapping = invitations_service.guess_mapping(table.header)
                return _preview_page(event, table, mapping, packed, list(form.sessions.data or []))
    return render_template("admin/invitations_import.html", form=form, **page_context(event)), (
        422 if form.errors else 200
    )


@bp.post("/invitations/import/preview")
def invitations_import_preview():
    """The columns chosen again ("apply"), or the list saved ("save") if the columns are
    the ones the organiser saw the preview of."""
    event = event_or_404()
    form = ImportPreviewForm()
    unpacked = unpack_upload(event, form.upload.data or "") if form.validate_on_submit() else None
    if unpacked is None:
        upload_form = ImportUploadForm()
        upload_form.sessions.choices = session_choices(event)
        upload_form.file.errors = [
            _(
                "The list uploaded before could not be read again (the page may be too old). Please upload the file again."
            )
        ]
        return render_template("admin/invitations_import.html", form=upload_form, **page_context(event)), 400
    table, slugs = unpacked
    mapping = _mapping_from_form(len(table.header))
    if request.form.get("action") == "save":
        if _mapping_text(mapping) == form.shown_mapping.data:
            return _save(event, table, mapping, form.upload.data, slugs)
        flash(_("You changed the columns: check the preview below, then save."), "notice")
    return _preview_page(event, table, mapping, form.upload.data, slugs)


def _save(event: Event, table: UploadedTable, mapping: list[InviteeField | None], packed: str, slugs: list[str]):
    done = invitations_service.save_import(event, table, mapping, slugs, staff_actor())
    if done.problems:
        return _preview_page(event, table, mapping, packed, slugs)
    counts = done.counts
    flash(
        _(
            "Invitations saved: %(new)d new, %(updated)d updated, %(unchanged)d unchanged, %(invalid)d rows not valid (left out).",
            new=counts[RowState.NEW],
            updated=counts[RowState.UPDATED],
            unchanged=counts[RowState.UNCHANGED],
            invalid=counts[RowState.INVALID],
        ),
        "success",
    )
    return redirect(url_for("admin.invitations"))


def _preview_page(
    event: Event, table: UploadedTable, mapping: list[InviteeField | None], packed: str, slugs: list[str]
):
    preview: ImportPreview = invitations_service.preview_import(event, table, mapping, slugs)
    shown: list[PreviewRow] = []
    for row in preview.rows:
        if row.state == RowState.INVALID or len(shown) < SHOWN_ROWS:
            shown.append(row)
    sessions = dict(session_choices(event))
    labels = invitations_service.field_labels()
    return render_template(
        "admin/invitations_preview.html",
        # Not from the request: the columns shown now are those of this preview.
        form=ImportPreviewForm(formdata=None, upload=packed, shown_mapping=_mapping_text(mapping)),
        table=table,
        mapping=mapping,
        preview=preview,
        shown_rows=shown,
        fields=labels,
        cells=dict(table.rows),
        encoding_name=ENCODING_NAMES.get(table.encoding, table.encoding),
        change_labels=lambda row: format_list(labels[InviteeField(name)] for name in row.changes),
        row_states=row_state_labels(),
        default_sessions=[sessions[slug] for slug in slugs if slug in sessions],
        **page_context(event),
    ), (422 if preview.problems else 200)
