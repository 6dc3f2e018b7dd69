"""Fixtures for the staff tools: members at every level, plans, and staff with and without rights."""

from __future__ import annotations

import itertools

import pytest
from django.contrib.auth.models import Permission

from conftest import activate_premium
from kiji.members.models import ArticleRead, Profile
from kiji.members.selectors import this_month
from kiji.premium.models import Plan

_seq = itertools.count(1)

COMPLETE_DETAILS = {
    "industry": "it",
    "job_function": "planning",
    "company_size": "50-299",
    "prefecture": "東京都",
    "age_band": "40-49",
}


@pytest.fixture
def plan(db):
    return Plan.objects.create(code="monthly", name="月額プラン", price_yen=1100)


@pytest.fixture
def make_member(db, django_user_model, plan):
    """`make_member(level="registered"|"complete"|"premium"|"staff"|"no_profile", reads=[article...])`."""

    def make(level="registered", *, email=None, display_name=None, company="", reads=()):
        n = next(_seq)
        user = django_user_model.objects.create_user(
            f"member{n}", email or f"member{n}@example.com", "member-password-1", is_staff=level == "staff"
        )
        if level != "no_profile":
            details = COMPLETE_DETAILS if level in ("complete", "premium") else {}
            Profile.objects.create(
                user=user, display_name=display_name or f"会員{n}", company=company, **details
            )
        if level == "premium":
            activate_premium(user, plan=plan, days=30)
        for article in reads:
            ArticleRead.objects.create(user=user, article=article, month=this_month())
        return user

    return make


def _with_totp(user):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    TOTP.activate(user, generate_totp_secret())
    return user


def _permission(label):
    app_label, codename = label.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


@pytest.fixture
def make_staff(db, django_user_model):
    """Staff with a second factor and admin access, plus the given permissions (e.g. "audit.manage_members")."""

    def make(*permissions, username=None):
        user = django_user_model.objects.create_user(
            username or f"staff{next(_seq)}",
            f"staff{next(_seq)}@example.com",
            "staff-password-1",
            is_staff=True,
        )
        user.user_permissions.add(_permission("wagtailadmin.access_admin"), *map(_permission, permissions))
        return _with_totp(user)

    return make


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client
