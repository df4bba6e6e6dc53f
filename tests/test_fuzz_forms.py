"""Hypothesis over every public HTML form: whatever is typed into any field (control
characters, NUL, lone surrogates sent as broken UTF-8, very long text, any script), the
answer is never a server error; a form sent back with errors (422) shows the entries again,
as the form normalises them (one line, no control characters); and the language switcher
never redirects off the site.

CSRF is on here (the test app turns it off elsewhere): `csrf_token` is fuzzed like any field,
half of the time with the real token, so the forms also succeed and change the database.
Derandomized, without a Hypothesis database, so a run is repeatable.
"""

from __future__ import annotations

import importlib
import itertools
import re
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import html5lib
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from eventapp.extensions import db
from eventapp.models import Registration
from eventapp.public.forms import DelegateDetailsForm, LostLinkForm, RegistrationForm

from .factories import register_by_api

FUZZ = settings(
    max_examples=100,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
PUBLIC_SESSIONS = ["german-enterprise-symposium", "exhibition"]
SESSIONS = [*PUBLIC_SESSIONS, "opening-ceremony", "thematic-forum", "gala-dinner"]
HOSTILE = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\x00" * 50,
    "\ud800",
    "x\udfffy",
    "\r\n",
    "\t",
    "\x1b[31m",
    "\x7f\x85\x9f",
    "\u2028\u2029",
    "\u202eevil",
    "\ufeff",
    "\uffff",
    "\U0010ffff",
    "𠀀𪚥",
    "王小明",
    "Müller-Lüdenscheidt",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "{{ 7*7 }}",
    "' OR 1=1 --",
    "%00",
    "%ED%A0%80",
    "../../etc/passwd",
    "a" * 101,
    "x" * 255,
    "@",
    "a@b",
    "+86 10 1234 5678",
    "EU",
    "exhibitor",
    "staff",
    "false",
    "y",
]
TEXT = st.one_of(
    st.text(max_size=30),  # any code point but surrogates
    st.text(st.characters(max_codepoint=0xA0), max_size=20),  # ASCII with C0 and C1 controls, NUL
    st.sampled_from(HOSTILE),
    st.builds(lambda piece, times: piece * times, st.text(min_size=1, max_size=3), st.integers(30, 3000)),
    st.lists(st.sampled_from(HOSTILE), min_size=2, max_size=4).map("".join),
)
_emails = itertools.count(1)
EMAIL = st.builds(lambda: f"fuzz{next(_emails)}@example.de")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
importlib.import_module("werkzeug.urls")  # registers the "werkzeug.url_quote" decoding error handler

DETAILS = {
    "family_name": st.sampled_from(["Müller", "Wang"]),
    "given_name": st.sampled_from(["Jürgen", "Xiaoming"]),
    "name_native": st.sampled_from(["王小明", "欧阳娜娜", ""]),
    "native_name_order": st.sampled_from(["family_first", "given_first"]),
    "organisation": st.sampled_from(["Weiß & Söhne GmbH", "北京精工"]),
    "position": st.sampled_from(["", "CEO"]),
    "organisation_type": st.sampled_from(["enterprise", "press"]),
    "country": st.sampled_from(["DE", "cn", " de "]),
    "email": EMAIL,
    "phone": st.sampled_from(["", "+49 30 1234567"]),
    "language": st.sampled_from(["zh", "de", "en"]),
}
ONE_LINE_FIELDS = ("family_name", "given_name", "name_native", "organisation", "position", "email", "phone")
SELECT_DEFAULTS = {
    "native_name_order": "family_first",
    "organisation_type": "enterprise",
    "language": "en",
    "country": None,
}


def value(plausible=None):
    """Left out, any text, or a plausible value."""
    return st.one_of(st.none(), TEXT, plausible) if plausible is not None else st.one_of(st.none(), TEXT)


ANY_SESSIONS = st.lists(st.one_of(st.sampled_from(SESSIONS), TEXT), max_size=3)
GOOD_SESSIONS = st.lists(st.sampled_from(PUBLIC_SESSIONS), min_size=1, max_size=2, unique=True)


@st.composite
def fields(draw, spec: dict, csrf_token: str) -> list[tuple[str, str]]:
    """A form's fields in a random order. Half of the forms are filled in properly but for at
    most one field (left out or any text); the others anyhow, maybe with fields no form has."""
    spec = {**spec, "csrf_token": st.just(csrf_token)}
    hostile = None if draw(st.booleans()) else draw(st.sets(st.sampled_from(sorted(spec)), max_size=1))
    pairs = []
    for name, plausible in spec.items():
        if name == "sessions":
            anyhow = hostile is None or name in hostile
            pairs += [(name, slug) for slug in draw(ANY_SESSIONS if anyhow else GOOD_SESSIONS)]
            continue
        if hostile is None:
            item = draw(value(plausible))
        else:
            item = draw(value() if name in hostile else plausible)
        if item is not None:
            pairs.append((name, item))
    if hostile is None:
        pairs += draw(st.lists(st.tuples(TEXT, TEXT), max_size=2))
    return draw(st.permutations(pairs))


def encode(pairs) -> tuple[str, MultiDict]:
    """The body as a browser with broken encoding sends it (lone surrogates become invalid
    UTF-8), and the fields as the server reads them back."""
    body = urlencode(pairs, errors="surrogatepass")
    return body, as_received(body)


def as_received(encoded: str) -> MultiDict:
    """Fields as werkzeug reads them: a %XX sequence that is not UTF-8 stays as its text."""
    return MultiDict(parse_qsl(encoded, keep_blank_values=True, errors="werkzeug.url_quote"))


def post(client, path: str, pairs):
    body, received = encode(pairs)
    response = client.post(path, data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code < 500, f"POST {path} with {pairs!r} answered {response.status_code}"
    return response, received


def one_line(text: str | None) -> str:
    return " ".join(_CONTROL.sub(" ", text).split()) if text else ""


def as_parsed(text: str) -> str:
    """What an HTML parser reads back from an attribute (line breaks normalised)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "\ufffd")


def shown(response) -> tuple[dict[str, str], dict[str, set[str]], dict[str, set[str]]]:
    """The page's text inputs (name -> value), the checked boxes and selected options per name,
    and the options of each select."""
    document = html5lib.parse(response.get_data(as_text=True), namespaceHTMLElements=False)
    values, chosen, offered = {}, {}, {}
    for element in document.iter("input"):
        name, kind = element.get("name"), element.get("type", "text")
        if kind in ("checkbox", "radio"):
            chosen.setdefault(name, set())
            if element.get("checked") is not None:
                chosen[name].add(element.get("value"))
        elif kind != "hidden":
            values[name] = element.get("value", "")
    for select_element in document.iter("select"):
        name = select_element.get("name")
        offered[name] = {option.get("value") for option in select_element.iter("option")}
        chosen[name] = {
            option.get("value") for option in select_element.iter("option") if option.get("selected") is not None
        }
    return values, chosen, offered


def assert_details_shown_again(page, received: MultiDict) -> None:
    """Every entry of the delegate's details is on the page again, as the form normalises it."""
    values, chosen, offered = page
    names_filled_in = not one_line(received.get("family_name")) and not one_line(received.get("given_name"))
    for name in ONE_LINE_FIELDS:
        if names_filled_in and name in ("family_name", "given_name"):
            continue  # replaced by the pinyin of name_native, for the delegate to check
        assert values[name] == one_line(received.get(name)), (name, received.get(name))
    for name, default in SELECT_DEFAULTS.items():
        sent = received.get(name)
        if name == "country" and sent is not None:
            sent = sent.strip().upper()
        expected = {sent if sent is not None else default} & offered[name]
        assert chosen[name] == expected, (name, received.get(name))


@pytest.fixture
def browser(app, forum):
    """A client with CSRF checks on, and the token its session's forms carry."""
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    page = client.get("/register").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    return client, token


@pytest.fixture
def delegate(app, forum) -> tuple[str, list[int]]:
    """A registered delegate's private token and their registrations' ids."""
    response = register_by_api(app.test_client(), PUBLIC_SESSIONS)
    assert response.status_code == 201
    token = urlsplit(response.json["manage_url"]).path.split("/")[2]
    with app.app_context():
        ids = db.session.execute(select(Registration.id).order_by(Registration.id)).scalars().all()
    return token, ids


def test_the_fuzzed_fields_are_the_forms_fields(app):
    with app.test_request_context():
        assert set(RegistrationForm(meta={"csrf": False})._fields) == {*DETAILS, "sessions", "consent"}
        assert set(DelegateDetailsForm(meta={"csrf": False})._fields) == set(DETAILS)
        assert set(LostLinkForm(meta={"csrf": False})._fields) == {"email"}
        assert set(ONE_LINE_FIELDS) | set(SELECT_DEFAULTS) == set(DETAILS)


@FUZZ
@given(data=st.data())
def test_registration_form(browser, data):
    client, token = browser
    pairs = data.draw(fields({**DETAILS, "sessions": None, "consent": st.just("y")}, token))
    response, received = post(client, "/register", pairs)
    if response.status_code == 302:
        assert "/confirmation" in response.headers["Location"]
    if response.status_code == 422 and response.mimetype == "text/html":
        page = shown(response)
        assert_details_shown_again(page, received)
        _values, chosen, _offered = page
        assert chosen["sessions"] == set(received.getlist("sessions")) & set(PUBLIC_SESSIONS)
        assert bool(chosen["consent"]) == (received.get("consent") not in (None, "", "false"))


@FUZZ
@given(data=st.data())
def test_lost_link_form(browser, data):
    client, token = browser
    pairs = data.draw(fields({"email": st.one_of(EMAIL, st.just(" Nobody@Example.de "))}, token))
    response, received = post(client, "/r/lost", pairs)
    assert response.status_code in (200, 400, 413, 422)
    if response.status_code == 422 and response.mimetype == "text/html":
        values, _chosen, _offered = shown(response)
        assert values["email"] == as_parsed((received.get("email") or "").strip())


def private_path(data, real_token: str, suffix: str) -> str:
    token = data.draw(st.integers(0, 9).flatmap(lambda n: TEXT.filter(bool) if n == 0 else st.just(real_token)))
    return f"/r/{quote(token, safe='', errors='surrogatepass')}{suffix}"


@FUZZ
@given(data=st.data())
def test_edit_details_form(browser, delegate, data):
    client, csrf_token = browser
    path = private_path(data, delegate[0], "/edit")
    response, received = post(client, path, data.draw(fields(DETAILS, csrf_token)))
    if response.status_code == 302:
        assert urlsplit(response.headers["Location"]).path == f"/r/{delegate[0]}"
    if response.status_code == 422 and response.mimetype == "text/html":
        assert_details_shown_again(shown(response), received)


@FUZZ
@given(data=st.data())
def test_add_session_form(browser, delegate, data):
    client, csrf_token = browser
    path = private_path(data, delegate[0], "/sessions")
    response, _received = post(client, path, data.draw(fields({"session": st.sampled_from(SESSIONS)}, csrf_token)))
    assert response.status_code in (302, 400, 404, 413), response.status_code


@FUZZ
@given(data=st.data())
def test_cancel_one_registration_form(browser, delegate, data):
    client, csrf_token = browser
    registration_id = data.draw(
        st.one_of(st.sampled_from(delegate[1]), st.integers(0, 2**31 + 10), st.integers(min_value=0))
    )
    path = private_path(data, delegate[0], f"/registrations/{registration_id}/cancel")
    response, _received = post(client, path, data.draw(fields({}, csrf_token)))
    assert response.status_code in (302, 400, 404, 413), response.status_code


@FUZZ
@given(data=st.data())
def test_cancel_everything_form(browser, delegate, data):
    client, csrf_token = browser
    path = private_path(data, delegate[0], "/cancel")
    response, _received = post(client, path, data.draw(fields({}, csrf_token)))
    assert response.status_code in (200, 302, 400, 404, 413), response.status_code


def query(pairs) -> str:
    return urlencode(pairs, errors="surrogatepass")


@FUZZ
@given(
    sessions=st.lists(st.one_of(st.sampled_from(SESSIONS), TEXT), max_size=4),
    lang=value(st.sampled_from(["zh", "de", "en"])),
)
def test_registration_form_preselects_sessions_from_the_address(browser, sessions, lang):
    client, _token = browser
    pairs = [("session", s) for s in sessions] + ([("lang", lang)] if lang is not None else [])
    path = "/register?" + query(pairs)
    response = client.get(path)
    assert response.status_code in (200, 400), (path, response.status_code)
    if response.status_code == 200:
        received = as_received(query(pairs))
        _values, chosen, _offered = shown(response)
        assert chosen["sessions"] == set(received.getlist("session")) & set(PUBLIC_SESSIONS)


@FUZZ
@given(
    code=value(st.sampled_from(["zh", "de", "en"])),
    target=value(
        st.sampled_from(
            ["/", "/register?session=exhibition", "//evil.example", "/\\evil.example", "https://evil.example/"]
        )
    ),
)
def test_language_switch_redirects_only_within_the_site(browser, code, target):
    client, _token = browser
    path = "/language/" + quote(code or "en", safe="", errors="surrogatepass")
    if target is not None:
        path += "?" + query([("next", target)])
    response = client.get(path)
    assert response.status_code in (302, 400, 404), (path, response.status_code)
    if response.status_code == 302:
        location = response.headers["Location"]
        # As a browser reads it: backslashes are slashes, tabs and line breaks are dropped.
        as_read = re.sub(r"[\t\n\r]", "", location.replace("\\", "/"))
        assert urlsplit(as_read).netloc in ("", "forum.test"), (path, location)
        assert as_read.startswith("/") or urlsplit(as_read).netloc == "forum.test", (path, location)
