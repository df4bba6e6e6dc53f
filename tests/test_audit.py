"""Who acted, as the audit log stores it: the codes stay the strings old entries hold."""

from __future__ import annotations

import pytest

from eventapp.admin.history import ACTION_LABELS, action_label, actor_label
from eventapp.services.audit import Actor, AuditAction


def test_each_kind_of_actor_is_stored_as_the_code_old_entries_hold():
    assert [
        Actor.staff("anna@forum.example").code,
        Actor.delegate(17).code,
        Actor.on_registration_form().code,
        Actor.through_api().code,
        Actor.asking_for_lost_link().code,
        Actor.SYSTEM.code,
        Actor.command("fake-delegates").code,
    ] == [
        "staff:anna@forum.example",
        "delegate:17",
        "delegate:web",
        "delegate:api",
        "delegate:lost-link",
        "system",
        "cli:fake-delegates",
    ]
    assert str(Actor.staff("anna@forum.example")) == "staff:anna@forum.example"


@pytest.mark.parametrize(
    "code", ["staff:anna@forum.example", "delegate:17", "delegate:lost-link", "system", "cli:create-user"]
)
def test_a_stored_code_reads_back_as_the_same_actor(code):
    assert Actor.parse(code).code == code


def test_what_an_actor_is_can_be_asked_without_reading_its_code():
    organiser, delegate = Actor.staff("anna@forum.example"), Actor.delegate(17)
    assert organiser.is_staff and organiser.staff_email == "anna@forum.example"
    assert not delegate.is_staff and delegate.delegate_id == 17 and delegate.channel is None
    assert Actor.through_api().delegate_id is None and Actor.SYSTEM.is_system
    assert Actor.parse("cli:fake-delegates").command_name == "fake-delegates"


@pytest.mark.parametrize("code", ["test", "staff:", "delegate:someone", "system:x", "cli:", ""])
def test_codes_no_actor_writes_are_refused(code):
    with pytest.raises(ValueError):
        Actor.parse(code)


def test_the_history_names_actors_and_actions_from_their_stored_strings(app):
    with app.test_request_context("/?lang=en"):
        assert actor_label("staff:anna@forum.example") == "anna@forum.example"
        assert actor_label("delegate:17") == "The delegate, on their private page"
        assert actor_label("delegate:web") == "The delegate, on the registration form"
        assert actor_label("cli:fake-delegates") == "The command line (fake-delegates)"
        assert actor_label("system") == "Automatically"
        assert actor_label("test") == "test"  # not an actor code: shown as stored
        assert action_label("capacity_changed") == "Capacity changed"
        assert action_label("something_new") == "something new"
    assert set(ACTION_LABELS) == set(AuditAction)  # every action has its words
