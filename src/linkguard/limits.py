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


# What one artifact may put in the report, whatever its input holds (the rest is counted and the report says so).
MAX_LISTED_PER_SLICE = 128  # Mach-O dylibs listed per slice (as many again of those not part of macOS), rpaths below
MAX_LISTED_PER_FILE = 1024  # dylibs listed over all slices of a universal file: a slice's share is at least 16
MAX_RPATHS_PER_SLICE = 32
MAX_BUILDS_PER_SLICE = 8
MAX_FINDINGS = 32  # per artifact
MAX_EVIDENCE_LINES = 64  # per finding
MAX_MESSAGE_CHARS = 4000  # per finding message, and per evidence line


@dataclass(frozen=True)
class ArchiveLimits:
    """Bounds on reading release archives (see inputs/archives.py)."""

    max_depth: int = 3  # nested archives followed
    max_members: int = 100_000
    max_member_bytes: int = 2048 * MiB  # one member, uncompressed
    max_total_bytes: int = 16384 * MiB  # all members of one archive, uncompressed
    max_ratio: int = 200  # uncompressed / compressed, per archive


# Entries a package view keeps per cache (directory listings, packages by directory, facts of library files): the
# walk is depth first, so a small window holds what nearby files ask again; more would grow with the tree.
VIEW_CACHE_ENTRIES = 512
