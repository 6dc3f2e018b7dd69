"""Search at scale: 100,000 generated articles (and comments), the index built by `reindex`, then
the relevance set's queries as four kinds of reader, in-process through kiji.search.selectors.search
(parsing, ranking, access filtering, cards and snippets included). Run by scripts/bench-search.sh.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

import yaml  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import AnonymousUser  # noqa: E402
from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from wagtail.models import Locale, Page  # noqa: E402

from kiji.articles.models import ArticleAuthor, ArticlePage, ArticleTag, Author, Series, Tag  # noqa: E402
from kiji.articles.services import ensure_site_tree  # noqa: E402
from kiji.comments.models import Comment  # noqa: E402
from kiji.members.models import Profile  # noqa: E402
from kiji.premium.models import Plan, Subscription  # noqa: E402
from kiji.search.selectors import SearchFilters, Sort, search  # noqa: E402
from kiji.social.models import Block  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
COMPLETE = {"industry": "it", "job_function": "it", "company_size": "50-299", "prefecture": "東京都"}


def sentences() -> list[str]:
    found: list[str] = []
    for path in sorted((ROOT / "kiji/demo/content").glob("*.md")):
        body = path.read_text().split("---", 2)[2]
        for line in body.splitlines():
            if line.startswith(("!", "#", ">", "<")) or not line.strip():
                continue
            found.extend(s + "。" for s in re.split("。", line) if len(s) > 12)
    return found


def step(n: int) -> str:
    out = ""
    for _ in range(4):
        n, r = divmod(n, 36)
        out = ALPHABET[r] + out
    return out


def generate(count: int, comments: int, rng: random.Random) -> None:
    pool = sentences()
    index = ensure_site_tree()
    locale = Locale.objects.first()
    article_type = ContentType.objects.get_for_model(ArticlePage)
    series = Series.objects.bulk_create(Series(name=f"連載{i}", slug=f"series-{i}") for i in range(30))
    authors = Author.objects.bulk_create(Author(name=f"記者{i}", slug=f"writer-{i}") for i in range(60))
    words = sorted({w for s in pool for w in re.findall(r"[ァ-ヶー]{3,8}|[一-龥]{2,4}", s)})
    tags = Tag.objects.bulk_create(Tag(name=w, slug=f"tag-{i}") for i, w in enumerate(rng.sample(words, 300)))
    now = timezone.now()
    start = time.monotonic()
    made = 0
    with transaction.atomic():
        for offset in range(0, count, 2000):
            pages, rows, tag_rows, author_rows = [], [], [], []
            for i in range(offset, min(count, offset + 2000)):
                published = now - timedelta(minutes=rng.randrange(3 * 365 * 24 * 60))
                body = [rng.choice(pool) for _ in range(rng.randint(6, 12))]
                title = rng.choice(pool)[:34].rstrip("、。")
                pages.append(
                    Page(
                        path=index.path + step(i + 1),
                        depth=index.depth + 1,
                        numchild=0,
                        title=title,
                        draft_title=title,
                        slug=f"gen-{i}",
                        live=True,
                        url_path=f"{index.url_path}gen-{i}/",
                        content_type=article_type,
                        locale=locale,
                        translation_key=uuid.uuid4(),
                        first_published_at=published,
                        last_published_at=published,
                    )
                )
                paragraphs = [body[j : j + 3] for j in range(0, len(body), 3)]
                rows.append(
                    (
                        " ".join(rng.sample(pool, 2)),
                        json.dumps(
                            [
                                {
                                    "type": "paragraph",
                                    "value": "<p>" + "".join(p) + "</p>",
                                    "id": str(uuid.uuid4()),
                                }
                                for p in paragraphs
                            ],
                            ensure_ascii=False,
                        ),
                        published,
                        rng.choices(["free", "members", "premium"], weights=[6, 3, 1])[0],
                        rng.choice(series).pk if rng.random() < 0.3 else None,
                    )
                )
            created = Page.objects.bulk_create(pages)
            with connection.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO articles_articlepage (page_ptr_id, lead, body, published_at, featured, "
                    "access_level, series_id) VALUES (%s, %s, %s, %s, %s, %s, %s)",
                    [
                        (p.pk, lead, body, published, False, level, sid)
                        for p, (lead, body, published, level, sid) in zip(created, rows, strict=True)
                    ],
                )
            for p in created:
                for tag in rng.sample(tags, rng.randint(1, 4)):
                    tag_rows.append(ArticleTag(content_object_id=p.pk, tag=tag))
                author_rows.append(ArticleAuthor(page_id=p.pk, author=rng.choice(authors), sort_order=0))
            ArticleTag.objects.bulk_create(tag_rows)
            ArticleAuthor.objects.bulk_create(author_rows)
            made += len(created)
        Page.objects.filter(pk=index.pk).update(numchild=made)
    print(f"  generated {made:,} articles in {time.monotonic() - start:.0f} s", flush=True)

    User = get_user_model()
    users = User.objects.bulk_create(
        User(username=f"writer{i}", email=f"writer{i}@example.com") for i in range(2000)
    )
    Profile.objects.bulk_create(
        Profile(user=u, display_name=f"読者{u.pk}", disclosure_consent_at=now, **COMPLETE) for u in users
    )
    ids = list(ArticlePage.objects.values_list("pk", flat=True))
    Comment.objects.bulk_create(
        Comment(
            article_id=rng.choice(ids),
            author=rng.choice(users),
            body=(text := rng.choice(pool)),
            body_html=f"<p>{text}</p>",
            created_at=now - timedelta(minutes=rng.randrange(365 * 24 * 60)),
        )
        for _ in range(comments)
    )
    print(f"  generated {comments:,} comments by {len(users):,} members", flush=True)


def readers(rng: random.Random) -> dict[str, object]:
    User = get_user_model()
    plan, _ = Plan.objects.get_or_create(code="bench", defaults={"name": "bench", "price_yen": 1})
    made: dict[str, object] = {"anonymous": AnonymousUser()}
    writers = list(User.objects.filter(username__startswith="writer").values_list("pk", flat=True))
    for level in ("registered", "complete", "premium"):
        user = User.objects.create_user(f"bench-{level}", f"bench-{level}@example.com", "bench-password-1")
        Profile.objects.create(user=user, display_name=level, **(COMPLETE if level != "registered" else {}))
        if level == "premium":
            Subscription.objects.create(
                user=user,
                plan=plan,
                status=Subscription.Status.ACTIVE,
                current_period_start=timezone.now() - timedelta(days=1),
                current_period_end=timezone.now() + timedelta(days=29),
            )
        # Every signed-in reader blocks 50 commenters: the filter is part of every query.
        Block.objects.bulk_create(Block(blocker=user, blocked_id=pk) for pk in rng.sample(writers, 50))
        made[level] = user
    return made


def existing_readers() -> dict[str, object]:
    User = get_user_model()
    made: dict[str, object] = {"anonymous": AnonymousUser()}
    for level in ("registered", "complete", "premium"):
        made[level] = User.objects.get(username=f"bench-{level}")
    return made


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--comments", type=int, default=20_000)
    parser.add_argument("--summary-file", default="")
    parser.add_argument("--label", default=connection.vendor)
    parser.add_argument(
        "--measure-only", action="store_true", help="Reuse the generated, indexed database of a previous run."
    )
    args = parser.parse_args()
    rng = random.Random(6)  # noqa: S311  (reproducible test data)
    build = 0.0
    if not args.measure_only:
        print(f"[{args.label}] generating…", flush=True)
        generate(args.articles, args.comments, rng)
        started = time.monotonic()
        call_command("reindex", "--related-days", "0")
        build = time.monotonic() - started
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT SUM(pgsize) FROM dbstat WHERE name LIKE 'search_%' OR name LIKE 'search\\_%'"
            )
            size = cursor.fetchone()[0] or 0
    else:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_total_relation_size('search_searchdocument')")
            size = cursor.fetchone()[0]
    queries = [
        q["query"]
        for q in yaml.safe_load((ROOT / "kiji/search/relevance/judgments.yaml").read_text())["queries"]
    ]
    people = readers(rng) if not args.measure_only else existing_readers()
    tag = Tag.objects.order_by("pk").first()
    variants = [
        ("relevance", {}),
        ("newest", {"sort": Sort.NEWEST}),
        ("tag filter", {"filters": SearchFilters(tags=(tag.slug,))}),
        ("comments only", {"filters": SearchFilters(kinds=frozenset({"comment"}))}),
        ("last 90 days", {"filters": SearchFilters(since=(timezone.now() - timedelta(days=90)).date())}),
    ]
    for q in queries[:10]:  # warm the caches and the dictionary
        search(people["anonymous"], q)
    timings: dict[str, list[float]] = {}
    totals: list[int] = []
    for name, person in people.items():
        for label, options in variants:
            for q in queries:
                begin = time.perf_counter()
                found = search(person, q, per_page=20, **options)  # type: ignore[arg-type]
                elapsed = (time.perf_counter() - begin) * 1000
                timings.setdefault(label, []).append(elapsed)
                timings.setdefault(f"as {name}", []).append(elapsed)
                totals.append(found.total)
    everything = [t for key, values in timings.items() if not key.startswith("as ") for t in values]
    lines = [
        f"[{args.label}] {args.articles:,} articles + {args.comments:,} comments; "
        f"index built in {build:.0f} s; search tables and indexes {size / 1e6:,.0f} MB",
        f"[{args.label}] {len(everything)} searches ({len(queries)} queries × 4 readers × 5 variants), "
        f"median {statistics.median(totals):,.0f} matches: p50 {percentile(everything, 0.5):.1f} ms, "
        f"p95 {percentile(everything, 0.95):.1f} ms, max {max(everything):.0f} ms",
    ]
    for key, values in timings.items():
        lines.append(
            f"    {key:<14} p50 {percentile(values, 0.5):6.1f} ms   p95 {percentile(values, 0.95):6.1f} ms"
        )
    print("\n".join(lines))
    if args.summary_file:
        with open(args.summary_file, "a") as out:
            out.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
