"""Guards for the library: saving and following are locked until the detailed profile is complete.

The decision itself lives in `kiji.core.access`; these only turn a denial into an exception that
carries it, so every caller (pages, services, later the API) can show the same reason.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

from kiji.core import access
from kiji.core.access import Action, Decision


class FeatureLocked(PermissionDenied):
    """The member may not use this feature yet; `decision` says why and what unlocks it."""

    def __init__(self, decision: Decision) -> None:
        super().__init__(str(decision.message))
        self.decision = decision


def _check(user: Any, action: Action) -> None:
    decision = access.decide(user, action)
    if not decision:
        raise FeatureLocked(decision)


def check_can_save_favorites(user: Any) -> None:
    _check(user, Action.SAVE_FAVORITE)


def check_can_follow_tags(user: Any) -> None:
    _check(user, Action.FOLLOW_TAG)
