"""Who operates the site, as the privacy policy must name them (APPI art. 32: name, address,
representative, where to send requests). Set `KIJI_OPERATOR` in settings for a real deployment;
the defaults describe the demo."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date

from django.conf import settings

POLICY_ESTABLISHED = date(2026, 11, 29)
RULES_ESTABLISHED = date(2026, 11, 29)


@dataclass(frozen=True, slots=True)
class Operator:
    name: str = "Kiji 運営事務局"
    address: str = "〒100-0005 東京都千代田区丸の内(デモ用の架空の所在地)"
    representative: str = "運営責任者(デモ)"
    contact_email: str = "privacy@kiji.localhost"
    # Where personal data is stored; a country other than Japan must be named (APPI art. 28).
    data_location: str = "日本"


def operator() -> Operator:
    configured = getattr(settings, "KIJI_OPERATOR", None) or {}
    known = {f.name for f in fields(Operator)}
    return Operator(**{key: str(value) for key, value in configured.items() if key in known})
