"""Declared platforms: wheel tags and npm `os`/`cpu`/`libc`, parsed, and what they promise."""

from __future__ import annotations

from typing import FrozenSet

from linkguard.model import ElfFacts, MachoFacts, PackageInfo, PeFacts


def os_provided(package: PackageInfo, facts: ElfFacts | PeFacts | MachoFacts) -> FrozenSet[str]:
    """The libraries the platform the package declares provides to this binary (a manylinux policy's whitelist)."""
    return frozenset()
