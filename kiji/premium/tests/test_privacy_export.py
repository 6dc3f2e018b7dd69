import json

import pytest

from kiji.premium import services
from kiji.premium.privacy import export_member_data

from .conftest import NOW, apply_by_invoice

pytestmark = pytest.mark.django_db


def test_export_holds_every_subscription_and_invoice_of_the_member_and_nobody_elses(
    reader, django_user_model, monthly, yearly, editor
):
    services.subscribe(reader, plan=monthly, now=NOW)
    services.withdraw_application(reader, now=NOW)
    paid = apply_by_invoice(reader, yearly, now=NOW)
    services.confirm_invoice_payment(paid, by=editor, now=NOW)
    other = django_user_model.objects.create_user("other", "other@example.com", "other-password-1")
    services.subscribe(other, plan=monthly, now=NOW)

    data = export_member_data(reader)

    assert [s["plan_code"] for s in data["subscriptions"]] == ["yearly", "monthly"]
    assert {(i["number"], i["status"]) for i in data["invoices"]} == {
        ("KIJI-2026-000001", "void"),
        ("KIJI-2026-000002", "paid"),
    }
    assert data["subscriptions"][0]["current_period_end"] == "2027-03-10T15:00:00+00:00"
    assert "confirmed_by" not in json.dumps(data)
    json.dumps(data)  # plain JSON, ready for the download
