"""詳細情報の入力へ進む: the guided completion flow and basic-info editing."""

import pytest

from kiji.core import access
from kiji.core.access import Level
from kiji.members.models import Profile

pytestmark = pytest.mark.django_db


def test_completion_page_shows_progress_and_what_it_unlocks(client, member_factory):
    member = member_factory("registered")
    client.force_login(member)

    html = client.get("/members/me/details/").content.decode()

    assert "必須項目 0 / 4 入力済み" in html
    for item in ("記事閲覧数の制限なし", "タグフォロー", "おすすめコンテンツの表示"):
        assert item in html
    assert 'for="id_industry"' in html


def test_missing_required_details_are_reported_and_nothing_changes(client, member_factory):
    member = member_factory("registered")
    client.force_login(member)

    response = client.post("/members/me/details/", {"industry": "it"})

    assert response.status_code == 200
    assert "この項目は必須です" in response.content.decode()
    assert Profile.objects.get(user=member).industry == ""


def test_completing_the_details_moves_the_member_up_the_ladder(client, member_factory, article_factory):
    member = member_factory("registered")
    client.force_login(member)
    article = article_factory(members_only=True)

    response = client.post(
        "/members/me/details/",
        {"industry": "finance", "job_function": "sales", "company_size": "10-49", "prefecture": "大阪府",
         "next": article.url},
    )  # fmt: skip

    assert response.status_code == 302 and response["Location"] == article.url
    member.refresh_from_db()
    assert access.level_of(member) is Level.COMPLETE


def test_an_outside_next_url_is_ignored(client, member_factory):
    client.force_login(member_factory("registered"))

    response = client.post(
        "/members/me/details/",
        {"industry": "it", "job_function": "it", "company_size": "5000+", "prefecture": "海外",
         "next": "https://evil.example/"},
    )  # fmt: skip

    assert response["Location"] == "/members/me/"


def test_basic_info_visibility_is_chosen_per_field(client, member_factory):
    member = member_factory("registered")
    client.force_login(member)

    response = client.post(
        "/members/me/basic/",
        {"display_name": "経済太郎", "real_name": "山田 太郎", "real_name_visibility": "public",
         "company": "株式会社キジ", "company_visibility": "private", "job_title": "", "job_title_visibility": "private",
         "picture_visibility": "private"},
    )  # fmt: skip

    assert response.status_code == 302
    profile = Profile.objects.get(user=member)
    assert (profile.display_name, profile.real_name_visibility, profile.company_visibility) == (
        "経済太郎",
        "public",
        "private",
    )


def test_display_name_is_required(client, member_factory):
    client.force_login(member_factory("registered"))

    response = client.post("/members/me/basic/", {"display_name": "", "real_name_visibility": "private",
                                                  "company_visibility": "private", "job_title_visibility": "private",
                                                  "picture_visibility": "private"})  # fmt: skip

    assert response.status_code == 200 and "この項目は必須です" in response.content.decode()


def test_account_pages_need_login(client):
    for url in ("/members/me/", "/members/me/basic/", "/members/me/details/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_account_home_shows_level_and_monthly_reads(client, member_factory):
    client.force_login(member_factory("registered"))

    html = client.get("/members/me/").content.decode()

    assert "会員(詳細情報未登録)" in html and "0 / 5 本" in html
    assert "必要な会員情報が不足しています。" in html
