"""LG103 library-not-allowed: where dynamic linking is allowed, a needed library is outside the allow-list."""

from __future__ import annotations

import fnmatch
from typing import Iterator, Optional

from linkguard import remedies
from linkguard.model import ElfFacts, Finding, Inspection, MachoFacts, PeFacts, Placement, Severity
from linkguard.policy import PathPolicy
from linkguard.rules.base import RuleSpec
from linkguard.rules.placement import unprovided


class LibraryNotAllowed:
    spec = RuleSpec(
        code="LG103",
        name="library-not-allowed",
        default_severity=Severity.ERROR,
        summary="The artifact needs a shared library that its allowance does not list.",
        description=(
            "An allowance lets some paths link dynamically against named libraries only (for example libc.so.6 "
            "and libm.so.6, which every glibc system has). Any other DT_NEEDED entry is a library the target "
            "host may lack."
        ),
        help_markdown=(
            "Link the library statically, ship it beside the artifact with a RUNPATH, or extend the allow-list."
        ),
        security_severity=None,  # not a security rule: the allow-list is a portability contract
    )

    placed = True  # asked through check_placed: a need its package, host or platform provides is allowed

    def check(self, inspection: Inspection, policy: PathPolicy, severity: Severity) -> Iterator[Finding]:
        yield from self.check_placed(inspection, policy, severity, None)

    def check_placed(
        self, inspection: Inspection, policy: PathPolicy, severity: Severity, placement: Optional[Placement]
    ) -> Iterator[Finding]:
        allowance = policy.allowance
        if isinstance(inspection, (PeFacts, MachoFacts)):  # PE/Mach-O: libraries outside the OS (rules/native.py)
            from linkguard.rules import native

            yield from native.library_not_allowed(self.spec, inspection, policy, severity, placement)
            return
        if not isinstance(inspection, ElfFacts) or allowance is None or allowance.libraries is None:
            return
        if not allowance.dynamic:
            return
        facts = inspection.effective
        needed = unprovided(placement, facts.needed)
        extra = [lib for lib in needed if not any(fnmatch.fnmatchcase(lib, p) for p in allowance.libraries)]
        if not extra:
            return
        yield self.spec.finding(
            severity,
            f"needs {', '.join(extra)}, not in the allowed libraries ({', '.join(allowance.libraries)})",
            evidence=(f"allowance: {allowance.reason}",),
            explanation=remedies.explain(self.spec.code, facts),
            through_packing=facts is not inspection,
        )
