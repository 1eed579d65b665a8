"""Cause and fix for a finding, chosen from toolchain evidence (placeholder until the remedies table lands)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

from linkguard.model import ElfFacts


@dataclass(frozen=True)
class Explanation:
    remedy: str  # stable id, e.g. "go-cgo-disabled"
    cause: str
    fix: str
    evidence: Tuple[str, ...] = ()


def explain(code: str, facts: ElfFacts) -> Optional[Explanation]:
    """The best-supported cause and fix for finding `code` on `facts` (the original's, when seen through packing)."""
    return None
