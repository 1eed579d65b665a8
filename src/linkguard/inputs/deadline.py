"""The clock an archive walk checks, so that no hostile header can make reading one member take unbounded time.

Time is counted per member, as it is per artifact everywhere else: the clock restarts when the walker reaches a
member's header and when inspection of a member returns, so a long but honest archive is not cut short while every
member (including the skipping of data its header claims) costs at most `seconds`. An optional absolute `stop_at`
(a `time.monotonic()` instant) bounds the whole walk for callers that hold a deadline of their own.
"""

from __future__ import annotations

import time
from typing import Callable, Optional


class DeadlineExceeded(Exception):
    """Raised by `Deadline.check`; the message names the limit."""


class Deadline:
    """Seconds allowed per member (restartable), and an optional hard stop for the whole walk."""

    def __init__(
        self, seconds: float, stop_at: Optional[float] = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.seconds = seconds
        self.stop_at = stop_at
        self._clock = clock
        self._started = clock()

    def restart(self) -> None:
        """A new member begins: it gets the full `seconds`."""
        self._started = self._clock()

    def check(self) -> None:
        """Raise `DeadlineExceeded` when this member's time, or the whole walk's, has run out."""
        now = self._clock()
        if now - self._started > self.seconds:
            raise DeadlineExceeded(
                f"reading the archive took longer than {self.seconds:g} s for one member (limit: time per artifact)"
            )
        if self.stop_at is not None and now > self.stop_at:
            raise DeadlineExceeded("reading the archive ran past the time allowed for this file (limit: time)")


NO_DEADLINE = Deadline(float("inf"))
