"""Finding delegates by any part of a name (characters, pinyin with or without tones,
Latin, umlauts folded or not), organisation or email, with filters, sorting and pages."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Select, and_, case, exists, func, or_, select

from ..extensions import db
from ..models import Delegate, Event, OrganisationType, Registration, RegistrationStatus, Session
from ..names import fold, normalise_query

SORTS = {
    "name": (Delegate.sort_name, Delegate.id),
    "-name": (Delegate.sort_name.desc(), Delegate.id.desc()),
    "organisation": (func.lower(Delegate.organisation), Delegate.sort_name),
    "-organisation": (func.lower(Delegate.organisation).desc(), Delegate.sort_name),
    "country": (Delegate.country, Delegate.sort_name),
    "-country": (Delegate.country.desc(), Delegate.sort_name),
    "registered": (Delegate.created_at, Delegate.id),
    "-registered": (Delegate.created_at.desc(), Delegate.id.desc()),
}


@dataclass
class DelegateQuery:
    text: str = ""
    session_slug: str = ""
    status: str = ""  # a RegistrationStatus value; with session_slug, in that session
    organisation_type: str = ""
    country: str = ""
    sort: str = "name"
    page: int = 1
    per_page: int = 50


@dataclass
class DelegatePage:
    delegates: list[Delegate]
    total: int
    page: int
    per_page: int
    query: DelegateQuery = field(default_factory=DelegateQuery)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def text_condition(text: str):
    """Every word of the query must appear somewhere in the delegate's search text."""
    conditions = []
    for word in normalise_query(text).split():
        variants = {word, fold(word)}
        conditions.append(or_(*(Delegate.search_text.contains(v, autoescape=True) for v in variants)))
    return and_(*conditions)


# How names.search_text joins a delegate's names, organisation and email into one string.
PART_SEPARATOR = " | "


def match_rank(text: str):
    """How well a delegate matches the whole query, as a number to sort by (best first):
    0 a name (or the organisation, or the email) exactly as typed, 1 the start of one,
    2 the start of a word in one, 3 anywhere (the part of a word)."""
    phrases = {normalise_query(text), fold(normalise_query(text))} - {""}
    column = Delegate.search_text

    exact = or_(
        *(
            or_(
                column == p,
                column.startswith(p + PART_SEPARATOR, autoescape=True),
                column.endswith(PART_SEPARATOR + p, autoescape=True),
                column.contains(PART_SEPARATOR + p + PART_SEPARATOR, autoescape=True),
            )
            for p in phrases
        )
    )
    part_start = or_(
        *(
            or_(column.startswith(p, autoescape=True), column.contains(PART_SEPARATOR + p, autoescape=True))
            for p in phrases
        )
    )
    word_start = or_(*(column.contains(" " + p, autoescape=True) for p in phrases))
    return case((exact, 0), (part_start, 1), (word_start, 2), else_=3)


def delegate_statement(event: Event, query: DelegateQuery) -> Select:
    statement = select(Delegate).where(Delegate.event_id == event.id)
    if query.text.strip():
        statement = statement.where(text_condition(query.text))
    registration_filter = [Registration.delegate_id == Delegate.id]
    if query.session_slug:
        registration_filter.append(
            Registration.session_id.in_(
                select(Session.id).where(Session.event_id == event.id, Session.slug == query.session_slug)
            )
        )
    if query.status in {s.value for s in RegistrationStatus}:
        registration_filter.append(Registration.status == query.status)
    elif query.session_slug:
        registration_filter.append(Registration.status != RegistrationStatus.CANCELLED)
    if len(registration_filter) > 1:
        statement = statement.where(exists().where(*registration_filter))
    if query.organisation_type in {t.value for t in OrganisationType}:
        statement = statement.where(Delegate.organisation_type == query.organisation_type)
    if query.country:
        statement = statement.where(Delegate.country == query.country.upper()[:2])
    return statement


def search_delegates(event: Event, query: DelegateQuery) -> DelegatePage:
    statement = delegate_statement(event, query)
    total = db.session.execute(select(func.count()).select_from(statement.order_by(None).subquery())).scalar_one()
    per_page = max(1, min(query.per_page, 200))
    page = max(1, min(query.page, max(1, -(-total // per_page))))
    rows = (
        db.session.execute(
            statement.order_by(*SORTS.get(query.sort, SORTS["name"])).limit(per_page).offset((page - 1) * per_page)
        )
        .scalars()
        .all()
    )
    return DelegatePage(list(rows), total, page, per_page, query)
