"""Safe on the open internet: security headers on every answer, no inline script or style on
any page (the CSP forbids them), Secure cookies over HTTPS, and a trusted reverse proxy."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from eventapp import create_app
from eventapp.models import StaffRole

from .factories import CHINESE, register_by_api
from .staff_helpers import sign_in, staff_urls
from .test_admin_mail import message

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HSTS = "max-age=31536000; includeSubDomains"


def manage_path(client) -> str:
    return urlsplit(register_by_api(client, ["exhibition"], base=CHINESE).json["manage_url"]).path


def assert_security_headers(response, path):
    headers = response.headers
    assert headers["X-Content-Type-Options"] == "nosniff", path
    assert headers["X-Frame-Options"] == "DENY", path
    assert "Strict-Transport-Security" not in headers, path  # plain HTTP
    csp = headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp, path
    return headers


def test_every_kind_of_answer_has_the_security_headers(client, forum):
    manage = manage_path(client)
    answers = {
        "/": "text/html",
        "/sessions/exhibition": "text/html",
        "/no-such-page": "text/html",
        "/agenda.ics": "text/calendar",
        "/api/v1/sessions": "application/json",
        "/api/v1/nothing": "application/json",
        "/static/css/site.css": "text/css",
        "/static/js/focus.js": "text/javascript",
        manage: "text/html",
        manage + "/agenda.ics": "text/calendar",
        manage + "/agenda.pdf": "application/pdf",
        "/staff/login": "text/html",
        "/admin/": None,
        "/door/": None,
    }
    for path, mimetype in answers.items():
        response = client.get(path)
        if mimetype:
            assert response.mimetype == mimetype, path
        assert_security_headers(response, path)
        assert response.headers["Content-Security-Policy"] == CSP, path


def test_private_link_pages_keep_no_referrer_and_others_leak_only_the_origin(client, forum):
    manage = manage_path(client)
    for path in (manage, manage + "/edit", manage + "/agenda.ics", manage + "/agenda.pdf"):
        assert client.get(path).headers["Referrer-Policy"] == "no-referrer", path
    for path in ("/", "/register", "/staff/login", "/api/v1/sessions"):
        assert client.get(path).headers["Referrer-Policy"] == "strict-origin-when-cross-origin", path


def test_staff_api_and_private_answers_are_never_cached_but_the_programme_may_be(app, client, forum):
    manage = manage_path(client)
    private = [
        "/staff/login",
        "/admin/",
        "/door/",
        "/api/v1/nothing",
        "/r/lost",
        "/r/not-a-valid-token",
        manage,
        manage + "/confirmation",
        manage + "/agenda.ics",
        manage + "/agenda.pdf",
    ]
    for path in private:
        assert "no-store" in client.get(path).headers.get("Cache-Control", ""), path
    assert "no-store" in client.post("/api/v1/registrations", json={}).headers["Cache-Control"]
    sign_in(client, app, StaffRole.ADMIN)
    for path in ("/admin/", "/admin/delegates", "/admin/dashboard.json", "/admin/exports/delegates.csv", "/door/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "no-store" in response.headers["Cache-Control"], path
    for path in ("/", "/agenda.ics", "/api/v1/sessions", "/api/v1/openapi.json", "/static/css/site.css"):
        assert "no-store" not in client.get(path).headers.get("Cache-Control", ""), path
    assert "public" in client.get("/agenda.ics").headers["Cache-Control"]


def test_only_the_door_page_may_compile_the_qr_readers_webassembly(app, client, forum):
    sign_in(client, app, StaffRole.DOOR)
    door = client.get("/door/entrance")
    assert door.status_code == 200
    assert "script-src 'self' 'wasm-unsafe-eval';" in door.headers["Content-Security-Policy"]
    assert "wasm" not in client.get("/").headers["Content-Security-Policy"]


def test_https_adds_hsts_and_a_secure_session_cookie(client, forum):
    plain = client.get("/language/de")
    assert "Strict-Transport-Security" not in plain.headers
    cookie = plain.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie

    secure = client.get("/language/de", base_url="https://forum.test")
    assert secure.headers["Strict-Transport-Security"] == HSTS
    cookie = secure.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def proxied_app(database_url, **config):
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "RATELIMIT_ENABLED": False,
            "SERVER_NAME": "forum.test",
            **config,
        }
    )

    @app.get("/test/remote-address")
    def remote_address():
        from flask import request
        from flask_limiter.util import get_remote_address

        return {"remote_addr": request.remote_addr, "limiter_key": get_remote_address(), "secure": request.is_secure}

    return app


FORWARDED = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
SOCKET = {"REMOTE_ADDR": "10.0.0.2"}  # the proxy's address, as the server sees it


def test_behind_one_trusted_proxy_its_forwarded_headers_count(database_url):
    client = proxied_app(database_url, TRUSTED_PROXIES=1).test_client()
    seen = client.get("/test/remote-address", headers=FORWARDED, environ_base=SOCKET).json
    assert seen == {"remote_addr": "203.0.113.9", "limiter_key": "203.0.113.9", "secure": True}
    response = client.get("/language/de", headers=FORWARDED, environ_base=SOCKET)
    assert response.headers["Strict-Transport-Security"] == HSTS
    assert "Secure" in response.headers["Set-Cookie"]


def test_without_trusted_proxies_forwarded_headers_are_ignored(database_url):
    client = proxied_app(database_url).test_client()
    seen = client.get("/test/remote-address", headers=FORWARDED, environ_base=SOCKET).json
    assert seen == {"remote_addr": "10.0.0.2", "limiter_key": "10.0.0.2", "secure": False}
    response = client.get("/language/de", headers=FORWARDED, environ_base=SOCKET)
    assert "Strict-Transport-Security" not in response.headers
    assert "Secure" not in response.headers["Set-Cookie"]


def test_trusted_proxies_comes_from_the_environment(database_url, monkeypatch):
    monkeypatch.setenv("TRUSTED_PROXIES", "1")
    app = proxied_app(database_url)
    assert app.config["TRUSTED_PROXIES"] == 1
    seen = app.test_client().get("/test/remote-address", headers=FORWARDED, environ_base=SOCKET).json
    assert seen["remote_addr"] == "203.0.113.9"


class InlineCode(HTMLParser):
    """Finds what a CSP without 'unsafe-inline' would refuse: inline scripts, <style>
    elements, style="" and on…="" attributes, javascript: links."""

    DATA_SCRIPTS = ("application/json", "application/ld+json")

    def __init__(self):
        super().__init__()
        self.problems, self.in_script = [], False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, value in attrs:
            if name == "style" or name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…>")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith("javascript:"):
                self.problems.append(f"<{tag} {name}=javascript:…>")
        if tag == "style":
            self.problems.append("<style>")
        self.in_script = tag == "script" and "src" not in attributes and attributes.get("type") not in self.DATA_SCRIPTS

    def handle_endtag(self, tag):
        if tag == "script":
            self.in_script = False

    def handle_data(self, data):
        if self.in_script and data.strip():
            self.problems.append(f"<script>{data.strip()[:60]}")


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.problems


SKIPPED_LINKS = (".pdf", ".csv", ".xlsx", ".ics", ".json")


def crawl(client, start: list[str]) -> dict[str, str]:
    """Every HTML page reachable by links from `start` (each path once, any query)."""
    seen, pages, queue = set(), {}, list(start)
    while queue and len(pages) < 400:
        url = queue.pop(0)
        parts = urlsplit(url)
        if parts.path in seen or parts.netloc not in ("", "forum.test"):
            continue
        seen.add(parts.path)
        if parts.path.endswith(SKIPPED_LINKS) or parts.path.startswith(("/language/", "/static/")):
            continue
        response = client.get(parts.path + ("?" + parts.query if parts.query else ""))
        if response.mimetype != "text/html":
            continue
        text = response.get_data(as_text=True)
        pages[url] = text
        links = LinkCollector()
        links.feed(text)
        queue.extend(links.hrefs)
    return pages


class LinkCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if tag == "a" and href and not href.startswith("#"):
            self.hrefs.append(href.split("#")[0])


@pytest.fixture
def every_page(app, client, forum):
    """Every public and staff page, signed in as admin, plus forms shown with their errors."""
    manage = manage_path(client)
    pages = crawl(
        client,
        [
            "/",
            "/register",
            "/r/lost",
            "/no-such-page",
            manage,
            manage + "/confirmation",
            manage + "/edit",
            manage + "/cancel",
        ],
    )
    errors = {
        "/register": {"email": "x"},
        manage + "/edit": {"email": "x"},
        "/r/lost": {"email": "x"},
        "/staff/login": {"email": "nobody@forum.test", "password": "wrong wrong wrong"},
    }
    for path, data in errors.items():
        pages["POST " + path] = client.post(path, data=data).get_data(as_text=True)
    pages["/staff/login"] = client.get("/staff/login").get_data(as_text=True)

    sign_in(client, app, StaffRole.ADMIN)
    start = [path for endpoint, method, path in staff_urls(app) if method == "GET"]
    pages.update(crawl(client, ["/admin/", "/door/", *start]))
    session_edit = next(p for p in pages if p.startswith("/admin/sessions/") and p.endswith("/edit"))
    session_id = session_edit.split("/")[3]
    for path, data in {
        session_edit: {"capacity": "-1"},
        f"/admin/sessions/{session_id}/agenda/new": {},
        "/admin/exhibitors/new": {},
        "/admin/delegates/new": {"email": "broken"},
        "/admin/mail/message": {"action": "preview"},
        "/admin/staff": {"email": "x", "role": "door", "password": "short"},
    }.items():
        pages["POST " + path] = client.post(path, data=data).get_data(as_text=True)
    pages["preview"] = client.post(
        "/admin/mail/message", data={**message(app, slug="exhibition"), "action": "preview"}
    ).get_data(as_text=True)
    return pages


def test_no_page_has_inline_script_or_style(every_page):
    assert len(every_page) > 30
    problems = {url: found for url, page in every_page.items() if (found := inline_code(page))}
    assert problems == {}


def test_forms_with_errors_and_the_mail_preview_focus_them_through_a_static_script(every_page):
    for key in ("POST /register", "POST /admin/exhibitors/new", "POST /admin/mail/message", "preview"):
        assert "/static/js/focus.js" in every_page[key], key
    assert 'id="error-summary"' in every_page["POST /admin/exhibitors/new"]
    assert 'id="preview"' in every_page["preview"] and "data-autofocus" in every_page["preview"]


def test_the_dashboards_day_bars_are_meters_not_styled_spans(every_page):
    dashboard = every_page["/admin/"]
    assert '<meter class="bar" min="0"' in dashboard
