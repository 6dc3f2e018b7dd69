"""Premium fixtures: the standard plans, a fixed clock in Tokyo, and a signed-in operator."""

from datetime import datetime

import pytest
from django.test import Client

from kiji.premium import services
from kiji.premium.models import TOKYO, Invoice

# A Tuesday afternoon in Tokyo; every billing test counts from here.
NOW = datetime(2026, 3, 10, 14, 23, tzinfo=TOKYO)


def tokyo(year, month, day, hour=0, minute=0):
    return datetime(year, month, day, hour, minute, tzinfo=TOKYO)


def apply_by_invoice(user, plan, *, now=None) -> Invoice:
    """Subscribe by invoice and return the invoice to pay."""
    invoice = services.subscribe(user, plan=plan, now=now).invoice
    assert invoice is not None
    return invoice


@pytest.fixture
def plans(db):
    return {plan.code: plan for plan in services.ensure_plans()}


@pytest.fixture
def monthly(plans):
    return plans["monthly"]


@pytest.fixture
def yearly(plans):
    return plans["yearly"]


@pytest.fixture
def operator_client(editor):
    client = Client()
    client.force_login(editor)
    return client


@pytest.fixture
def premium_member(reader, monthly, editor):
    """The reader, subscribed monthly by invoice and paid just now (pages read the real clock)."""
    services.confirm_invoice_payment(apply_by_invoice(reader, monthly), by=editor)
    return reader
