"""Documents for delegates: the programme as PDF and calendar, and from the private link the
personal agenda, its calendar and the badge.

The private ones carry the link's token in their path, so `keep_private_links_private`
(routes.py) marks them no-store and no-referrer like every other private page.
"""

from __future__ import annotations

from flask import Response, flash, redirect, request, url_for
from flask_babel import gettext as _

from ..i18n import current_language
from ..services import agendas, calendar, printing
from ..services.pdf import FontMissing
from ..web import document_response, event_or_404
from . import bp
from .routes import delegate_or_404

PUBLIC_MAX_AGE = 300  # seconds a browser or proxy may keep the programme


def share_publicly(response: Response) -> Response:
    response.cache_control.public = True
    response.cache_control.max_age = PUBLIC_MAX_AGE
    return response


@bp.get("/agenda.pdf")
def programme_pdf():
    """The programme in ?lang= (else the page's language), kept between changes: a revalidation
    with the ETag costs only the fingerprint's queries."""
    event = event_or_404()
    language = current_language()  # ?lang= when it is one of ours, else the page's language
    fingerprint = agendas.programme_fingerprint(event, language)
    if request.if_none_match.contains(fingerprint):
        response = Response(status=304)
    else:
        try:
            content = agendas.programme_pdf(event, language, fingerprint=fingerprint)
        except FontMissing as missing:
            flash(str(missing), "error")
            return redirect(url_for("public.programme"))
        response = document_response(content, "application/pdf", f"{event.slug}-agenda-{language}.pdf")
    response.set_etag(fingerprint)
    # Without ?lang= the language comes from the switcher's cookie or Accept-Language.
    response.vary.add("Accept-Language")
    return share_publicly(response)


@bp.get("/agenda.ics")
def programme_ics():
    event = event_or_404()
    language = request.args.get("lang", calendar.DEFAULT_LANGUAGE)
    response = document_response(
        calendar.programme_ics(event, language), "text/calendar", f"{event.slug}.ics", inline=False
    )
    response.mimetype_params["charset"] = "utf-8"
    return share_publicly(response)


@bp.get("/r/<token>/agenda.pdf")
def personal_agenda_pdf(token: str):
    delegate = delegate_or_404(token)
    language = current_language()  # ?lang=, the switcher's choice, else the delegate's own
    try:
        content = agendas.personal_agenda_pdf(delegate, language)
    except FontMissing as missing:
        flash(str(missing), "error")
        return redirect(url_for("public.manage", token=token))
    return document_response(content, "application/pdf", f"{delegate.event.slug}-my-agenda.pdf")


@bp.get("/r/<token>/agenda.ics")
def personal_agenda_ics(token: str):
    delegate = delegate_or_404(token)
    response = document_response(
        calendar.personal_ics(delegate, current_language()),
        "text/calendar",
        f"{delegate.event.slug}-my-sessions.ics",
        inline=False,
    )
    response.mimetype_params["charset"] = "utf-8"
    return response


@bp.get("/r/<token>/badge.pdf")
def personal_badge_pdf(token: str):
    delegate = delegate_or_404(token)
    if not delegate.has_confirmed_seat:
        flash(_("You have no confirmed seat yet, so there is no badge."), "error")
        return redirect(url_for("public.manage", token=token))
    try:
        content = printing.badge_pdf(delegate)
    except FontMissing as missing:
        flash(str(missing), "error")
        return redirect(url_for("public.manage", token=token))
    return document_response(content, "application/pdf", f"{delegate.event.slug}-badge.pdf")
