"""Content model: articles (Wagtail pages), series, authors, tags and PR slots."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import TagBase, TaggedItemBase
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from kiji.articles.blocks import ArticleBodyBlock
from kiji.core.access import ArticleAccess

if TYPE_CHECKING:
    from wagtail.blocks import StreamValue


class Series(models.Model):
    """連載: an ordered run of articles."""

    name = models.CharField(_("連載名"), max_length=200)
    slug = models.SlugField(_("スラッグ"), max_length=100, unique=True)
    description = models.TextField(_("説明"), blank=True)
    image = models.ForeignKey(
        "images.KijiImage",
        verbose_name=_("画像"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    panels: ClassVar = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldPanel("description"),
        FieldPanel("image"),
    ]

    class Meta:
        verbose_name = _("連載")
        verbose_name_plural = _("連載")
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("articles:series", kwargs={"slug": self.slug})


class Author(models.Model):
    """執筆者: shown in the 執筆 box of each article."""

    name = models.CharField(_("氏名"), max_length=100)
    slug = models.SlugField(_("スラッグ"), max_length=100, unique=True)
    title = models.CharField(_("肩書"), max_length=100, blank=True, help_text=_("例: 在米ジャーナリスト"))
    bio = models.TextField(_("プロフィール"), blank=True)
    photo = models.ForeignKey(
        "images.KijiImage",
        verbose_name=_("写真"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    panels: ClassVar = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldPanel("title"),
        FieldPanel("bio"),
        FieldPanel("photo"),
    ]

    class Meta:
        verbose_name = _("執筆者")
        verbose_name_plural = _("執筆者")
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("articles:author", kwargs={"slug": self.slug})


class Tag(TagBase):
    """An article tag; names (and so slugs) are often Japanese."""

    class Meta:
        verbose_name = _("タグ")
        verbose_name_plural = _("タグ")
        ordering = ("name",)

    def slugify(self, tag: str, i: int | None = None) -> str:
        slug = slugify(tag, allow_unicode=True)[:90] or "tag"
        return f"{slug}-{i}" if i is not None else slug

    def get_absolute_url(self) -> str:
        return reverse("articles:tag", kwargs={"slug": self.slug})


class ArticleTag(TaggedItemBase):
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="tagged_articles")
    content_object = ParentalKey(
        "articles.ArticlePage", on_delete=models.CASCADE, related_name="tagged_items"
    )

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=("content_object", "tag"), name="articletag_unique_per_article")
        ]


class HomePage(Page):
    """The site root: latest and featured articles, series, popular tags and PR."""

    intro = models.TextField(_("紹介文"), blank=True)

    content_panels: ClassVar = [*Page.content_panels, FieldPanel("intro")]
    subpage_types: ClassVar = ["articles.ArticleIndexPage"]
    parent_page_types: ClassVar = ["wagtailcore.Page"]
    max_count = 1

    class Meta:
        verbose_name = _("ホーム")

    def serve(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        from kiji.articles.views import home

        return home(request, self)


class ArticleIndexPage(Page):
    """The parent of every article: /articles/."""

    subpage_types: ClassVar = ["articles.ArticlePage"]
    parent_page_types: ClassVar = ["articles.HomePage"]
    max_count = 1

    class Meta:
        verbose_name = _("記事一覧")

    def serve(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        from kiji.articles.views import article_list

        return article_list(request)


@dataclass
class BodyPage:
    """One page of a multi-page article."""

    number: int
    blocks: list[Any] = field(default_factory=list)

    @property
    def heading(self) -> str:
        for block in self.blocks:
            if block.block_type == "heading":
                return str(block.value)
        return ""


class ArticlePage(Page):
    lead = models.TextField(_("リード"))
    hero_image = models.ForeignKey(
        "images.KijiImage",
        verbose_name=_("メイン画像"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    body = StreamField(ArticleBodyBlock(), verbose_name=_("本文"))
    published_at = models.DateTimeField(_("掲載日時"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("更新日時"), null=True, blank=True)
    access_level = models.CharField(
        _("公開範囲"), max_length=10, choices=ArticleAccess.choices, default=ArticleAccess.FREE
    )
    featured = models.BooleanField(_("注目記事"), default=False, help_text=_("ホームの注目欄に表示します"))
    series = models.ForeignKey(
        Series,
        verbose_name=_("連載"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="articles",
    )
    series_position = models.PositiveSmallIntegerField(_("連載の回"), null=True, blank=True)
    tags = ClusterTaggableManager(through=ArticleTag, blank=True, verbose_name=_("タグ"))

    content_panels: ClassVar = [
        *Page.content_panels,
        FieldPanel("lead"),
        FieldPanel("hero_image"),
        FieldPanel("body"),
        InlinePanel("article_authors", label=_("執筆者"), min_num=1),
    ]
    promote_panels: ClassVar = [
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("published_at"), FieldPanel("updated_at")]),
                FieldRowPanel([FieldPanel("access_level"), FieldPanel("featured")]),
                FieldRowPanel([FieldPanel("series"), FieldPanel("series_position")]),
                FieldPanel("tags"),
            ],
            heading=_("掲載情報"),
        ),
        *Page.promote_panels,
    ]
    search_fields: ClassVar = [*Page.search_fields, index.SearchField("lead"), index.SearchField("body")]
    parent_page_types: ClassVar = ["articles.ArticleIndexPage"]
    subpage_types: ClassVar[list[str]] = []
    template = "articles/article_page.html"

    class Meta:
        verbose_name = _("記事")
        verbose_name_plural = _("記事")
        indexes: ClassVar = [
            models.Index(fields=("series", "series_position"), name="article_series_position")
        ]

    @property
    def members_only(self) -> bool:
        """Not free: members-only or premium-only (the 会員限定 badge, the wall, paywall markup)."""
        return self.access_level != ArticleAccess.FREE

    @property
    def premium_only(self) -> bool:
        return self.access_level == ArticleAccess.PREMIUM

    def clean(self) -> None:
        super().clean()
        if self.series_id and not self.series_position:
            raise ValidationError({"series_position": _("連載の回を入力してください。")})
        if self.updated_at and self.published_at and self.updated_at < self.published_at:
            raise ValidationError({"updated_at": _("更新日時は掲載日時より後にしてください。")})

    def get_url_parts(self, request: HttpRequest | None = None) -> Any:
        # Articles always live at /articles/<slug>/, which a dedicated view serves with prefetching.
        parts = super().get_url_parts(request)
        if parts is None:
            return None
        site_id, root_url, _path = parts
        return site_id, root_url, reverse("articles:article", kwargs={"slug": self.slug})

    @property
    def body_pages(self) -> list[BodyPage]:
        if not hasattr(self, "_body_pages"):
            pages = [BodyPage(1)]
            stream: StreamValue = self.body
            for block in stream:
                if block.block_type == "page_break":
                    if pages[-1].blocks:
                        pages.append(BodyPage(len(pages) + 1))
                    continue
                pages[-1].blocks.append(block)
            if len(pages) > 1 and not pages[-1].blocks:
                pages.pop()
            self._body_pages = pages
        return self._body_pages

    @property
    def page_count(self) -> int:
        return len(self.body_pages)

    def serve(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        from kiji.articles.views import render_article

        return render_article(request, self)

    def serve_preview(self, request: HttpRequest, mode_name: str) -> HttpResponse:
        from kiji.articles.views import render_article

        return render_article(request, self, preview=True)


class ArticleAuthor(Orderable):
    page = ParentalKey(ArticlePage, on_delete=models.CASCADE, related_name="article_authors")
    author = models.ForeignKey(
        Author, verbose_name=_("執筆者"), on_delete=models.PROTECT, related_name="article_links"
    )

    panels: ClassVar = [FieldPanel("author")]

    class Meta(Orderable.Meta):
        verbose_name = _("執筆者")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=("page", "author"), name="articleauthor_unique_per_article")
        ]


class SponsoredItemQuerySet(models.QuerySet["SponsoredItem"]):
    def running(self) -> SponsoredItemQuerySet:
        now = timezone.now()
        return self.filter(active=True).filter(
            models.Q(starts_at__isnull=True) | models.Q(starts_at__lte=now),
            models.Q(ends_at__isnull=True) | models.Q(ends_at__gt=now),
        )


class SponsoredItem(models.Model):
    """A PR slot: a sponsor's item, always shown with the PR label."""

    title = models.CharField(_("タイトル"), max_length=200)
    sponsor = models.CharField(_("広告主"), max_length=100)
    url = models.URLField(_("リンク先"))
    description = models.CharField(_("説明"), max_length=300, blank=True)
    image = models.ForeignKey(
        "images.KijiImage",
        verbose_name=_("画像"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    active = models.BooleanField(_("掲載中"), default=True)
    starts_at = models.DateTimeField(_("掲載開始"), null=True, blank=True)
    ends_at = models.DateTimeField(_("掲載終了"), null=True, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("表示順"), default=0)

    objects = SponsoredItemQuerySet.as_manager()

    panels: ClassVar = [
        FieldPanel("title"),
        FieldPanel("sponsor"),
        FieldPanel("url"),
        FieldPanel("description"),
        FieldPanel("image"),
        FieldRowPanel([FieldPanel("starts_at"), FieldPanel("ends_at")]),
        FieldRowPanel([FieldPanel("active"), FieldPanel("sort_order")]),
    ]

    class Meta:
        verbose_name = _("PR枠")
        verbose_name_plural = _("PR枠")
        ordering = ("sort_order", "-id")
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(starts_at__isnull=True)
                | models.Q(ends_at__isnull=True)
                | models.Q(ends_at__gt=models.F("starts_at")),
                name="sponsoreditem_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"[PR] {self.title}"
