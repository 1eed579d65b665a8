"""Who provides a DLL that a bare Windows lacks: named per DLL, and none where none is known (issue 15 item 7).

Expected providers are literal, from Microsoft Learn's "Redistributing Visual C++ files" (the VC++ 2015-2022
redistributable carries vcruntime140, msvcp140, concrt140, vccorlib140 and MFC's mfc140/mfc140u) and from the
packages themselves: pywintypes312.dll is pywin32's own DLL, and delvewheel renames the DLLs it bundles into a
wheel to `<name>-<hash>.dll`, so such a name comes with the wheel, not with a redistributable.
"""

from __future__ import annotations

from typing import Optional

import pytest

from linkguard.model import PeFacts, PeImport, Severity
from linkguard.policy import PathPolicy
from linkguard.readers import platforms
from linkguard.rules.dynamic_link import DynamicLink

VCREDIST = "the Microsoft Visual C++ 2015-2022 Redistributable"
PROVIDERS = [
    ("VCRUNTIME140.dll", VCREDIST),
    ("vcruntime140_1.dll", VCREDIST),
    ("MSVCP140.dll", VCREDIST),
    ("msvcp140_atomic_wait.dll", VCREDIST),
    ("mfc140u.dll", VCREDIST),
    ("mfc140.dll", VCREDIST),
    ("concrt140.dll", VCREDIST),
    ("vccorlib140.dll", VCREDIST),
    ("msvcp140-0f2ea95580b32bcfc81c235d5751ce78.dll", None),  # delvewheel's mangled copy, bundled by the wheel
    ("vcruntime140-1a2b3c4d.dll", None),
    ("pywintypes312.dll", None),  # pywin32's own
    ("pythoncom312.dll", None),
    ("foo.dll", None),
    ("libstdc++-6-2f8e7c1d9a0b4e3f5a6b7c8d9e0f1a2b.dll", None),  # delvewheel: <name>-<32 hex>.dll
    ("libgcc_s_seh-1-0123456789abcdef0123456789abcdef.dll", None),
    ("libstdc++-6.dll", "the MinGW-w64 C++ runtime"),
    ("d3dx9_43.dll", "the DirectX End-User Runtime (June 2010)"),
]


@pytest.mark.parametrize(("dll", "provider"), PROVIDERS)
def test_provider_per_dll(dll: str, provider: Optional[str]) -> None:
    runtime = platforms.windows_runtime(dll)
    assert (runtime.runtime if runtime else None) == provider


def _facts(*dlls: str) -> PeFacts:
    imports = []
    for dll in dlls:
        runtime = platforms.windows_runtime(dll)
        imports.append(PeImport(dll, ("f",), "import", False, runtime.runtime if runtime else None))
    return PeFacts(
        machine="x86_64",
        bits=64,
        type="DLL",
        linkage="dynamic",
        pe_format="PE32+",
        subsystem="windows",
        subsystem_version="6.0",
        os_version="6.0",
        imports=(PeImport("KERNEL32.dll", ("f",), "import", True, None), *imports),
    )


def test_message_credits_each_dll_to_its_own_provider() -> None:
    facts = _facts("pywintypes312.dll", "VCRUNTIME140.dll", "mfc140u.dll", "msvcp140-0f2ea955.dll")
    policy = PathPolicy(severities={}, max_versions={})
    [finding] = DynamicLink().check(facts, policy, Severity.ERROR)
    assert finding.message == (
        "needs 4 DLLs a bare Windows lacks: pywintypes312.dll, "
        f"VCRUNTIME140.dll (from {VCREDIST}), mfc140u.dll (from {VCREDIST}), msvcp140-0f2ea955.dll"
    )
