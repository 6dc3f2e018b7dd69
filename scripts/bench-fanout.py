#!/usr/bin/env python
"""`make bench-fanout`: an editor publishes an article in a tag that 100,000 members follow.

scripts/bench-fanout.sh runs this once on SQLite (a fresh var/bench/fanout) and once on a
throw-away PostgreSQL (scripts/with-postgres.sh); it can also run alone against whatever
DATABASE_URL / KIJI_VAR_DIR say (the database migrated, the static files collected). It

1. sets up, timed: a tag, an author, `--followers` members following the tag (bulk inserts with
   an unusable password; reused when an earlier run made them), a staff editor with TOTP, and
   `--drafts` draft articles in the tag, as many in a tag nobody follows (saved as revisions,
   never published);
2. starts the production server (scripts/serve.sh: granian, one worker per core) with NO task
   worker, signs the editor in by writing a session (the editor has TOTP set up, which is what
   StaffMustUseMFAMiddleware asks of staff, so MFA stays required), and publishes each draft as
   the editor's browser does: GET the Wagtail edit view, read its form with html.parser (inputs,
   textareas, selects; the StreamField's blocks, which the admin's JavaScript turns into
   `body-N-…` fields, are read from the block data the page carries), POST it with
   `action-publish` and the CSRF token. The POST's wall time is the publish time. `--warmup`
   drafts in a tag nobody follows are published first, so each server process has served a
   publish before the measured ones (reported, not counted); then each measured publish alternates
   with the same publish of a draft in that tag nobody follows, the baseline: the difference is
   what 100,000 followers cost the editor;
3. checks that no notification exists yet and a fan-out task is queued per article, then runs
   `manage.py db_worker --batch` (every queued task, then exit; bounded by `--worker-timeout`)
   and checks that every follower has exactly one notification `article:<id>` for each article,
   and nobody else; prints the fan-out time per article and rows/s.

Exit status 1 when the publish p50 is `--budget-ms` (200) or more, when a publish failed, or when a
notification is missing or extra. Every request is bounded (30 s), every loop by count and time.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
FOLLOWER_PREFIX = "bench-fanout-member-"
EDITOR_USERNAME = "bench-fanout-editor"
TAG_NAME = "ベンチ配信タグ"
QUIET_TAG_NAME = "ベンチ配信タグ(フォロワーなし)"
TASK_PATH = "kiji.social.tasks.fan_out_article"
REQUEST_TIMEOUT = 30.0
INSERT_CHUNK = 20_000  # rows per transaction in the setup; bulk_create splits them further
EDIT_FORM_ID = "page-edit-form"


# Setup in the database ------------------------------------------------------------------------------


def setup_django() -> None:
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def database_vendor() -> str:
    from django.db import connection

    return {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(connection.vendor, connection.vendor)


@dataclass(frozen=True)
class World:
    tag_id: int
    quiet_tag_id: int  # a tag nobody follows: warm-up and baseline publishes
    author_id: int
    editor_id: int
    followers: int
    created_members: int
    seconds: float


def _tag(name: str) -> Any:
    from kiji.articles.models import Tag

    tag = Tag.objects.filter(name=name).first()
    if tag is None:
        tag = Tag(name=name)
        tag.save()
    return tag


def make_world(followers: int) -> World:
    """The tag and its followers, the author and the editor; what an earlier run made is reused."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import User
    from django.db import transaction

    from kiji.articles.models import Author
    from kiji.articles.services import ensure_site_tree
    from kiji.library.models import TagFollow

    started = time.perf_counter()
    ensure_site_tree()
    tag, quiet = _tag(TAG_NAME), _tag(QUIET_TAG_NAME)
    author, _created = Author.objects.get_or_create(
        slug="bench-fanout-author",
        defaults={"name": "配信 太郎", "title": "ベンチマーク記者", "bio": "負荷試験用の執筆者です。"},
    )
    editor = User.objects.filter(username=EDITOR_USERNAME).first()
    if editor is None:
        editor = User.objects.create_user(
            EDITOR_USERNAME, f"{EDITOR_USERNAME}@bench.localhost", None, is_staff=True, is_superuser=True
        )
    if not Authenticator.objects.filter(user=editor, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(editor, generate_totp_secret())

    # Members bench-fanout-member-000000 … (zero-padded, so the first N by name are the N wanted).
    names = [f"{FOLLOWER_PREFIX}{n:06d}" for n in range(followers)]
    members = User.objects.filter(username__startswith=FOLLOWER_PREFIX)
    existing = set(members.values_list("username", flat=True).iterator(chunk_size=10_000))
    missing = [name for name in names if name not in existing]
    unusable = make_password(None)  # an unusable password ("!" + random), the same for all
    for start in range(0, len(missing), INSERT_CHUNK):
        with transaction.atomic():
            User.objects.bulk_create(
                [
                    User(username=name, email=f"{name}@bench.localhost", password=unusable)
                    for name in missing[start : start + INSERT_CHUNK]
                ],
                batch_size=2000,
            )
    wanted = members.filter(username__lte=names[-1]) if names else members.none()
    ids = list(wanted.values_list("pk", flat=True).iterator(chunk_size=10_000))
    following = set(TagFollow.objects.filter(tag=tag).values_list("user_id", flat=True).iterator())
    to_follow = [pk for pk in ids if pk not in following]
    for start in range(0, len(to_follow), INSERT_CHUNK):
        with transaction.atomic():
            TagFollow.objects.bulk_create(
                [TagFollow(user_id=pk, tag=tag) for pk in to_follow[start : start + INSERT_CHUNK]],
                batch_size=2000,
            )
    # Exactly the wanted members follow the tag (after an earlier run with more --followers).
    TagFollow.objects.filter(tag=tag).exclude(user__in=wanted).delete()
    count = TagFollow.objects.filter(tag=tag).count()
    settle([User._meta.db_table, TagFollow._meta.db_table])
    return World(
        tag_id=tag.pk,
        quiet_tag_id=quiet.pk,
        author_id=author.pk,
        editor_id=editor.pk,
        followers=count,
        created_members=len(missing),
        seconds=time.perf_counter() - started,
    )


def settle(tables: list[str]) -> None:
    """PostgreSQL: vacuum and analyse the tables the bulk load just filled, as autovacuum would
    shortly after; otherwise it may do so during the measured publishes, on the same cores."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(table)}")


def make_drafts(count: int, *, tag_id: int, author_id: int, label: str) -> list[int]:
    """Draft articles in the tag, saved as a revision the way the admin saves a draft."""
    from kiji.articles.models import ArticleAuthor, ArticlePage, Tag
    from kiji.articles.services import ensure_site_tree

    index = ensure_site_tree()
    tag = Tag.objects.get(pk=tag_id)
    ids = []
    for n in range(1, count + 1):
        article = ArticlePage(
            title=f"配信ベンチマーク記事 {label}-{n}",
            slug=f"bench-fanout-{label}-{n}",
            lead="タグをフォローする会員全員に届く記事です。",
            access_level="members",
            live=False,
            body=[
                ("heading", "見出し"),
                ("paragraph", "<p>本文の<b>段落</b>です。</p>"),
                ("paragraph", "<p>二つめの段落です。</p>"),
            ],
        )
        article.tags.add(tag)
        article.article_authors = [ArticleAuthor(author_id=author_id, sort_order=0)]
        index.add_child(instance=article)
        article.save_revision()
        ids.append(article.pk)
    return ids


def sign_in(user_id: int) -> str:
    """A session as django.contrib.auth.login writes it."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import User

    store = import_module(settings.SESSION_ENGINE).SessionStore
    user = User.objects.get(pk=user_id)
    session = store()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return str(session.session_key)


# The server ------------------------------------------------------------------------------------------


class Server:
    """scripts/serve.sh (granian, one worker per core) in its own process group, stopped by its id."""

    def __init__(self, port: int, log: Path) -> None:
        self.port = port
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        if port_open(self.port):
            sys.exit(f"Something already listens on 127.0.0.1:{self.port}; set BENCH_PORT.")
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                ["scripts/serve.sh", str(self.port)],
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, "HOST": HOST},
                start_new_session=True,
            )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                sys.exit(f"The server exited at start; see {self.log}")
            if healthy(self.port):
                return
            time.sleep(0.1)
        self.stop()
        sys.exit(f"The server did not answer /healthz in 20 s; see {self.log}")

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # our own group: granian and its workers only
            process.wait(timeout=5)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)


def port_open(port: int) -> bool:
    import socket

    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((HOST, port)) == 0


def healthy(port: int) -> bool:
    connection = http.client.HTTPConnection(HOST, port, timeout=2)
    try:
        connection.request("GET", "/healthz")
        return connection.getresponse().status == 200
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection.close()


# The editor's browser --------------------------------------------------------------------------------


class EditForm(HTMLParser):
    """The fields a browser would submit from Wagtail's page edit form.

    Inputs, textareas and selects inside <form id="page-edit-form"> (or pointing at it with
    form="…"), skipping <template> contents, disabled fields and unchecked boxes. A StreamField is a
    <div data-block data-w-block-arguments-value="[value, errors]"> that the admin's JavaScript
    expands into `<name>-count` and `<name>-N-type/-value/-id/-order/-deleted` fields: done here.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.fields: list[tuple[str, str]] = []
        self.buttons: dict[str, str] = {}
        self.streams: list[tuple[str, list[dict[str, Any]]]] = []
        self._in_form = False
        self._templates = 0
        self._textarea: str | None = None
        self._text: list[str] = []
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []
        self._option_value: str | None = None
        self._option_selected = False
        self._option_text: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "template":
            self._templates += 1
            return
        if tag == "form":
            self._in_form = a.get("id") == EDIT_FORM_ID
            return
        if self._templates:
            return
        if tag == "div" and "data-block" in a and a.get("data-w-block-arguments-value") and self._in_form:
            value, _errors = json.loads(a["data-w-block-arguments-value"] or "[]")
            self.streams.append((a.get("id") or "", value))
            return
        owned = (a.get("form") == EDIT_FORM_ID) if "form" in a else self._in_form
        if tag == "option" and self._select is not None:
            self._option_value = a.get("value")
            self._option_selected = "selected" in a
            self._option_text = [] if self._option_value is None else None
            return
        name = a.get("name")
        if not owned or not name or "disabled" in a:
            return
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind == "submit":
                self.buttons[name] = a.get("value") or ""
            elif kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields.append((name, a.get("value") or "on"))
            elif kind not in ("button", "image", "reset", "file"):
                self.fields.append((name, a.get("value") or ""))
        elif tag == "button" and (a.get("type") or "submit").lower() == "submit":
            self.buttons[name] = a.get("value") or ""
        elif tag == "textarea":
            self._textarea, self._text = name, []
        elif tag == "select":
            self._select, self._options = name, []

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)
        elif self._option_text is not None:
            self._option_text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "template":
            self._templates = max(0, self._templates - 1)
        elif tag == "form":
            self._in_form = False
        elif tag == "textarea" and self._textarea is not None:
            text = "".join(self._text)
            # A browser drops the newline right after <textarea>.
            self.fields.append((self._textarea, text[1:] if text.startswith("\n") else text))
            self._textarea = None
        elif tag == "option" and self._select is not None:
            self._end_option()
        elif tag == "select" and self._select is not None:
            self._end_option()
            chosen = [value for value, selected in self._options if selected]
            if not chosen and self._options:
                chosen = [self._options[0][0]]
            self.fields += [(self._select, value) for value in chosen[:1]]
            self._select = None

    def _end_option(self) -> None:
        if self._option_value is None and self._option_text is None:
            return
        value = (
            self._option_value if self._option_value is not None else "".join(self._option_text or []).strip()
        )
        self._options.append((value, self._option_selected))
        self._option_value, self._option_text = None, None

    def stream_fields(self) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        for name, blocks in self.streams:
            out.append((f"{name}-count", str(len(blocks))))
            for i, block in enumerate(blocks):
                prefix = f"{name}-{i}"
                out += [
                    (f"{prefix}-type", str(block["type"])),
                    (f"{prefix}-id", str(block.get("id") or "")),
                    (f"{prefix}-order", str(i)),
                    (f"{prefix}-deleted", ""),
                ]
                value = block.get("value")
                if isinstance(value, dict):
                    out += [(f"{prefix}-value-{k}", "" if v is None else str(v)) for k, v in value.items()]
                elif value is not None:
                    out.append((f"{prefix}-value", str(value)))
        return out


@dataclass
class Browser:
    port: int
    cookies: dict[str, str] = field(default_factory=dict)

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, http.client.HTTPResponse, bytes]:
        origin = f"http://{HOST}:{self.port}"
        sent = {
            "Host": f"{HOST}:{self.port}",
            "Accept": "text/html",
            "Accept-Language": "ja",
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
            **(headers or {}),
        }
        if method == "POST":
            sent |= {"Origin": origin, "Referer": f"{origin}{path}"}
        connection = http.client.HTTPConnection(HOST, self.port, timeout=REQUEST_TIMEOUT)
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            page = response.read()
        finally:
            connection.close()
        jar: SimpleCookie = SimpleCookie()
        for header in response.headers.get_all("Set-Cookie") or []:
            jar.load(header)
        for name, morsel in jar.items():
            self.cookies[name] = morsel.value
        return response.status, response, page


@dataclass
class Publish:
    article_id: int
    seconds: float
    status: int
    live: bool
    problem: str = ""


def publish(browser: Browser, article_id: int) -> Publish:
    """GET the edit view, then POST its form with the publish action; the POST is what is timed."""
    path = f"/admin/pages/{article_id}/edit/"
    status, _response, page = browser.request("GET", path)
    if status != 200:
        return Publish(article_id, 0.0, status, False, f"GET {path}: {status} (not signed in as staff?)")
    form = EditForm()
    form.feed(page.decode("utf-8"))
    form.close()
    if "action-publish" not in form.buttons:
        return Publish(article_id, 0.0, status, False, "no publish button in the edit form")
    data = [*form.fields, *form.stream_fields(), ("action-publish", form.buttons["action-publish"])]
    if not any(name == "csrfmiddlewaretoken" for name, _value in data):
        return Publish(article_id, 0.0, status, False, "no CSRF token in the edit form")
    body = urlencode(data).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    started = time.perf_counter()
    status, response, page = browser.request("POST", path, body=body, headers=headers)
    seconds = time.perf_counter() - started
    live = _is_live(article_id)
    problem = ""
    if status != 302 or not live:
        problem = f"POST {path}: {status} {response.getheader('Location', '')}, live={live}"
        errors = [line.strip() for line in page.decode("utf-8", "replace").splitlines() if "error" in line]
        problem += " " + " | ".join(errors[:3])[:400]
    return Publish(article_id, seconds, status, live, problem)


def _is_live(article_id: int) -> bool:
    from kiji.articles.models import ArticlePage

    return bool(ArticlePage.objects.filter(pk=article_id, live=True).exists())


# The worker -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Queued:
    tasks: dict[int, str]  # article id → status of its fan-out task
    notifications: int


def queued(article_ids: list[int]) -> Queued:
    from django_tasks_db.models import DBTaskResult

    from kiji.social.models import Notification

    statuses = {}
    for args_kwargs, status in DBTaskResult.objects.filter(task_path=TASK_PATH).values_list(
        "args_kwargs", "status"
    ):
        args = args_kwargs.get("args") or []
        if args and args[0] in article_ids:
            statuses[int(args[0])] = str(status)
    keys = [f"article:{pk}" for pk in article_ids]
    return Queued(statuses, Notification.objects.filter(group_key__in=keys).count())


@dataclass(frozen=True)
class FanOut:
    wall: float
    exit_code: int | None
    tasks: dict[int, tuple[str, float, Any]]  # article id → status, task seconds, return value
    errors: list[str]  # the last line of each failed task's traceback


def run_worker(article_ids: list[int], timeout: float, log: Path) -> FanOut:
    """`db_worker --batch`: every queued task, then exit; killed (its own group) after `timeout`."""
    from django_tasks_db.models import DBTaskResult

    command = [sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay"]
    command += ["--queue-name", "*", "-v", "0"]
    started = time.perf_counter()
    with log.open("ab") as out:
        worker = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        exit_code: int | None = worker.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=5)
        exit_code = None
    wall = time.perf_counter() - started
    tasks: dict[int, tuple[str, float, Any]] = {}
    errors: list[str] = []
    rows = DBTaskResult.objects.filter(task_path=TASK_PATH).values_list(
        "args_kwargs", "status", "started_at", "finished_at", "return_value", "traceback"
    )
    for args_kwargs, status, began, ended, value, trace in rows:
        args = args_kwargs.get("args") or []
        if args and args[0] in article_ids:
            seconds = (ended - began).total_seconds() if isinstance(began, datetime) and ended else 0.0
            tasks[int(args[0])] = (str(status), seconds, value)
            if trace:
                errors.append(f"article {args[0]}: " + trace.strip().splitlines()[-1][:300])
    return FanOut(wall, exit_code, tasks, errors)


@dataclass(frozen=True)
class Check:
    article_id: int
    notified: int
    followers_notified: int
    missing: int
    extra: int


def check(article_id: int, tag_id: int, followers: int) -> Check:
    """Every follower of the tag has the article's notification; nobody else has it."""
    from kiji.social.models import Notification

    key = f"article:{article_id}"
    notified = Notification.objects.filter(group_key=key).count()
    from_followers = Notification.objects.filter(group_key=key, recipient__tag_follows__tag_id=tag_id).count()
    return Check(article_id, notified, from_followers, followers - from_followers, notified - from_followers)


# Report ----------------------------------------------------------------------------------------------


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f}"


SUMMARY_HEADER = (
    f"{'database':<11} {'followers':>9} {'setup s':>8} {'pub p50':>8} {'pub max':>8} {'base p50':>8} "
    f"{'fan-out s':>9} {'rows/s':>8} {'worker s':>8} {'notified':>9} {'load':>5}  check"
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", "8100")))
    parser.add_argument("--followers", type=int, default=int(os.environ.get("BENCH_FOLLOWERS", "100000")))
    parser.add_argument("--drafts", type=int, default=5, help="measured publishes (fresh drafts)")
    parser.add_argument(
        "--warmup",
        type=int,
        default=os.cpu_count() or 1,
        help="unmeasured publishes first (tag without followers)",
    )
    parser.add_argument("--budget-ms", type=float, default=200.0, help="the publish p50 must stay below")
    parser.add_argument("--worker-timeout", type=float, default=300.0)
    parser.add_argument("--summary-file", type=Path, help="append one line to this file")
    args = parser.parse_args()
    if not 1 <= args.followers <= 1_000_000 or not 1 <= args.drafts <= 50 or not 0 <= args.warmup <= 16:
        parser.error("followers 1–1,000,000, drafts 1–50, warmup 0–16")
    if not 0 < args.worker_timeout <= 1800:
        parser.error("worker timeout up to 1800 s")

    setup_django()
    from django.conf import settings

    database = database_vendor()
    var_dir = Path(settings.VAR_DIR)
    server = Server(args.port, var_dir / "bench-fanout-server.log")

    def interrupted(signum: int, frame: FrameType | None) -> Any:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, interrupted)
    print(f"\nFan-out bench on {database}: {args.followers:,} members follow one tag", flush=True)
    world = make_world(args.followers)
    print(
        f"  setup: {world.seconds:.1f} s ({world.created_members:,} members created, "
        f"{world.followers:,} follow the tag)",
        flush=True,
    )
    run = uuid.uuid4().hex[:8]
    warmups = make_drafts(args.warmup, tag_id=world.quiet_tag_id, author_id=world.author_id, label=f"{run}-w")
    baselines = make_drafts(
        args.drafts, tag_id=world.quiet_tag_id, author_id=world.author_id, label=f"{run}-b"
    )
    drafts = make_drafts(args.drafts, tag_id=world.tag_id, author_id=world.author_id, label=run)
    session = sign_in(world.editor_id)
    publishes: list[Publish] = []
    base: list[Publish] = []
    warm: list[Publish] = []
    load = os.getloadavg()[0]
    print(f"  load average before publishing: {load:.2f} on {os.cpu_count()} cores", flush=True)
    try:
        server.start()
        browser = Browser(args.port, {"sessionid": session})
        warm = [publish(browser, pk) for pk in warmups]
        # Alternating with the same publish in a tag nobody follows, under the same load.
        for n, (baseline, draft) in enumerate(zip(baselines, drafts, strict=True)):
            for pk in (baseline, draft) if n % 2 == 0 else (draft, baseline):
                (base if pk == baseline else publishes).append(publish(browser, pk))
    finally:
        server.stop()
    problems = [p.problem for p in warm + base + publishes if p.problem]
    times = [p.seconds for p in publishes if not p.problem]
    base_times = [p.seconds for p in base if not p.problem]
    if warm:
        print(f"  warm-up publishes (not counted): {', '.join(ms(p.seconds) for p in warm)} ms")
    p50 = statistics.median(times) if times else float("inf")
    slowest = max(times) if times else float("inf")
    base_p50 = statistics.median(base_times) if base_times else float("inf")
    print(
        f"  publish (POST action-publish, no task worker running), tag with {world.followers:,} "
        f"followers: {', '.join(ms(t) for t in times)} ms → p50 {ms(p50)} ms, max {ms(slowest)} ms\n"
        f"  the same in a tag nobody follows (baseline): {', '.join(ms(t) for t in base_times)} ms "
        f"→ p50 {ms(base_p50)} ms",
        flush=True,
    )
    for problem in problems:
        print(f"  problem: {problem}")

    before = queued(drafts)
    waiting = sum(1 for status in before.tasks.values() if status == "READY")
    print(
        f"  before the worker: {waiting} of {len(drafts)} fan-out tasks queued, "
        f"{before.notifications} notifications exist",
        flush=True,
    )
    if before.notifications:
        problems.append(f"{before.notifications} notifications were created before the worker ran")
    if waiting != len(drafts):
        problems.append(f"{len(drafts) - waiting} articles have no queued fan-out task")

    fanout = run_worker(drafts, args.worker_timeout, var_dir / "bench-fanout-worker.log")
    checks = [check(pk, world.tag_id, world.followers) for pk in drafts]
    notified = sum(c.notified for c in checks)
    task_seconds = sum(seconds for _status, seconds, _value in fanout.tasks.values())
    print(
        f"  worker (db_worker --batch): {fanout.wall:.1f} s wall, exit {fanout.exit_code}"
        + (" (TIMED OUT)" if fanout.exit_code is None else ""),
        flush=True,
    )
    for c in checks:
        status, seconds, value = fanout.tasks.get(c.article_id, ("not queued", 0.0, None))
        rate = f"{c.notified / seconds:,.0f} rows/s" if seconds else "-"
        print(
            f"    article {c.article_id}: task {status} in {seconds:.2f} s ({rate}), returned {value}; "
            f"{c.followers_notified:,} of {world.followers:,} followers notified, "
            f"missing {c.missing}, extra {c.extra}"
        )
        if c.missing or c.extra:
            problems.append(f"article {c.article_id}: {c.missing} missing, {c.extra} extra notifications")
        if status != "SUCCESSFUL":
            problems.append(f"article {c.article_id}: fan-out task {status}")
    problems += fanout.errors[:3]
    rows_per_second = notified / task_seconds if task_seconds else 0.0
    print(
        f"  fan-out: {notified:,} notifications in {task_seconds:.1f} s of task time "
        f"({rows_per_second:,.0f} rows/s; {task_seconds / max(len(drafts), 1):.2f} s per article)"
    )
    if fanout.exit_code != 0:
        problems.append(f"the worker {'timed out' if fanout.exit_code is None else 'failed'}")
    too_slow = p50 >= args.budget_ms / 1000
    if too_slow:
        problems.append(f"publish p50 {ms(p50)} ms ≥ {args.budget_ms:.0f} ms")

    if args.summary_file:
        with args.summary_file.open("a") as summary:
            if summary.tell() == 0:
                summary.write(SUMMARY_HEADER + "\n")
            summary.write(
                f"{database:<11} {world.followers:>9,} {world.seconds:>8.1f} {ms(p50):>8} "
                f"{ms(slowest):>8} {ms(base_p50):>8} {task_seconds:>9.1f} {rows_per_second:>8,.0f} "
                f"{fanout.wall:>8.1f} {notified:>9,} {load:>5.2f}  {'FAIL' if problems else 'ok'}\n"
            )
    if problems:
        print(f"FAILED on {database}:")
        for problem in problems:
            print(f"  - {problem}")
        return 1
    print(f"  ok: publish p50 {ms(p50)} ms < {args.budget_ms:.0f} ms; every follower notified once")
    return 0


if __name__ == "__main__":
    sys.exit(main())
