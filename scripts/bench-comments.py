#!/usr/bin/env python
"""`make bench-comments`: members posting comments at once against the production server.

scripts/bench-comments.sh runs this once on SQLite and once on a throw-away PostgreSQL; it can also
run alone against whatever DATABASE_URL / KIJI_VAR_DIR say (the database must be migrated and hold
the demo articles). It

1. makes its own members (user, verified e-mail, profile with disclosure consent, joined 60 days
   ago) and signs them in by writing sessions directly, so there is no login round trip;
2. sets CommentSettings for the phase and (re)starts granian as scripts/serve.sh does, because each
   worker process caches the settings (a save reaches only the process that made it);
3. runs N poster threads, each a keep-alive http.client connection to 127.0.0.1, posting
   `HX-Request` forms as fast as the server answers, bounded by time and by count;
4. records every acknowledged post (200 whose fragment holds id="comment-<pk>") and checks in the
   database afterwards that each of those comments exists, by its author, with the exact text.

Phase "open": pacing off (no interval, no daily cap, no pre-moderation) to measure throughput.
Each poster thread rotates through its own pool of members: the post view also rate-limits one
member to 30 posts a minute (kiji.comments.views, per worker process), which 20 members posting
flat out would hit within seconds. `--members-per-poster 1` shows that limit instead.
Phase "paced": the model's default pacing (5 s between a member's comments, first comment held),
one member per poster posting every `--paced-think` seconds: the 429s must be clean refusals.

Exit status 1 when an acknowledged comment is missing or wrong, or on any 5xx or connection error.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
USERNAME_PREFIX = "bench-commenter-"
COMMENT_ID = re.compile(rb'id="comment-(\d+)"')
MAX_REQUESTS_PER_POSTER = 100_000  # a bound besides time, far above what a minute allows
REQUEST_TIMEOUT = 30.0
PACING_FIELDS = (
    "min_interval_seconds",
    "new_member_interval_seconds",
    "daily_limit",
    "new_member_daily_limit",
    "premoderate_first_comments",
)
OPEN_PACING = {
    "min_interval_seconds": 0,
    "new_member_interval_seconds": 0,
    "daily_limit": 1_000_000,
    "new_member_daily_limit": 1_000_000,
    "premoderate_first_comments": 0,
}


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


def pick_article(slug: str | None, *, create: bool) -> tuple[int, str]:
    """A free live article to comment on; with `create`, one is published when there is none."""
    from kiji.articles.models import ArticlePage

    articles = ArticlePage.objects.live().filter(access_level="free").order_by("pk")
    article = articles.filter(slug=slug).first() if slug else articles.first()
    if article is None and create and not slug:
        article = publish_bench_article()
    if article is None:
        sys.exit("No free live article to comment on: run `manage.py load_demo` or pass --ensure-article.")
    return article.pk, article.slug


def publish_bench_article() -> Any:
    """One free article, as the editors would publish it (much quicker than the whole demo)."""
    from kiji.articles.models import ArticlePage
    from kiji.articles.services import ensure_site_tree

    index = ensure_site_tree()
    article = ArticlePage(
        title="コメント投稿ベンチマーク用の記事",
        slug="bench-comments",
        lead="コメント投稿の負荷試験に使う記事です。",
        access_level="free",
        body=[("paragraph", "<p>本文です。</p>")],
    )
    index.add_child(instance=article)
    article.save_revision().publish()
    return ArticlePage.objects.get(pk=article.pk)


def ensure_members(count: int) -> list[int]:
    """`count` bench members, created once and reused: verified, consented, joined 60 days ago."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth.models import User
    from django.db import transaction
    from django.utils import timezone

    from kiji.members.models import Profile

    names = [f"{USERNAME_PREFIX}{n:04d}" for n in range(count)]
    now = timezone.now()
    with transaction.atomic():
        existing = set(User.objects.filter(username__in=names).values_list("username", flat=True))
        fresh = [
            User(username=name, email=f"{name}@bench.localhost") for name in names if name not in existing
        ]
        for user in fresh:
            user.set_unusable_password()
        User.objects.bulk_create(fresh)
        users = list(User.objects.filter(username__in=names).order_by("username"))
        User.objects.filter(pk__in=[u.pk for u in users]).update(date_joined=now - timedelta(days=60))
        with_email = set(EmailAddress.objects.filter(user__in=users).values_list("user_id", flat=True))
        EmailAddress.objects.bulk_create(
            EmailAddress(user=u, email=u.email, verified=True, primary=True)
            for u in users
            if u.pk not in with_email
        )
        with_profile = set(Profile.objects.filter(user__in=users).values_list("user_id", flat=True))
        Profile.objects.bulk_create(
            Profile(user=u, display_name=f"ベンチ会員{u.username[-4:]}", disclosure_consent_at=now)
            for u in users
            if u.pk not in with_profile
        )
        Profile.objects.filter(user__in=users).update(disclosure_consent_at=now)
    return [u.pk for u in users]


def forget_earlier_runs() -> None:
    """Delete the bench members' comments from earlier runs and recount the articles they were on."""
    from django.db import transaction
    from django.db.models import F

    from kiji.comments.models import ArticleCommentCount, Comment

    with transaction.atomic():
        old = Comment.objects.filter(author__username__startswith=USERNAME_PREFIX)
        articles = set(old.values_list("article_id", flat=True))
        old.delete()
        for article_id in articles:
            visible = Comment.objects.filter(article_id=article_id, status=Comment.Status.PUBLISHED).count()
            ArticleCommentCount.objects.filter(article_id=article_id).update(
                count=visible, version=F("version") + 1
            )


def sign_in(user_ids: list[int]) -> list[str]:
    """A fresh session per member, as django.contrib.auth.login would write it."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import User
    from django.db import transaction

    store = import_module(settings.SESSION_ENGINE).SessionStore
    users = User.objects.in_bulk(user_ids)
    keys = []
    with transaction.atomic():
        for user_id in user_ids:
            session = store()
            session[SESSION_KEY] = str(user_id)
            session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
            session[HASH_SESSION_KEY] = users[user_id].get_session_auth_hash()
            session.create()
            keys.append(str(session.session_key))
    return keys


def configure(values: dict[str, int]) -> None:
    from kiji.comments.models import CommentSettings

    config = CommentSettings.load()
    config.comments_enabled = True
    for name, value in values.items():
        setattr(config, name, value)
    config.save()


def current_pacing() -> dict[str, int]:
    from kiji.comments.models import CommentSettings

    config = CommentSettings.load()
    return {name: int(getattr(config, name)) for name in PACING_FIELDS}


def default_pacing() -> dict[str, int]:
    from kiji.comments.models import CommentSettings

    return {name: int(CommentSettings._meta.get_field(name).get_default()) for name in PACING_FIELDS}


def describe(pacing: dict[str, int]) -> str:
    held = pacing["premoderate_first_comments"]
    return (
        f"min_interval_seconds={pacing['min_interval_seconds']}, "
        f"new_member_interval_seconds={pacing['new_member_interval_seconds']}, "
        f"daily_limit={pacing['daily_limit']}, "
        f"premoderate_first_comments={held}{' (off)' if not held else ''}"
    )


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
        env = {**os.environ, "HOST": HOST}
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                ["scripts/serve.sh", str(self.port)],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
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
        # Workers that outlived their parent are still in the group this script created.
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


# Posting ---------------------------------------------------------------------------------------------


@dataclass
class Tally:
    """One poster thread's results (merged after the threads end; no locks while running)."""

    latencies: list[float] = field(default_factory=list)
    post_latencies: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    acknowledged: list[tuple[int, int, str]] = field(default_factory=list)  # pk, author, body
    samples: list[str] = field(default_factory=list)

    def merge(self, other: Tally) -> None:
        self.latencies += other.latencies
        self.post_latencies += other.post_latencies
        self.statuses += other.statuses
        self.acknowledged += other.acknowledged
        self.samples += other.samples[: max(0, 5 - len(self.samples))]


def csrf_token(port: int, path: str, session: str) -> str:
    """The csrftoken cookie from the comment section, which must show this member the post form."""
    connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
    try:
        connection.request("GET", path, headers={"Cookie": f"sessionid={session}"})
        response = connection.getresponse()
        page = response.read()
        cookies: SimpleCookie = SimpleCookie()
        for header in response.headers.get_all("Set-Cookie") or []:
            cookies.load(header)
    finally:
        connection.close()
    if response.status != 200 or b'id="comment-form"' not in page:
        sys.exit(f"GET {path} as a bench member: {response.status}, no post form (not signed in?)")
    if "csrftoken" not in cookies:
        sys.exit(f"GET {path} set no csrftoken cookie")
    return cookies["csrftoken"].value


def poster(
    *,
    index: int,
    port: int,
    article_id: int,
    sessions: list[tuple[int, str]],
    csrf: str,
    marker: str,
    deadline: float,
    think: float,
    tally: Tally,
) -> None:
    path = f"/comments/a/{article_id}/post/"
    connection: http.client.HTTPConnection | None = None
    for sent in range(MAX_REQUESTS_PER_POSTER):
        if time.monotonic() >= deadline:
            break
        author, session = sessions[sent % len(sessions)]
        body = f"{marker}-p{index:02d}-{sent:06d} ベンチマークのコメントです。"
        form = urlencode({"body": body, "token": uuid.uuid4().hex}).encode()
        headers = {
            "Host": f"{HOST}:{port}",
            "Cookie": f"sessionid={session}; csrftoken={csrf}",
            "X-CSRFToken": csrf,
            "HX-Request": "true",
            "Content-Type": "application/x-www-form-urlencoded",
        }
        started = time.perf_counter()
        try:
            if connection is None:
                connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
            connection.request("POST", path, body=form, headers=headers)
            response = connection.getresponse()
            page = response.read()
        except (OSError, http.client.HTTPException) as error:
            tally.statuses["connection error"] += 1
            tally.samples.append(f"connection error: {error!r}")
            if connection is not None:
                connection.close()
            connection = None
            time.sleep(0.05)
            continue
        elapsed = time.perf_counter() - started
        tally.latencies.append(elapsed)
        status = response.status
        if status == 200:
            found = COMMENT_ID.search(page)
            if found:
                tally.statuses["200"] += 1
                tally.post_latencies.append(elapsed)
                tally.acknowledged.append((int(found.group(1)), author, body))
            else:
                tally.statuses["200 without a comment"] += 1
                tally.samples.append(f"200 without a comment: {page[:200]!r}")
        elif status == 429:
            # views.member_write's rate limit answers in the dialog; the pacing rule re-renders the form.
            limited = response.getheader("HX-Retarget") == "#comment-dialog"
            tally.statuses["429 rate limit" if limited else "429 pacing"] += 1
        elif status >= 500:
            tally.statuses["5xx"] += 1
            tally.samples.append(f"{status}: {page[:300]!r}")
        else:
            tally.statuses[str(status)] += 1
            if status != 422:
                tally.samples.append(f"{status}: {page[:200]!r}")
        if response.getheader("Connection", "").lower() == "close":
            connection.close()
            connection = None
        if think:
            time.sleep(think)
    if connection is not None:
        connection.close()


@dataclass
class Outcome:
    name: str
    seconds: float
    tally: Tally
    missing: list[str]

    @property
    def failed(self) -> bool:
        errors = self.tally.statuses["5xx"] + self.tally.statuses["connection error"]
        return bool(self.missing or errors or self.tally.statuses["200 without a comment"])


def run_phase(
    *,
    name: str,
    port: int,
    article_id: int,
    pools: list[list[tuple[int, str]]],
    seconds: float,
    think: float,
    marker: str,
) -> Outcome:
    section = f"/comments/a/{article_id}/"
    tokens = [csrf_token(port, section, pool[0][1]) for pool in pools]
    tallies = [Tally() for _pool in pools]
    start = time.monotonic()
    deadline = start + seconds
    threads = [
        threading.Thread(
            target=poster,
            kwargs={
                "index": index,
                "port": port,
                "article_id": article_id,
                "sessions": pool,
                "csrf": tokens[index],
                "marker": marker,
                "deadline": deadline,
                "think": think,
                "tally": tallies[index],
            },
            daemon=True,
        )
        for index, pool in enumerate(pools)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + REQUEST_TIMEOUT + 10)
    elapsed = time.monotonic() - start
    if any(thread.is_alive() for thread in threads):
        sys.exit("A poster thread did not finish in time.")
    tally = Tally()
    for one in tallies:
        tally.merge(one)
    return Outcome(name, elapsed, tally, verify(tally.acknowledged))


def verify(acknowledged: list[tuple[int, int, str]]) -> list[str]:
    """Every acknowledged comment is in the database, once, by its author, with its exact text."""
    from kiji.comments.models import Comment

    problems = []
    pks = [pk for pk, _author, _body in acknowledged]
    if len(set(pks)) != len(pks):
        problems.append(f"{len(pks) - len(set(pks))} acknowledgements named a comment already acknowledged")
    stored: dict[int, tuple[int | None, str]] = {}
    for start in range(0, len(pks), 500):
        chunk = pks[start : start + 500]
        for pk, author, body in Comment.objects.filter(pk__in=chunk).values_list("pk", "author_id", "body"):
            stored[pk] = (author, body)
    for pk, author, body in acknowledged:
        if pk not in stored:
            problems.append(f"comment {pk} is missing")
        elif stored[pk] != (author, body):
            problems.append(f"comment {pk} has {stored[pk]!r}, expected {(author, body)!r}")
    return problems


# Report ----------------------------------------------------------------------------------------------


def percentile_ms(values: list[float], q: int) -> str:
    if not values:
        return "-"
    if len(values) == 1:
        return f"{values[0] * 1000:.0f}"
    return f"{statistics.quantiles(values, n=100, method='inclusive')[q - 1] * 1000:.0f}"


COUNT_COLUMNS = ("200", "422", "429 pacing", "429 rate limit", "5xx", "connection error")


def report(database: str, outcome: Outcome, extra: str) -> str:
    tally = outcome.tally
    posts = tally.statuses["200"]
    attempts = sum(tally.statuses.values())
    counts = "  ".join(f"{name}: {tally.statuses[name]}" for name in COUNT_COLUMNS)
    others = {k: v for k, v in tally.statuses.items() if k not in COUNT_COLUMNS}
    lines = [
        f"[{database}] {outcome.name}: {extra}",
        f"  {posts / outcome.seconds:7.1f} posts/s ({attempts / outcome.seconds:.1f} requests/s, "
        f"{outcome.seconds:.1f} s)   latency of all requests: p50 {percentile_ms(tally.latencies, 50)} ms, "
        f"p95 {percentile_ms(tally.latencies, 95)} ms, p99 {percentile_ms(tally.latencies, 99)} ms",
        f"  {counts}" + (f"  other: {dict(others)}" if others else ""),
        f"  database check: {posts - len(outcome.missing) if not outcome.missing else 'FAILED'}"
        f" of {posts} acknowledged comments stored with their exact text and author",
    ]
    lines += [f"  problem: {problem}" for problem in outcome.missing[:10]]
    lines += [f"  sample: {sample}" for sample in tally.samples[:5]]
    return "\n".join(lines)


def summary_row(database: str, outcome: Outcome) -> str:
    tally = outcome.tally
    status = "FAIL" if outcome.failed else "ok"
    return (
        f"{database:<11} {outcome.name:<7} {tally.statuses['200'] / outcome.seconds:8.1f} "
        f"{percentile_ms(tally.latencies, 50):>6} {percentile_ms(tally.latencies, 95):>6} "
        f"{percentile_ms(tally.latencies, 99):>6} {tally.statuses['200']:>6} {tally.statuses['422']:>5} "
        f"{tally.statuses['429 pacing']:>7} {tally.statuses['429 rate limit']:>7} "
        f"{tally.statuses['5xx'] + tally.statuses['connection error']:>6}  {status}"
    )


SUMMARY_HEADER = (
    f"{'database':<11} {'phase':<7} {'posts/s':>8} {'p50ms':>6} {'p95ms':>6} {'p99ms':>6} {'200':>6} "
    f"{'422':>5} {'429pace':>7} {'429rate':>7} {'errors':>6}  check"
)


# Main ------------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", "8100")))
    parser.add_argument("--posters", type=int, default=int(os.environ.get("BENCH_POSTERS", "20")))
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("BENCH_COMMENT_SECONDS", "60")))
    parser.add_argument(
        "--paced-seconds", type=float, default=float(os.environ.get("BENCH_PACED_SECONDS", "15"))
    )
    parser.add_argument(
        "--paced-think", type=float, default=0.25, help="seconds between a paced poster's tries"
    )
    parser.add_argument("--members-per-poster", type=int, default=25)
    parser.add_argument("--article", help="slug of a free article (default: the first free one)")
    parser.add_argument(
        "--ensure-article", action="store_true", help="publish an article to comment on if there is none"
    )
    parser.add_argument("--summary-file", type=Path, help="append one line per phase to this file")
    args = parser.parse_args()
    if not 1 <= args.posters <= 200 or not 0 < args.seconds <= 600 or not 0 <= args.paced_seconds <= 600:
        parser.error("posters 1–200, seconds up to 600")

    setup_django()
    from django.conf import settings

    database = database_vendor()
    article_id, slug = pick_article(args.article, create=args.ensure_article)
    var_dir = Path(settings.VAR_DIR)
    server = Server(args.port, var_dir / "bench-comments-server.log")
    previous = current_pacing()
    outcomes: list[Outcome] = []

    def interrupted(signum: int, frame: FrameType | None) -> Any:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, interrupted)
    print(f"\nComment posting bench on {database}: article {article_id} ({slug}), {args.posters} posters")
    try:
        open_count = args.posters * args.members_per_poster
        members = ensure_members(open_count + args.posters)
        forget_earlier_runs()
        sessions = list(zip(members, sign_in(members), strict=True))
        open_pools = [
            sessions[i * args.members_per_poster : (i + 1) * args.members_per_poster]
            for i in range(args.posters)
        ]
        paced_pools = [[session] for session in sessions[open_count:]]
        run = uuid.uuid4().hex[:8]

        configure(OPEN_PACING)
        server.start()
        extra = (
            f"pacing OFF for throughput ({describe(OPEN_PACING)}); {args.posters} posters × "
            f"{args.members_per_poster} members each, no pause"
        )
        print(f"  open phase: {args.seconds:.0f} s, {extra}", flush=True)
        outcomes.append(
            run_phase(
                name="open",
                port=args.port,
                article_id=article_id,
                pools=open_pools,
                seconds=args.seconds,
                think=0,
                marker=f"bench-{run}-open",
            )
        )
        server.stop()
        print(report(database, outcomes[-1], extra), flush=True)

        if args.paced_seconds:
            paced = default_pacing()
            configure(paced)
            server.start()
            extra = (
                f"default pacing ({describe(paced)}); {args.posters} members, one per poster, "
                f"a try every {args.paced_think} s"
            )
            print(f"  paced phase: {args.paced_seconds:.0f} s, {extra}", flush=True)
            outcomes.append(
                run_phase(
                    name="paced",
                    port=args.port,
                    article_id=article_id,
                    pools=paced_pools,
                    seconds=args.paced_seconds,
                    think=args.paced_think,
                    marker=f"bench-{run}-paced",
                )
            )
            server.stop()
            print(report(database, outcomes[-1], extra), flush=True)
    finally:
        server.stop()
        configure(previous)

    if args.summary_file:
        with args.summary_file.open("a") as summary:
            if summary.tell() == 0:
                summary.write(SUMMARY_HEADER + "\n")
            for outcome in outcomes:
                summary.write(summary_row(database, outcome) + "\n")
    failed = [o for o in outcomes if o.failed]
    if failed:
        print(f"FAILED on {database}: " + ", ".join(o.name for o in failed) + f" (server log: {server.log})")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
