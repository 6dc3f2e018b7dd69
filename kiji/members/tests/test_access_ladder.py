"""The access ladder as a matrix: every level × every article access × first read, re-read, quota used up."""

import pytest
from django.contrib.auth.models import AnonymousUser

from kiji.core import access
from kiji.core.access import Action, Level, Unlock
from kiji.members.models import ArticleRead, MemberSettings
from kiji.members.selectors import this_month

pytestmark = pytest.mark.django_db

LEVELS = ["anonymous", "registered", "complete", "premium", "staff"]


@pytest.fixture
def person(request, member_factory):
    level = request.param
    return AnonymousUser() if level == "anonymous" else member_factory(level)


def _fresh(user):
    access.forget_status(user)
    return user


def _use_up_quota(user, article_factory, count):
    for _ in range(count):
        ArticleRead.objects.create(user=user, article=article_factory(members_only=True), month=this_month())
    return _fresh(user)


@pytest.mark.parametrize("person", LEVELS, indirect=True)
def test_everyone_reads_free_articles_without_counting(person, article_factory):
    decision = access.can_read_article(person, article_factory())

    assert decision.allowed and not decision.counts_read


# (level, first read, re-read, quota used up) for a members-only article: allowed?
MEMBERS_ONLY = {
    "anonymous": (False, False, False),
    "registered": (True, True, False),
    "complete": (True, True, True),
    "premium": (True, True, True),
    "staff": (True, True, True),
}


@pytest.mark.parametrize("person", LEVELS, indirect=True)
def test_members_only_article_first_read_reread_and_quota_used_up(person, article_factory, request):
    level = access.level_of(person).value
    expected_first, expected_reread, expected_used_up = MEMBERS_ONLY[level]
    article = article_factory(members_only=True)

    first = access.can_read_article(person, article)
    assert first.allowed is expected_first
    if level == "registered":
        assert first.counts_read and first.reads_left == 4
        ArticleRead.objects.create(user=person, article=article, month=this_month())
        _fresh(person)
    reread = access.can_read_article(person, article)
    assert reread.allowed is expected_reread
    assert not reread.counts_read

    if level != "anonymous":
        _use_up_quota(person, article_factory, 5)
    used_up = access.can_read_article(person, article_factory(members_only=True))
    assert used_up.allowed is expected_used_up
    if level == "registered":
        assert used_up.reason == "quota_used_up" and used_up.unlock is Unlock.COMPLETE_PROFILE
        assert len(used_up.locked) == 4
        # An article already counted this month can still be opened after the quota is used up.
        assert access.can_read_article(person, article).allowed
    if level == "anonymous":
        assert used_up.unlock is Unlock.SIGN_UP


PREMIUM_ONLY = {"anonymous": Unlock.SIGN_UP, "registered": Unlock.GO_PREMIUM, "complete": Unlock.GO_PREMIUM}


@pytest.mark.parametrize("person", LEVELS, indirect=True)
def test_premium_only_article_needs_premium_or_staff(person, article_factory):
    article = article_factory(access="premium")
    level = access.level_of(person).value

    for _ in range(2):  # first read and re-read alike
        decision = access.can_read_article(_fresh(person) if level != "anonymous" else person, article)
        if level in ("premium", "staff"):
            assert decision.allowed and not decision.counts_read
        else:
            assert not decision.allowed and decision.unlock is PREMIUM_ONLY[level]


# What each level may use besides reading: favorites, tag follow, recommendations, the assistant.
LIBRARY_AND_PREMIUM = (
    Action.SAVE_FAVORITE,
    Action.FOLLOW_TAG,
    Action.SEE_RECOMMENDATIONS,
    Action.ASK_ASSISTANT,
)
FEATURES: dict[str, dict[Action, Unlock | None]] = {
    "anonymous": {Action.SAVE_FAVORITE: Unlock.SIGN_UP, Action.FOLLOW_TAG: Unlock.SIGN_UP,
                  Action.SEE_RECOMMENDATIONS: Unlock.SIGN_UP, Action.ASK_ASSISTANT: Unlock.SIGN_UP},
    "registered": {Action.SAVE_FAVORITE: Unlock.COMPLETE_PROFILE, Action.FOLLOW_TAG: Unlock.COMPLETE_PROFILE,
                   Action.SEE_RECOMMENDATIONS: Unlock.COMPLETE_PROFILE, Action.ASK_ASSISTANT: Unlock.GO_PREMIUM},
    "complete": {Action.SAVE_FAVORITE: None, Action.FOLLOW_TAG: None,
                 Action.SEE_RECOMMENDATIONS: None, Action.ASK_ASSISTANT: Unlock.GO_PREMIUM},
    "premium": dict.fromkeys(LIBRARY_AND_PREMIUM, None),
    "staff": dict.fromkeys(LIBRARY_AND_PREMIUM, None),
}  # fmt: skip


@pytest.mark.parametrize("person", LEVELS, indirect=True)
# The community actions (comments, likes, reports, follows, moderation) have their own matrix in
# kiji/comments/tests/test_access.py.
@pytest.mark.parametrize("action", list(FEATURES["anonymous"]))
def test_every_locked_feature_for_every_level(person, action):
    expected = FEATURES[access.level_of(person).value][action]

    decision = access.decide(person, action)

    assert decision.allowed is (expected is None)
    assert decision.unlock is expected
    if expected is Unlock.COMPLETE_PROFILE:
        assert decision.message == "必要な会員情報が不足しています。"


def test_levels_follow_the_profile_and_subscription(member_factory):
    assert access.level_of(None) is Level.ANONYMOUS
    assert access.level_of(member_factory("registered")) is Level.REGISTERED
    assert access.level_of(member_factory("complete")) is Level.COMPLETE
    assert access.level_of(member_factory("premium")) is Level.PREMIUM
    assert access.level_of(member_factory("staff")) is Level.STAFF


def test_operator_decides_which_details_are_required_and_the_quota(member_factory, article_factory):
    member = member_factory("registered")
    config = MemberSettings.load()
    config.require_industry = config.require_job_function = False
    config.require_company_size = config.require_prefecture = False
    config.monthly_free_reads = 1
    config.save()

    assert access.level_of(member) is Level.COMPLETE

    config.require_industry = True
    config.save()
    decision = access.can_read_article(_fresh(member), article_factory(members_only=True))
    assert decision.allowed and decision.reads_left == 0


def test_status_is_computed_once_per_request(member_factory, article_factory, django_assert_max_num_queries):
    member = member_factory("registered")
    articles = [article_factory(members_only=True) for _ in range(3)]
    access.can_read_article(member, articles[0])

    with django_assert_max_num_queries(0):
        for article in articles:
            access.can_read_article(member, article)


def test_saving_member_settings_takes_effect_at_once(member_factory, article_factory):
    member = member_factory("registered")
    assert access.can_read_article(member, article_factory(members_only=True)).reads_left == 4

    config = MemberSettings.load()
    config.monthly_free_reads = 2
    config.save()

    assert access.can_read_article(_fresh(member), article_factory(members_only=True)).reads_left == 1
