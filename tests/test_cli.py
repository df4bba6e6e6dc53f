"""The CLI: flask --app eventapp seed-demo / fake-delegates."""

from __future__ import annotations

import subprocess
import sys

from sqlalchemy import func, select

from eventapp.extensions import db
from eventapp.models import AgendaItem, Delegate, Event, Exhibitor, Registration, Session


def counts(app) -> tuple[int, ...]:
    with app.app_context():
        return tuple(
            db.session.execute(select(func.count()).select_from(model)).scalar()
            for model in (Event, Session, AgendaItem, Exhibitor, Delegate, Registration)
        )


def test_the_demo_forum_falls_on_a_working_day_in_china_and_germany():
    from datetime import date

    from eventapp.demo.forum import suitable_forum_day

    # 30 days after 2 December 2026 is New Year's Day: the forum moves to Monday 4 January.
    assert suitable_forum_day(date(2026, 12, 2)) == date(2027, 1, 4)
    # 30 days after 2 January 2027 is a Monday: kept.
    assert suitable_forum_day(date(2027, 1, 2)) == date(2027, 2, 1)
    # Never on a weekend: 30 days after 1 December 2026 is Thursday 31 December; after 4 December, Sunday 3 January.
    assert suitable_forum_day(date(2026, 12, 1)) == date(2026, 12, 31)
    assert suitable_forum_day(date(2026, 12, 4)) == date(2027, 1, 4)
    # China's Golden Week (1 to 7 October) and German Unity Day (3 October) are skipped.
    assert suitable_forum_day(date(2027, 9, 1)) > date(2027, 10, 3)
    assert suitable_forum_day(date(2027, 9, 1)).weekday() < 5


def test_seed_demo_loads_the_forum_once(app, runner):
    first = runner.invoke(args=["seed-demo", "--date", "2026-12-26"])
    assert first.exit_code == 0 and "Loaded the demo forum on 2026-12-26" in first.output
    loaded = counts(app)
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0 and "nothing changed" in second.output
    assert counts(app) == loaded
    with app.app_context():
        sessions = {s.slug: s for s in db.session.execute(select(Session)).scalars()}
        assert set(sessions) == {"opening-ceremony", "german-enterprise-symposium", "thematic-forum", "exhibition"}
        assert sessions["german-enterprise-symposium"].capacity == 27
        assert sessions["exhibition"].capacity is None
        assert [s.public_registration for s in (sessions["german-enterprise-symposium"], sessions["exhibition"])] == [
            True,
            True,
        ]
        assert (
            not sessions["opening-ceremony"].public_registration and not sessions["thematic-forum"].public_registration
        )
        symposium_agenda = " ".join(
            a.title["en"] + str(a.presenter_organisation) for a in sessions["german-enterprise-symposium"].agenda_items
        )
        for body in ("Bureau of Economy and Information Technology", "Commerce Bureau", "Shunyi"):
            assert body in symposium_agenda
        event = db.session.execute(select(Event)).scalar_one()
        assert event.timezone == "Asia/Shanghai"
        # 10:30 in Beijing is 02:30 UTC.
        assert sessions["german-enterprise-symposium"].starts_at.strftime("%Y-%m-%d %H:%M") == "2026-12-26 02:30"


def test_seed_demo_refuses_a_malformed_date(runner):
    result = runner.invoke(args=["seed-demo", "--date", "26.12.2026"])
    assert result.exit_code != 0 and "YYYY-MM-DD" in result.output


def test_fake_delegates_adds_chinese_and_german_people_to_the_exhibition(app, runner, forum):
    result = runner.invoke(args=["fake-delegates", "40", "--seed", "7"])
    assert result.exit_code == 0 and "Added 40 delegates" in result.output
    with app.app_context():
        delegates = db.session.execute(select(Delegate)).scalars().all()
        assert len(delegates) == 40
        chinese = [d for d in delegates if d.country == "CN"]
        german = [d for d in delegates if d.country == "DE"]
        assert chinese and german
        assert all(d.name_native and "\u4e00" <= d.name_native[0] <= "\u9fff" for d in chinese)
        assert all(d.family_name.isascii() for d in chinese)  # pinyin
        assert all(r.session.slug == "exhibition" for d in delegates for r in d.registrations)


def test_fake_delegates_without_a_forum_says_what_to_do(runner):
    result = runner.invoke(args=["fake-delegates", "3"])
    assert result.exit_code != 0 and "seed-demo" in result.output


def test_create_user_with_password_from_stdin_then_sign_in(app, runner, client, forum):
    result = runner.invoke(
        args=["create-user", "Door.Two@Forum.test", "--role", "door", "--password-stdin"],
        input="a long door password\n",
    )
    assert result.exit_code == 0 and "Created door account door.two@forum.test" in result.output
    response = client.post("/staff/login", data={"email": "door.two@forum.test", "password": "a long door password"})
    assert response.status_code == 302


def test_set_password_gives_a_forgotten_password_anew_and_ends_the_sign_ins(app, runner, client, forum):
    runner.invoke(
        args=["create-user", "anna@forum.test", "--role", "organiser", "--password-stdin"],
        input="the first long password\n",
    )
    assert (
        client.post(
            "/staff/login", data={"email": "anna@forum.test", "password": "the first long password"}
        ).status_code
        == 302
    )
    result = runner.invoke(
        args=["set-password", "Anna@forum.test", "--password-stdin"], input="the second long password\n"
    )
    assert result.exit_code == 0 and "New password set for anna@forum.test" in result.output
    assert client.get("/admin/").status_code == 302  # signed out
    old = client.post("/staff/login", data={"email": "anna@forum.test", "password": "the first long password"})
    assert old.status_code == 401
    assert (
        client.post(
            "/staff/login", data={"email": "anna@forum.test", "password": "the second long password"}
        ).status_code
        == 302
    )
    short = runner.invoke(args=["set-password", "anna@forum.test", "--password-stdin"], input="short\n")
    assert short.exit_code != 0 and "at least 10 characters" in short.output
    unknown = runner.invoke(
        args=["set-password", "nobody@forum.test", "--password-stdin"], input="long enough password\n"
    )
    assert unknown.exit_code != 0 and "No staff account for nobody@forum.test" in unknown.output


def test_create_user_refuses_short_passwords_duplicates_and_unknown_roles(runner, app):
    assert (
        "at least 10 characters"
        in runner.invoke(
            args=["create-user", "a@forum.test", "--role", "admin", "--password-stdin"], input="short\n"
        ).output
    )
    runner.invoke(
        args=["create-user", "a@forum.test", "--role", "admin", "--password-stdin"], input="long enough password\n"
    )
    again = runner.invoke(
        args=["create-user", "a@forum.test", "--role", "admin", "--password-stdin"], input="long enough password\n"
    )
    assert again.exit_code != 0 and "already an account" in again.output
    assert (
        runner.invoke(
            args=["create-user", "b@forum.test", "--role", "king", "--password-stdin"], input="long enough password\n"
        ).exit_code
        != 0
    )


def test_api_token_authenticates_door_scans(app, runner, client, forum):
    runner.invoke(
        args=["create-user", "scanner@forum.test", "--role", "door", "--password-stdin"], input="long enough password\n"
    )
    token = runner.invoke(args=["create-api-token", "scanner@forum.test"]).output.strip()
    assert len(token) >= 40
    body = {"code": "NOPE", "session": "entrance", "scan_id": "cli-1"}
    app_client = app.test_client(use_cookies=False)
    assert app_client.post("/api/v1/checkins", json=body).status_code == 401
    answer = app_client.post("/api/v1/checkins", json=body, headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200 and answer.json["status"] == "invalid"
    assert app_client.post("/api/v1/checkins", json=body, headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert runner.invoke(args=["create-api-token", "nobody@forum.test"]).exit_code != 0


def test_demo_accounts_are_created_once_and_printed(runner, client, app, forum):
    first = runner.invoke(args=["demo-accounts"])
    second = runner.invoke(args=["demo-accounts"])
    assert (
        first.output == second.output
        and "organiser@forum.example" in first.output
        and "door@forum.example" in first.output
    )
    password = next(line.split("password: ")[1] for line in first.output.splitlines() if "organiser@" in line)
    assert (
        client.post("/staff/login", data={"email": "organiser@forum.example", "password": password})
        .headers["Location"]
        .endswith("/admin/")
    )


def test_starting_the_app_leaves_what_only_some_commands_need_unloaded():
    """Every command and server start pays for what create_app imports: the demo's holiday
    calendars (0.1 s) and pypinyin's dictionaries (0.2 s) wait until they are used."""
    probe = (
        "import sys, eventapp; eventapp.create_app({'SQLALCHEMY_DATABASE_URI': 'sqlite://'}); "
        "print(sorted(m for m in ('holidays', 'pypinyin') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.strip() == "[]"
