"""The search index's own table: one row per searchable thing, with the text that snippets show.

The full-text structures themselves (SQLite FTS5 tables, PostgreSQL tsvector columns with RUM
indexes) are created by the migration for the database in use and kept by `kiji.search.backends`;
the ORM never sees them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    ARTICLE = "article", _("記事")
    COMMENT = "comment", _("コメント")


class SearchDocument(models.Model):
    kind = models.CharField(max_length=8, choices=Kind.choices)
    article = models.ForeignKey("articles.ArticlePage", on_delete=models.CASCADE, related_name="+")
    comment = models.OneToOneField(
        "comments.Comment", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # Comments: whose text it is (blocks hide it). Articles: empty.
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # Copied from the article so that filtering needs no join.
    access_level = models.CharField(max_length=16)
    series_id = models.IntegerField(null=True, blank=True)
    published_at = models.DateTimeField()
    title = models.TextField(blank=True)
    lead = models.TextField(blank=True)
    tags = models.TextField(blank=True)
    body = models.TextField(blank=True)
    # Kind, month, tags, series and authors as tokens (documents.facets), indexed beside the words.
    facets = models.TextField(blank=True)
    # The analyzer that produced the indexed tokens (kiji.search.analyzer.SIGNATURE).
    signature = models.CharField(max_length=120)
    indexed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["article"], condition=models.Q(kind="article"), name="search_one_doc_per_article"
            ),
        ]
        indexes = [
            models.Index(fields=["kind", "published_at"], name="search_kind_date"),
            models.Index(fields=["article", "kind"], name="search_article_kind"),
            # Newest first: walk by date and test each document, stopping after one page.
            models.Index(fields=["-published_at"], name="search_newest"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.comment_id or self.article_id}"


class Term(models.Model):
    """The index vocabulary with document frequencies: did-you-mean suggestions come from here.

    Rebuilt by the worker after indexing (kiji.search.vocabulary), not on every write.
    """

    term = models.CharField(max_length=100, unique=True)
    reading = models.CharField(max_length=200, blank=True, db_index=True)
    doc_count = models.PositiveIntegerField()

    def __str__(self) -> str:
        return self.term


class RelatedArticle(models.Model):
    """関連コンテンツ, computed by the worker (kiji.search.related) and read with the article page."""

    article = models.ForeignKey("articles.ArticlePage", on_delete=models.CASCADE, related_name="+")
    other = models.ForeignKey("articles.ArticlePage", on_delete=models.CASCADE, related_name="+")
    rank = models.PositiveSmallIntegerField()
    score = models.FloatField()
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["article", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["article", "other"], name="related_once"),
            models.UniqueConstraint(fields=["article", "rank"], name="related_rank_once"),
        ]

    def __str__(self) -> str:
        return f"{self.article_id} → {self.other_id}"
