"""Check-in at the door: the scan API's answers, replayed scans, undo, and the door page."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import html5lib
import pytest
from sqlalchemy import func, select

from eventapp.extensions import db
from eventapp.models import CheckIn, Delegate, OrganisationType, Scan, StaffRole
from eventapp.services import registration as registration_service
from eventapp.services import staff as staff_service
from eventapp.services.audit import Actor
from eventapp.services.events import current_event

from .factories import CHINESE, GERMAN, register_by_api, set_session

SYMPOSIUM = "german-enterprise-symposium"
SYMPOSIUM_TITLE = "German Enterprise Symposium"
PASSWORD = "long-password-123"


def sign_in(client, app, role=StaffRole.DOOR, email="door@forum.test"):
    with app.app_context():
        if staff_service.find_user(email) is None:
            staff_service.create_user(email, role, PASSWORD)
    response = client.post("/staff/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def register(client, app, sessions, base=GERMAN, **overrides) -> str:
    """Registers a delegate through the public API; returns their badge's check-in code."""
    response = register_by_api(client, sessions, base=base, **overrides)
    assert response.status_code == 201, response.json
    with app.app_context():
        return db.session.execute(select(Delegate.checkin_code).order_by(Delegate.id.desc()).limit(1)).scalar_one()


def scan(client, code, door=SYMPOSIUM, scan_id=None, **extra):
    body = {"code": code, "session": door, **extra}
    if scan_id is not None:
        body["scan_id"] = scan_id
    return client.post("/api/v1/checkins", json=body)


def count(app, model, **where) -> int:
    with app.app_context():
        statement = select(func.count()).select_from(model)
        for name, value in where.items():
            statement = statement.where(getattr(model, name) == value)
        return db.session.execute(statement).scalar_one()


@pytest.fixture
def door(client, app, forum):
    """A client signed in as door staff, with the demo forum loaded."""
    return sign_in(client, app)


# ---- each answer a scan can get ----


def test_registered_delegate_is_let_in_with_name_organisation_and_message(door, app):
    code = register(door, app, [SYMPOSIUM], base=CHINESE)
    response = scan(door, code, scan_id="first-scan")
    assert response.status_code == 200
    answer = response.json
    assert answer["status"] == "ok"
    assert answer["delegate"]["display_name"] == "王小明 (WANG Xiaoming)"
    assert answer["delegate"]["name_native"] == "王小明"
    assert answer["delegate"]["organisation"] == "北京精工智能装备有限公司"
    assert answer["delegate"]["organisation_type_label"] == "Enterprise"
    assert answer["message"] == "Welcome: checked in."
    assert answer["checkin_id"] and answer["checked_in_at"]
    assert answer["door"] == answer["checked_in_door"] == SYMPOSIUM
    assert answer["replayed"] is False
    assert count(app, CheckIn) == 1


def test_second_scan_says_already_checked_in_with_time_and_door(door, app):
    code = register(door, app, [SYMPOSIUM])
    first = scan(door, code).json
    second = scan(door, code.lower()).json  # a typed code: case does not matter
    assert second["status"] == "already_checked_in"
    assert second["checked_in_at"] == first["checked_in_at"]
    assert second["checkin_id"] == first["checkin_id"]
    assert second["checked_in_door"] == SYMPOSIUM
    local = datetime.fromisoformat(first["checked_in_at"]).astimezone(ZoneInfo("Asia/Shanghai"))
    assert second["message"] == f"Already checked in at {local:%H:%M} ({SYMPOSIUM_TITLE})."
    assert second["delegate"]["family_name"] == "Müller-Lüdenscheidt"
    assert count(app, CheckIn) == 1


def test_delegate_of_another_session_is_not_registered_here(door, app):
    code = register(door, app, ["exhibition"])
    answer = scan(door, code).json
    assert answer["status"] == "not_registered"
    assert answer["message"] == "Not registered for this session."
    assert answer["delegate"]["given_name"] == "Jürgen"
    assert answer["checkin_id"] is None
    assert count(app, CheckIn) == 0


def test_delegate_on_the_waiting_list_is_not_let_in(door, app):
    set_session(app, SYMPOSIUM, capacity=1)
    register(door, app, [SYMPOSIUM])
    code = register(door, app, [SYMPOSIUM], base=CHINESE)
    answer = scan(door, code).json
    assert answer["status"] == "waitlisted"
    assert answer["message"] == "On the waiting list: no confirmed seat."
    assert count(app, CheckIn) == 0


def test_cancelled_registration_is_not_let_in(door, app):
    code = register(door, app, [SYMPOSIUM])
    with app.app_context():
        delegate = db.session.execute(select(Delegate).where(Delegate.checkin_code == code)).scalar_one()
        registration_service.cancel_delegate(delegate, actor=Actor.SYSTEM)
    answer = scan(door, code).json
    assert answer["status"] == "cancelled"
    assert answer["message"] == "Registration cancelled."
    assert count(app, CheckIn) == 0


def test_unknown_code_is_invalid_and_recorded_as_a_scan(door, app):
    answer = scan(door, "NOSUCHCODE42", scan_id="bad-one").json
    assert answer["status"] == "invalid"
    assert answer["delegate"] is None
    assert answer["message"] == "No delegate of this event has this code: check it, or find them by name."
    assert count(app, Scan, scan_id="bad-one") == 1


def test_entrance_admits_any_confirmed_registration(door, app):
    set_session(app, SYMPOSIUM, capacity=1)
    register(door, app, [SYMPOSIUM])
    exhibition_only = register(door, app, ["exhibition"])
    waiting_only = register(door, app, [SYMPOSIUM], base=CHINESE)
    assert scan(door, exhibition_only, door="entrance").json["status"] == "ok"
    assert scan(door, waiting_only, door="entrance").json["status"] == "waitlisted"
    again = scan(door, exhibition_only, door="entrance").json
    assert again["status"] == "already_checked_in"
    assert again["message"].endswith("(Venue entrance).")
    # The entrance and a session are separate doors.
    assert scan(door, exhibition_only, door="exhibition").json["status"] == "ok"


# ---- scanning twice, and scans sent again after the network came back ----


def test_same_scan_sent_twice_answers_the_same_and_records_one_checkin(door, app):
    code = register(door, app, [SYMPOSIUM])
    first = scan(door, code, scan_id="device-1-scan-7").json
    again = scan(door, code, scan_id="device-1-scan-7").json
    assert again["status"] == "ok"  # the first answer, not "already checked in"
    assert again["replayed"] is True
    assert {k: v for k, v in again.items() if k != "replayed"} == {k: v for k, v in first.items() if k != "replayed"}
    assert count(app, CheckIn) == 1
    assert count(app, Scan) == 1


def test_scans_queued_offline_and_sent_later_in_another_order_count_once_each(door, app):
    codes = [register(door, app, [SYMPOSIUM], email=f"queued{n}@example.de") for n in range(3)]
    scanned_at = datetime.now(UTC) - timedelta(minutes=10)
    queue = [
        {
            "scan_id": f"offline-{n}",
            "code": code,
            "scanned_at": (scanned_at + timedelta(seconds=n)).isoformat(),
        }
        for n, code in enumerate(codes)
    ]
    # The same badge scanned twice while offline: two scan ids, one check-in.
    queue.append({"scan_id": "offline-3", "code": codes[0], "scanned_at": scanned_at.isoformat()})

    first_answers = {item["scan_id"]: scan(door, **item).json for item in reversed(queue)}
    # The device did not hear the answers and sends the whole queue again, in its own order.
    second_answers = {item["scan_id"]: scan(door, **item).json for item in queue}

    statuses = sorted(a["status"] for a in first_answers.values())
    assert statuses == ["already_checked_in", "ok", "ok", "ok"]
    for scan_id, answer in second_answers.items():
        assert answer["replayed"] is True
        assert answer["status"] == first_answers[scan_id]["status"]
        assert answer["checkin_id"] == first_answers[scan_id]["checkin_id"]
    assert count(app, CheckIn) == 3
    assert count(app, Scan) == 4
    with app.app_context():
        kept = db.session.execute(select(Scan).where(Scan.scan_id == "offline-1")).scalar_one()
        assert kept.scanned_at == scanned_at + timedelta(seconds=1)


def test_undone_checkin_lets_the_delegate_be_checked_in_again(door, app):
    code = register(door, app, [SYMPOSIUM])
    first = scan(door, code).json
    undo = door.post(f"/api/v1/checkins/{first['checkin_id']}/undo", json={})
    assert undo.status_code == 200
    assert undo.json["undone_at"]
    again = scan(door, code).json
    assert again["status"] == "ok"
    assert again["checkin_id"] != first["checkin_id"]
    assert count(app, CheckIn) == 2
    with app.app_context():
        standing = db.session.execute(select(CheckIn).where(CheckIn.undone_at.is_(None))).scalars().all()
        assert [c.id for c in standing] == [again["checkin_id"]]


# ---- who may scan ----


def test_api_token_scans_without_a_session_cookie(app, forum):
    client = app.test_client()
    code = register(client, app, [SYMPOSIUM])
    with app.app_context():
        user = staff_service.create_user("scanner@forum.test", StaffRole.DOOR, PASSWORD)
        token = staff_service.create_api_token(user)
    response = client.post(
        "/api/v1/checkins",
        json={"code": code, "session": SYMPOSIUM},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200
    assert response.json["status"] == "ok"
    with app.app_context():
        checkin = db.session.execute(select(CheckIn)).scalar_one()
        assert checkin.checked_in_by.email == "scanner@forum.test"
    wrong = client.post(
        "/api/v1/checkins",
        json={"code": code, "session": SYMPOSIUM},
        headers={"Authorization": "Bearer not-a-token"},
    )
    assert wrong.status_code == 401 and wrong.headers["WWW-Authenticate"] == "Bearer"
    assert wrong.json["error"] == "Sign-in needed" and "Authorization: Bearer" in wrong.json["message"]


def test_anonymous_visitors_can_neither_scan_nor_open_the_door_pages(client, app, forum):
    code = register(client, app, [SYMPOSIUM])
    assert scan(client, code).status_code == 401
    assert client.post("/api/v1/checkins/1/undo", json={}).status_code == 401
    for path in ("/door/", f"/door/{SYMPOSIUM}", f"/door/{SYMPOSIUM}/search?q=wang"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert "/staff/login" in response.headers["Location"]
    assert count(app, CheckIn) == 0
    assert count(app, Scan) == 0


@pytest.mark.parametrize("role", [StaffRole.DOOR, StaffRole.ORGANISER, StaffRole.ADMIN])
def test_every_staff_role_may_scan(client, app, forum, role):
    code = register(client, app, [SYMPOSIUM])
    sign_in(client, app, role, email=f"{role.value}@forum.test")
    assert scan(client, code).json["status"] == "ok"
    assert client.get(f"/door/{SYMPOSIUM}").status_code == 200


def test_unknown_door_is_422_in_the_api_and_404_on_the_door_pages(door, app):
    code = register(door, app, [SYMPOSIUM])
    response = scan(door, code, door="no-such-session")
    assert response.status_code == 422
    assert "Unknown door" in response.json["errors"]["session"][0]
    assert door.get("/door/no-such-session").status_code == 404
    assert door.get("/door/no-such-session/search?q=wang").status_code == 404
    assert count(app, Scan) == 0


# ---- finding a delegate without a badge ----


def search(client, text, door=SYMPOSIUM):
    """The name search as door.js calls it."""
    response = client.get(f"/door/{door}/search", query_string={"q": text}, headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    return response.json


@pytest.mark.parametrize(
    "text", ["王小明", "小明", "wang xiaoming", "Wang Xiaoming", "wáng", "wáng xiǎomíng", "精工智能", "WANG"]
)
def test_name_search_finds_a_chinese_delegate_by_characters_pinyin_and_organisation(door, app, text):
    code = register(door, app, [SYMPOSIUM], base=CHINESE)
    register(door, app, [SYMPOSIUM])
    found = search(door, text)
    assert found["total"] == 1
    (result,) = found["results"]
    assert result["display_name"] == "王小明 (WANG Xiaoming)"
    assert result["organisation"] == "北京精工智能装备有限公司"
    assert result["checkin_code"] == code
    assert result["registration"] == "confirmed"
    assert result["checked_in"] is False


def test_name_search_shows_the_standing_at_this_door_and_checks_in_by_code(door, app):
    set_session(app, SYMPOSIUM, capacity=1)
    register(door, app, [SYMPOSIUM], email="seated@example.de", family_name="Schmidt")
    register(door, app, [SYMPOSIUM], email="waiting@example.de", family_name="Schneider")
    register(door, app, ["exhibition"], email="elsewhere@example.de", family_name="Schulz")
    standing = {r["latin_name"]: r for r in search(door, "sch")["results"]}
    assert standing["Jürgen Schmidt"]["registration"] == "confirmed"
    assert standing["Jürgen Schmidt"]["standing"] == "Registered"
    assert standing["Jürgen Schneider"]["registration"] == "waitlisted"
    assert standing["Jürgen Schulz"]["registration"] == "not_registered"
    # Choosing a result checks in through the same API call, with the delegate's code.
    assert scan(door, standing["Jürgen Schmidt"]["checkin_code"]).json["status"] == "ok"
    again = {r["latin_name"]: r for r in search(door, "schmidt")["results"]}
    assert again["Jürgen Schmidt"]["checked_in"] is True
    # At the entrance every confirmed registration counts.
    at_entrance = {r["latin_name"]: r for r in search(door, "sch", door="entrance")["results"]}
    assert at_entrance["Jürgen Schulz"]["registration"] == "confirmed"
    assert at_entrance["Jürgen Schmidt"]["checked_in"] is False


def test_name_search_gives_at_most_ten_and_nothing_for_an_empty_query(door, app, forum):
    with app.app_context():
        event = current_event()
        people = [
            registration_service.DelegateDetails.from_mapping(
                {
                    **GERMAN,
                    "organisation_type": OrganisationType.ENTERPRISE,
                    "family_name": f"Becker{n:02d}",
                    "email": f"becker{n}@example.de",
                }
            )
            for n in range(12)
        ]
        registration_service.register_many(event, people, ["exhibition"], actor=Actor.SYSTEM, by_staff=True)
    found = search(door, "becker", door="exhibition")
    assert found["total"] == 12
    assert len(found["results"]) == 10
    assert search(door, "   ") == {"results": [], "total": 0}


def schmidts_at_the_symposium(door, app) -> dict[str, str]:
    """Six people called Schmidt (or nearly) and their standing at the symposium's door;
    returns their badge codes by given name."""
    codes = {
        "Aaron": register(
            door, app, ["exhibition"], email="aaron@example.de", family_name="Schmidt", given_name="Aaron"
        ),
        "Anna": register(door, app, [SYMPOSIUM], email="anna@example.de", family_name="Schmidtke", given_name="Anna"),
        "Berta": register(door, app, [SYMPOSIUM], email="berta@example.de", family_name="Schmidt", given_name="Berta"),
        "Klaus": register(
            door, app, [SYMPOSIUM], email="klaus@example.de", family_name="Goldschmidt", given_name="Klaus"
        ),
        "Dora": register(door, app, [SYMPOSIUM], email="dora@example.de", family_name="Schmidt", given_name="Dora"),
    }
    with app.app_context():
        dora = db.session.execute(select(Delegate).where(Delegate.checkin_code == codes["Dora"])).scalar_one()
        registration_service.cancel_delegate(dora, actor=Actor.SYSTEM)
    set_session(app, SYMPOSIUM, capacity=3)  # Anna, Berta and Klaus: the symposium is full
    codes["Carl"] = register(door, app, [SYMPOSIUM], email="carl@example.de", family_name="Schmidt", given_name="Carl")
    return codes


def test_name_search_lists_people_with_a_seat_here_first_best_match_first(door, app):
    schmidts_at_the_symposium(door, app)
    found = search(door, "schmidt")
    assert found["total"] == 6
    assert [(r["latin_name"], r["admitted"]) for r in found["results"]] == [
        ("Berta Schmidt", True),  # the family name as typed
        ("Anna Schmidtke", True),  # the start of a name
        ("Klaus Goldschmidt", True),  # inside a name
        ("Aaron Schmidt", False),
        ("Carl Schmidt", False),
        ("Dora Schmidt", False),
    ]


def test_name_search_keeps_a_seated_delegate_among_the_ten_shown(door, app, forum):
    with app.app_context():
        event = current_event()

        def becker(n: int):
            return registration_service.DelegateDetails.from_mapping(
                {
                    **GERMAN,
                    "organisation_type": OrganisationType.ENTERPRISE,
                    "family_name": f"Becker{n:02d}",
                    "email": f"becker{n}@example.de",
                }
            )

        registration_service.register_many(
            event, [becker(n) for n in range(12)], ["exhibition"], actor=Actor.SYSTEM, by_staff=True
        )
        registration_service.register_many(event, [becker(99)], [SYMPOSIUM], actor=Actor.SYSTEM, by_staff=True)
    found = search(door, "becker")
    assert found["total"] == 13
    assert len(found["results"]) == 10
    assert found["results"][0]["latin_name"] == "Jürgen Becker99"
    assert [r["may_check_in"] for r in found["results"]] == [True] + [False] * 9


def test_name_search_says_in_words_who_has_no_seat_and_offers_no_check_in_for_them(door, app):
    codes = schmidts_at_the_symposium(door, app)
    found = {r["latin_name"]: r for r in search(door, "schmidt")["results"]}
    for name in ("Berta Schmidt", "Anna Schmidtke", "Klaus Goldschmidt"):
        assert found[name]["standing"] == "Registered"
        assert found[name]["status"] == "ok"
        assert found[name]["may_check_in"] is True
    refused = {
        "Aaron Schmidt": ("not_registered", "Not registered for this session."),
        "Carl Schmidt": ("waitlisted", "On the waiting list: no confirmed seat."),
        "Dora Schmidt": ("cancelled", "Registration cancelled."),
    }
    for name, (status, words) in refused.items():
        assert (found[name]["status"], found[name]["standing"]) == (status, words)
        assert found[name]["may_check_in"] is False
    # Someone checked in already is told when, and gets no second check-in.
    first = scan(door, codes["Berta"]).json
    local = datetime.fromisoformat(first["checked_in_at"]).astimezone(ZoneInfo("Asia/Shanghai"))
    berta = search(door, "berta schmidt")["results"][0]
    assert berta["status"] == "already_checked_in"
    assert berta["standing"] == f"Already checked in at {local:%H:%M} ({SYMPOSIUM_TITLE})."
    assert berta["may_check_in"] is False and berta["checked_in_at"] == first["checked_in_at"]


def test_door_refuses_to_check_in_anyone_found_without_a_seat(door, app):
    codes = schmidts_at_the_symposium(door, app)
    answers = {name: scan(door, codes[name]).json for name in ("Aaron", "Carl", "Dora")}
    assert {name: a["status"] for name, a in answers.items()} == {
        "Aaron": "not_registered",
        "Carl": "waitlisted",
        "Dora": "cancelled",
    }
    assert all(a["checkin_id"] is None for a in answers.values())
    # The page's own check-in form (without JavaScript) goes through the same rule.
    refused = door.post(f"/door/{SYMPOSIUM}/checkins", data={"code": codes["Aaron"]}, follow_redirects=True)
    assert "Not registered for this session." in refused.get_data(as_text=True)
    assert count(app, CheckIn) == 0


def result_items(text: str) -> list[tuple[str, str]]:
    """(status, inner HTML) of each name search result on a page."""
    return re.findall(r'<li class="result result-(\w+)">(.*?)</li>', text, re.S)


def test_name_search_without_javascript_shows_the_door_page_with_the_results(door, app):
    codes = schmidts_at_the_symposium(door, app)
    response = door.get(f"/door/{SYMPOSIUM}/search", query_string={"q": "schmidt"}, headers={"Accept": "text/html"})
    assert response.status_code == 200 and response.mimetype == "text/html"
    text = response.get_data(as_text=True)
    html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(text)
    assert "6 delegates found" in text
    assert 'value="schmidt"' in text
    items = result_items(text)
    assert [status for status, _ in items] == ["ok", "ok", "ok", "not_registered", "waitlisted", "cancelled"]
    for status, item in items:
        assert ("<form" in item) == (status == "ok"), item
    assert text.index("Found, but without a seat at this door:") > text.index("Klaus Goldschmidt")
    for name in ("Aaron", "Carl", "Dora"):
        assert codes[name] not in text  # no form carries their code
    assert "Not registered for this session." in text and "Registration cancelled." in text

    checked_in = door.post(f"/door/{SYMPOSIUM}/checkins", data={"code": codes["Anna"]}, follow_redirects=True)
    assert "Welcome: checked in." in checked_in.get_data(as_text=True)
    assert count(app, CheckIn) == 1
    again = door.get(f"/door/{SYMPOSIUM}/search", query_string={"q": "anna"}).get_data(as_text=True)
    ((status, item),) = result_items(again)
    assert status == "already_checked_in" and "<form" not in item and "Already checked in at" in item


def test_name_search_answers_bad_input_in_json_to_the_script_and_with_a_page_to_a_browser(door):
    path = f"/door/{SYMPOSIUM}/search"
    answer = door.get(path, query_string={"q": "wang\x00"}, headers={"Accept": "application/json"})
    assert answer.status_code == 400 and answer.is_json
    assert "cannot be stored" in answer.json["errors"]["q"][0]
    page = door.get(path, query_string={"q": "wang\x00"}, headers={"Accept": "text/html,*/*;q=0.8"})
    assert page.status_code == 400 and page.mimetype == "text/html"
    assert "cannot be stored" in page.get_data(as_text=True)
    # An over-long query (the field takes 100 characters) is cut, not refused.
    assert search(door, "x" * 5000) == {"results": [], "total": 0}


# ---- the door page ----


class PageFields(HTMLParser):
    def __init__(self):
        super().__init__()
        self.labels, self.fields, self.ids, self.live = {}, [], [], []
        self._label_for = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if "id" in attributes:
            self.ids.append(attributes["id"])
        if tag == "label":
            self._label_for = attributes.get("for")
            self.labels[self._label_for] = ""
        if tag == "input" and attributes.get("type") != "hidden":
            self.fields.append(attributes)
        if "aria-live" in attributes:
            self.live.append(attributes)

    def handle_data(self, data):
        if self._label_for is not None:
            self.labels[self._label_for] += data

    def handle_endtag(self, tag):
        if tag == "label":
            self._label_for = None


def door_config(text: str) -> dict:
    match = re.search(r'<script type="application/json" id="door-config">(.*?)</script>', text, re.S)
    return json.loads(match.group(1))


@pytest.mark.parametrize("language", ["en", "de", "zh"])
def test_door_page_is_valid_html_with_a_labelled_code_field(door, language):
    door.get(f"/language/{language}")
    response = door.get(f"/door/{SYMPOSIUM}")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(text)
    page = PageFields()
    page.feed(text)
    assert len(page.ids) == len(set(page.ids))
    for field in page.fields:
        assert field.get("id") in page.labels, field
    code_field = next(f for f in page.fields if f.get("name") == "code")
    assert "autofocus" in code_field
    if language == "en":
        assert page.labels[code_field["id"]].strip() == "Badge code"
        assert SYMPOSIUM_TITLE in text
    assert page.live and page.live[0]["aria-live"] == "assertive"
    assert "css/door.css" in text and "js/door.js" in text
    config = door_config(text)
    assert config["door"] == SYMPOSIUM
    assert config["urls"]["checkins"] == "/api/v1/checkins"
    assert config["urls"]["undo"] == "/api/v1/checkins/{id}/undo"
    assert config["urls"]["reader"].startswith("/static/vendor/")
    assert config["urls"]["reader_wasm"] == "/static/vendor/zxing-wasm/zxing_reader.wasm"
    assert config["language"] == language


def test_door_page_gives_its_script_every_text_it_shows(door):
    config = door_config(door.get("/door/entrance").get_data(as_text=True))
    texts = config["texts"]
    statuses = {"ok", "already_checked_in", "not_registered", "waitlisted", "cancelled", "invalid"}
    assert statuses <= set(texts["status"])
    assert texts["offline_banner"]["one"] == "Offline — {n} scan waiting"
    assert texts["offline_banner"]["other"] == "Offline — {n} scans waiting"

    def strings(value):
        if isinstance(value, dict):
            for inner in value.values():
                yield from strings(inner)
        else:
            yield value

    assert all(isinstance(s, str) and s.strip() for s in strings(texts))


def test_door_choice_lists_the_entrance_and_every_session(door):
    text = door.get("/door/").get_data(as_text=True)
    assert 'href="/door/entrance"' in text
    assert f'href="/door/{SYMPOSIUM}"' in text


def test_a_scan_before_any_event_exists_is_404_and_records_nothing(client, app):
    """The current event is read with the scan's context: none at all is a 404, not a 500."""
    door = sign_in(client, app)
    answer = scan(door, "ABCDEFGHJKMN", scan_id="no-event-yet")
    assert answer.status_code == 404 and answer.json["error"]
    assert count(app, Scan) == 0
