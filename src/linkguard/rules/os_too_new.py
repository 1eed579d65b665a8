"""LG104 os-too-new: a PE or Mach-O artifact needs a newer Windows or macOS than the configured oldest one.

A sibling of LG102 (glibc-too-new) rather than a widening of it: LG102 is judged only where dynamic linking is
allowed, while an OS floor applies to every Windows and macOS artifact (there is no static escape from the OS),
and its configuration (`max-windows`, `max-macos`) is separate from the symbol-version floors.
The Windows floor is the highest of: the subsystem version (the loader refuses newer images), imports that
exist only on newer Windows (data/windows.json: UCRT API sets, ProcessPrng, ...), the machine (ARM64: Windows
10) and the Go toolchain's own floor; the remedy follows the kind of the highest floor (remedies/native.py).
`max-windows` is an NT version (config reads "windows-7" or "6.1" through versions.parse_windows_version), and
findings name both: "Windows 7 (NT 6.1)". The macOS floor is each slice's minos (LC_BUILD_VERSION or
LC_VERSION_MIN_MACOSX): every macOS one, so a zippered slice (macOS and Mac Catalyst build versions) is judged on
its macOS floor whatever the command order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator, List, Tuple

from linkguard.model import Finding, Inspection, MachoFacts, OsFloor, PeFacts, Severity
from linkguard.remedies.native import explain_native
from linkguard.rules.base import RuleSpec
from linkguard.versions import numeric_prefix, windows_label

if TYPE_CHECKING:
    from linkguard.policy import PathPolicy

WINDOWS_FLOOR_KEY = "windows"  # in PathPolicy.max_versions, from `max-windows` (an NT version: "6.1")
MACOS_FLOOR_KEY = "macos"  # from `max-macos`
UCRT_UPDATE = "KB2999226"  # the Universal CRT for Windows Vista..8.1 (Microsoft Learn, Universal CRT deployment)


version_tuple = numeric_prefix  # one parser of OS versions: linkguard.versions
windows_name = windows_label  # "Windows 7 (NT 6.1)"


def windows_floor(facts: PeFacts) -> Tuple[str, List[str]]:
    """The oldest Windows `facts` runs on (its highest floor), and the facts that set it."""
    top = top_windows_floors(facts)
    if not top:
        return "0.0", []
    return top[0].version, [f"{f.reason} -> {f.version}" for f in top]


def top_windows_floors(facts: PeFacts) -> List[OsFloor]:
    """The floors that set the oldest Windows: those at the highest version (a fix must lower every one)."""
    if not facts.floors:
        return []
    top = max(version_tuple(f.version) for f in facts.floors)
    return [f for f in facts.floors if version_tuple(f.version) == top]


def _windows_message(facts: PeFacts, needed: str, floor: str) -> str:
    top = top_windows_floors(facts)
    configured = f"the oldest Windows configured is {windows_name(floor)}"
    if top and all(f.kind == "ucrt" for f in top) and version_tuple(floor) >= (6, 0):
        # the Universal CRT is part of Windows 10, and an update for Vista..8.1: say both, as Microsoft does
        return (
            f"needs the Universal CRT: part of {windows_name(needed)} and newer; Windows Vista to 8.1 need update "
            f"{UCRT_UPDATE} (or the VC++ 2015+ redistributable, which installs it), which a bare system lacks; "
            f"{configured}"
        )
    return f"needs {windows_name(needed)} or newer; {configured}"


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
            ">= 1.21 supports Windows 10 and later only, and so does any ARM64 code. The fix named is the one for "
            "the highest of these floors. On macOS, dyld refuses a slice whose minimum OS "
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
            message = _windows_message(inspection, needed, floor)
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
