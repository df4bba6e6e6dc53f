"""A script sent through any field of any form comes back as text, never as a script.

The forms are found as a user finds them: every public page and every staff page is opened,
each <form> on it is read, and it is sent with a script payload in every field the user can
fill in (text, selects, hidden fields but the CSRF token), then the answer, and the page a
redirect leads to, are searched for the payload unescaped.
"""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin

from eventapp.models import StaffRole

from .factories import register_by_api
from .staff_helpers import sign_in, staff_urls

SCRIPT = '"><script>alert(1)</script>'
# Signing out would end the test's own session; it has no fields anyway.
SKIPPED_ACTIONS = ("/staff/logout",)


class FormReader(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self.forms.append(
                {
                    "action": attributes.get("action") or "",
                    "method": (attributes.get("method") or "get").lower(),
                    "fields": {},
                }
            )
        elif self.forms and tag in ("input", "textarea", "select") and attributes.get("name"):
            kind = attributes.get("type", "text")
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            # Checkboxes and selects too: a hostile client sends what it likes.
            value = attributes.get("value", "") if attributes["name"] == "csrf_token" else SCRIPT
            self.forms[-1]["fields"].setdefault(attributes["name"], value)


def forms_on(html: str) -> list[dict]:
    reader = FormReader()
    reader.feed(html)
    return reader.forms


def assert_payload_escaped(client, url: str, label: str) -> int:
    response = client.get(url)
    sent = 0
    if response.mimetype != "text/html":
        return sent
    for form in forms_on(response.get_data(as_text=True)):
        action = urljoin(url, form["action"] or url)
        if action.startswith(SKIPPED_ACTIONS) or not form["fields"]:
            continue
        if form["method"] == "post":
            answer = client.post(action, data=form["fields"], follow_redirects=True)
        else:
            answer = client.get(action, query_string=form["fields"], follow_redirects=True)
        assert answer.status_code < 500, (label, action, answer.status_code)
        if answer.mimetype in ("text/html", "application/json"):  # not the PDFs and exports
            assert "<script>alert(1)" not in answer.get_data(as_text=True), (label, action)
        sent += 1
    return sent


def test_public_forms_echo_a_script_as_text(app, client, forum):
    registered = register_by_api(client, ["exhibition", "german-enterprise-symposium"])
    manage = registered.json["manage_url"].replace("http://forum.test", "")
    sent = 0
    for url in ("/register", "/r/lost", manage, manage + "/edit", manage + "/cancel", "/staff/login"):
        sent += assert_payload_escaped(client, url + "?lang=en", url)
    assert sent >= 4  # registration, lost link, add a session, edit


def test_staff_forms_echo_a_script_as_text(app, client, forum):
    register_by_api(client, ["exhibition"])
    sign_in(client, app, StaffRole.ADMIN)
    sent = 0
    for endpoint, method, path in staff_urls(app):
        if method == "GET" and not endpoint.endswith(("_pdf", "_csv", "_xlsx", "download", "export")):
            sent += assert_payload_escaped(client, path, endpoint)
    assert sent >= 15
