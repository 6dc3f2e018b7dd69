"""The community actions on the access ladder: every level, the posting setting, restrictions."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from kiji.comments import services
from kiji.core import access
from kiji.core.access import Action

pytestmark = pytest.mark.django_db
WRITES = (
    Action.POST_COMMENT,
    Action.REPLY_COMMENT,
    Action.LIKE_COMMENT,
    Action.REPORT_COMMENT,
    Action.FOLLOW_MEMBER,
)


@pytest.mark.parametrize("level", ["anonymous", "registered", "complete", "premium", "staff"])
@pytest.mark.parametrize("action", WRITES)
def test_every_member_may_use_the_community_by_default_and_visitors_are_asked_to_sign_up(
    article_factory, commenter, level, action
):
    person = AnonymousUser() if level == "anonymous" else commenter(level)
    decision = access.decide(person, action, article_factory())
    if level == "anonymous":
        assert not decision and decision.unlock == "sign_up"
    else:
        assert decision


@pytest.mark.parametrize("feature", ["post", "reply", "like", "report", "follow"])
def test_each_restricted_feature_is_refused_and_only_that_one(article_factory, commenter, moderator, feature):
    article, member = article_factory(), commenter()
    services.restrict(moderator, member, features=[feature], reason="spam", days=3)
    member = type(member).objects.get(pk=member.pk)
    refused = {action for action in WRITES if not access.decide(member, action, article)}
    assert [access._COMMUNITY_ACTIONS[action] for action in refused] == [feature]
    decision = access.decide(member, next(iter(refused)), article)
    assert decision.reason == "restricted" and decision.restriction.features == [feature]


@pytest.mark.parametrize("level", ["anonymous", "registered", "complete", "premium", "staff"])
def test_only_moderators_moderate(commenter, moderator, level):
    person = AnonymousUser() if level == "anonymous" else commenter(level)
    assert not access.decide(person, Action.MODERATE_COMMENTS)
    assert access.decide(moderator, Action.MODERATE_COMMENTS)


@pytest.mark.parametrize(
    ("article_access", "level", "sees"),
    [
        ("free", "anonymous", True),
        ("members", "anonymous", False),
        ("members", "registered", False),  # not opened this month: opening it spends a read
        ("members", "complete", True),
        ("premium", "complete", False),
        ("premium", "premium", True),
    ],
)
def test_comments_are_seen_by_those_who_may_read_the_article(
    article_factory, commenter, article_access, level, sees
):
    person = AnonymousUser() if level == "anonymous" else commenter(level)
    article = article_factory(access=article_access)
    assert bool(access.decide(person, Action.READ_COMMENTS, article)) is sees
