"""Background work for discovery: the daily co-reading rebuild (and pruning of old reads)."""

from __future__ import annotations

from django.tasks import task


@task
def refresh_coreads_daily() -> int:
    from kiji.discovery.services import prune_read_events, refresh_coreads

    prune_read_events()
    return refresh_coreads()
