"""Report reasons, the community rule each one points at, and the features a restriction can turn off."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportReason(models.TextChoices):
    SPAM = "spam", _("スパム・宣伝")
    HARASSMENT = "harassment", _("嫌がらせ・誹謗中傷")
    HATE = "hate", _("差別・ヘイト")
    PERSONAL_INFO = "personal_info", _("個人情報の掲載")
    ILLEGAL = "illegal", _("違法な内容")
    OFF_TOPIC = "off_topic", _("記事と関係のない内容")
    OTHER = "other", _("その他")


# The anchor of the community rules page that each reason breaks (ルール違反).
RULE_ANCHORS: dict[str, str] = {
    ReportReason.SPAM: "rule-promotion",
    ReportReason.HARASSMENT: "rule-respect",
    ReportReason.HATE: "rule-respect",
    ReportReason.PERSONAL_INFO: "rule-privacy",
    ReportReason.ILLEGAL: "rule-law",
    ReportReason.OFF_TOPIC: "rule-topic",
    ReportReason.OTHER: "rules-title",
}


class Feature(models.TextChoices):
    """What a restriction (機能制限) can turn off; the access ladder checks each one."""

    POST = "post", _("コメントの投稿")
    REPLY = "reply", _("返信")
    LIKE = "like", _("いいね")
    REPORT = "report", _("通報")
    FOLLOW = "follow", _("フォロー")


def rule_anchor(reason: str) -> str:
    return RULE_ANCHORS.get(reason, "rules-title")
