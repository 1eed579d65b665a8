"""Bounds on the work spent on one artifact: wall time, bytes read, bytes inflated.

Hostile files can make parsers loop or allocate without end; every reader in readers/ charges a Budget so that
an artifact costs at most a known amount and then becomes an `unreadable` result instead of a hang.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Optional

from linkguard.limits import Limits, MiB


class BudgetExceeded(Exception):
    """Raised when an artifact has used up its budget; the message names the limit."""


@dataclass
class Budget:
    seconds: float = 20.0
    read_bytes: int = 512 * MiB
    inflate_bytes: int = 128 * MiB
    started: float = field(default_factory=time.monotonic)
    bytes_read: int = 0
    bytes_inflated: int = 0
    exceeded: Optional[str] = None  # set when a limit was hit, even if a parser wrapped the exception

    @classmethod
    def for_limits(cls, limits: Limits) -> Budget:
        return cls(seconds=limits.seconds, read_bytes=limits.read_bytes, inflate_bytes=limits.inflate_bytes)

    def _exceed(self, message: str) -> None:
        self.exceeded = message
        raise BudgetExceeded(message)

    def check_time(self) -> None:
        if time.monotonic() - self.started > self.seconds:
            self._exceed(f"inspection took longer than {self.seconds:g} s (limit: time per artifact)")

    def charge_read(self, n: int) -> None:
        self.bytes_read += n
        if self.bytes_read > self.read_bytes:
            self._exceed(f"inspection read more than {self.read_bytes} bytes (limit: bytes read per artifact)")
        self.check_time()

    def charge_inflate(self, n: int) -> None:
        self.bytes_inflated += n
        if self.bytes_inflated > self.inflate_bytes:
            self._exceed(
                f"decompression produced more than {self.inflate_bytes} bytes (limit: bytes inflated per artifact)"
            )
        self.check_time()
