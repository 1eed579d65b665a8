"""LG901 unreadable: the artifact could not be read or parsed, so its linkage is unknown."""

from __future__ import annotations

from typing import Iterator

from linkguard.model import EMPTY_RUN, Finding, Inspection, Severity, Unreadable
from linkguard.policy import PathPolicy
from linkguard.rules.base import RuleSpec


class CannotRead:
    """LG901: the artifact could not be read; the reason and its kind are the evidence."""

    spec = RuleSpec(
        code="LG901",
        name="unreadable",
        default_severity=Severity.ERROR,
        summary="The artifact cannot be read or parsed, so whether it is self-contained is unknown.",
        description=(
            "Truncated or corrupt ELF files, unreadable paths, members over a size cap and hostile archives cannot "
            "be judged. An unknown answer fails like a wrong one: a release should not ship what cannot be checked."
        ),
        help_markdown=(
            "Check the build output for truncation or corruption; raise a limit in `[tool.linkguard.limits]` "
            "if it was hit on purpose."
        ),
        security_severity=None,  # not a security rule: an unknown verdict, not a known weakness
    )

    def check(self, inspection: Inspection, policy: PathPolicy, severity: Severity) -> Iterator[Finding]:
        if isinstance(inspection, Unreadable) and inspection.kind != EMPTY_RUN:  # an empty run is LG902
            yield self.spec.finding(severity, inspection.reason, evidence=(f"kind: {inspection.kind}",))
