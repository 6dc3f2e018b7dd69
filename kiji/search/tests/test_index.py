"""The index and search(): upkeep, query syntax, filters, access, fallbacks — on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.utils import timezone

from kiji.search import analyzer, indexing
from kiji.search.models import Kind, SearchDocument
from kiji.search.query import parse
from kiji.search.selectors import SearchFilters, Sort, _months, search
from kiji.search.tests.conftest import paragraphs

pytestmark = pytest.mark.django_db
ANON = AnonymousUser()
ARTICLES = SearchFilters(kinds=frozenset({Kind.ARTICLE}))


def slugs(text: str, person: Any = ANON, **kwargs: Any) -> list[str]:
    """The slugs of the results that match every part of the query (looser matches left out)."""
    return [hit.article.slug for hit in search(person, text, **kwargs).hits if not hit.partial]


class TestUpkeep:
    def test_publish_edit_unpublish_and_delete(self, indexed_article: Callable[..., Any]) -> None:
        article = indexed_article(
            "蓄電池の工場を新設する計画を発表した。", title="電池メーカーの新工場", slug="battery"
        )
        assert slugs("新工場") == ["battery"]
        article.title = "素材メーカーの研究拠点"
        article.save_revision().publish()
        indexing.index_article(article.pk)
        assert slugs("新工場") == []
        assert slugs("研究拠点") == ["battery"]
        article.unpublish()
        indexing.index_article(article.pk)
        assert slugs("研究拠点") == []
        assert not SearchDocument.objects.filter(article_id=article.pk).exists()

    def test_deleting_the_page_empties_its_entries(self, indexed_article: Callable[..., Any]) -> None:
        article = indexed_article("物流倉庫の自動化が進む。", slug="warehouse")
        other = indexed_article("物流倉庫の賃料が上がる。", slug="rent")
        article.delete()
        assert slugs("物流倉庫") == ["rent"]
        indexing.index_article(other.pk)  # a later write still finds the index consistent
        assert slugs("物流倉庫") == ["rent"]

    def test_publishing_enqueues_indexing_after_commit(
        self, article_factory: Callable[..., Any], django_capture_on_commit_callbacks: Any
    ) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            article_factory(title="為替と輸入物価の関係", slug="fx", body=paragraphs("為替の動きを読む。"))
        assert slugs("輸入物価") == ["fx"]

    def test_reindex_rebuilds_and_if_needed_skips(
        self, indexed_article: Callable[..., Any], capsys: Any
    ) -> None:
        indexed_article("港湾の再開発が始まる。", slug="port")
        call_command("reindex", "--jobs", "1")
        assert "Indexed 1 documents" in capsys.readouterr().out
        assert slugs("港湾") == ["port"]
        call_command("reindex", "--if-needed")
        assert "up to date" in capsys.readouterr().out
        SearchDocument.objects.update(signature="older-analyzer")
        assert indexing.needs_rebuild()
        call_command("reindex", "--if-needed", "--jobs", "1")
        assert not indexing.needs_rebuild()
        assert slugs("港湾") == ["port"]


class TestQuerySyntax:
    def test_and_phrase_and_exclusion(self, indexed_article: Callable[..., Any]) -> None:
        indexed_article("台湾の半導体工場が稼働した。", slug="taiwan")
        indexed_article("熊本の半導体工場が稼働した。", slug="kumamoto")
        indexed_article("熊本の観光客が増えた。半導体とは別の話題。", slug="tourism")
        both = search(ANON, "半導体 熊本")
        assert sorted(h.article.slug for h in both.hits if not h.partial) == ["kumamoto", "tourism"]
        assert [h.article.slug for h in both.hits if h.partial] == ["taiwan"]  # some words only, last
        assert both.strict_total == 2 and both.hits[-1].partial
        assert slugs('"熊本の半導体"') == ["kumamoto"]
        assert sorted(slugs("半導体 -台湾")) == ["kumamoto", "tourism"]

    def test_phrases_are_adjacent_words_in_order_within_one_field(
        self, indexed_article: Callable[..., Any]
    ) -> None:
        # PostgreSQL matches phrases through indexed word pairs (backends.PAIR): the same answers.
        indexed_article("新しいデータセンターが完成した。", slug="adjacent")
        indexed_article("センターに集まるデータを分析する。", slug="apart")
        indexed_article("工場の話。", slug="across", title="工場のデータ", lead="センター長が語る。")
        indexed_article("データセンター電力の調達が課題だ。", slug="three")
        assert sorted(slugs('"データセンター"', filters=ARTICLES)) == ["adjacent", "three"]
        assert sorted(slugs("データ センター", filters=ARTICLES)) == ["across", "adjacent", "apart", "three"]
        assert slugs('"データセンター電力"', filters=ARTICLES) == ["three"]
        assert sorted(slugs('センター -"データセンター"', filters=ARTICLES)) == ["across", "apart"]

    def test_unusable_queries_say_why(self) -> None:
        assert "除外" in search(ANON, "-台湾").problem
        assert "長すぎます" in search(ANON, "あ" * 101).problem
        assert search(ANON, "   ").hits == []

    def test_compounds_stay_together(self) -> None:
        assert parse("製造業 生成AI").words == (("製造", "業"), ("生成", "ai"))
        assert parse("半導体の輸出規制").words == (("半", "導体"), ("輸出", "規制"))


@pytest.mark.parametrize(
    ("written", "asked"),
    [
        ("サーバーの増設", "サーバ"),
        ("サーバの増設", "ｻｰﾊﾞｰ"),
        ("AIの導入", "ＡＩ"),
        ("ＡＩの導入", "ai"),
        ("ソフトウェアの開発", "ソフトウエア"),
        ("コンピューターの性能", "コンピュータ"),
        ("価格を引き上げる", "引き上げ"),
        ("蓄電池の需要", "電池"),
        ("売上高は3.5%増えた", "3.5%"),
    ],
)
def test_variant_spellings_widths_and_forms_meet(
    indexed_article: Callable[..., Any], written: str, asked: str
) -> None:
    indexed_article(f"今期は{written}が焦点になった。", slug="target")
    indexed_article("関係のない記事の本文です。", slug="other")
    found = search(ANON, asked)
    assert [hit.article.slug for hit in found.hits][:1] == ["target"]
    assert "other" not in [hit.article.slug for hit in found.hits]
    assert "<mark>" in found.hits[0].snippet


class TestRanking:
    """Asserted on whichever database runs the suite: CI runs it on both, so both agree."""

    @pytest.fixture
    def corpus(self, indexed_article: Callable[..., Any], tag_factory: Callable[..., Any]) -> None:
        indexed_article("物流の話題。", title="円安で輸入コストが上昇", slug="title-hit")
        indexed_article(
            "輸出企業には追い風になる。", lead="円安が続く中、企業の対応を追う。", slug="lead-hit"
        )
        indexed_article("円安の影響を受ける業界について、円安が続けば負担は増える。", slug="body-twice")
        indexed_article("為替の話の中で円安にも触れる。", slug="body-once")
        indexed_article("金利の話題。", slug="unrelated")

    def test_title_beats_lead_beats_body(self, corpus: None) -> None:
        assert slugs("円安", filters=ARTICLES)[:2] == ["title-hit", "lead-hit"]
        assert set(slugs("円安", filters=ARTICLES)) == {"title-hit", "lead-hit", "body-twice", "body-once"}

    def test_date_sorts(self, corpus: None) -> None:
        newest = slugs("円安", sort=Sort.NEWEST)
        assert newest == sorted(newest, key=lambda s: -_published(s).timestamp())
        assert slugs("円安", sort=Sort.OLDEST) == list(reversed(newest))


def _published(slug: str) -> Any:
    from kiji.articles.models import ArticlePage

    return ArticlePage.objects.get(slug=slug).published_at


class TestFilters:
    def test_tags_series_author_dates_and_kinds(
        self,
        indexed_article: Callable[..., Any],
        tag_factory: Callable[..., Any],
        series_factory: Callable[..., Any],
        author_factory: Callable[..., Any],
    ) -> None:
        tag, series, author = (
            tag_factory("エネルギー"),
            series_factory(slug="power"),
            author_factory(slug="ito"),
        )
        now = timezone.now()
        indexed_article(
            "電力の需給が逼迫する。", slug="tagged", tags=[tag], published_at=now - timedelta(days=40)
        )
        indexed_article(
            "電力の需給を読む。", slug="in-series", series=series, published_at=now - timedelta(days=2)
        )
        indexed_article(
            "電力会社の決算。", slug="by-ito", authors=[author], published_at=now - timedelta(days=1)
        )
        assert slugs("電力", filters=SearchFilters(tags=(tag.slug,))) == ["tagged"]
        assert slugs("電力", filters=SearchFilters(series="power")) == ["in-series"]
        assert slugs("電力", filters=SearchFilters(author="ito")) == ["by-ito"]
        recent = SearchFilters(since=(now - timedelta(days=5)).date())
        assert sorted(slugs("電力", filters=recent)) == ["by-ito", "in-series"]
        old = SearchFilters(until=(now - timedelta(days=30)).date())
        assert slugs("電力", filters=old) == ["tagged"]
        assert slugs("電力", filters=SearchFilters(kinds=frozenset({Kind.COMMENT}))) == []

    def test_scheduled_articles_stay_out_until_their_time(self, indexed_article: Callable[..., Any]) -> None:
        indexed_article("予定稿の本文。", slug="later", published_at=timezone.now() + timedelta(days=1))
        assert slugs("予定稿") == []


class TestAccess:
    SECRET = "独自入手した再編計画の詳細"

    @pytest.fixture
    def walled(self, indexed_article: Callable[..., Any]) -> Any:
        return indexed_article(
            f"{self.SECRET}を報じる。",
            slug="walled",
            members_only=True,
            lead="大手二社の再編をめぐる動き。",
        )

    def test_visitors_find_walled_bodies_but_see_only_the_lead(self, walled: Any) -> None:
        hit = search(ANON, "再編計画").hits[0]
        assert hit.walled
        assert self.SECRET not in hit.snippet
        assert "大手二社" in hit.snippet

    def test_readers_who_may_read_see_the_body(self, walled: Any, member_factory: Callable[..., Any]) -> None:
        for level in ("complete", "premium"):
            hit = search(member_factory(level), "再編計画").hits[0]
            assert not hit.walled
            assert "再編計画" in hit.snippet

    def test_premium_bodies_stay_walled_for_complete_members(
        self, indexed_article: Callable[..., Any], member_factory: Callable[..., Any]
    ) -> None:
        indexed_article(f"{self.SECRET}。", slug="premium", access="premium", lead="リード。")
        hit = search(member_factory("complete"), "再編計画").hits[0]
        assert hit.walled and self.SECRET not in hit.snippet

    def test_registered_members_see_bodies_they_opened_only(
        self, walled: Any, member_factory: Callable[..., Any]
    ) -> None:
        from kiji.members.services import record_read

        member = member_factory("registered")
        assert search(member, "再編計画").hits[0].walled  # searching must not spend a read
        record_read(member, article_id=walled.pk)
        assert not search(member, "再編計画").hits[0].walled


class TestComments:
    @pytest.fixture
    def thread(
        self,
        indexed_article: Callable[..., Any],
        commenter: Callable[..., Any],
        comment_factory: Callable[..., Any],
    ) -> dict[str, Any]:
        free = indexed_article("本文。", slug="free")
        walled = indexed_article("本文。", slug="walled", members_only=True)
        alice, bob = commenter(display_name="アリス"), commenter(display_name="ボブ")
        made = {
            "free": comment_factory(free, alice, "倉庫ロボットの導入は早いほうがいい"),
            "walled": comment_factory(walled, alice, "倉庫ロボットの費用は回収できるのか"),
            "bob_says": comment_factory(free, bob, "倉庫ロボットには懐疑的です"),
        }
        for comment in made.values():
            indexing.index_comment(comment.pk)
        return {"alice": alice, "bob": bob, **made}

    def _comment_ids(self, person: Any) -> set[int]:
        found = search(person, "倉庫ロボット", filters=SearchFilters(kinds=frozenset({Kind.COMMENT})))
        return {hit.comment.pk for hit in found.hits}

    def test_walled_articles_comments_follow_the_wall(
        self, thread: dict[str, Any], member_factory: Callable[..., Any]
    ) -> None:
        assert self._comment_ids(ANON) == {thread["free"].pk, thread["bob_says"].pk}
        assert thread["walled"].pk in self._comment_ids(member_factory("complete"))

    def test_hidden_and_deleted_comments_leave(self, thread: dict[str, Any], moderator: Any) -> None:
        from kiji.comments import services

        services.hide(moderator, thread["free"], reason="spam")
        indexing.index_comment(thread["free"].pk)
        services.delete_comment(thread["bob"], thread["bob_says"])
        indexing.index_comment(thread["bob_says"].pk)
        assert self._comment_ids(ANON) == set()

    def test_comments_of_members_the_reader_blocks_never_appear(
        self, thread: dict[str, Any], commenter: Callable[..., Any]
    ) -> None:
        from kiji.social.services import block

        reader = commenter("complete")
        block(reader, thread["bob"])
        assert thread["bob_says"].pk not in self._comment_ids(reader)
        assert thread["bob_says"].pk in self._comment_ids(commenter("complete"))

    def test_comment_hits_name_the_author_and_link_to_the_comment(self, thread: dict[str, Any]) -> None:
        hit = search(ANON, "懐疑的").hits[0]
        assert hit.author_name == "ボブ"
        assert hit.url.endswith(f"#comment-{thread['bob_says'].pk}")


def test_did_you_mean_comes_from_the_index(indexed_article: Callable[..., Any]) -> None:
    from kiji.search import vocabulary

    indexed_article("四半期の決算を発表した。", slug="earnings")
    vocabulary.refresh()
    found = search(ANON, "けっさん")
    assert found.total == 0
    assert found.suggestion == "決算"


def test_results_cost_a_fixed_number_of_queries(
    indexed_article: Callable[..., Any], django_assert_max_num_queries: Any
) -> None:
    for n in range(25):
        indexed_article(f"新素材の開発{n}。", slug=f"material-{n}")
    with django_assert_max_num_queries(8):
        found = search(ANON, "新素材", per_page=20)
    assert len(found.hits) == 20 and found.total == 25


def test_the_signature_names_the_dictionary() -> None:
    assert analyzer.SIGNATURE.startswith("sudachi-")


def test_renaming_a_series_reindexes_its_articles(
    indexed_article: Callable[..., Any],
    series_factory: Callable[..., Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    series = series_factory(name="物流の現場", slug="logistics")
    indexed_article("本文。", slug="part-1", series=series)
    with django_capture_on_commit_callbacks(execute=True):
        series.name = "サプライチェーンの現場"
        series.save()
    assert slugs("サプライチェーン") == ["part-1"]


class TestFacets:
    """Filters are also indexed as facet tokens (documents.facets); SQL stays the exact test."""

    def test_comments_follow_their_articles_tags_and_authors_when_those_change(
        self,
        indexed_article: Callable[..., Any],
        tag_factory: Callable[..., Any],
        author_factory: Callable[..., Any],
        commenter: Callable[..., Any],
        comment_factory: Callable[..., Any],
    ) -> None:
        energy, ports = tag_factory("エネルギー"), tag_factory("港湾")
        ito = author_factory(slug="ito")
        article = indexed_article("本文。", slug="grid", tags=[energy], authors=[ito])
        comment = comment_factory(article, commenter(), "送電網の増強が先です")
        indexing.index_comment(comment.pk)

        def comments(filters: SearchFilters) -> list[int]:
            found = search(ANON, "送電網", filters=filters)
            return [hit.comment.pk for hit in found.hits if hit.comment is not None]

        assert comments(SearchFilters(tags=(energy.slug,))) == [comment.pk]
        assert comments(SearchFilters(author="ito")) == [comment.pk]
        article.tags.set([ports])
        article.save_revision().publish()
        indexing.index_article(article.pk)
        assert comments(SearchFilters(tags=(energy.slug,))) == []
        assert comments(SearchFilters(tags=(ports.slug,))) == [comment.pk]
        assert comments(SearchFilters(tags=(ports.slug,), kinds=frozenset({Kind.COMMENT}))) == [comment.pk]
        indexing.index_comment(comment.pk)  # the stored facets let the index forget it exactly
        assert comments(SearchFilters(tags=(ports.slug,))) == [comment.pk]

    def test_a_word_spelled_like_a_facet_is_looked_for_in_the_text_only(
        self, indexed_article: Callable[..., Any]
    ) -> None:
        indexed_article("KA-band の衛星通信を使う。", slug="satellite")
        indexed_article("港湾の自動化。", slug="port")
        month = f"m{timezone.now().astimezone(UTC):%Y%m}"
        assert slugs("ka") == ["satellite"]  # every article has the facet ka (kind: article)
        assert slugs(month) == []

    def test_the_vocabulary_leaves_facets_out(self, indexed_article: Callable[..., Any]) -> None:
        from kiji.search.backends import backend

        indexed_article("港湾の自動化。", slug="port")
        terms = {term for term, _ in backend().vocabulary()}
        assert "港湾" in terms
        assert not {t for t in terms if t in {"ka", "kc"} or t[0] in "mtsw" and t[1:].isdigit()}
        assert not {t for t in terms if "_" in t or " " in t}  # nor PostgreSQL's word pairs

    def test_date_ranges_are_tokyo_days_across_utc_months(self, indexed_article: Callable[..., Any]) -> None:
        tokyo = ZoneInfo("Asia/Tokyo")
        # 00:30 on 1 February in Tokyo is still January in UTC: its month facet is m…01.
        indexed_article("港湾の自動化。", slug="feb", published_at=datetime(2026, 2, 1, 0, 30, tzinfo=tokyo))
        indexed_article("港湾の再編。", slug="jan", published_at=datetime(2026, 1, 31, 23, 30, tzinfo=tokyo))
        february = SearchFilters(since=date(2026, 2, 1), until=date(2026, 2, 28))
        assert slugs("港湾", filters=february) == ["feb"]
        january = SearchFilters(since=date(2026, 1, 1), until=date(2026, 1, 31))
        assert slugs("港湾", filters=january) == ["jan"]

    def test_month_facets_cover_the_range_or_are_left_out(self) -> None:
        start = datetime(2025, 11, 30, 15, 0, tzinfo=UTC)
        assert _months(start, datetime(2026, 2, 1, tzinfo=UTC)) == ("m202511", "m202512", "m202601")
        assert _months(start, start + timedelta(days=365 * 4)) == ()  # too long: SQL alone
