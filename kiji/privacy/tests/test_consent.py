import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from kiji.audit.models import AuditEntry
from kiji.members.choices import Visibility
from kiji.members.models import Profile
from kiji.privacy import services
from kiji.privacy.consent import needs_disclosure_consent, redirect_to_consent
from kiji.privacy.selectors import disclosed_profile

pytestmark = pytest.mark.django_db

CONSENT = "/privacy/consent/"


def _rows(html):
    """{label: row html} for the 'what others will see' list."""
    items = re.findall(r'<li class="disclosure-list__item[^"]*">(.*?)</li>', html, re.S)
    labels = [re.findall(r'__label">([^<]+)<', item)[0] for item in items]
    return dict(zip(labels, items, strict=True))


def test_a_member_needs_consent_until_they_give_it(member_factory):
    member = member_factory()
    assert needs_disclosure_consent(member)

    services.give_consent(member)

    assert not needs_disclosure_consent(member)


def test_anonymous_visitors_and_accounts_without_a_profile_need_consent(django_user_model):
    assert needs_disclosure_consent(AnonymousUser())
    assert needs_disclosure_consent(None)
    assert needs_disclosure_consent(
        django_user_model.objects.create_user("np", "np@example.com", "pw-123456789")
    )


def test_the_consent_page_shows_each_basic_field_with_its_value_and_whether_others_see_it(
    client, distinct_member
):
    member = distinct_member(
        "Alpha",
        real_name_visibility=Visibility.PUBLIC,
        company_visibility=Visibility.PRIVATE,
        job_title="",
        job_title_visibility=Visibility.PUBLIC,
        picture_visibility=Visibility.PUBLIC,
    )
    client.force_login(member)

    html = client.get(CONSENT, {"next": "/some-article/"}).content.decode()
    rows = _rows(html)

    assert "Alpha表示名" in rows["表示名"] and "表示されます" in rows["表示名"]
    assert "Alpha氏名" in rows["氏名"] and "表示されます" in rows["氏名"]
    assert "Alpha商事" in rows["会社名"] and "非公開に設定しているため" in rows["会社名"]
    assert "未登録のため" in rows["役職"]
    assert "<img" in rows["プロフィール画像"] and "表示されます" in rows["プロフィール画像"]
    assert "同意して続ける" in html
    assert 'name="next" value="/some-article/"' in html
    # Editing basic info comes back to this consent step, which then returns to the article.
    assert "/members/me/basic/?next=%2Fprivacy%2Fconsent%2F%3Fnext%3D%252Fsome-article%252F" in html


def test_agreeing_records_the_consent_once_and_returns_to_the_page_that_asked(client, member_factory):
    member = member_factory()
    client.force_login(member)

    first = client.post(CONSENT, {"next": "/some-article/"})
    consented_at = Profile.objects.get(user=member).disclosure_consent_at
    second = client.post(CONSENT, {"next": "/some-article/"})  # a double submit

    assert first.status_code == second.status_code == 302
    assert first["Location"] == "/some-article/"
    assert consented_at is not None
    assert Profile.objects.get(user=member).disclosure_consent_at == consented_at
    assert AuditEntry.objects.filter(action="privacy.consent_given", target_id=str(member.pk)).count() == 1


def test_the_consent_page_never_redirects_to_another_site(client, member_factory):
    client.force_login(member_factory())

    response = client.post(CONSENT, {"next": "https://evil.example/phish"})

    assert response["Location"] == reverse("privacy:settings")


def test_a_member_who_already_agreed_sees_when_and_can_continue(client, member_factory):
    member = member_factory()
    services.give_consent(member)
    client.force_login(member)

    html = client.get(CONSENT, {"next": "/some-article/"}).content.decode()

    assert "同意済みです" in html
    assert "同意して続ける" not in html
    assert 'href="/some-article/"' in html


def test_an_account_without_a_profile_fills_in_basic_info_first(client, django_user_model):
    user = django_user_model.objects.create_user("staffish", "staffish@example.com", "pw-123456789")
    client.force_login(user)

    response = client.get(CONSENT, {"next": "/x/"})

    assert response.status_code == 302
    assert response["Location"].startswith("/members/me/basic/?next=%2Fprivacy%2Fconsent%2F")


def test_consent_needs_a_signed_in_member(client):
    response = client.get(CONSENT)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_redirect_to_consent_brings_the_member_back_to_the_page_they_were_on(rf):
    get = rf.get("/tags/ai/?page=2")
    post = rf.post("/comments/post/", HTTP_REFERER="http://testserver/articles/x/")
    foreign = rf.post("/comments/post/", HTTP_REFERER="https://evil.example/")

    assert redirect_to_consent(get)["Location"] == "/privacy/consent/?next=%2Ftags%2Fai%2F%3Fpage%3D2"
    assert redirect_to_consent(post)["Location"].endswith("next=http%3A%2F%2Ftestserver%2Farticles%2Fx%2F")
    assert redirect_to_consent(foreign)["Location"] == "/privacy/consent/?next=%2F"


def test_others_see_only_public_basic_fields_and_only_after_consent(distinct_member):
    member = distinct_member(
        "Bravo", real_name_visibility=Visibility.PUBLIC, company_visibility=Visibility.PRIVATE
    )
    profile = Profile.objects.get(user=member)

    before = disclosed_profile(profile)
    services.give_consent(member)
    after = disclosed_profile(Profile.objects.get(user=member))

    assert before.display_name == "非公開の会員" and not before.real_name and not before.consented
    assert after.display_name == "Bravo表示名"
    assert after.real_name == "Bravo氏名"
    assert after.company == "" and after.job_title == "" and after.picture_url == ""


def test_withdrawing_consent_hides_basic_info_from_others_from_then_on(client, distinct_member):
    member = distinct_member("Charlie", consent=True, real_name_visibility=Visibility.PUBLIC)
    client.force_login(member)
    assert disclosed_profile(Profile.objects.get(user=member)).real_name == "Charlie氏名"

    response = client.post("/privacy/consent/withdraw/")
    client.post("/privacy/consent/withdraw/")  # a double submit changes nothing

    shown = disclosed_profile(Profile.objects.get(user=member))
    assert response["Location"] == "/privacy/settings/"
    assert needs_disclosure_consent(member)
    assert shown.display_name == "非公開の会員" and shown.real_name == ""
    assert (
        AuditEntry.objects.filter(action="privacy.consent_withdrawn", target_id=str(member.pk)).count() == 1
    )
    page = client.get("/privacy/settings/").content.decode()
    assert "同意を撤回しました" in page and "未同意" in page


def test_withdrawal_is_a_post_only_action(client, member_factory):
    member = member_factory()
    services.give_consent(member)
    client.force_login(member)

    assert client.get("/privacy/consent/withdraw/").status_code == 405
    assert not needs_disclosure_consent(member)


def test_consent_changes_are_rate_limited(client, member_factory):
    client.force_login(member_factory())

    statuses = [client.post("/privacy/consent/withdraw/").status_code for _ in range(21)]

    assert statuses[:20] == [302] * 20
    assert statuses[20] == 429
