import json
import sys
import types
from importlib.machinery import ModuleSpec

import pytest
from allauth.usersessions.models import UserSession
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kiji.audit import services as audit
from kiji.members.choices import Visibility
from kiji.members.models import ArticleRead, Profile
from kiji.members.selectors import this_month
from kiji.privacy import services
from kiji.privacy.selectors import member_export

pytestmark = pytest.mark.django_db


def _export(client, user):
    client.force_login(user)
    response = client.post("/privacy/export/")
    assert response.status_code == 200
    return response, json.loads(response.content)


@pytest.fixture
def two_members(distinct_member, article_factory):
    """Alpha and Bravo, each with their own reads, devices and privacy actions."""
    alpha = distinct_member(
        "Alpha",
        consent=True,
        real_name_visibility=Visibility.PUBLIC,
        industry="finance",
        job_function="legal",
        company_size="1000-4999",
        prefecture="沖縄県",
        age_band="50-59",
    )
    bravo = distinct_member("Bravo", consent=True, industry="energy", prefecture="北海道", age_band="-29")
    alpha_read = article_factory(members_only=True, title="アルファだけが読んだ記事", slug="alpha-only-read")
    bravo_read = article_factory(members_only=True, title="ブラボーだけが読んだ記事", slug="bravo-only-read")
    ArticleRead.objects.create(user=alpha, article=alpha_read, month=this_month())
    ArticleRead.objects.create(user=bravo, article=bravo_read, month=this_month())
    UserSession.objects.create(
        user=alpha, session_key="alpha-session", ip="198.51.100.7", user_agent="AlphaBrowser/1"
    )
    UserSession.objects.create(
        user=bravo, session_key="bravo-session", ip="203.0.113.99", user_agent="BravoBrowser/9"
    )
    services.withdraw_disclosure_consent(bravo)
    # Actions by Bravo, or about Alpha by someone else, are not Alpha's own privacy actions.
    audit.record(bravo, "privacy.exported", target=alpha)
    return alpha, bravo


def test_the_export_holds_every_personal_field_of_the_member(client, two_members):
    alpha, _ = two_members

    response, data = _export(client, alpha)

    profile = Profile.objects.get(user=alpha)
    text = response.content.decode()
    assert response["Content-Disposition"] == (
        f'attachment; filename="kiji-export-{timezone.localdate():%Y%m%d}.json"'
    )
    assert "no-store" in response["Cache-Control"]
    user = data["user"]
    assert user["email"] == "alpha@alpha-mail.example"
    assert {e["email"] for e in user["email_addresses"]} == {
        "alpha@alpha-mail.example",
        "alpha.second@alpha-mail.example",
    }
    assert user["first_name"] == "AlphaFirst" and user["last_name"] == "AlphaLast"
    assert user["date_joined"] and "last_login" in user
    expected_profile = {
        "display_name": "Alpha表示名",
        "real_name": "Alpha氏名",
        "real_name_visibility": "public",
        "company": "Alpha商事",
        "job_title": "Alpha部長",
        "industry": "finance",
        "industry_label": "金融・保険",
        "job_function": "legal",
        "company_size": "1000-4999",
        "prefecture": "沖縄県",
        "age_band": "50-59",
    }
    assert {key: data["profile"][key] for key in expected_profile} == expected_profile
    model_fields = {f.name for f in Profile._meta.concrete_fields} - {"id", "user"}
    assert model_fields <= set(data["profile"])
    assert data["profile"]["picture"] == f"http://testserver{profile.picture.url}"
    assert data["profile"]["disclosure_consent_at"]
    assert data["article_reads"] == [
        {
            "month": f"{this_month():%Y-%m}",
            "article_slug": "alpha-only-read",
            "article_title": "アルファだけが読んだ記事",
            "first_read_at": data["article_reads"][0]["first_read_at"],
        }
    ]
    assert data["signed_in_devices"][0]["ip"] == "198.51.100.7"
    assert [entry["action"] for entry in data["privacy_actions"]] == [
        "privacy.consent_given",
        "privacy.exported",
    ]
    assert "library" in data and "premium" in data
    assert "AlphaBrowser/1" in text


def test_the_export_holds_nothing_of_another_member(client, two_members):
    alpha, bravo = two_members
    bravo_profile = Profile.objects.get(user=bravo)

    response, _ = _export(client, alpha)

    text = response.content.decode()
    bravo_values = [
        "bravo@bravo-mail.example",
        "bravo.second@bravo-mail.example",
        "BravoFirst",
        "BravoLast",
        "Bravo表示名",
        "Bravo氏名",
        "Bravo商事",
        "Bravo部長",
        bravo_profile.picture.name,
        bravo.get_username(),
        "ブラボーだけが読んだ記事",
        "bravo-only-read",
        "203.0.113.99",
        "BravoBrowser/9",
        "privacy.consent_withdrawn",
        "北海道",
        "energy",
    ]
    assert [value for value in bravo_values if value in text] == []
    assert text.count("privacy.exported") == 1  # Alpha's own export, not Bravo's action about Alpha


def test_export_sections_from_other_apps_are_included_and_a_missing_one_is_skipped(two_members, monkeypatch):
    alpha, _ = two_members
    fake = types.ModuleType("kiji.library.privacy")
    fake.__spec__ = ModuleSpec("kiji.library.privacy", None)
    fake.export_member_data = lambda user: {"favorites": [f"favorite of {user.pk}"]}  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "kiji.library.privacy", fake)
    monkeypatch.setitem(sys.modules, "kiji.premium.privacy", None)  # not written yet

    data = member_export(alpha)

    assert data["library"] == {"favorites": [f"favorite of {alpha.pk}"]}
    assert "premium" not in data


def test_the_export_takes_the_same_number_of_queries_however_much_was_read(
    distinct_member, article_factory, django_user_model
):
    member = distinct_member("Delta")
    articles = [article_factory(members_only=True) for _ in range(6)]

    ArticleRead.objects.create(user=member, article=articles[0], month=this_month())
    with CaptureQueriesContext(connection) as one_read:
        member_export(django_user_model.objects.get(pk=member.pk))
    for article in articles[1:]:
        ArticleRead.objects.create(user=member, article=article, month=this_month())
    with CaptureQueriesContext(connection) as six_reads:
        data = member_export(django_user_model.objects.get(pk=member.pk))

    assert len(data["article_reads"]) == 6
    assert len(six_reads) == len(one_read) <= 30  # each app's part: a few queries, none per row


def test_the_export_page_explains_and_downloads_only_on_post(client, member_factory):
    client.force_login(member_factory())

    page = client.get("/privacy/export/")

    assert page.status_code == 200
    assert "Content-Disposition" not in page
    assert 'method="post"' in page.content.decode()


def test_exports_are_rate_limited(client, member_factory):
    client.force_login(member_factory())

    statuses = [client.post("/privacy/export/").status_code for _ in range(6)]

    assert statuses == [200] * 5 + [429]
