"""Paragraph anchors: every passage the assistant cites links to a page that has its paragraph."""

import re
from html.parser import HTMLParser
from urllib.parse import urldefrag

import pytest
from django.test import Client

from kiji.assistant import retrieval
from kiji.assistant.retrieval import clean_text, retrieve
from kiji.search.indexing import index_article, index_comment

pytestmark = pytest.mark.django_db
LONG = "長い段落の蓄電池。" * 80  # past retrieval.PASSAGE_CHARS: several passages, one paragraph
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Ids(HTMLParser):
    """The text of every element with an id, and every id as often as it occurs."""

    def __init__(self):
        super().__init__()
        self.open = []  # (tag, id or None)
        self.text = {}
        self.seen = []

    def handle_starttag(self, tag, attrs):
        found = dict(attrs).get("id")
        if found is not None:
            self.seen.append(found)
            self.text.setdefault(found, "")
        if tag not in _VOID:
            self.open.append((tag, found))

    def handle_endtag(self, tag):
        while self.open and self.open.pop()[0] != tag:
            pass

    def handle_data(self, data):
        for _, found in self.open:
            if found is not None:
                self.text[found] += data


def _ids(html):
    parser = _Ids()
    parser.feed(html)
    parser.close()
    return parser


def _squeezed(text):
    return re.sub(r"\s+", "", clean_text(text))


def _body(image):
    return [
        ("page_break", None),  # before any block: starts no page
        ("paragraph", "<p>蓄電池の需要が伸びる。</p><p>二つ目の段落でも蓄電池に触れる。</p>"),
        ("heading", "蓄電池の見出し"),
        ("paragraph", "<p>改行で分けた<b>蓄電池の<br/>一行</b>と、次の行の蓄電池。</p>"),
        ("paragraph", "<p>生の改行の蓄電池\n二行目の蓄電池</p>"),
        ("paragraph", "<p>ＡＩと蓄電池 &amp; 電力網。</p>"),
        ("page_break", None),
        ("page_break", None),  # a second break in a row starts no page either
        ("subheading", "蓄電池の小見出し"),
        ("image", {"image": image, "caption": "蓄電池の工場", "credit": "Kiji"}),
        ("pull_quote", {"quote": "蓄電池は\n産業の蓄電池だ", "attribution": "蓄電池協会"}),
        ("paragraph", f"<p>{LONG}</p>"),
        ("page_break", None),
        ("paragraph", '<p><a href="https://example.com/">蓄電池のリンク</a>の段落。</p>'),
    ]


def test_every_cited_passage_links_to_its_page_and_an_element_holding_its_text(
    article_factory, image_factory, member_factory, commenter, comment_factory, monkeypatch
):
    article = article_factory(title="蓄電池の工場を新設", slug="batteries", body=_body(image_factory()))
    comment = comment_factory(article, commenter(), "蓄電池の補助金も要ると思う。")
    index_article(article.pk)
    index_comment(comment.pk)
    monkeypatch.setattr(retrieval, "MAX_PASSAGES", 100)
    monkeypatch.setattr(retrieval, "PER_ARTICLE", 100)
    asker = member_factory("premium")
    client = Client()
    client.force_login(asker)

    passages = retrieve(asker, "蓄電池").passages

    pages = {p.paragraph: p.page for p in passages if p.kind == "article"}
    assert pages == {0: 1, **dict.fromkeys(range(1, 9), 1), **dict.fromkeys(range(9, 14), 2), 14: 3}
    assert sum(p.paragraph == 13 for p in passages) == 2  # the long paragraph: two passages, one anchor
    assert f"/comments/{comment.pk}/#comment-{comment.pk}" in {p.url for p in passages}
    fetched = {}
    for passage in passages:
        path, fragment = urldefrag(passage.url)
        if path not in fetched:
            response = client.get(path)
            assert response.status_code == 200, passage.url
            fetched[path] = _ids(response.content.decode())
        page = fetched[path]
        assert fragment in page.text, f"{passage.url}: no element with that id"
        for line in passage.text.split("\n"):
            assert _squeezed(line) in _squeezed(page.text[fragment]), passage.url
    article_pages = [page for path, page in fetched.items() if path.startswith("/articles/")]
    assert len(article_pages) == 3
    for page in article_pages:
        assert len(page.seen) == len(set(page.seen)), "ids are unique on a page"


def test_read_all_and_the_wall_keep_the_same_anchors_once_each(client, article_factory, image_factory):
    body = _body(image_factory())
    whole = article_factory(slug="whole", body=body)
    walled = article_factory(slug="walled", body=body, access="premium")

    everything = _ids(client.get(f"{whole.url}?page=all").content.decode())
    opening = _ids(client.get(walled.url).content.decode())

    paragraphs = sorted(int(found[1:]) for found in everything.seen if re.fullmatch(r"p\d+", found))
    assert paragraphs == list(range(15)) and len(everything.seen) == len(set(everything.seen))
    assert everything.text["p5"].strip() == "一行と、次の行の蓄電池。"
    # Above the wall: the title and lead, then the first blocks with the numbers they have anywhere.
    assert [found for found in opening.seen if re.fullmatch(r"p\d+", found)] == ["p0", "p1", "p2", "p3"]
    assert "二つ目の段落でも蓄電池に触れる。" in opening.text["p2"]
