"""Downloads for organisers: delegates, registrations and attendance as CSV or XLSX, and
sign-in sheets as PDF. The files are built by services.exports; these views only choose
and send them."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import InputRequired

from ..i18n import lazy_gettext as _l
from ..services import exports as export_service
from ..services.exports import ExportTable, FontMissing
from ..services.registration import UnknownSession, sessions_by_slug
from ..web import document_response, event_or_404
from . import bp

FORMATS = {
    "csv": ("text/csv", export_service.to_csv),  # the response adds "; charset=utf-8"
    "xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        export_service.to_xlsx,
    ),
}
# What the session chooser's buttons ask for -> the view that sends it.
SESSION_DOWNLOADS = {
    "attendance.csv": ("admin.attendance_export", {"extension": "csv"}),
    "attendance.xlsx": ("admin.attendance_export", {"extension": "xlsx"}),
    "signin-sheet.pdf": ("admin.signin_sheet", {}),
}


class SessionExportForm(FlaskForm):
    """The session chooser: a GET form, so a download link can be bookmarked or shared."""

    class Meta:
        csrf = False

    session = SelectField(_l("Session"), [InputRequired()])
    download = SelectField(
        _l("Download"),
        [InputRequired()],
        choices=[(key, key) for key in SESSION_DOWNLOADS],
    )


def session_export_form(event, **kwargs) -> SessionExportForm:
    form = SessionExportForm(**kwargs)
    form.session.choices = export_service.session_choices(event)
    return form


def session_or_404(event, slug: str):
    try:
        return sessions_by_slug(event, [slug])[0]
    except UnknownSession:
        abort(404)


def send_table(table: ExportTable, extension: str, filename: str):
    mimetype, write = FORMATS[extension]
    return document_response(write(table), mimetype, filename, inline=False, private=True)  # personal data


@bp.get("/exports")
def exports():
    event = event_or_404()
    form = session_export_form(event, formdata=None, data={"session": request.args.get("session")})
    return render_template("admin/exports.html", event=event, form=form)


@bp.get("/exports/session")
def session_export():
    """Where the chooser's buttons go: on to the chosen file, or back with the errors."""
    event = event_or_404()
    form = session_export_form(event, formdata=request.args)
    if not form.validate():
        return render_template("admin/exports.html", event=event, form=form), 422
    endpoint, values = SESSION_DOWNLOADS[form.download.data]
    return redirect(url_for(endpoint, slug=form.session.data, **values), 303)


# The event-wide tables: what /exports/<name>.<extension> sends.
EVENT_TABLES = {"delegates": export_service.delegate_table, "registrations": export_service.registration_table}


@bp.get("/exports/<any(delegates, registrations):name>.<any(csv, xlsx):extension>")
def event_export(name: str, extension: str):
    event = event_or_404()
    return send_table(EVENT_TABLES[name](event), extension, export_service.export_filename(event, name, extension))


@bp.get("/exports/sessions/<slug>/attendance.<any(csv, xlsx):extension>")
def attendance_export(slug: str, extension: str):
    event = event_or_404()
    session = session_or_404(event, slug)
    return send_table(
        export_service.attendance_table(event, session),
        extension,
        export_service.export_filename(event, "attendance", extension, session=session),
    )


@bp.get("/exports/sessions/<slug>/signin-sheet.pdf")
def signin_sheet(slug: str):
    event = event_or_404()
    session = session_or_404(event, slug)
    try:
        pdf = export_service.signin_sheet_pdf(event, session)
    except FontMissing as missing:
        flash(str(missing), "error")
        return redirect(url_for("admin.exports", session=slug))
    return document_response(
        pdf,
        "application/pdf",
        export_service.export_filename(event, "signin-sheet", "pdf", session=session),
        inline=False,
        private=True,
    )
