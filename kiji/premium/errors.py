from __future__ import annotations

from django.utils.functional import Promise


class PremiumError(ValueError):
    """An expected refusal with a message the member or operator can act on (Japanese source).

    A ValueError, so callers outside this app can treat it as invalid input.
    """

    def __init__(self, message: Promise | str, *, code: str = "") -> None:
        super().__init__(str(message))
        self.message = message
        self.code = code
