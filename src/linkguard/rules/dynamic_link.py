"""LG101 dynamic-link: the artifact (or the original behind its packer) loads shared libraries at run time."""

from __future__ import annotations

import posixpath
from typing import Iterator, Optional

from linkguard import remedies
from linkguard.describe import highest_glibc, version_evidence
from linkguard.model import (
    DYNAMIC,
    SHARED_LIBRARY,
    ElfFacts,
    Finding,
    Inspection,
    MachoFacts,
    PeFacts,
    Placement,
    Severity,
)
from linkguard.packages.hosts import forbidden_needs
from linkguard.policy import PathPolicy
from linkguard.rules.base import RuleSpec
from linkguard.rules.placement import in_package, looked_evidence, unprovided


class DynamicLink:
    spec = RuleSpec(
        code="LG101",
        name="dynamic-link",
        default_severity=Severity.ERROR,
        summary="The artifact is dynamically linked: it needs an interpreter or shared libraries at run time.",
        description=(
            "The ELF file has a program interpreter (PT_INTERP) or needs shared libraries (DT_NEEDED), so it runs "
            "only where the same loader and compatible libraries exist. This includes the interpreter-only PIE "
            "(Go -buildmode=pie), musl-dynamic builds, and a packed program whose original is dynamic. For PE and "
            "Mach-O it means a library outside the target OS's own: importing kernel32, an api-ms-win-* API set or "
            "/usr/lib/libSystem.B.dylib is not a finding (macOS has no static option), but VCRUNTIME140.dll, "
            "libstdc++-6.dll, libwinpthread-1.dll, /opt/homebrew/... or @rpath/... are; delay-loaded DLLs and weak "
            "dylibs are named as such, and each slice of a universal binary is judged on its own. A .NET assembly "
            "(a PE with a CLR runtime header) is managed code: it needs the .NET runtime, which is the finding, "
            "not the mscoree.dll it imports (a Windows DLL)."
        ),
        help_markdown=(
            "Link statically (`musl-gcc -static`, Go `CGO_ENABLED=0`, Rust `--target x86_64-unknown-linux-musl`), "
            "or, where dynamic linking is intended, add an allowance with a reason in `[tool.linkguard]`."
        ),
        security_severity=None,  # not a security rule: a dynamic dependency breaks portability, not a trust boundary
    )

    placed = True  # asked through check_placed: a need its package, host or platform provides is not a finding

    def check(self, inspection: Inspection, policy: PathPolicy, severity: Severity) -> Iterator[Finding]:
        yield from self.check_placed(inspection, policy, severity, None)

    def check_placed(
        self, inspection: Inspection, policy: PathPolicy, severity: Severity, placement: Optional[Placement]
    ) -> Iterator[Finding]:
        if isinstance(inspection, (PeFacts, MachoFacts)):  # PE/Mach-O: a library outside the OS (rules/native.py)
            from linkguard.rules import native

            yield from native.dynamic_link(self.spec, inspection, policy, severity, placement)
            return
        if not isinstance(inspection, ElfFacts):
            return
        facts = inspection.effective
        through = facts is not inspection
        # An extension module that links libpython is wrong wherever it lives: a `dynamic = true` allowance
        # accepts a plug-in's linkage, not a library its own host forbids.
        libpython = [need for need, _why in forbidden_needs(facts)] if facts.linkage == SHARED_LIBRARY else []
        if policy.allowance is not None and policy.allowance.dynamic and not libpython:
            return
        if facts.linkage not in (DYNAMIC, SHARED_LIBRARY):
            return
        needed = unprovided(placement, facts.needed)
        if (
            in_package(placement)
            and not needed
            and (facts.linkage == SHARED_LIBRARY or not facts.interpreter or _loader_provided(placement, facts))
        ):
            return  # a module or program of a package, every need (and its loader) provided there
        if libpython:
            message = (
                f"a CPython extension module ({facts.host_entries[0]}) that links {', '.join(libpython)}: the "
                "interpreter that imports it provides those symbols itself"
            )
            others = [need for need in needed if need not in libpython]
            if others and in_package(placement):
                message += f"; it also needs {', '.join(others)}, which nothing where it lives provides"
        elif facts.linkage == SHARED_LIBRARY:
            message = "a shared library"
            if needed and in_package(placement):
                message += f" that needs {', '.join(needed)}, which nothing where it lives provides"
        elif facts.interpreter and not needed:
            if facts.needed:
                message = f"needs the loader {facts.interpreter}"
            else:
                message = (
                    f"interpreter-only PIE: no shared libraries, but it needs the loader {facts.interpreter}, "
                    "so it fails where that loader is missing (ldd calls it statically linked)"
                )
        else:
            count = len(needed)
            message = f"needs {count} shared librar{'y' if count == 1 else 'ies'} ({', '.join(needed)})"
            if facts.interpreter:
                message += f" and the loader {facts.interpreter}"
        glibc = highest_glibc(facts)
        if glibc:
            message += f"; highest glibc symbol version {glibc}"
        if through:
            message = "behind the packing, the original is dynamically linked: " + message
        evidence = tuple(version_evidence(facts.version_needs)) + tuple(looked_evidence(placement, needed))
        yield self.spec.finding(
            severity,
            message,
            evidence=evidence,
            through_packing=through,
            explanation=remedies.explain(self.spec.code, facts),
        )


def _loader_provided(placement: Optional[Placement], facts: ElfFacts) -> bool:
    """Whether the platform the package declares provides the program's loader (a manylinux or musllinux tag
    does: auditwheel never counts the ELF interpreter against a policy)."""
    if placement is None or placement.package is None or not facts.interpreter:
        return False
    from linkguard.packages.tags import os_provided

    return posixpath.basename(facts.interpreter) in os_provided(placement.package, facts)
