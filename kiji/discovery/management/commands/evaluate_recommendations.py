"""`manage.py evaluate_recommendations`: hit rate@10 of おすすめ against popularity, offline."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kiji.discovery.evaluation import CorpusTooSmall, evaluate


class Command(BaseCommand):
    help = (
        "Simulate members' reading over the live articles, hold out each member's last read and "
        "print hit rate@10 and coverage for Kiji's recommender and a popularity baseline side by "
        "side. Runs in a transaction that is rolled back: it leaves nothing behind."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--members", type=int, default=300, help="Simulated members (default 300).")
        parser.add_argument("--reads", type=int, default=20, help="Reads per member (default 20).")
        parser.add_argument("--seed", type=int, default=1, help="Random seed (default 1).")
        parser.add_argument("--k", type=int, default=10, help="List length (default 10).")

    def handle(self, *args: Any, **options: Any) -> None:
        members, reads, k = options["members"], options["reads"], options["k"]
        if not (1 <= members <= 5000 and 2 <= reads <= 200 and 1 <= k <= 50):
            raise CommandError("--members must be 1–5000, --reads 2–200 and --k 1–50.")
        try:
            result = evaluate(members=members, reads=reads, seed=options["seed"], k=k)
        except CorpusTooSmall as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Simulated {result.members} members × {result.reads_per_member} reads over "
            f"{result.articles} readable live articles (seed {result.seed}); "
            "each member's last read held out."
        )
        width = 24
        self.stdout.write(f"{'':<{width}}{f'hit rate@{k}':>14}{'coverage':>12}")
        rows = (
            ("Kiji (おすすめ)", result.kiji_hit_rate, result.kiji_coverage),
            ("Popularity baseline", result.popular_hit_rate, result.popular_coverage),
        )
        for name, hit_rate, coverage in rows:
            pad = width - sum(2 if ord(c) > 0x2E80 else 1 for c in name) + len(name)
            self.stdout.write(f"{name:<{pad}}{hit_rate:>14.3f}{coverage:>12.3f}")
        lift = result.kiji_hit_rate - result.popular_hit_rate
        self.stdout.write(f"Kiji − popularity: {lift:+.3f}")
        self.stdout.write(self.style.SUCCESS("Simulated data rolled back; nothing was kept."))
