"""The JSON API contract: GET /api/v1/sessions and POST /api/v1/registrations."""

from __future__ import annotations

from .factories import CHINESE, person, register_by_api, set_session

SYMPOSIUM = "german-enterprise-symposium"


def test_sessions_lists_every_session_with_its_fill(client, forum):
    register_by_api(client, [SYMPOSIUM])
    sessions = {s["slug"]: s for s in client.get("/api/v1/sessions?lang=en").json}
    assert set(sessions) == {"opening-ceremony", SYMPOSIUM, "thematic-forum", "exhibition"}
    symposium = sessions[SYMPOSIUM]
    assert symposium["title"] == "German Enterprise Symposium"
    assert (symposium["capacity"], symposium["confirmed"], symposium["waitlisted"], symposium["seats_left"]) == (
        27,
        1,
        0,
        26,
    )
    assert symposium["starts_at"].endswith("02:30:00+00:00")  # 10:30 in Beijing
    assert sessions["exhibition"]["capacity"] is None and sessions["exhibition"]["seats_left"] is None


def test_registration_answers_201_with_statuses_and_a_manage_url(client, app, forum):
    set_session(app, SYMPOSIUM, capacity=1)
    register_by_api(client, [SYMPOSIUM])
    response = register_by_api(client, [SYMPOSIUM, "exhibition"], base=CHINESE)
    assert response.status_code == 201
    assert response.json["registrations"] == [
        {"session": SYMPOSIUM, "status": "waitlisted", "waitlist_position": 1},
        {"session": "exhibition", "status": "confirmed", "waitlist_position": None},
    ]
    manage_url = response.json["manage_url"]
    assert manage_url.startswith("http://forum.test/r/")
    page = client.get(manage_url.replace("http://forum.test", "")).get_data(as_text=True)
    assert "王小明" in page


def test_registration_needs_no_cookie_and_sets_none(app, forum):
    client = app.test_client(use_cookies=False)
    response = register_by_api(client, ["exhibition"])
    assert response.status_code == 201
    assert "Set-Cookie" not in response.headers


def test_invalid_input_answers_422_with_field_errors(client, forum):
    response = client.post(
        "/api/v1/registrations",
        json={
            "family_name": 7,
            "email": "nope",
            "country": "Germany",
            "language": "fr",
            "sessions": "exhibition",
            "consent": "yes",
        },
    )
    assert response.status_code == 422
    errors = response.json["errors"]
    assert set(errors) >= {
        "family_name",
        "given_name",
        "email",
        "country",
        "language",
        "sessions",
        "consent",
        "organisation",
    }
    assert all(isinstance(m, str) for messages in errors.values() for m in messages)


def test_missing_consent_and_unknown_or_invitation_only_sessions_are_422(client, forum):
    assert register_by_api(client, ["exhibition"], consent=False).json["errors"]["consent"]
    unknown = register_by_api(client, ["gala-dinner"])
    assert unknown.status_code == 422 and "Unknown session: gala-dinner" in unknown.json["errors"]["sessions"][0]
    invitation = register_by_api(client, ["opening-ceremony"])
    assert invitation.status_code == 422 and "by invitation only" in invitation.json["errors"]["sessions"][0]
    assert register_by_api(client, []).json["errors"]["sessions"] == ["Choose at least one session."]


def test_email_that_already_holds_the_session_answers_409(client, forum):
    payload = person()
    first = client.post("/api/v1/registrations", json={**payload, "sessions": [SYMPOSIUM]})
    assert first.status_code == 201
    again = client.post(
        "/api/v1/registrations", json={**payload, "email": payload["email"].upper(), "sessions": [SYMPOSIUM]}
    )
    assert again.status_code == 409
    assert "already registered" in again.json["errors"]["email"][0]


def test_only_json_is_accepted(client, forum):
    form = client.post("/api/v1/registrations", data={"family_name": "x"})
    assert form.status_code == 415 and "application/json" in form.json["message"]
    broken = client.post("/api/v1/registrations", data="{not json", content_type="application/json")
    assert broken.status_code == 400 and broken.json["errors"]
    array = client.post("/api/v1/registrations", json=[1, 2])
    assert array.status_code == 400


def test_lowercase_country_is_accepted_and_unknown_api_paths_are_json_404(client, forum):
    assert register_by_api(client, ["exhibition"], country="de").status_code == 201
    missing = client.get("/api/v1/nothing")
    assert missing.status_code == 404 and missing.json["error"]
