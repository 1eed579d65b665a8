"""LG201 upx-packed: the artifact is a UPX wrapper around the real program, which unpacks itself at run time."""

from __future__ import annotations

from typing import Iterator, List

from linkguard import remedies
from linkguard.describe import linkage_line, packing_line, version_evidence
from linkguard.model import ElfFacts, Finding, Inspection, MachoFacts, PeFacts, Severity
from linkguard.policy import PathPolicy
from linkguard.rules.base import RuleSpec


class UpxPacked:
    spec = RuleSpec(
        code="LG201",
        name="upx-packed",
        default_severity=Severity.ERROR,
        summary="The artifact is packed with UPX, which hides the real program's linkage from file and ldd.",
        description=(
            'A UPX-packed ELF has no interpreter and no dynamic segment of its own, so `file` says "statically '
            'linked" and `ldd` says "not a dynamic executable"; at run time it unpacks the original program, '
            "which may still load glibc. Packing also breaks build-id lookups and trips malware scanners. UPX also "
            "packs PE (EXE/DLL) and x86_64 Mach-O files: a packed PE keeps one import per original DLL, so its DLL "
            "list is reported; a packed Mach-O hides its dylibs and minimum macOS, which linkguard reads from the "
            "packed load commands where it can."
        ),
        help_markdown="Drop the `upx` step from the release pipeline, or run linkguard on the binary before packing.",
        security_severity="5.0",  # a security rule: packing hides the program from scanners
    )

    def check(self, inspection: Inspection, policy: PathPolicy, severity: Severity) -> Iterator[Finding]:
        if isinstance(inspection, (PeFacts, MachoFacts)):  # PE/Mach-O packing (rules/native.py)
            from linkguard.rules import native

            yield from native.upx_packed(self.spec, inspection, policy, severity)
            return
        if not isinstance(inspection, ElfFacts) or inspection.packing is None:
            return
        if policy.allowance is not None and policy.allowance.packed:
            return
        packing = inspection.packing
        message = f"packed by {packing_line(packing)}"
        evidence: List[str] = list(packing.evidence)
        original = packing.original
        if original is not None:
            message += f"; the original is {original.linkage}"
            if original.interpreter or original.needed:
                message += f": {linkage_line(original)}"
            evidence = [*version_evidence(original.version_needs), *evidence]
        else:
            message += f"; could not see through: {packing.see_through_error or 'unknown layout'}"
        yield self.spec.finding(
            severity, message, evidence=tuple(evidence), explanation=remedies.explain(self.spec.code, inspection)
        )
