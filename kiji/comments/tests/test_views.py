"""The comment section with and without JavaScript: what each reader sees and what each write answers."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kiji.comments import services
from kiji.comments.models import Comment, CommentReport
from kiji.comments.selectors import COMMENTS_PER_PAGE

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


def section(article):
    return reverse("comments:section", args=[article.pk])


def post_url(article):
    return reverse("comments:post", args=[article.pk])


def test_the_article_page_links_to_the_section_the_same_for_everyone(client, article_factory):
    article = article_factory()
    html = client.get(article.url).content.decode()
    assert f'hx-get="{section(article)}"' in html
    assert f'href="{section(article)}"' in html  # without JavaScript


def test_visitors_read_comments_of_free_articles_with_a_sign_in_prompt(
    client, article_factory, commenter, comment_factory
):
    article = article_factory()
    comment_factory(article, commenter(display_name="山田"), "公開コメント")
    html = client.get(section(article), **HX).content.decode()
    assert "公開コメント" in html and "山田" in html
    assert "ログイン" in html
    assert "csrfmiddlewaretoken" not in html  # the shared copy holds no token


def test_comments_of_a_members_only_article_follow_its_wall(
    client, article_factory, commenter, comment_factory
):
    article = article_factory(members_only=True)
    comment_factory(article, commenter(), "会員向けの議論")
    response = client.get(section(article))
    assert response.status_code == 403
    assert "会員向けの議論" not in response.content.decode()
    reader = commenter()  # registered, has not opened the article this month
    client.force_login(reader)
    assert "会員向けの議論" not in client.get(section(article), **HX).content.decode()
    client.get(article.url)  # opening it spends one of the month's reads
    assert "会員向けの議論" in client.get(section(article), **HX).content.decode()


def test_posting_without_javascript_redirects_to_the_new_comment(
    client, article_factory, commenter, open_comments
):
    article, member = article_factory(), commenter()
    client.force_login(member)
    response = client.post(post_url(article), {"body": "JavaScriptなしで投稿", "token": "t-1"})
    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"].endswith(f"#comment-{comment.pk}")
    assert "コメントを投稿しました。" in client.get(response["Location"]).content.decode()


def test_posting_with_htmx_answers_a_fresh_form_and_the_new_comment(
    client, article_factory, commenter, open_comments
):
    article, member = article_factory(), commenter()
    client.force_login(member)
    html = client.post(post_url(article), {"body": "htmxで投稿", "token": "t-2"}, **HX).content.decode()
    comment = Comment.objects.get()
    assert 'hx-swap-oob="afterbegin:#comment-list"' in html
    assert f'id="comment-{comment.pk}"' in html
    assert 'name="token"' in html and 'value="t-2"' not in html  # the next post gets a new token


def test_an_error_keeps_the_text_and_says_what_is_wrong(client, article_factory, commenter, configure):
    configure(premoderate_first_comments=0, max_length=10)
    article, member = article_factory(), commenter()
    client.force_login(member)
    response = client.post(post_url(article), {"body": "長すぎるコメントの本文です", "token": "t-3"}, **HX)
    html = response.content.decode()
    assert response.status_code == 422
    assert "10文字以内" in html and "長すぎるコメントの本文です" in html
    assert not Comment.objects.exists()


def test_posting_too_soon_says_how_long_to_wait(client, article_factory, commenter, configure):
    configure(premoderate_first_comments=0)
    article, member = article_factory(), commenter()
    client.force_login(member)
    client.post(post_url(article), {"body": "一つ目", "token": "a"}, **HX)
    response = client.post(post_url(article), {"body": "二つ目", "token": "b"}, **HX)
    assert response.status_code == 429
    assert "秒お待ちください" in response.content.decode() and "二つ目" in response.content.decode()


def test_a_double_submit_makes_one_comment(client, article_factory, commenter, open_comments):
    article, member = article_factory(), commenter()
    client.force_login(member)
    for _n in range(2):
        client.post(post_url(article), {"body": "二度押し", "token": "same"})
    assert Comment.objects.count() == 1


def test_without_consent_the_member_is_sent_to_the_consent_step(
    client, article_factory, commenter, open_comments
):
    article, member = article_factory(), commenter(consent=False)
    client.force_login(member)
    assert "基本情報の公開について確認する" in client.get(section(article), **HX).content.decode()
    response = client.post(post_url(article), {"body": "同意前", "token": "c"}, HTTP_REFERER=article.url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("privacy:consent"))
    hx = client.post(post_url(article), {"body": "同意前", "token": "d"}, **HX)
    assert hx.status_code == 204 and hx["HX-Redirect"].startswith(reverse("privacy:consent"))
    assert not Comment.objects.exists()


def test_a_restricted_action_answers_with_the_notice(
    client, article_factory, commenter, moderator, open_comments, comment_factory
):
    article = article_factory()
    member = commenter()
    target = comment_factory(article, commenter(), "いいね対象")
    services.restrict(
        moderator, member, features=["like", "post"], reason="harassment", days=7, message="言葉遣いに注意"
    )
    client.force_login(member)
    section_html = client.get(section(article), **HX).content.decode()
    assert "機能制限のお知らせ" in section_html and 'id="comment-form"' not in section_html
    response = client.post(reverse("comments:like", args=[target.pk]), {"liked": "1"}, **HX)
    html = response.content.decode()
    assert response.status_code == 403 and response["HX-Retarget"] == "#comment-dialog"
    for expected in (
        "機能制限のお知らせ",
        "いいね",
        "コメントの投稿",
        "嫌がらせ・誹謗中傷",
        "言葉遣いに注意",
        "異議を申し立てる",
    ):
        assert expected in html
    assert "処理に失敗しました" not in html
    no_js = client.post(reverse("comments:like", args=[target.pk]), {"liked": "1"})
    assert no_js.status_code == 403 and "機能制限のお知らせ" in no_js.content.decode()


def test_like_with_htmx_returns_the_button_with_the_new_count(
    client, article_factory, commenter, comment_factory
):
    article = article_factory()
    comment = comment_factory(article, commenter())
    client.force_login(commenter())
    html = client.post(reverse("comments:like", args=[comment.pk]), {"liked": "1"}, **HX).content.decode()
    assert 'aria-pressed="true"' in html and '<span class="comment-like__count">1</span>' in html
    html = client.post(reverse("comments:like", args=[comment.pk]), {"liked": "0"}, **HX).content.decode()
    assert 'aria-pressed="false"' in html and '<span class="comment-like__count">0</span>' in html


def test_liking_ones_own_comment_is_refused_with_a_clear_message(
    client, article_factory, commenter, comment_factory
):
    article, author = article_factory(), commenter()
    comment = comment_factory(article, author)
    client.force_login(author)
    response = client.post(reverse("comments:like", args=[comment.pk]), {"liked": "1"}, **HX)
    assert (
        response.status_code == 422 and "ご自身のコメントにはいいねできません。" in response.content.decode()
    )


def test_the_report_dialog_and_its_completion(client, article_factory, commenter, comment_factory):
    article = article_factory()
    comment = comment_factory(article, commenter())
    client.force_login(commenter())
    dialog = client.get(reverse("comments:report", args=[comment.pk]), **HX)
    html = dialog.content.decode()
    assert dialog["HX-Retarget"] == "#comment-dialog"
    assert "このコメントについて、問題の詳細をお知らせください" in html and reverse("privacy:rules") in html
    missing = client.post(reverse("comments:report", args=[comment.pk]), {"reason": "other"}, **HX)
    assert missing.status_code == 422 and "問題の詳細をお知らせください。" in missing.content.decode()
    done = client.post(
        reverse("comments:report", args=[comment.pk]), {"reason": "spam"}, **HX
    ).content.decode()
    assert "報告が完了しました" in done and f'id="report-{comment.pk}" hx-swap-oob="true"' in done
    assert CommentReport.objects.count() == 1


def test_reporting_without_javascript(client, article_factory, commenter, comment_factory):
    article = article_factory()
    comment = comment_factory(article, commenter())
    client.force_login(commenter())
    assert "通報の理由" in client.get(reverse("comments:report", args=[comment.pk])).content.decode()
    response = client.post(reverse("comments:report", args=[comment.pk]), {"reason": "spam"}, follow=True)
    assert "報告が完了しました" in response.content.decode()


def test_edit_and_delete_with_and_without_javascript(
    client, article_factory, commenter, comment_factory, open_comments
):
    article, author = article_factory(), commenter()
    comment = comment_factory(article, author, "元の文")
    client.force_login(author)
    form = client.get(reverse("comments:edit", args=[comment.pk])).content.decode()
    assert "あなたの投稿コメント編集" in form and "元の文" in form
    html = client.post(
        reverse("comments:edit", args=[comment.pk]), {"body": "直した文"}, **HX
    ).content.decode()
    assert "直した文" in html and "編集済み" in html
    confirm = client.get(reverse("comments:delete", args=[comment.pk])).content.decode()
    assert "投稿したコメントを削除しますか?" in confirm
    response = client.post(reverse("comments:delete", args=[comment.pk]), **HX)
    assert "コメントを削除しました。" in response.content.decode()
    assert f'id="comment-{comment.pk}" hx-swap-oob="delete"' in response.content.decode()
    comment.refresh_from_db()
    assert comment.status == Comment.Status.DELETED


def test_others_cannot_open_the_edit_or_delete_forms(client, article_factory, commenter, comment_factory):
    comment = comment_factory(article_factory(), commenter())
    client.force_login(commenter())
    assert client.get(reverse("comments:edit", args=[comment.pk])).status_code == 404
    assert client.post(reverse("comments:delete", args=[comment.pk])).status_code == 404


def test_sorting_by_likes_and_paging(client, article_factory, commenter, comment_factory):
    article, author = article_factory(), commenter()
    popular = comment_factory(article, author, "人気のコメント", like_count=9)
    for n in range(COMMENTS_PER_PAGE + 1):
        comment_factory(article, author, f"その他{n}")
    liked = client.get(section(article) + "?sort=liked", **HX).content.decode()
    assert liked.index("人気のコメント") < liked.index("その他")
    newest = client.get(section(article), **HX).content.decode()
    assert "人気のコメント" not in newest and "?page=2" in newest
    assert "人気のコメント" in client.get(section(article) + "?page=2", **HX).content.decode()
    assert popular.pk


def test_held_comments_are_shown_only_to_their_author(client, article_factory, commenter, configure):
    configure(premoderate_first_comments=1)
    article, author = article_factory(), commenter()
    services.post_comment(author, article=article, body="承認待ちの初投稿")
    client.force_login(author)
    own = client.get(section(article), **HX).content.decode()
    assert "承認待ちの初投稿" in own and "承認待ち" in own
    client.force_login(commenter())
    assert "承認待ちの初投稿" not in client.get(section(article), **HX).content.decode()


def test_the_member_status_page_shows_restrictions_reports_and_takes_an_appeal(
    client, article_factory, commenter, moderator, open_comments, comment_factory
):
    article = article_factory()
    member, reporter = commenter(), commenter()
    comment = comment_factory(article, member, "問題のあるコメント")
    services.report_comment(reporter, comment, reason="harassment")
    restriction = services.restrict(
        moderator, member, features=["post"], reason="harassment", days=3, comment=comment
    )
    client.force_login(member)
    html = client.get(reverse("comments:my_status")).content.decode()
    assert "機能制限のお知らせ" in html and "問題のあるコメント" in html and "異議の申し立て" in html
    response = client.post(
        reverse("comments:appeal", args=[restriction.pk]),
        {"text": "誤解を招く表現でしたが悪意はありません。"},
        follow=True,
    )
    assert "異議の申し立てを受け付けました" in response.content.decode()
    client.force_login(reporter)
    html = client.get(reverse("comments:my_status")).content.decode()
    assert "対応しました" in html and "新着" in html
    assert "新着" not in client.get(reverse("comments:my_status")).content.decode()


def test_anonymous_sections_are_cached_until_the_thread_changes(
    client, article_factory, commenter, open_comments, django_assert_max_num_queries
):
    article, member = article_factory(), commenter()
    services.post_comment(member, article=article, body="一件目")
    client.get(section(article), **HX)
    with django_assert_max_num_queries(2):
        assert "一件目" in client.get(section(article), **HX).content.decode()
    services.post_comment(commenter(), article=article, body="二件目")
    assert "二件目" in client.get(section(article), **HX).content.decode()


@pytest.mark.parametrize("signed_in", [False, True])
def test_a_page_of_comments_costs_the_same_queries_at_10_and_10000(
    client, article_factory, commenter, signed_in, django_assert_num_queries, settings
):
    from kiji.comments import text
    from kiji.comments.models import ArticleCommentCount

    article = article_factory()
    authors = [commenter() for _n in range(5)]
    viewer = commenter()

    fills = iter(range(1, 100))

    def fill(total: int) -> None:
        Comment.objects.filter(article=article).delete()
        tops = Comment.objects.bulk_create(
            Comment(
                article=article,
                author=authors[n % 5],
                body=f"c{n}",
                body_html=text.render(f"c{n}"),
                reply_count=4,
            )
            for n in range(total // 2)
        )
        Comment.objects.bulk_create(
            Comment(
                article=article,
                author=authors[n % 5],
                parent=tops[n % len(tops)],
                body=f"r{n}",
                body_html="<p>r</p>",
            )
            for n in range(total - total // 2)
        )
        ArticleCommentCount.objects.update_or_create(
            article=article, defaults={"count": total, "version": next(fills)}
        )

    def count_queries(total: int) -> int:
        fill(total)
        if signed_in:
            client.force_login(viewer)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            response = client.get(section(article) + "?sort=liked", **HX)
        assert response.status_code == 200
        return len(queries)

    for _warm in range(2):  # settings rows are created on the first read, sessions once
        count_queries(10)
    at_10 = count_queries(10)
    assert at_10 == count_queries(10_000)
    assert at_10 <= (15 if signed_in else 6)


def test_replying_with_htmx_appends_to_the_thread(
    client, article_factory, commenter, comment_factory, open_comments
):
    article = article_factory()
    parent = comment_factory(article, commenter(display_name="親の人"))
    client.force_login(commenter())
    form = client.get(reverse("comments:reply", args=[parent.pk]), **HX).content.decode()
    assert "親の人さんへの返信" in form and f'name="parent" value="{parent.pk}"' in form
    html = client.post(
        post_url(article), {"body": "返信します", "parent": str(parent.pk), "token": "r-1"}, **HX
    ).content.decode()
    assert f'hx-swap-oob="beforeend:#replies-{parent.pk}"' in html and "返信します" in html
    parent.refresh_from_db()
    assert parent.reply_count == 1


def test_the_thread_page_shows_every_reply_and_no_reply_form_for_a_gone_parent(
    client, article_factory, commenter, comment_factory, open_comments
):
    article, author = article_factory(), commenter()
    parent = comment_factory(article, author, "スレッドの親")
    for n in range(5):
        comment_factory(article, commenter(), f"返信{n}", parent=parent)
    page = client.get(reverse("comments:thread", args=[parent.pk])).content.decode()
    assert all(f"返信{n}" in page for n in range(5))
    section_html = client.get(section(article), **HX).content.decode()
    assert "返信をすべて表示(5件)" in section_html and "返信4" not in section_html
    services.delete_comment(author, parent)
    client.force_login(commenter())
    assert client.get(reverse("comments:reply", args=[parent.pk])).status_code == 404
    assert "このコメントは投稿者により削除されました。" in client.get(section(article), **HX).content.decode()


def test_a_reply_to_a_reply_redirects_to_its_thread(client, article_factory, commenter, comment_factory):
    article = article_factory()
    parent = comment_factory(article, commenter())
    reply = comment_factory(article, commenter(), parent=parent)
    response = client.get(reverse("comments:thread", args=[reply.pk]))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('comments:thread', args=[parent.pk])}#comment-{reply.pk}"


def test_hidden_comments_stay_hidden_from_others_even_by_address(
    client, article_factory, commenter, moderator, comment_factory
):
    article, author = article_factory(), commenter()
    hidden = comment_factory(article, author, "隠されたコメント")
    services.hide(moderator, hidden, reason="spam")
    client.force_login(commenter())
    assert client.get(reverse("comments:thread", args=[hidden.pk])).status_code == 404
    assert client.post(reverse("comments:like", args=[hidden.pk]), {"liked": "1"}).status_code == 404
    client.force_login(author)
    own = client.get(reverse("comments:thread", args=[hidden.pk])).content.decode()
    assert "隠されたコメント" in own and "運営により非表示になりました" in own
