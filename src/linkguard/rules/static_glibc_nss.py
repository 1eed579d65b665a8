"""LG301 static-glibc-nss: a statically linked glibc program that still loads NSS (or gconv) modules at run time."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from linkguard import remedies
from linkguard.model import SELF_CONTAINED, ElfFacts, Finding, Inspection, Severity
from linkguard.rules.base import RuleSpec

if TYPE_CHECKING:
    from linkguard.policy import PathPolicy

MAX_ENTRY_POINTS_SHOWN = 3
_LIBC_EVIDENCE = ("symbol ", "string ", "GNU ABI tag", "glibc banner")  # toolchain evidence about libc and NSS


class StaticGlibcNss:
    spec = RuleSpec(
        code="LG301",
        name="static-glibc-nss",
        default_severity=Severity.WARNING,
        summary="Statically linked against glibc, but reaches NSS or iconv, which load shared objects at run time.",
        description=(
            "glibc cannot be fully static: getaddrinfo, gethostbyname, getpwnam, getgrnam and friends read "
            "/etc/nsswitch.conf and dlopen libnss_*.so from the host, and iconv_open loads gconv modules. Those "
            "modules must come from the same glibc version the program was linked with, so the 'static' binary "
            "misbehaves or crashes on hosts with another glibc, and finds no users or hosts where the modules are "
            "missing (scratch and distroless images). The linker warns about it, and the warning is easy to miss."
        ),
        help_markdown=(
            "Link statically against musl instead (`musl-gcc -static`, `zig cc -target x86_64-linux-musl`, Rust "
            "`--target x86_64-unknown-linux-musl`), or for Go use `-tags netgo,osusergo` / `CGO_ENABLED=0` so the "
            "pure-Go resolver and user lookups replace glibc's."
        ),
        security_severity=None,  # not a security rule: NSS/iconv loading breaks portability at run time
    )

    def check(self, inspection: Inspection, policy: PathPolicy, severity: Severity) -> Iterator[Finding]:
        if not isinstance(inspection, ElfFacts):
            return
        facts = inspection.effective
        toolchain = facts.toolchain
        if facts.linkage not in SELF_CONTAINED or toolchain is None:
            return
        if toolchain.libc != "glibc" or not toolchain.nss:
            return
        glibc = f"glibc {toolchain.libc_version}" if toolchain.libc_version else "glibc"
        shown = ", ".join(toolchain.nss[:MAX_ENTRY_POINTS_SHOWN])
        more = len(toolchain.nss) - MAX_ENTRY_POINTS_SHOWN
        if more > 0:
            shown += f" (+{more} more)"
        message = (
            f"statically linked against {glibc} but calls {shown}: at run time glibc loads libnss_*.so from the "
            "host, which must match the build's glibc"
        )
        through = facts is not inspection
        if through:
            message = "behind the packing, the original is " + message
        nss_evidence = tuple(line for line in toolchain.evidence if line.startswith(_LIBC_EVIDENCE))
        yield self.spec.finding(
            severity,
            message,
            evidence=nss_evidence,
            through_packing=through,
            explanation=remedies.explain(self.spec.code, facts),
        )
