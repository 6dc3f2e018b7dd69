"""Member administration in the Wagtail admin: search, the list, the detail page and staff actions."""

import re
import sys
import types
from datetime import date

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kiji.audit import selectors, views
from kiji.audit.models import AuditEntry
from kiji.core import access
from kiji.core.access import Level
from kiji.core.ratelimit import Limit
from kiji.members.models import ArticleRead
from kiji.members.selectors import member_settings, this_month
from kiji.premium.models import Subscription
from kiji.premium.selectors import active_subscription

pytestmark = pytest.mark.django_db

INDEX = reverse("member_admin:index")


def _token(response):
    match = re.search(r'name="submit_token" value="([0-9a-f]{32})"', response.content.decode())
    assert match, "the confirmation page carries a one-time submit token"
    return match.group(1)


def _premium_service(name):
    """The premium service under test, or a skip while kiji.premium.services does not provide it yet."""
    services = pytest.importorskip("kiji.premium.services")
    if not hasattr(services, name):
        pytest.skip(f"kiji.premium.services.{name} is not written yet")
    return getattr(services, name)


# Search and list


def test_staff_find_members_by_email_display_name_or_company(editor_client, make_member):
    yamada = make_member(email="yamada@alpha.example.jp", display_name="山田花子", company="アルファ商事")
    suzuki = make_member(email="suzuki@beta.example.jp", display_name="鈴木一郎", company="ベータ工業")

    def found(query):
        page = editor_client.get(INDEX, {"q": query}).content.decode()
        return {user for user in (yamada, suzuki) if reverse("member_admin:detail", args=[user.pk]) in page}

    assert found("alpha.example") == {yamada}
    assert found("鈴木") == {suzuki}
    assert found("ベータ") == {suzuki}
    assert found("山田 アルファ") == {yamada}
    assert found("山田 ベータ") == set()
    assert found("") == {yamada, suzuki}


def test_member_list_shows_level_joined_date_and_reads_against_the_quota(
    editor_client, make_member, article_factory
):
    articles = [article_factory(members_only=True) for _ in range(2)]
    make_member("registered", display_name="登録だけの会員", reads=articles)
    make_member("premium", display_name="有料の会員", reads=articles[:1])

    page = editor_client.get(INDEX).content.decode()

    assert "登録会員(詳細情報未入力)" in page and "プレミアム会員" in page
    assert "2 / 5" in page
    assert "1件(上限なし)" in page
    assert timezone.localdate().strftime("%Y-%m-%d") in page


def test_member_list_queries_do_not_grow_with_the_number_of_members(
    editor_client, make_member, article_factory
):
    article = article_factory(members_only=True)
    levels = ["registered", "complete", "premium", "staff", "no_profile"]
    make_member("registered", reads=[article])

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert editor_client.get(INDEX).status_code == 200
        return len(captured)

    queries()  # warm the per-process caches (Wagtail's site root, settings)
    with_one = queries()
    for i in range(19):
        make_member(levels[i % len(levels)], reads=[article] if i % 2 else [])
    with_twenty = queries()

    assert with_twenty == with_one


@pytest.mark.parametrize("level", ["registered", "complete", "premium", "staff", "no_profile"])
def test_member_rows_put_each_member_on_the_same_level_as_the_access_ladder(level, make_member):
    from django.contrib.auth import get_user_model

    member = make_member(level)

    (row,) = selectors.member_rows(get_user_model().objects.filter(pk=member.pk))

    expected = access.status_of(get_user_model().objects.get(pk=member.pk)).level
    assert row.level is expected
    assert row.level is (Level.REGISTERED if level == "no_profile" else Level(level))


def test_member_detail_shows_profile_level_reads_and_subscription_history(
    editor_client, make_member, article_factory
):
    member = make_member("premium", display_name="佐藤次郎", company="ガンマ銀行", reads=[article_factory()])

    page = editor_client.get(reverse("member_admin:detail", args=[member.pk])).content.decode()

    assert "佐藤次郎" in page and "ガンマ銀行" in page and member.email in page
    assert "プレミアム会員" in page
    assert "1件(上限なし)" in page
    assert "月額プラン" in page and "有効" in page


# Permissions


@pytest.fixture
def member_pages(make_member):
    member = make_member()
    return [
        INDEX,
        *(
            reverse(f"member_admin:{name}", args=[member.pk])
            for name in ("detail", "reset_quota", "grant_premium", "revoke_premium")
        ),
    ]


def test_staff_without_the_manage_members_permission_get_403_on_every_member_page(make_staff, member_pages):
    client = Client()
    client.force_login(make_staff())
    entries_before = AuditEntry.objects.count()

    for url in member_pages:
        get, post = client.get(url), client.post(url)
        assert get.status_code == post.status_code == 403, url
        assert "権限" in get.content.decode()
    assert AuditEntry.objects.count() == entries_before


def test_granting_and_revoking_premium_also_need_premiums_own_permission(make_staff, make_member):
    client = Client()
    client.force_login(make_staff("audit.manage_members"))
    member = make_member("premium")

    detail = client.get(reverse("member_admin:detail", args=[member.pk])).content.decode()
    grant = client.get(reverse("member_admin:grant_premium", args=[member.pk]))
    revoke = client.post(reverse("member_admin:revoke_premium", args=[member.pk]), {"reason": "refund"})

    assert reverse("member_admin:grant_premium", args=[member.pk]) not in detail
    assert grant.status_code == revoke.status_code == 403
    assert active_subscription(member) is not None


def test_staff_given_the_manage_members_permission_may_use_member_administration(make_staff, member_pages):
    client = Client()
    client.force_login(make_staff("audit.manage_members"))

    assert client.get(member_pages[0]).status_code == 200
    assert client.get(member_pages[1]).status_code == 200


def test_members_without_staff_rights_are_sent_to_sign_in(client, reader, member_pages):
    client.force_login(reader)

    response = client.get(member_pages[0])

    assert response.status_code == 302
    assert "会員管理" not in response.content.decode()


def test_the_admin_menu_offers_member_administration_only_to_permitted_staff(rf, editor, make_staff):
    from kiji.audit.wagtail_hooks import MemberAdminViewSet

    item = MemberAdminViewSet().get_menu_item()
    request = rf.get("/admin/")

    request.user = editor
    assert str(item.label) == "会員管理" and item.is_shown(request)
    request.user = make_staff()
    assert not item.is_shown(request)
    request.user = make_staff("audit.manage_members")
    assert item.is_shown(request)


# Resetting the monthly quota


def test_quota_reset_asks_for_confirmation_before_removing_anything(
    editor_client, make_member, article_factory
):
    member = make_member(reads=[article_factory(members_only=True)])

    response = editor_client.get(reverse("member_admin:reset_quota", args=[member.pk]))

    assert response.status_code == 200
    assert "はい、リセットします" in response.content.decode()
    assert ArticleRead.objects.filter(user=member).count() == 1


def test_quota_reset_removes_this_months_reads_only_and_is_audited(
    editor_client, editor, make_member, article_factory
):
    articles = [article_factory(members_only=True) for _ in range(3)]
    member = make_member(reads=articles)
    last_month = ArticleRead.objects.create(user=member, article=articles[0], month=date(2020, 1, 1))
    url = reverse("member_admin:reset_quota", args=[member.pk])

    response = editor_client.post(url, {"submit_token": _token(editor_client.get(url))}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("member_admin:detail", args=[member.pk])
    assert "今月の閲覧数をリセットしました(3件)" in response.content.decode()
    assert list(ArticleRead.objects.filter(user=member)) == [last_month]
    entry = AuditEntry.objects.get(action="member.quota_reset")
    assert entry.actor == editor
    assert (entry.target_type, entry.target_id) == ("auth.user", str(member.pk))
    assert entry.detail == {"month": this_month().isoformat(), "reads_removed": 3}
    assert member.email not in str(entry.detail)


def test_a_second_submit_of_the_same_reset_changes_nothing(editor_client, make_member, article_factory):
    member = make_member(reads=[article_factory(members_only=True)])
    url = reverse("member_admin:reset_quota", args=[member.pk])
    token = _token(editor_client.get(url))
    editor_client.post(url, {"submit_token": token})
    ArticleRead.objects.create(user=member, article=article_factory(members_only=True), month=this_month())

    response = editor_client.post(url, {"submit_token": token}, follow=True)

    assert "二重送信" in response.content.decode()
    assert ArticleRead.objects.filter(user=member).count() == 1
    assert AuditEntry.objects.filter(action="member.quota_reset").count() == 1


def test_quota_reset_refuses_a_post_without_the_csrf_token(editor, make_member, article_factory):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    member = make_member(reads=[article_factory(members_only=True)])
    url = reverse("member_admin:reset_quota", args=[member.pk])

    response = client.post(url, {"submit_token": _token(client.get(url))})

    assert response.status_code == 403
    assert ArticleRead.objects.filter(user=member).count() == 1


def test_member_actions_are_rate_limited_per_staff_account(
    editor_client, make_member, article_factory, monkeypatch
):
    monkeypatch.setattr(views, "MEMBER_ACTIONS", Limit(count=1, seconds=60))
    member = make_member(reads=[article_factory(members_only=True)])
    url = reverse("member_admin:reset_quota", args=[member.pk])

    first = editor_client.post(url, {"submit_token": _token(editor_client.get(url))})
    second = editor_client.post(url, {"submit_token": _token(editor_client.get(url))})

    assert first.status_code == 302
    assert second.status_code == 429


# Granting and revoking premium (kiji.premium.services does the work and writes its audit entry)


def test_granting_premium_calls_the_premium_service_and_is_audited(editor_client, editor, make_member, plan):
    _premium_service("grant_premium")
    member = make_member("complete")
    url = reverse("member_admin:grant_premium", args=[member.pk])

    response = editor_client.post(
        url, {"submit_token": _token(editor_client.get(url)), "plan": plan.pk, "months": 3}, follow=True
    )

    assert "プレミアムを付与しました" in response.content.decode()
    assert active_subscription(member) is not None
    assert AuditEntry.objects.filter(actor=editor, target_id=str(member.pk)).exists()


def test_revoking_premium_calls_the_premium_service_and_is_audited(editor_client, editor, make_member):
    _premium_service("revoke_premium")
    member = make_member("premium")
    url = reverse("member_admin:revoke_premium", args=[member.pk])

    response = editor_client.post(
        url, {"submit_token": _token(editor_client.get(url)), "reason": "granted_by_mistake"}, follow=True
    )

    assert "プレミアムを取り消しました" in response.content.decode()
    assert active_subscription(member) is None
    assert AuditEntry.objects.filter(actor=editor, target_id=str(member.pk)).exists()


def test_grant_form_passes_plan_months_and_the_staff_member_to_the_service(
    editor_client, editor, make_member, plan, monkeypatch
):
    calls = []
    fake = types.ModuleType("kiji.premium.services")
    vars(fake)["grant_premium"] = lambda user, **kw: calls.append((user, kw))
    monkeypatch.setitem(sys.modules, "kiji.premium.services", fake)
    member = make_member()
    url = reverse("member_admin:grant_premium", args=[member.pk])

    editor_client.post(url, {"submit_token": _token(editor_client.get(url)), "plan": plan.pk, "months": 6})

    assert calls == [(member, {"plan": plan, "months": 6, "by": editor})]


def test_revoke_form_passes_the_chosen_reason_and_note_to_the_service(
    editor_client, editor, make_member, monkeypatch
):
    calls = []
    fake = types.ModuleType("kiji.premium.services")
    vars(fake)["revoke_premium"] = lambda user, **kw: calls.append((user, kw))
    monkeypatch.setitem(sys.modules, "kiji.premium.services", fake)
    member = make_member("premium")
    url = reverse("member_admin:revoke_premium", args=[member.pk])

    editor_client.post(
        url,
        {"submit_token": _token(editor_client.get(url)), "reason": "member_request", "note": "電話で依頼"},
    )

    assert calls == [(member, {"by": editor, "reason": "会員からの依頼: 電話で依頼"})]


def test_granting_to_a_premium_member_lengthens_the_running_subscription(editor_client, make_member):
    _premium_service("grant_premium")
    member = make_member("premium")
    running = Subscription.objects.get(user=member)
    url = reverse("member_admin:grant_premium", args=[member.pk])
    page = editor_client.get(url)

    assert "プレミアムの期間を延長" in page.content.decode()
    editor_client.post(url, {"submit_token": _token(page), "plan": running.plan_id, "months": 2})

    lengthened = Subscription.objects.get(user=member)
    assert lengthened.status == Subscription.Status.ACTIVE
    assert lengthened.current_period_end > running.current_period_end  # type: ignore[operator]


def test_grant_form_rejects_a_period_outside_one_to_36_months(editor_client, make_member, plan):
    member = make_member()
    url = reverse("member_admin:grant_premium", args=[member.pk])

    response = editor_client.post(
        url, {"submit_token": _token(editor_client.get(url)), "plan": plan.pk, "months": 37}
    )

    assert response.status_code == 200
    assert "期間は36か月以内にしてください" in response.content.decode()


def test_grant_explains_when_the_premium_services_are_not_available_yet(
    editor_client, make_member, plan, monkeypatch
):
    monkeypatch.setitem(sys.modules, "kiji.premium.services", None)  # import now fails
    member = make_member()
    url = reverse("member_admin:grant_premium", args=[member.pk])

    response = editor_client.post(
        url, {"submit_token": _token(editor_client.get(url)), "plan": plan.pk, "months": 1}, follow=True
    )

    assert "まだ使えません" in response.content.decode()
    assert not Subscription.objects.filter(user=member).exists()


def test_revoke_page_says_so_when_the_member_has_no_active_premium(editor_client, make_member):
    member = make_member("complete")

    response = editor_client.get(reverse("member_admin:revoke_premium", args=[member.pk]), follow=True)

    assert "有効なプレミアム契約がありません" in response.content.decode()


def test_member_rows_take_three_queries_for_a_page_of_any_size(
    make_member, article_factory, django_assert_num_queries
):
    from django.contrib.auth import get_user_model

    article = article_factory(members_only=True)
    for level in ["registered", "complete", "premium", "staff", "no_profile"] * 4:
        make_member(level, reads=[article])
    member_settings()  # a running site has its settings row, cached once loaded

    # members with profiles, active subscriptions, this month's read counts
    with django_assert_num_queries(3):
        rows = selectors.member_rows(get_user_model().objects.order_by("pk"))
        assert [row.reads for row in rows if row.user.username.startswith("member")] == [1] * 20
