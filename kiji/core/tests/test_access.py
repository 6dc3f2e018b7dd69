import pytest
from django.contrib.auth.models import AnonymousUser

from kiji.core import access
from kiji.core.access import Action, Level, Unlock

pytestmark = pytest.mark.django_db


def test_anyone_reads_a_free_article(article_factory, reader):
    article = article_factory()

    assert access.decide(AnonymousUser(), Action.READ_ARTICLE, article).allowed
    assert access.decide(None, Action.READ_ARTICLE, article).allowed
    assert access.decide(reader, Action.READ_ARTICLE, article).allowed


def test_anonymous_visitor_is_told_why_and_how_to_unlock_a_members_only_article(article_factory):
    decision = access.can_read_article(AnonymousUser(), article_factory(members_only=True))

    assert not decision
    assert decision.reason == "members_only"
    assert decision.unlock is Unlock.SIGN_UP
    assert "会員限定" in str(decision.message)


def test_members_and_staff_read_members_only_articles(article_factory, reader, editor):
    article = article_factory(members_only=True)

    assert access.can_read_article(reader, article).allowed
    assert access.can_read_article(editor, article).allowed


def test_levels(reader, editor):
    assert access.level_of(None) is Level.ANONYMOUS
    assert access.level_of(AnonymousUser()) is Level.ANONYMOUS
    assert access.level_of(reader) is Level.REGISTERED
    assert access.level_of(editor) is Level.STAFF


def test_full_text_is_public_only_for_free_articles(article_factory):
    assert access.full_text_is_public(article_factory())
    assert not access.full_text_is_public(article_factory(members_only=True))
