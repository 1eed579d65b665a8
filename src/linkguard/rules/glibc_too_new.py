"""LG102 glibc-too-new: where dynamic linking is allowed, a needed symbol version is above the configured floor."""

from __future__ import annotations

from typing import Iterator, List, Optional

from linkguard import remedies, versions
from linkguard.model import ElfFacts, Finding, Inspection, Placement, Severity
from linkguard.packages import tags
from linkguard.policy import PathPolicy
from linkguard.rules.base import RuleSpec


class GlibcTooNew:
    spec = RuleSpec(
        code="LG102",
        name="glibc-too-new",
        default_severity=Severity.ERROR,
        summary="The artifact needs a GLIBC/GLIBCXX/CXXABI/GCC symbol version above the configured floor.",
        description=(
            "Where dynamic linking is allowed, every symbol version the artifact needs must exist on the oldest "
            "target system. A binary built on a new distribution picks up new versions (exp/log/pow moved to "
            'GLIBC_2.29) and fails to load on older hosts with "version `GLIBC_2.29\' not found".'
        ),
        help_markdown=(
            "Build on a base image with the oldest glibc you support, use `zig cc -target x86_64-linux-gnu.2.17`, "
            "or link statically against musl."
        ),
        security_severity=None,  # not a security rule: a too-new glibc floor stops the program from starting elsewhere
    )

    placed = True

    def check_placed(
        self, inspection: Inspection, policy: PathPolicy, severity: Severity, placement: Optional[Placement]
    ) -> Iterator[Finding]:
        """Inside a wheel with a portable Linux tag the tag's policy is the floor, and LG106 judges it: no second
        finding for the same version need."""
        package = placement.package if placement is not None else None
        portable = package is not None and any(t.kind in tags.PORTABLE_LINUX for t in tags.package_platforms(package))
        if portable and package is not None and package.kind == "wheel" and isinstance(inspection, ElfFacts):
            return iter(())
        return self.check(inspection, policy, severity)

    def check(self, inspection: Inspection, policy: PathPolicy, severity: Severity) -> Iterator[Finding]:
        if not isinstance(inspection, ElfFacts) or not policy.max_versions:
            return
        if policy.allowance is None or not policy.allowance.dynamic:
            return  # not allowed to be dynamic at all: LG101 reports it
        facts = inspection.effective
        over: List[str] = []
        worst: List[str] = []
        for family, floor in policy.max_versions.items():
            limit = versions.parse_floor(floor)
            label = versions.floor_label(family, floor)
            for need in facts.version_needs:
                split = versions.split_version(need.version)
                if split is None or split[0] != family or split[1] <= limit:
                    continue
                symbols = versions.symbols_text(need.symbols, more=False) or "no symbol named"
                over.append(f"{need.library}: {need.version} <- {symbols} (floor {label})")
            if family in facts.max_versions and versions.parse_floor(facts.max_versions[family]) > limit:
                worst.append(f"{family}_{facts.max_versions[family]} > {label}")
        if not over:
            return
        message = (
            "needs " + ", ".join(worst) + f": {len(over)} version need{'s' if len(over) > 1 else ''} above the floor"
        )
        yield self.spec.finding(
            severity,
            message,
            evidence=tuple(over),
            through_packing=facts is not inspection,
            explanation=remedies.explain(self.spec.code, facts),
        )
