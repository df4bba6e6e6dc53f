"""Jinja filters and globals shared by every template."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Flask, request, url_for

from . import i18n, names
from .models import ENDED_STATUSES, OrganisationType, RegistrationStatus, SessionAccess, StaffRole


def register(app: Flask) -> None:
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.filters["localized"] = i18n.localized
    app.jinja_env.filters["format_list"] = i18n.format_list
    app.jinja_env.filters["country_name"] = i18n.country_name
    app.jinja_env.globals.update(
        LANGUAGE_NAMES=i18n.LANGUAGE_NAMES,
        has_han=names.has_han,
        RegistrationStatus=RegistrationStatus,
        ENDED_STATUSES=ENDED_STATUSES,
        SessionAccess=SessionAccess,
        OrganisationType=OrganisationType,
        StaffRole=StaffRole,
    )

    @app.template_global()
    def page_url(number: int) -> str:
        """This page's URL with the same filters, on page `number`. Built from the query as
        sent, not through url_for, whose own arguments (_external, endpoint…) a query may name."""
        query = [(key, value) for key, value in request.args.items(multi=True) if key != "page"]
        return request.path + "?" + urlencode([*query, ("page", number)])

    @app.template_filter("local_time")
    def local_time(moment, event):
        return i18n.format_local_time(moment, event.timezone)

    @app.template_filter("local_date")
    def local_date(moment, event, fmt="full"):
        return i18n.format_local_date(moment, event.timezone, fmt)

    @app.template_filter("local_datetime")
    def local_datetime(moment, event, fmt="medium"):
        return i18n.format_local_datetime(moment, event.timezone, fmt)

    @app.template_filter("local_when")
    def local_when(moment, event):
        return i18n.format_local_when(moment, event.timezone)

    @app.template_filter("timezone_name")
    def timezone_name(event):
        return i18n.timezone_name(event.timezone)

    @app.context_processor
    def page_language():
        language = i18n.current_language()

        def switch_language_url(code: str) -> str:
            return url_for("public.set_language", code=code, next=request.full_path.rstrip("?"))

        return {
            "page_language": language,
            "html_lang": i18n.HTML_LANG.get(language, language),
            "switch_language_url": switch_language_url,
        }
