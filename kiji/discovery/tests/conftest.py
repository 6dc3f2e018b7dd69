"""Helpers for discovery tests: reads written straight to the table, on a chosen day."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from kiji.discovery.models import ReadEvent
from kiji.discovery.services import tokyo_day


@pytest.fixture
def read(db: None) -> Callable[..., ReadEvent]:
    """`read(user, article, days_ago=0)`: one ReadEvent, as if the member opened it that day."""

    def make(user: Any, article: Any, days_ago: int = 0, minutes: int = 0) -> ReadEvent:
        at = timezone.now() - timedelta(days=days_ago, minutes=minutes)
        return ReadEvent.objects.create(user=user, article=article, day=tokyo_day(at), read_at=at)

    return make
