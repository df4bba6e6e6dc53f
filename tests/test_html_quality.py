"""Every page is valid HTML, every field has a linked label, ids are unique, <html lang> is right."""

from __future__ import annotations

from html.parser import HTMLParser

import html5lib
import pytest

from .factories import CHINESE, register_by_api

LANG_ATTRIBUTE = {"en": "en", "de": "de", "zh": "zh-CN"}


class FieldCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.fields, self.label_targets, self.ids, self.html_lang = [], set(), [], None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "html":
            self.html_lang = attributes.get("lang")
        if "id" in attributes:
            self.ids.append(attributes["id"])
        if tag == "label" and attributes.get("for"):
            self.label_targets.add(attributes["for"])
        if tag in ("input", "select", "textarea") and attributes.get("type") not in ("hidden", "submit", "button"):
            self.fields.append(attributes)


def assert_valid_and_labelled(page: str, where: str = "") -> FieldCollector:
    """Valid HTML, unique ids, and every field with a label linked to it (or an aria-label)."""
    html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(page)
    collected = FieldCollector()
    collected.feed(page)
    assert len(collected.ids) == len(set(collected.ids)), f"duplicate id {where}"
    for field in collected.fields:
        assert field.get("id") in collected.label_targets or field.get("aria-label"), (where, field)
    return collected


def pages(client) -> list[tuple[str, int]]:
    """Every public page with the status it answers: a delegate's private pages open (200),
    only the page that does not exist is a 404."""
    manage = "/" + register_by_api(client, ["exhibition"], base=CHINESE).json["manage_url"].split("/", 3)[3]
    found = [
        "/",
        "/sessions/german-enterprise-symposium",
        "/sessions/exhibition",
        "/register",
        manage,
        manage + "/confirmation",
        manage + "/edit",
        manage + "/cancel",
        "/r/lost",
    ]
    return [(path, 200) for path in found] + [("/no-such-page", 404)]


@pytest.mark.parametrize("language", ["en", "de", "zh"])
def test_pages_are_valid_and_every_field_is_labelled(client, forum, language):
    client.get(f"/language/{language}")
    for path, status in pages(client):
        response = client.get(path)
        assert response.status_code == status, path
        collected = assert_valid_and_labelled(response.get_data(as_text=True), path)
        assert collected.html_lang == LANG_ATTRIBUTE[language], path


def test_form_with_errors_is_valid_and_links_errors_to_fields(client, forum):
    response = client.post("/register", data={"email": "x"})
    text = response.get_data(as_text=True)
    html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(text)
    assert 'aria-describedby="email-hint email-error"' in text or 'aria-describedby="email-error"' in text
    assert 'aria-invalid="true"' in text
