"""Hostile comments and display names, rendered in Debian's chromium: nothing they carry may run.

A corpus of generated XSS payloads (tags × event handlers × quoting, javascript:/data: URLs in
their encoded forms, entity and Unicode tricks, SVG/MathML/template mutation vectors, srcdoc,
style/expression, htmx attributes, broken markup and quote breaking, URLs with quotes for the
linkifier) goes through comment bodies (kiji.comments.services.post_comment) and member display
names (stored raw, truncated to the field's 40 characters). First each payload is checked at the
unit level (kiji.comments.text.render); then every comments page, the article page with the
htmx-loaded section, a comment's own page and a signed-in member's view are opened in chromium.
The test asserts that no dialog opened, no payload's side effect happened, the page was not
taken elsewhere, no CSP violation or console error occurred, and that the DOM of every
.comment__body holds nothing but text, <p>, <br> and http(s) links; .comment__name is text, or
one plain link to the member's page.
"""

from __future__ import annotations

import base64
import itertools
from datetime import timedelta
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from kiji.comments import selectors, services, text
from kiji.comments.models import Comment, CommentSettings

MARKER_TITLE = "XSS-FIRED"
# What a payload does when it runs; each one is observable after the page has loaded.
JS = (
    "alert(1)",
    "window.__xss=1",
    f"document.title='{MARKER_TITLE}'",
    "confirm(document.domain)",
    "prompt(1)",
    "top.__xss=1",
    "eval(atob('" + base64.b64encode(b"window.__xss=1").decode() + "'))",
    "fetch('/xss-fired')",
    "self['al'+'ert'](1)",
    "(()=>{window.__xss=1})()",
)
TAGS = (
    "img src=x",
    "svg",
    "body",
    "video src=x",
    "audio src=x",
    "iframe",
    "details open",
    "input autofocus",
    "select autofocus",
    "textarea autofocus",
    "marquee",
    "object data=x",
    "embed src=x",
    "math",
    "style",
    "a href=#",
    "div",
    "x",
    "image src=x",
    "picture",
    "source src=x",
    "keygen autofocus",
    "frameset",
    "isindex",
)
EVENTS = (
    "onerror",
    "onload",
    "onclick",
    "onmouseover",
    "onfocus",
    "ontoggle",
    "onanimationstart",
    "onpointerenter",
    "onbegin",
    "onstart",
    "onfocusin",
    "onbeforetoggle",
    "oncontentvisibilityautostatechange",
    "OnErRoR",
)
QUOTES = ('"{}"', "'{}'", "{}", "`{}`")
SCHEMES = (
    "javascript:{js}",
    "JaVaScRiPt:{js}",
    " javascript:{js}",
    "java\tscript:{js}",
    "java\nscript:{js}",
    "java&#x09;script:{js}",
    "java&#10;script:{js}",
    "&#106;avascript:{js}",
    "&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;{js}",
    "javascript&colon;{js}",
    "%6Aavascript:{js}",
    "\\u006Aavascript:{js}",
    "jav&#97;script:{js}",
    "javascript://%0a{js}",
    "javascript://https://example.com/%0a{js}",
    "data:text/html,<script>{js}</script>",
    "data:text/html;base64,{b64}",
    "data:image/svg+xml,<svg onload={js}>",
    "DaTa:text/html,<img src=x onerror={js}>",
    "vbscript:msgbox(1)",
    "ｊａｖａｓｃｒｉｐｔ：{js}",
)
URL_CONTEXTS = (
    '<a href="{u}">link</a>',
    "<a href={u}>link</a>",
    '<iframe src="{u}"></iframe>',
    '<form action="{u}"><button>送信</button></form>',
    '<button formaction="{u}">x</button>',
    '<object data="{u}"></object>',
    '<embed src="{u}">',
    '<svg><a xlink:href="{u}"><text x="20" y="20">x</text></a></svg>',
    '<math><maction actiontype="statusline" xlink:href="{u}">x</maction></math>',
    '<math href="{u}">x</math>',
    '<base href="{u}">',
    '<meta http-equiv="refresh" content="0;url={u}">',
    '<img src="x" srcset="{u}">',
    '<link rel="stylesheet" href="{u}">',
    '<iframe srcdoc="&lt;a href=&quot;{u}&quot;&gt;x&lt;/a&gt;"></iframe>',
    "[リンク]({u})",
    "<{u}>",
    "{u}",
)
SCRIPT_VECTORS = (
    "<script>{js}</script>",
    "<ScRiPt>{js}</sCrIpT>",
    "<script src=data:,{js}></script>",
    "<script/x>{js}</script>",
    "<<script>script>{js}<</script>/script>",
    "<script>{js}",
    "<script >{js}</script >",
    "<script\n>{js}</script\n>",
    "<script type=module>{js}</script>",
    "<script>/*</script>*/{js}</script>",
    "<!--<script>-->{js}</script>",
    "</textarea><script>{js}</script>",
    "</title><script>{js}</script>",
    "</style><script>{js}</script>",
    "</noscript><script>{js}</script>",
    "--><script>{js}</script>",
    "]]><script>{js}</script>",
    "</p></div></article><script>{js}</script>",
    "</dialog></section><script>{js}</script>",
    "<svg><script>{js}</script></svg>",
    "<svg><script href=data:,{js} /></svg>",
    "<template><script>{js}</script></template>",
    '<iframe srcdoc="<script>{js}</script>"></iframe>',
    "<iframe srcdoc='&lt;script&gt;{js}&lt;/script&gt;'></iframe>",
    '<object data="data:text/html,<script>{js}</script>"></object>',
    '<embed src="data:text/html,<script>{js}</script>">',
    "<xmp><script>{js}</script></xmp>",
    "<noembed><script>{js}</script></noembed>",
    "<noframes><script>{js}</script></noframes>",
    "<plaintext><script>{js}</script>",
    "<listing><script>{js}</script></listing>",
    "<scr\u200bipt>{js}</scr\u200bipt>",
    "<scr\x00ipt>{js}</scr\x00ipt>",
    "<\x00script>{js}</script>",
    "&lt;script&gt;{js}&lt;/script&gt;",
    "&#60;script&#62;{js}&#60;/script&#62;",
    "&#x3c;script&#x3e;{js}&#x3c;/script&#x3e;",
    "\\u003cscript\\u003e{js}\\u003c/script\\u003e",
    "\\x3cscript\\x3e{js}\\x3c/script\\x3e",
    "%3Cscript%3E{js}%3C/script%3E",
    "＜script＞{js}＜/script＞",
    "\ufe64script\ufe65{js}\ufe64/script\ufe65",
    "\u2039script\u203a{js}\u2039/script\u203a",
)
MUTATION_VECTORS = (
    "<svg><animate onbegin={js} attributeName=x dur=1s>",
    "<svg><set attributeName=onmouseover to={js}>",
    "<svg><animate attributeName=href values=javascript:{js} /><a><text y=20>x</text></a></svg>",
    "<svg><use href=\"data:image/svg+xml,<svg id='x' xmlns='http://www.w3.org/2000/svg'>"
    "<image href='1' onerror='{js}'/></svg>#x\"></use></svg>",
    "<svg><style><img src=x onerror={js}></style></svg>",
    '<svg></p><style><a id="</style><img src=1 onerror={js}>">',
    "<math><mtext><table><mglyph><style><img src=x onerror={js}>",
    '<math><mi xlink:href="javascript:{js}">x</mi></math>',
    "<form><math><mtext></form><form><mglyph><style></math><img src onerror={js}>",
    '<math><mtext><h1><a><h6></a></h6><mglyph><svg><mtext><style><a title="</style>'
    '<img src onerror={js}>"></style></h1>',
    '<noscript><p title="</noscript><img src=x onerror={js}>">',
    "<template><img src=x onerror={js}></template>",
    "<template shadowrootmode=open><img src=x onerror={js}></template>",
    "<div><template shadowrootmode=open><slot></slot></template><img src=x onerror={js}></div>",
    "<style>@import 'javascript:{js}';</style>",
    '<style>body{{background:url("javascript:{js}")}}</style>',
    '<div style="background:url(javascript:{js})">x</div>',
    '<div style="width:expression({js})">x</div>',
    '<x style="behavior:url(#default#time2)" onbegin="{js}">',
    '<p style="x:expr/**/ession({js})">x</p>',
    '<link rel=import href="data:text/html,<script>{js}</script>">',
    '<div hx-on::load="{js}">x</div>',
    '<img src=x hx-on:error="{js}">',
    '<div data-hx-on:click="{js}">x</div>',
    '<a hx-get="/xss-fired" hx-trigger="load">x</a>',
    '<div hx-get="/xss-fired" hx-trigger="load" hx-swap="outerHTML">x</div>',
    '<form hx-post="/xss-fired" hx-trigger="load"></form>',
    '<a href="#" onclick="{js}">x</a>',
    '<a href="https://example.com/" onclick="{js}">x</a>',
    '<a href="https://example.com/" style="position:fixed;inset:0">x</a>',
    '<img src="x` `<script>{js}</script>"` `>',
    '<img """><script>{js}</script>">',
    '<img src="x\n" onerror="{js}">',
    "<img src=x onerror\n={js}>",
    '<img src=x onerror="&#x61;lert(1);{js}">',
    '<img src=x onerror="\\u0061lert(1);{js}">',
    '<a href="javas\\u0063ript:{js}">x</a>',
    '<details open ontoggle="{js}"><summary>x</summary></details>',
    '<dialog open onclose="{js}">x</dialog>',
    '<input type=image src=x onerror="{js}">',
    '<body onpageshow="{js}">',
    '<meta charset="x-imap4-modified-utf7">&ADz&AGn&AG0&AEf&ACA&AHM&AHI&AGO&AD0&AGn&ACA&AG8Abg&AGUAcgByAG8AcgA9AGEAbABlAHIAdAAoADEAKQ&ACAAPgAtAC0',
    "+ADw-script+AD4-{js}+ADw-/script+AD4-",
    "{{{{constructor.constructor('{js}')()}}}}",
    "${{{js}}}",
    "{{% debug %}}{{{{ request }}}}",
)
BREAKOUTS = (
    '"><{tag} {event}={js}>',
    "'><{tag} {event}={js}>",
    "`><{tag} {event}={js}>",
    '"/><{tag} {event}="{js}">',
    '" {event}="{js}" x="',
    "' {event}='{js}' x='",
    "</a><{tag} {event}={js}>",
    "</p><{tag} {event}={js}>",
    "<!--><{tag} {event}={js}>-->",
    "<![CDATA[<{tag} {event}={js}>]]>",
    "<?xml ?><{tag} {event}={js}>",
    "<{tag}/{event}={js}>",
    "<{tag}\n{event}={js}>",
    "<{tag}\t{event}={js}>",
    "<{tag} {event} = {js} >",
)
LINKIFIER = (
    'https://example.com/"onmouseover="{js}',
    "https://example.com/'onmouseover='{js}",
    'https://example.com/"><script>{js}</script>',
    "https://example.com/<script>{js}</script>",
    "https://example.com/<img src=x onerror={js}>",
    "https://example.com/&quot;onmouseover={js}",
    "https://example.com/&#34;><svg onload={js}>",
    "https://example.com/&#x27; onmouseover=&#x27;{js}",
    "https://example.com/%22onmouseover=%22{js}",
    "https://example.com/?q=javascript:{js}",
    "https://example.com/javascript:{js}",
    'https://example.com/#"><img src=x onerror={js}>',
    "http://javascript:{js}",
    "https://example.com/ onmouseover={js}",
    "https://example.com/\njavascript:{js}",
    "https://example.com/\u3000onmouseover={js}",
    'https://example.com/（"onmouseover="{js}）',
    '「https://example.com/"onmouseover="{js}」',
    '"https://example.com/" onmouseover="{js}"',
    '<https://example.com/>"onmouseover="{js}',
    "https://example.com/&amp;quot;onmouseover={js}",
    "https://example.com/&lt;script&gt;{js}&lt;/script&gt;",
    'https://user:pass@example.com/"@javascript:{js}',
    'https://example.com/\\"onmouseover=\\"{js}',
    'HTTPS://EXAMPLE.COM/"ONMOUSEOVER="{js}',
    'https://例え.jp/"onmouseover="{js}',
    'https://example.com/.!?:;"onmouseover="{js}',
    'https://example.com/a https://example.com/b"onclick="{js}',
    '[x](https://example.com/"onclick="{js})',
    'https://example.com/\u202e"onmouseover="{js}',
    'https://example.com/\u200b"onmouseover="{js}',
)


def build_payloads() -> list[str]:
    """At least 500 distinct payloads, deterministic; each JS action is cycled through."""
    actions = itertools.cycle(JS)
    payloads: list[str] = []

    def add(template: str, **values: str) -> None:
        js = next(actions)
        b64 = base64.b64encode(f"<script>{js}</script>".encode()).decode()
        payloads.append(template.format(js=js, b64=b64, **values))

    # Tags × event handlers × quoting of the handler.
    for (tag, event), quote in zip(itertools.product(TAGS, EVENTS), itertools.cycle(QUOTES), strict=False):
        js = next(actions)
        payloads.append(f"<{tag} {event}={quote.format(js)}>")
    for context, scheme in itertools.product(URL_CONTEXTS, SCHEMES):
        js = next(actions)
        b64 = base64.b64encode(f"<script>{js}</script>".encode()).decode()
        payloads.append(context.format(u=scheme.format(js=js, b64=b64)))
    for template in (*SCRIPT_VECTORS, *MUTATION_VECTORS, *LINKIFIER):
        add(template)
    for template, (tag, event) in zip(
        BREAKOUTS * 4,
        itertools.product(("img src=x", "svg", "input autofocus", "body"), EVENTS),
        strict=False,
    ):
        add(template, tag=tag, event=event)
    # Several paragraphs and line breaks around a payload (the renderer splits on them).
    for template in SCRIPT_VECTORS[:10]:
        add("前置きの段落です。\n\n" + template + "\n次の行 https://example.com/ok\n\n最後の段落")
    unique = list(dict.fromkeys(p for p in payloads if text.clean(p)))
    return unique


PAYLOADS = build_payloads()


def test_the_corpus_is_large_and_varied() -> None:
    assert len(PAYLOADS) >= 500
    joined = "\n".join(PAYLOADS).lower()
    for needle in (
        "<script",
        "javascript:",
        "data:text/html",
        "<svg",
        "<math",
        "srcdoc",
        "<template",
        "expression(",
        "hx-on",
        "&#106;",
        'https://example.com/"',
        "<iframe",
        "<style",
    ):
        assert needle in joined, needle


# Unit level: what the renderer can ever emit ----------------------------------------------------------


class _Markup(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ("p", "br", "a"):
            self.problems.append(f"tag <{tag}>")
        for name, value in attrs:
            if tag != "a" or name not in ("href", "rel"):
                self.problems.append(f"attribute {name} on <{tag}>")
            elif name == "href" and urlsplit((value or "").strip()).scheme.lower() not in ("http", "https"):
                self.problems.append(f"href {value!r}")
            elif name == "rel" and value != text.LINK_REL:
                self.problems.append(f"rel {value!r}")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_comment(self, data: str) -> None:
        self.problems.append(f"comment {data!r}")

    def handle_decl(self, decl: str) -> None:
        self.problems.append(f"declaration {decl!r}")

    def handle_pi(self, data: str) -> None:
        self.problems.append(f"processing instruction {data!r}")

    def unknown_decl(self, data: str) -> None:
        self.problems.append(f"declaration {data!r}")


def _markup_problems(fragment: str) -> list[str]:
    parser = _Markup()
    parser.feed(fragment)
    parser.close()
    return parser.problems


def test_render_emits_only_paragraphs_breaks_and_http_links_for_every_payload() -> None:
    failures = {}
    for payload in PAYLOADS:
        for source in (text.clean(payload), payload):
            if problems := _markup_problems(text.render(source)):
                failures[payload] = problems
    assert failures == {}


# In the browser -----------------------------------------------------------------------------------


INIT_SCRIPT = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sample}`);
});
"""

# Inside a comment's text and its author's name: anything but text, <p>, <br> and http(s) links.
DOM_PROBLEMS = """
() => {
  const problems = [];
  const banned = "script, iframe, frame, frameset, object, embed, svg, math, style, link, meta, base, "
    + "template, img, image, video, audio, source, picture, form, input, button, select, textarea, "
    + "details, dialog, marquee, noscript, xmp, plaintext, listing, noembed, noframes";
  for (const box of document.querySelectorAll(".comment__body, .comment__name")) {
    const where = box.closest(".comment")?.id || "?";
    if (box.matches(".comment__name")) {
      // The name is text, or one link to the member's own page holding only text.
      const only = box.children.length === 1 ? box.children[0] : null;
      const memberLink = only && only.localName === "a" && only.children.length === 0
        && only.attributes.length === 1 && /^\\/social\\/m\\/\\d+\\/$/.test(only.getAttribute("href") || "");
      if (box.children.length && !memberLink) {
        problems.push(`${where}: elements in the name: ${box.innerHTML.slice(0, 120)}`);
      }
      continue;
    }
    for (const el of box.querySelectorAll("*")) {
      const tag = el.localName;
      if (el.matches(banned) || !["p", "br", "a"].includes(tag)) {
        problems.push(`${where}: <${tag}>`);
      }
      for (const attr of el.attributes) {
        const name = attr.name.toLowerCase();
        if (!(tag === "a" && (name === "href" || name === "rel"))) {
          problems.push(`${where}: <${tag} ${name}="${attr.value.slice(0, 60)}">`);
        }
      }
      if (tag === "a" && el.hasAttribute("href")) {  // an <a> without href is inert text
        const href = el.getAttribute("href").trim().toLowerCase();
        if (!/^https?:\\/\\//.test(href) || !["http:", "https:"].includes(el.protocol)) {
          problems.push(`${where}: link to ${href.slice(0, 80)}`);
        }
      }
    }
  }
  // Nowhere on the page: frames, plug-ins, or handlers inside a comment.
  for (const el of document.querySelectorAll("iframe, frame, object, embed")) {
    problems.push(`page: <${el.localName}>`);
  }
  for (const el of document.querySelectorAll(".comment *")) {
    for (const attr of el.attributes) {
      if (attr.name.toLowerCase().startsWith("on") || attr.name.toLowerCase() === "style") {
        problems.push(`${el.closest(".comment").id}: ${attr.name} on <${el.localName}>`);
      }
    }
  }
  return problems;
}
"""


@pytest.fixture
def hostile_thread(django_user_model: Any, article_factory: Any) -> tuple[Any, int]:
    """Every payload as a comment (each fifth one a reply) by a member whose display name is a
    payload too; posted through the service with pacing, pre-moderation and the link cap off."""
    from allauth.account.models import EmailAddress

    from kiji.members.models import Profile

    config = CommentSettings.load()
    config.premoderate_first_comments = 0
    config.min_interval_seconds = 0
    config.new_member_interval_seconds = 0
    config.max_links = 1000
    config.save()
    article = article_factory(title="XSSの検証記事")
    joined = timezone.now() - timedelta(days=60)
    users = [
        django_user_model(username=f"xss{i}", email=f"xss{i}@example.com", date_joined=joined)
        for i in range(len(PAYLOADS))
    ]
    for user in users:
        user.set_unusable_password()
    django_user_model.objects.bulk_create(users)
    users = list(django_user_model.objects.filter(username__startswith="xss").order_by("pk"))
    EmailAddress.objects.bulk_create(
        EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users
    )
    # Display names are stored as typed (no form cleaning): the template alone must keep them inert.
    names = [(p.replace("\x00", "")[:40] or "?") for p in reversed(PAYLOADS)]
    Profile.objects.bulk_create(
        Profile(user=u, display_name=name, disclosure_consent_at=timezone.now())
        for u, name in zip(users, names, strict=True)
    )
    parent = None
    for index, (user, payload) in enumerate(zip(users, PAYLOADS, strict=True)):
        reply_to = parent if index % 5 == 4 else None
        posted = services.post_comment(user, article=article, body=payload, parent=reply_to)
        assert posted.created and not posted.held, payload
        if reply_to is None:
            parent = posted.comment
    assert Comment.objects.filter(article=article, status=Comment.Status.PUBLISHED).count() == len(PAYLOADS)
    return article, len(PAYLOADS)


class _Watch:
    """Dialogs, console errors, page errors and requests off the site, for one page."""

    def __init__(self, page: Any, origin: str) -> None:
        self.dialogs: list[str] = []
        self.console: list[str] = []
        self.errors: list[str] = []
        self.foreign: list[str] = []
        self.fired: list[str] = []
        page.add_init_script(INIT_SCRIPT)
        page.on("dialog", self._dialog)
        page.on("console", lambda msg: self.console.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("request", lambda request: self._request(request.url, origin))

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def _request(self, url: str, origin: str) -> None:
        if not url.startswith(origin + "/"):
            self.foreign.append(url)
        elif "xss-fired" in url:
            self.fired.append(url)

    def check(self, page: Any, where: str, url: str) -> None:
        page.wait_for_timeout(300)  # let autofocus, animations and media errors fire, if any could
        assert page.url == url, (where, page.url)  # no refresh, <base> or form took the page away
        state = page.evaluate(
            "() => ({xss: window.__xss ?? null, topXss: top.__xss ?? null, title: document.title,"
            " csp: window.__cspViolations})"
        )
        assert state["xss"] is None and state["topXss"] is None, where
        assert MARKER_TITLE not in state["title"], where
        assert state["csp"] == [], (where, state["csp"][:5])
        assert self.dialogs == [], (where, self.dialogs[:5])
        assert self.console == [], (where, self.console[:5])
        assert self.errors == [], (where, self.errors[:5])
        assert self.foreign == [] and self.fired == [], (where, self.foreign[:5], self.fired[:5])
        problems = page.evaluate(DOM_PROBLEMS)
        assert problems == [], (where, len(problems), problems[:10])


def _rendered_ids(page: Any) -> set[str]:
    return set(page.eval_on_selector_all(".comment[id^=comment-]", "els => els.map(e => e.id)"))


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_payloads_in_comments_and_names_stay_inert_in_chromium(
    live_server: Any, browser: Any, hostile_thread: tuple[Any, int], monkeypatch: Any, client: Any
) -> None:
    article, total = hostile_thread
    monkeypatch.setattr(selectors, "COMMENTS_PER_PAGE", 200)
    top_level = Comment.objects.filter(article=article, parent__isnull=True).count()
    pages = -(-top_level // 200)
    assert pages >= 2
    origin = live_server.url

    # Every page of the section, anonymously (the shared, cached copy).
    context = browser.new_context(locale="ja-JP")
    page = context.new_page()
    watch = _Watch(page, origin)
    seen: set[str] = set()
    for number in range(1, pages + 1):
        url = f"{origin}/comments/a/{article.pk}/?page={number}"
        page.goto(url)
        watch.check(page, f"section page {number}", url)
        seen |= _rendered_ids(page)
    assert len(seen) == total  # every payload was on a page (replies under their comments)

    # The article page, whose comment section htmx loads when it scrolls into view.
    page.goto(origin + article.url)
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_selector("#comment-list .comment", state="attached")
    assert page.locator("#comments.comments--loading").count() == 0
    watch.check(page, "article page", origin + article.url)
    assert len(_rendered_ids(page)) > 200
    # The next page through the section's own htmx pager.
    page.locator(".comments__pager a[rel=next]").click()
    page.wait_for_selector(".comments__pager a[rel=prev]", state="attached")
    watch.check(page, "article page, second comments page", origin + article.url)
    # A comment's own page, with its replies.
    thread = Comment.objects.filter(article=article, reply_count__gt=0).order_by("pk").first()
    assert thread is not None
    page.goto(f"{origin}/comments/{thread.pk}/")
    assert page.locator(f"#replies-{thread.pk} .comment").count() == thread.reply_count
    watch.check(page, "thread page", f"{origin}/comments/{thread.pk}/")
    context.close()

    # A signed-in member's copy (compose form, like and reply controls around the same text).
    viewer = _signed_in_session(client)
    context = browser.new_context(locale="ja-JP")
    context.add_cookies([{"name": "sessionid", "value": viewer, "url": origin}])
    page = context.new_page()
    watch = _Watch(page, origin)
    page.goto(f"{origin}/comments/a/{article.pk}/")
    assert page.locator("#comment-form").count() == 1
    watch.check(page, "section page 1, signed in", f"{origin}/comments/a/{article.pk}/")
    context.close()


def _signed_in_session(client: Any) -> str:
    from django.contrib.auth import get_user_model

    from kiji.members.models import Profile

    user = get_user_model().objects.create_user("xss-viewer", "xss-viewer@example.com", "viewer-password-1")
    Profile.objects.create(user=user, display_name="閲覧者", disclosure_consent_at=timezone.now())
    client.force_login(user)
    return str(client.cookies["sessionid"].value)
