"""Every bound linkguard promises, in one place: per artifact (time, bytes read, bytes inflated) and per archive.

Depends on nothing else in linkguard, so that inputs/, readers/ and config.py can all share it.
"""

from __future__ import annotations

from dataclasses import dataclass

MiB = 1 << 20


@dataclass(frozen=True)
class Limits:
    """Per-artifact bounds (configurable as `limits` in the config)."""

    seconds: float = 20.0
    read_bytes: int = 256 * MiB
    inflate_bytes: int = 128 * MiB


@dataclass(frozen=True)
class ArchiveLimits:
    """Bounds on reading release archives (see inputs/archives.py)."""

    max_depth: int = 3  # nested archives followed
    max_members: int = 100_000
    max_member_bytes: int = 2048 * MiB  # one member, uncompressed
    max_total_bytes: int = 16384 * MiB  # all members of one archive, uncompressed
    max_ratio: int = 200  # uncompressed / compressed, per archive
