"""Personas on every rung of the access ladder, as the library's lock matrix needs them."""

import pytest

from conftest import activate_premium
from kiji.core import access
from kiji.members.models import Profile
from kiji.premium.models import Plan

LEVELS = ["anonymous", "registered", "complete", "premium", "staff"]
ALLOWED = {"anonymous": False, "registered": False, "complete": True, "premium": True, "staff": True}
COMPLETE_DETAILS = {"industry": "it", "job_function": "it", "company_size": "50-299", "prefecture": "東京都"}


@pytest.fixture
def make_person(db, reader, editor):
    """`make_person(level)`: None for anonymous, else the `reader` (or `editor` for staff) at that level."""

    def make(level):
        if level == "anonymous":
            return None
        if level == "staff":
            return editor
        details = COMPLETE_DETAILS if level == "complete" else {}
        # Premium members are premium whatever their details: the subscription lifts the lock.
        Profile.objects.create(user=reader, display_name="読者", **details)
        if level == "premium":
            activate_premium(
                reader, plan=Plan.objects.create(code="monthly", name="プレミアム月額", price_yen=1980)
            )
        access.forget_status(reader)
        return reader

    return make


@pytest.fixture
def complete_member(make_person):
    return make_person("complete")


@pytest.fixture
def incomplete_member(make_person):
    return make_person("registered")


@pytest.fixture
def member_client(client, complete_member):
    client.force_login(complete_member)
    return client
