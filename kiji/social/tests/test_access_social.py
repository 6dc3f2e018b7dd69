"""Blocking and notifications on the access ladder: members yes, visitors sign up first."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from kiji.core import access
from kiji.core.access import Action

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("action", [Action.BLOCK_MEMBER, Action.USE_NOTIFICATIONS])
@pytest.mark.parametrize("level", ["anonymous", "registered", "complete", "premium", "staff"])
def test_every_member_may_block_and_read_notifications(commenter, action, level):
    person = AnonymousUser() if level == "anonymous" else commenter(level)
    decision = access.decide(person, action)
    assert bool(decision) is (level != "anonymous")
    if level == "anonymous":
        assert decision.unlock == "sign_up"


def test_visitors_are_sent_to_sign_in_for_notifications(client):
    response = client.get("/notifications/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
