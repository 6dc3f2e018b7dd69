import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_smoke(client, article_factory, commenter, open_comments, comment_factory):
    article = article_factory(title="テスト記事")
    a = commenter()
    b = commenter()
    c1 = comment_factory(article, b, "最初のコメント https://example.com/x です")
    comment_factory(article, a, "返信です", parent=c1)
    r = client.get(reverse("comments:section", args=[article.pk]))
    assert r.status_code == 200, r.content.decode()[:2000]
    client.force_login(a)
    r = client.get(reverse("comments:section", args=[article.pk]), HTTP_HX_REQUEST="true")
    assert r.status_code == 200
    html = r.content.decode()
    assert "最初のコメント" in html
    r = client.post(reverse("comments:post", args=[article.pk]), {"body": "新しいコメント", "token": "t1"}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200, r.content.decode()
    print(r.content.decode()[:3000])
    r = client.post(reverse("comments:like", args=[c1.pk]), {"liked": "1"}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200, r.content.decode()
    r = client.get(reverse("comments:report", args=[c1.pk]), HTTP_HX_REQUEST="true")
    assert r.status_code == 200, r.content.decode()
    r = client.post(reverse("comments:report", args=[c1.pk]), {"reason": "spam"}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200, r.content.decode()
    assert "報告が完了しました" in r.content.decode()
    for name in ("comments:thread", "comments:edit", "comments:delete", "comments:reply"):
        target = c1 if name in ("comments:thread", "comments:reply") else a.comments.first()
        r = client.get(reverse(name, args=[target.pk]))
        assert r.status_code == 200, (name, r.content.decode()[:3000])
    r = client.get(reverse("comments:my_status"))
    assert r.status_code == 200
    r = client.get(article.url)
    assert 'id="comments"' in r.content.decode()
