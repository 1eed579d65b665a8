"""LG104 os-too-new: a PE or Mach-O artifact needs a newer Windows or macOS than the configured oldest one.

A sibling of LG102 (glibc-too-new) rather than a widening of it: LG102 is judged only where dynamic linking is
allowed, while an OS floor applies to every Windows and macOS artifact (there is no static escape from the OS),
and its configuration (`max-windows`, `max-macos`) is separate from the symbol-version floors.
The Windows floor is the highest of: the subsystem version (the loader refuses newer images), imports that
exist only on newer Windows (data/windows.json: UCRT API sets, ProcessPrng, ...), and the Go toolchain's own
floor. The macOS floor is each slice's minos (LC_BUILD_VERSION or LC_VERSION_MIN_MACOSX): every macOS one, so
a zippered slice (macOS and Mac Catalyst build versions) is judged on its macOS floor whatever the command order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator, List, Tuple

from linkguard.model import Finding, Inspection, MachoFacts, PeFacts, Severity
from linkguard.remedies.native import explain_native
from linkguard.rules.base import RuleSpec
from linkguard.versions import numeric_prefix

if TYPE_CHECKING:
    from linkguard.policy import PathPolicy

WINDOWS_FLOOR_KEY = "windows"  # in PathPolicy.max_versions, from `max-windows`
MACOS_FLOOR_KEY = "macos"  # from `max-macos`
WINDOWS_NAMES = {
    (5, 0): "Windows 2000",
    (5, 1): "Windows XP",
    (5, 2): "Windows XP x64 / Server 2003",
    (6, 0): "Windows Vista",
    (6, 1): "Windows 7",
    (6, 2): "Windows 8",
    (6, 3): "Windows 8.1",
    (10, 0): "Windows 10",
}


version_tuple = numeric_prefix  # one parser of OS versions: linkguard.versions


def windows_name(version: str) -> str:
    key = version_tuple(version)[:2]
    name = WINDOWS_NAMES.get((key[0], key[1])) if len(key) == 2 else None
    return f"{name} ({version})" if name else f"Windows {version}"


def windows_floor(facts: PeFacts) -> Tuple[str, List[str]]:
    """The oldest Windows `facts` runs on (its highest floor), and the facts that set it."""
    if not facts.floors:
        return "0.0", []
    top = max(version_tuple(f.version) for f in facts.floors)
    reasons = [f"{f.reason} -> {f.version}" for f in facts.floors if version_tuple(f.version) == top]
    return ".".join(str(p) for p in top), reasons


class OsTooNew:
    spec = RuleSpec(
        code="LG104",
        name="os-too-new",
        default_severity=Severity.ERROR,
        summary="A Windows or macOS artifact needs a newer OS than the configured oldest one (max-windows, max-macos).",
        description=(
            "Windows refuses to load an image whose subsystem version is newer than the running system, and "
            "imports such as the Universal CRT API sets (Windows 10, or Vista..8.1 with KB2999226) or "
            "bcryptprimitives!ProcessPrng (Windows 10; Rust >= 1.78) fail at load time on older systems; Go "
            ">= 1.21 supports Windows 10 and later only. On macOS, dyld refuses a slice whose minimum OS "
            "(LC_BUILD_VERSION minos) is newer than the running system. Judged only when `max-windows` or "
            "`max-macos` is configured."
        ),
        help_markdown=(
            "Lower the deployment target (`MACOSX_DEPLOYMENT_TARGET`, `-mmacosx-version-min`, the GNU ld/MSVC "
            "subsystem version), link msvcrt instead of the UCRT, use a toolchain that still supports the "
            "oldest OS you ship for, or raise the configured floor."
        ),
    )

    def check(self, inspection: Inspection, policy: PathPolicy, severity: Severity) -> Iterator[Finding]:
        if isinstance(inspection, PeFacts):
            floor = policy.max_versions.get(WINDOWS_FLOOR_KEY)
            if floor is None:
                return
            needed, reasons = windows_floor(inspection)
            if version_tuple(needed) <= version_tuple(floor):
                return
            message = f"needs {windows_name(needed)} or newer; the oldest Windows configured is {windows_name(floor)}"
            if inspection.packing is not None:
                reasons.append("packed: the import table keeps only one function per DLL, so function floors may hide")
            yield self.spec.finding(
                severity, message, evidence=tuple(reasons), explanation=explain_native(self.spec.code, inspection)
            )
        elif isinstance(inspection, MachoFacts):
            floor = policy.max_versions.get(MACOS_FLOOR_KEY)
            if floor is None:
                return
            over: List[str] = []
            for piece in inspection.slices:
                program = piece.effective
                for build in program.macos_floors:  # every macOS build of the slice (zippered: not the Catalyst one)
                    if version_tuple(build.minos) > version_tuple(floor):
                        over.append(f"{piece.machine}: minos {build.minos} (sdk {build.sdk or 'unknown'})")
            if not over:
                return
            message = f"needs a newer macOS than {floor}: " + "; ".join(over)
            yield self.spec.finding(
                severity,
                message,
                evidence=tuple(over),
                explanation=explain_native(self.spec.code, inspection),
                through_packing=any(s.original is not None for s in inspection.slices),
            )
