"""LG902 no-artifacts: the run found no executable to check, so a moved or missing build output would pass."""

from __future__ import annotations

from typing import Iterator

from linkguard.model import EMPTY_RUN, Finding, Inspection, Severity, Unreadable
from linkguard.policy import PathPolicy
from linkguard.rules.base import RuleSpec


class NoArtifacts:
    """LG902: a run-level finding, judged on the one outcome scan.py adds when no artifact was met at all."""

    spec = RuleSpec(
        code="LG902",
        name="no-artifacts",
        default_severity=Severity.ERROR,
        summary="The paths given hold no ELF, PE or Mach-O file (nor an archive holding one): nothing was checked.",
        description=(
            "A gate that checks nothing passes everything: a build output that moved, a wrong `paths` input or a "
            "build that produced nothing would otherwise report 0 artifacts checked and pass. The finding names "
            "the paths looked at and why what was there was skipped."
        ),
        help_markdown=(
            "Point linkguard (the Action's `paths`) at the build output. Where finding nothing is expected (a "
            "hook on committed files that may hold no executable), pass `--allow-empty`, set `allow-empty = true` "
            "in the configuration or the Action input `allow-empty: true`."
        ),
        security_severity=None,  # not a security rule: nothing was judged
    )

    def check(self, inspection: Inspection, policy: PathPolicy, severity: Severity) -> Iterator[Finding]:
        if isinstance(inspection, Unreadable) and inspection.kind == EMPTY_RUN:
            yield self.spec.finding(severity, inspection.reason, evidence=inspection.evidence)
