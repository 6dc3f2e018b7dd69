import pytest
from django.core.management import call_command

from kiji.premium.models import Plan

pytestmark = pytest.mark.django_db


def test_ensure_plans_creates_the_monthly_and_yearly_plans_once_and_keeps_operator_edits(capsys):
    call_command("ensure_plans")
    Plan.objects.filter(code="monthly").update(name="プレミアム月額(キャンペーン)")
    call_command("ensure_plans")

    plans = {p.code: (p.name, p.price_yen, p.interval_months, p.active) for p in Plan.objects.all()}
    assert plans == {
        "monthly": ("プレミアム月額(キャンペーン)", 1980, 1, True),
        "yearly": ("プレミアム年額", 19800, 12, True),
    }
    assert "プレミアム年額" in capsys.readouterr().out
