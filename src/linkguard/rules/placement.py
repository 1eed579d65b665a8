"""What the rules make of an artifact's placement: a need its package bundles, its host provides or its declared
platform provides is a fact, never a finding; a need nobody provides is named with where the loader looked."""

from __future__ import annotations

from typing import List, Optional, Sequence

from linkguard.model import Placement

MAX_LOOKED_SHOWN = 4  # directories named per unresolved need


def unprovided(placement: Optional[Placement], needs: Sequence[str]) -> List[str]:
    """The needs nobody provides where the artifact lives (all of them without a placement)."""
    if placement is None:
        return list(needs)
    return [need for need in needs if placement.provider(need) is None]


def looked_evidence(placement: Optional[Placement], needs: Sequence[str]) -> List[str]:
    """One line per unresolved need of a placed artifact: where its loader looked."""
    if placement is None:
        return []
    lines: List[str] = []
    for provision in placement.provisions:
        # Outside a package, only where the package could have held it is news (an $ORIGIN directory, a module's
        # own directory): "not in the system's directories" is what the finding already says.
        telling = in_package(placement) or len(provision.looked) > 1
        if provision.provided_by is None and provision.need in needs and telling:
            shown = "; ".join(provision.looked[:MAX_LOOKED_SHOWN])
            more = len(provision.looked) - MAX_LOOKED_SHOWN
            tail = f" (+{more} more)" if more > 0 else ""
            lines.append(f"{provision.need}: not in its package; looked in {shown}{tail}")
    return lines


def in_package(placement: Optional[Placement]) -> bool:
    """Whether the artifact lives in a package of its own (a wheel, npm package, bundle), not the default tree."""
    return placement is not None and placement.package is not None and placement.package.kind != "tree"
