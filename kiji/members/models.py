"""Members: the basic profile others may see, the detailed profile, and what they have read."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting

from kiji.members.choices import (
    DETAIL_FIELDS,
    PREFECTURE_CHOICES,
    AgeBand,
    CompanySize,
    Industry,
    JobFunction,
    Visibility,
)


class Profile(models.Model):
    """基本情報 (shown to others as each visibility allows) and 詳細情報 (never shown)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    display_name = models.CharField(_("表示名"), max_length=40)
    real_name = models.CharField(_("氏名"), max_length=100, blank=True)
    real_name_visibility = models.CharField(
        _("氏名の公開"), max_length=10, choices=Visibility.choices, default=Visibility.PRIVATE
    )
    company = models.CharField(_("会社名"), max_length=100, blank=True)
    company_visibility = models.CharField(
        _("会社名の公開"), max_length=10, choices=Visibility.choices, default=Visibility.PRIVATE
    )
    job_title = models.CharField(_("役職"), max_length=100, blank=True)
    job_title_visibility = models.CharField(
        _("役職の公開"), max_length=10, choices=Visibility.choices, default=Visibility.PRIVATE
    )
    picture = models.ImageField(_("プロフィール画像"), upload_to="members/%Y/%m/", blank=True)
    picture_visibility = models.CharField(
        _("プロフィール画像の公開"), max_length=10, choices=Visibility.choices, default=Visibility.PRIVATE
    )
    industry = models.CharField(_("業種"), max_length=20, choices=Industry.choices, blank=True)
    job_function = models.CharField(_("職種"), max_length=20, choices=JobFunction.choices, blank=True)
    company_size = models.CharField(_("従業員規模"), max_length=20, choices=CompanySize.choices, blank=True)
    prefecture = models.CharField(_("勤務地"), max_length=10, choices=PREFECTURE_CHOICES, blank=True)
    age_band = models.CharField(_("年代"), max_length=10, choices=AgeBand.choices, blank=True)
    # APPI: the moment the member agreed that their basic info may be shown to others.
    disclosure_consent_at = models.DateTimeField(_("基本情報公開への同意"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("会員プロフィール")
        verbose_name_plural = _("会員プロフィール")

    def __str__(self) -> str:
        return self.display_name

    def missing_details(self, required: tuple[str, ...]) -> list[str]:
        return [name for name in required if not getattr(self, name)]


class ArticleRead(models.Model):
    """One members-only article opened by a member in a month: what the monthly quota counts."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="article_reads")
    article = models.ForeignKey("articles.ArticlePage", on_delete=models.CASCADE, related_name="+")
    month = models.DateField(_("月"))  # the first day of the month, Asia/Tokyo
    first_read_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("記事閲覧")
        verbose_name_plural = _("記事閲覧")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=("user", "month", "article"), name="articleread_once_a_month"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.article_id} · {self.month:%Y-%m}"


@register_setting(icon="group")
class MemberSettings(BaseGenericSetting):
    """What the operator decides: the monthly quota and which details complete a profile."""

    monthly_free_reads = models.PositiveSmallIntegerField(
        _("詳細情報未入力の会員が読める会員限定記事数(月)"), default=5
    )
    require_industry = models.BooleanField(_("業種を必須にする"), default=True)
    require_job_function = models.BooleanField(_("職種を必須にする"), default=True)
    require_company_size = models.BooleanField(_("従業員規模を必須にする"), default=True)
    require_prefecture = models.BooleanField(_("勤務地を必須にする"), default=True)
    require_age_band = models.BooleanField(_("年代を必須にする"), default=False)

    class Meta:
        verbose_name = _("会員設定")

    def save(self, *args: Any, **kwargs: Any) -> None:
        from kiji.core import pagecache

        changed = not self._state.adding  # a first load creates the defaults: nothing to drop
        super().save(*args, **kwargs)
        # Every process keys its cached copy by the shared generation file (see member_settings).
        if changed:
            pagecache.invalidate()

    @property
    def required_details(self) -> tuple[str, ...]:
        return tuple(name for name in DETAIL_FIELDS if getattr(self, f"require_{name}"))
