"""The clock an archive walk checks, so that no hostile header can make reading one member take unbounded time,
and no archive, however many slow members it holds, more than the time allowed for the whole file.

Two bounds, both in `Deadline`:
- per member, as per artifact everywhere else: the clock restarts when the walker reaches a member's header and
  when inspection of a member returns, so every step of the walk (including skipping the data a header claims)
  costs at most `seconds`;
- for the whole archive, an absolute `stop_at` (a `time.monotonic()` instant) that never restarts: once it has
  passed, no further member is inspected (the walker counts them as not checked), a member being inspected has at
  most what is left (`remaining()`), and the next read of the archive stops the walk.
"""

from __future__ import annotations

import time
from typing import Callable, Optional


class DeadlineExceeded(Exception):
    """Raised by `Deadline.check`; the message names the limit."""


class Deadline:
    """Seconds allowed per member (restartable), and an optional hard stop for the whole walk."""

    def __init__(
        self,
        seconds: float,
        stop_at: Optional[float] = None,
        clock: Callable[[], float] = time.monotonic,
        allowed: Optional[float] = None,
    ) -> None:
        self.seconds = seconds
        self.stop_at = stop_at
        self._clock = clock
        self._started = clock()
        # The whole walk's time, as messages state it (the caller's limit, when it took `stop_at` a moment ago).
        self.allowed = allowed if allowed is not None or stop_at is None else stop_at - self._started

    def restart(self) -> None:
        """A new member begins: it gets the full `seconds` (never past `stop_at`)."""
        self._started = self._clock()

    def remaining(self) -> float:
        """Seconds left before the whole walk must stop (infinite without `stop_at`)."""
        return float("inf") if self.stop_at is None else self.stop_at - self._clock()

    def spent(self) -> bool:
        """Whether the whole walk's time has run out."""
        return self.stop_at is not None and self._clock() >= self.stop_at

    def check(self) -> None:
        """Raise `DeadlineExceeded` when this member's time, or the whole walk's, has run out."""
        now = self._clock()
        if now - self._started > self.seconds:
            raise DeadlineExceeded(
                f"reading the archive took longer than {self.seconds:g} s for one member (limit: time per artifact)"
            )
        if self.stop_at is not None and now > self.stop_at:
            raise DeadlineExceeded(f"{self.time_up()}; the rest of the archive was not read")

    def time_up(self) -> str:
        """The reason the whole walk stopped early."""
        allowed = "" if self.allowed is None else f" ({self.allowed:.3g} s for the whole archive)"
        return f"archive time limit reached{allowed}"


NO_DEADLINE = Deadline(float("inf"))
