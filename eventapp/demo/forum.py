"""Loading the demo forum (from `data`) and plausible fake delegates for demos and benchmarks."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from ..extensions import db
from ..models import (
    AgendaItem,
    Event,
    Exhibitor,
    ExhibitorTheme,
    NameOrder,
    OrganisationType,
    Session,
    SessionAccess,
    SessionKind,
)
from ..services import mail
from ..services.audit import Actor
from ..services.registration import DelegateDetails, register_many, sessions_by_slug
from . import data as demo_data


def _at(day: date, hhmm: str, zone: ZoneInfo) -> datetime:
    hours, minutes = map(int, hhmm.split(":"))
    return datetime.combine(day, time(hours, minutes), zone).astimezone(UTC)


# The demo forum opens registration this far ahead, and never on a day its delegates are off.
DEMO_LEAD_DAYS = 30
FORUM_COUNTRIES = ("CN", "DE")  # held in Beijing, with German guests travelling


def is_forum_day(day: date) -> bool:
    """A weekday that is a public holiday neither in China nor in Germany (national ones;
    Chinese "make-up" Saturdays stay weekends: nobody books a forum on them)."""
    # Imported here: its calendars take 0.1 s to load, which every command and server
    # start paid (the CLI imports this module), and only loading the demo needs them.
    import holidays

    if day.weekday() >= 5:
        return False
    return not any(day in holidays.country_holidays(country, years=day.year) for country in FORUM_COUNTRIES)


def suitable_forum_day(today: date, lead_days: int = DEMO_LEAD_DAYS) -> date:
    """The first forum day at least `lead_days` after `today`."""
    day = today + timedelta(days=lead_days)
    while not is_forum_day(day):
        day += timedelta(days=1)
    return day


def seed_demo_forum(start: date) -> tuple[Event, bool]:
    """Load the demo forum on `start` unless it is there; returns (event, created)."""
    existing = db.session.execute(select(Event).where(Event.slug == demo_data.EVENT_SLUG)).scalar_one_or_none()
    if existing is not None:
        return existing, False
    spec = demo_data.EVENT
    zone = ZoneInfo(spec["timezone"])
    event = Event(
        slug=spec["slug"],
        name=spec["name"],
        venue=spec["venue"],
        theme=spec["theme"],
        description=spec["description"],
        timezone=spec["timezone"],
        starts_on=start,
        ends_on=start,
        questions=dict(spec["questions"]),
    )
    db.session.add(event)
    for item in demo_data.SESSIONS:
        session = Session(
            event=event,
            slug=item["slug"],
            kind=SessionKind(item["kind"]),
            title=item["title"],
            description=item["description"],
            room=item["room"],
            starts_at=_at(start, item["starts"], zone),
            ends_at=_at(start, item["ends"], zone),
            capacity=item["capacity"],
            access=SessionAccess(item["access"]),
        )
        session.agenda_items = [
            AgendaItem(
                starts_at=_at(start, agenda["time"], zone),
                title=agenda["title"],
                presenter_name=agenda.get("presenter_name") or "",
                presenter_organisation=agenda.get("presenter_organisation"),
            )
            for agenda in item["agenda"]
        ]
        db.session.add(session)
    for exhibitor in demo_data.EXHIBITORS:
        db.session.add(
            Exhibitor(
                event=event,
                company=exhibitor["company"],
                theme=ExhibitorTheme(exhibitor["theme"]),
                booth=exhibitor["booth"],
                country=exhibitor["country"],
            )
        )
    db.session.commit()
    return event, True


def _ascii(text: str) -> str:
    table = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"})
    return "".join(c for c in text.translate(table).lower() if c.isascii() and c.isalnum())


def fake_delegate_details(count: int, seed: int | None = None) -> list[DelegateDetails]:
    """`count` plausible delegates, about half Chinese (names in characters and pinyin) and
    half German, with organisations and positions from demo_data."""
    from faker import Faker
    from pypinyin import Style, lazy_pinyin

    chooser = random.Random(seed)
    faker_cn, faker_de = Faker("zh_CN"), Faker("de_DE")
    faker_cn.seed_instance(seed)
    faker_de.seed_instance(None if seed is None else seed + 1)
    people = []
    for _ in range(count):
        country = "CN" if chooser.random() < 0.5 else "DE"
        organisation = chooser.choice(demo_data.FAKE_ORGANISATIONS[country])
        position = chooser.choice(demo_data.FAKE_POSITIONS[country])
        if country == "CN":
            family_native, given_native = faker_cn.last_name(), faker_cn.first_name()
            family = "".join(lazy_pinyin(family_native, style=Style.NORMAL)).capitalize()
            given = "".join(lazy_pinyin(given_native, style=Style.NORMAL)).capitalize()
            native, language, domain = family_native + given_native, "zh", "example.cn"
        else:
            family, given = faker_de.last_name(), faker_de.first_name()
            native, language, domain = "", "de", "example.de"
        tag = "".join(chooser.choices("abcdefghjkmnpqrstuvwxyz23456789", k=6))
        people.append(
            DelegateDetails(
                family_name=family,
                given_name=given,
                name_native=native,
                native_name_order=NameOrder.FAMILY_FIRST if country == "CN" else NameOrder.GIVEN_FIRST,
                email=f"{_ascii(given)}.{_ascii(family)}.{tag}@{domain}",
                organisation=organisation["name"],
                organisation_type=OrganisationType(organisation["organisation_type"]),
                position=position,
                country=country,
                language=language,
            )
        )
    return people


def add_fake_delegates(
    event: Event,
    count: int,
    seed: int | None = None,
    session_slug: str = "exhibition",
    progress: Callable[[int], None] | None = None,
    chunk: int = 500,
) -> int:
    """Register `count` fake delegates for a session (the exhibition by default). They get no
    mail: their addresses are made up."""
    people = fake_delegate_details(count, seed)
    (session,) = sessions_by_slug(event, [session_slug])
    with mail.suppressed():
        for start in range(0, len(people), chunk):
            part = people[start : start + chunk]
            register_many(event, part, [session.slug], actor=Actor.command("fake-delegates"), by_staff=True)
            if progress:
                progress(len(part))
    return len(people)
