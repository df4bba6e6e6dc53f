"""What a delegate sees: the programme, the registration form, the private link."""

from __future__ import annotations

import re

from sqlalchemy import select

from eventapp.extensions import db
from eventapp.models import Delegate, OutboxMail

from .factories import CHINESE, GERMAN, form_data, person, register_by_api, seats, set_session

SYMPOSIUM = "german-enterprise-symposium"


def text_of(response) -> str:
    return response.get_data(as_text=True)


def manage_path(response) -> str:
    """The private link from an API answer, as a path."""
    return "/" + response.json["manage_url"].split("/", 3)[3]


def test_programme_shows_the_forum_its_sessions_and_seats_left(client, forum):
    page = text_of(client.get("/?lang=en"))
    assert "Beijing China-Germany Forum for Industrial Cooperation and Development" in page
    assert "Beijing China-Germany International Conference and Exhibition Center" in page
    assert "Joint Innovation, Integrated Development" in page
    for title in ("Opening Ceremony", "German Enterprise Symposium", "Thematic Forum", "Hidden Champions"):
        assert title in page
    assert "Beijing Municipal Bureau of Economy and Information Technology" in page
    assert "Beijing Municipal Commerce Bureau" in page
    assert "Development Report" in page
    assert "10:30" in page  # the symposium starts at 10:30 Beijing time
    assert re.search(r"Seats left:\s*<strong data-seats-left>27</strong>\s*/\s*27", page)
    assert page.count("By invitation") == 2


def test_seats_left_falls_as_delegates_register(client, forum):
    for _ in range(3):
        assert register_by_api(client, [SYMPOSIUM]).status_code == 201
    page = text_of(client.get("/?lang=en"))
    assert re.search(r"<strong data-seats-left>24</strong>\s*/\s*27", page)


def test_exhibition_page_lists_exhibitors_by_theme(client, forum):
    page = text_of(client.get("/sessions/exhibition?lang=en"))
    assert "New Energy Intelligent Vehicles" in page or "new energy" in page.lower()
    assert "Booth A01" in page


def test_registration_form_confirms_and_gives_a_private_link(client, forum):
    payload = person(GERMAN)
    response = client.post("/register", data=form_data(payload, [SYMPOSIUM, "exhibition"]))
    assert response.status_code == 302
    confirmation = client.get(response.headers["Location"] + "?lang=en")
    page = text_of(confirmation)
    assert "Confirmed" in page and "German Enterprise Symposium" in page
    link = re.search(r'value="(http://forum.test/r/[A-Za-z0-9_-]{43,})"', page).group(1)
    manage = text_of(client.get(link.replace("http://forum.test", "") + "?lang=en"))
    assert "Müller-Lüdenscheidt" in manage and "Weiß &amp; Söhne Präzisionstechnik GmbH" in manage


def test_form_with_errors_keeps_what_the_delegate_typed(client, forum):
    data = form_data(person(CHINESE, email="not-an-email"), [])
    del data["consent"]
    response = client.post("/register?lang=en", data=data)
    page = text_of(response)
    assert response.status_code == 422
    assert "Please correct the following" in page
    assert "Choose at least one session." in page
    assert "Invalid email address." in page
    assert "Your consent is needed to register." in page
    assert 'value="王小明"' in page and 'value="北京精工智能装备有限公司"' in page
    assert 'value="not-an-email"' in page


def test_full_session_puts_the_form_registrant_on_the_waiting_list_with_position(client, app, forum):
    set_session(app, SYMPOSIUM, capacity=1)
    register_by_api(client, [SYMPOSIUM])
    response = client.post("/register", data=form_data(person(), [SYMPOSIUM]))
    page = text_of(client.get(response.headers["Location"] + "?lang=en"))
    assert "On the waiting list, position 1" in page


def test_registering_again_mails_the_link_and_points_to_it(app, client, forum):
    payload = person()
    client.post("/register", data=form_data(payload, ["exhibition"]))
    again = client.post("/register?lang=en", data=form_data(payload, [SYMPOSIUM]))
    assert again.status_code == 422
    page = text_of(again)
    assert "You have already registered with this email address. We are mailing you your private link again" in page
    assert 'id="email-error"' in page  # under the email field, not under "Sessions"
    assert 'href="/r/lost">Get the link to your registration again</a>' in page
    with app.app_context():
        assert len(db.session.execute(select(Delegate)).scalars().all()) == 1
        kinds = [m.kind.value for m in db.session.execute(select(OutboxMail).order_by(OutboxMail.id)).scalars()]
    assert kinds == ["received", "private_link"]


def test_registration_closed_is_explained_on_the_form(client, app, forum):
    from datetime import timedelta

    from eventapp.models import utcnow

    set_session(app, SYMPOSIUM, registration_closes_at=utcnow() - timedelta(hours=1))
    response = client.post("/register?lang=en", data=form_data(person(), [SYMPOSIUM]))
    assert response.status_code == 422
    assert "Registration for German Enterprise Symposium has closed." in text_of(response)


def test_wrong_or_old_private_link_gives_a_404_page(client, forum):
    response = client.get("/r/not-a-real-token")
    assert response.status_code == 404
    assert "Page not found" in text_of(response) and "<html" in text_of(response)


def test_delegate_edits_details_through_the_private_link(client, app, forum):
    path = manage_path(register_by_api(client, [SYMPOSIUM]))
    form = client.get(path + "/edit?lang=en")
    assert 'value="Müller-Lüdenscheidt"' in text_of(form)
    data = form_data(person(CHINESE, email="new@example.cn"), [])
    del data["sessions"]
    response = client.post(path + "/edit", data=data)
    assert response.status_code == 302
    page = text_of(client.get(path + "?lang=en"))
    assert "王小明" in page and "new@example.cn" in page and "Your details have been saved." in page


def test_edit_with_errors_re_renders_with_entries(client, forum):
    path = manage_path(register_by_api(client, [SYMPOSIUM]))
    data = form_data(person(GERMAN, email="broken"), [])
    data["family_name"] = ""
    response = client.post(path + "/edit?lang=en", data=data)
    assert response.status_code == 422
    assert "This field is required." in text_of(response) and 'value="broken"' in text_of(response)


def test_delegate_adds_a_session_then_cancels_one_then_everything(client, app, forum):
    path = manage_path(register_by_api(client, [SYMPOSIUM]))
    client.post(path + "/sessions?lang=en", data={"session": "exhibition"})
    page = text_of(client.get(path + "?lang=en"))
    assert "Special Exhibition of Hidden Champions: your seat is confirmed." in page
    with app.app_context():
        delegate = db.session.execute(select(Delegate)).scalar_one()
        symposium_id = next(r.id for r in delegate.registrations if r.session.slug == SYMPOSIUM)
    # The page's Cancel is a link to a question first; the seat stays until it is answered.
    manage_page = text_of(client.get(path + "?lang=en"))
    assert f'href="{path}/registrations/{symposium_id}/cancel"' in manage_page
    question = text_of(client.get(f"{path}/registrations/{symposium_id}/cancel?lang=en"))
    assert "Cancel your registration for German Enterprise Symposium?" in question
    assert "Yes, cancel this session" in question and "No, keep my registration" in question
    assert seats(app, SYMPOSIUM)["cancelled"] == 0
    client.post(f"{path}/registrations/{symposium_id}/cancel")
    assert seats(app, SYMPOSIUM)["cancelled"] == 1
    assert "Cancel everything" in text_of(client.get(path + "/cancel?lang=en"))
    client.post(path + "/cancel")
    assert seats(app, "exhibition")["cancelled"] == 1
    page = text_of(client.get(path + "?lang=en"))
    assert page.count("Cancelled") >= 2


def test_cancel_on_the_private_link_promotes_the_waiting_delegate(client, app, forum):
    set_session(app, SYMPOSIUM, capacity=1)
    first = manage_path(register_by_api(client, [SYMPOSIUM]))
    second = manage_path(register_by_api(client, [SYMPOSIUM]))
    assert "On the waiting list, position 1" in text_of(client.get(second + "?lang=en"))
    client.post(first + "/cancel")
    assert "Confirmed" in text_of(client.get(second + "?lang=en"))


def test_someone_elses_registration_cannot_be_cancelled(client, app, forum):
    mine = manage_path(register_by_api(client, [SYMPOSIUM]))
    register_by_api(client, [SYMPOSIUM])
    with app.app_context():
        other_id = max(d.registrations[0].id for d in db.session.execute(select(Delegate)).scalars())
    assert client.post(f"{mine}/registrations/{other_id}/cancel").status_code == 404
    assert seats(app, SYMPOSIUM)["confirmed"] == 2


def test_private_pages_are_not_cached_or_leaked_in_referers(client, forum):
    path = manage_path(register_by_api(client, [SYMPOSIUM]))
    response = client.get(path)
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"


def test_language_switcher_is_remembered_and_sets_html_lang(client, forum):
    assert '<html lang="en">' in text_of(client.get("/"))
    client.get("/language/de?next=/")
    assert '<html lang="de">' in text_of(client.get("/"))
    client.get("/language/zh?next=/")
    page = text_of(client.get("/"))
    assert '<html lang="zh-CN">' in page and "北京中德产业合作发展论坛" in page
    assert client.get("/language/en?next=https://evil.example").headers["Location"] == "/"


def test_browser_language_is_used_when_nothing_was_chosen(client, forum):
    page = text_of(client.get("/", headers={"Accept-Language": "de-DE,de;q=0.9"}))
    assert '<html lang="de">' in page


def test_unexpected_error_gives_a_styled_500_page(client, app, forum, monkeypatch):
    from eventapp.services import registration

    def broken(*args, **kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(registration, "session_fill", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.get("/?lang=en")
    assert response.status_code == 500
    assert "Something went wrong" in text_of(response) and "database on fire" not in text_of(response)


def test_form_survives_an_expired_csrf_token_without_losing_entries(app, forum):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    data = form_data(person(CHINESE), [SYMPOSIUM])
    response = client.post("/register?lang=en", data={**data, "csrf_token": "stale"})
    assert response.status_code == 422
    page = text_of(response)
    assert "The form had expired" in page and 'value="王小明"' in page


def test_every_page_has_a_description_and_the_site_an_icon(client, forum):
    page = client.get("/?lang=en").get_data(as_text=True)
    assert (
        '<meta name="description" content="Programme, registration and private pages for the delegates of Beijing China-Germany Forum'
        in page
    )
    assert '<link rel="icon" href="/static/img/favicon.ico"' in page
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.data.startswith(b"\x00\x00\x01\x00")  # an ICO file
    assert client.get("/static/img/favicon.ico").status_code == 200


def test_a_full_session_is_amber_on_the_form_as_on_the_programme(app, client, forum):
    set_session(app, "german-enterprise-symposium", capacity=0)
    page = client.get("/register?lang=en").get_data(as_text=True)
    assert '<span class="seat-note seat-note-full">Full: you will join the waiting list</span>' in page
    css = client.get("/static/css/site.css").get_data(as_text=True)
    assert ".seat-note-full { color: var(--warn); }" in css


def test_an_address_with_an_umlaut_before_the_at_is_refused_with_the_reason(app, client, forum):
    response = client.post("/register?lang=en", data=form_data(person(email="müller@example.de"), ["exhibition"]))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Before the @, use Latin letters without accents or umlauts (for example mueller@example.de" in page
    assert "Invalid email address" not in page
    api = register_by_api(client, ["exhibition"], email="jürgen@example.de")
    assert api.status_code == 422 and "Before the @" in api.json["errors"]["email"][0]
    # An umlaut in the domain is fine: it is sent as its IDNA form.
    assert register_by_api(client, ["exhibition"], email="info@müller.de").status_code == 201


def test_characters_no_badge_font_has_are_refused_with_the_characters_named(app, client, forum):
    entries = person(given_name="Max 😀", organisation="Rocket 🚀 GmbH", name_native="Max")
    response = client.post("/register?lang=en", data=form_data(entries, ["exhibition"]))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Badges cannot print 😀. Please leave it out or write it in letters." in page
    assert "Badges cannot print 🚀." in page
    assert 'value="Rocket 🚀 GmbH"' in page  # the entries are kept to be corrected
    several = register_by_api(client, ["exhibition"], family_name="Müller🎉🎈")
    assert several.status_code == 422
    assert several.json["errors"]["family_name"] == [
        "Badges cannot print these characters: 🎉 🎈. Please leave them out or write them in letters."
    ]
    # What the badge fonts have is taken: umlauts, ß, Chinese, Greek, Cyrillic, Vietnamese.
    kept = register_by_api(
        client,
        ["exhibition"],
        family_name="Straße-Ünal",
        given_name="Ελένη Олег Nguyễn",
        name_native="王小明",
        email="eleni@example.gr",
    )
    assert kept.status_code == 201, kept.json


def test_a_session_cancelled_and_added_again_is_listed_once(app, client, forum):
    from eventapp.models import StaffRole

    from .staff_helpers import sign_in

    path = register_by_api(client, [SYMPOSIUM, "exhibition"]).json["manage_url"].replace("http://forum.test", "")
    with app.app_context():
        delegate = db.session.execute(select(Delegate)).scalar_one()
        symposium_id = next(r.id for r in delegate.registrations if r.session.slug == SYMPOSIUM)
        delegate_id = delegate.id
    client.post(f"{path}/registrations/{symposium_id}/cancel")
    client.post(path + "/sessions", data={"session": SYMPOSIUM})
    page = text_of(client.get(path + "?lang=en"))
    assert page.count("German Enterprise Symposium</th>") == 1 and "Cancelled" not in page
    sign_in(client, app, StaffRole.ORGANISER)
    admin_page = text_of(client.get(f"/admin/delegates/{delegate_id}?lang=en"))
    registrations = admin_page.split('id="registrations"')[1].split("</table>")[0]
    assert registrations.count('<th scope="row">German Enterprise Symposium</th>') == 1
