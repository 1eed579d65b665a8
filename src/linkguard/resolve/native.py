"""Named Windows and macOS bases (`windows-10`, `macos-13`, ...): today's platform data plus the floors already read.

Where it is cheap, and no more: a PE program starts on `windows-N` when every DLL it imports (not delay-loads) is
one a bare Windows provides (the platform data of readers/platforms.py) and no floor it carries (subsystem,
imports, UCRT, toolchain, machine) is newer than N; a .NET assembly starts only on the CLR that release ships
(Windows 7: v2.0.50727; 8 and later: v4.0.30319). A Mach-O program starts on
`macos-N` when one of its macOS slices has no dylib outside the OS (a weak one only warns) and a `minos` of N or
older. Resolution inside packages (a DLL beside the program, @rpath into a bundle) is not done here.
"""

from __future__ import annotations

from typing import List, Optional, Tuple

from linkguard import versions
from linkguard.model import MachoFacts, PeFacts, TargetNeed, TargetVerdict

# Named Windows bases: the NT version each release is (Windows 11 is NT 10.0 build 22000).
WINDOWS = {
    "windows-7": "6.1",
    "windows-8": "6.2",
    "windows-8.1": "6.3",
    "windows-10": "10.0",
    "windows-11": "10.0.22000",
}
MACOS = {f"macos-{major}": f"{major}.0" for major in (11, 12, 13, 14, 15)}
# The CLR a bare Windows has: Windows 7 ships .NET Framework 3.5.1 (CLR v2.0.50727), Windows 8 and later ship 4.x
# (CLR v4.0.30319; 3.5 is an optional feature there, off by default).
CLR_IN_WINDOWS = {"windows-7": "v2.0.50727"}
CLR_DEFAULT = "v4.0.30319"


def names() -> Tuple[str, ...]:
    return (*WINDOWS, *MACOS)


def judge(spec: str, facts: PeFacts | MachoFacts, path: str) -> Optional[TargetVerdict]:
    """The verdict on one named Windows or macOS base; None when the artifact is not of that OS."""
    if spec in WINDOWS and isinstance(facts, PeFacts):
        return _windows(spec, WINDOWS[spec], facts, path)
    if spec in MACOS and isinstance(facts, MachoFacts):
        return _macos(spec, MACOS[spec], facts, path)
    return None


def _newer(floor: str, target: str) -> bool:
    return versions.numeric_prefix(floor) > versions.numeric_prefix(target)


def _windows(spec: str, target: str, facts: PeFacts, path: str) -> TargetVerdict:
    missing: List[TargetNeed] = []
    notes: List[str] = []
    for entry in facts.foreign:
        if entry.kind == "import":
            missing.append(TargetNeed("library", entry.dll, path))
        else:
            notes.append(f"delay-loads {entry.dll}, which a bare {spec} lacks: fails only when first called")
    if facts.clr is not None and facts.clr.version != CLR_IN_WINDOWS.get(spec, CLR_DEFAULT):
        missing.append(TargetNeed("library", f".NET runtime ({facts.clr.version or 'unknown CLR'})", path))
    for floor in facts.floors:
        if _newer(floor.version, target):
            missing.append(TargetNeed("version", versions.windows_label(floor.version), path, library=floor.reason))
            break  # floors are highest first: the first one too new is the one to name
    first = missing[0] if missing else None
    message = None
    if first is not None and first.kind == "library":
        message = f"{path}: The code execution cannot proceed because {first.name} was not found."
    elif first is not None:
        message = f"{path}: needs {first.name} or newer ({first.library}); {spec} is {versions.windows_label(target)}"
    return TargetVerdict(spec, not missing, message, tuple(missing), loader="windows", notes=tuple(notes))


def _macos(spec: str, target: str, facts: MachoFacts, path: str) -> TargetVerdict:
    candidates = [s.effective for s in facts.slices if (s.effective.platform or "macos") == "macos"]
    failures: List[Tuple[str, List[TargetNeed]]] = []
    for slice_ in candidates:
        missing = [TargetNeed("library", d.path, path) for d in slice_.foreign if d.kind != "weak"]
        if slice_.minos and _newer(slice_.minos, target):
            missing.append(TargetNeed("version", f"macOS {slice_.minos}", path, library=slice_.machine))
        if not missing:
            return TargetVerdict(spec, True, loader="dyld")
        failures.append((slice_.machine, missing))
    if not failures:
        need = TargetNeed("arch", "+".join(s.machine for s in facts.slices), path)
        return TargetVerdict(spec, False, f"{path}: no macOS slice", (need,), loader="dyld")
    machine, missing = failures[0]
    first = missing[0]
    if first.kind == "library":
        message = f"dyld: Library not loaded: {first.name} (referenced from {path}, {machine})"
    else:
        message = f"{path} ({machine}) was built for {first.name}, which is newer than {spec}"
    return TargetVerdict(spec, False, message, tuple(m for _, ms in failures for m in ms), loader="dyld")
