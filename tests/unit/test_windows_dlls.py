"""data/windows_dlls.json: generated from delvewheel's lists, Wine, mingw-w64 and Microsoft Learn, and right on DLLs
whose status is known.

The known lists below are written from Microsoft's documentation (requirement tables naming the DLL, the
redistributable pages), never from linkguard: a regression in the generator or its exclusions shows up here.
"""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path
from types import ModuleType

import pytest

from linkguard.readers import platforms
from tests.truth import missing

ROOT = Path(__file__).resolve().parents[2]
GENERATOR = ROOT / "tools" / "windows_dlls" / "generate.py"
DATA = ROOT / "src" / "linkguard" / "data" / "windows_dlls.json"

# Part of a bare Windows (Microsoft Learn names each as the DLL of a documented API, or as part of Windows).
KNOWN_SYSTEM = [
    "kernel32.dll",
    "KERNEL32.DLL",
    "ntdll.dll",
    "user32.dll",
    "mscoree.dll",  # CorBindToRuntimeEx: DLL MSCorEE.dll
    "gdiplus.dll",  # GdiplusStartup: DLL Gdiplus.dll
    "msvcp_win.dll",  # the C++ library of Windows 10 itself
    "sechost.dll",
    "cabinet.dll",  # CreateCompressor: DLL Cabinet.dll
    "wlanapi.dll",  # WlanOpenHandle: DLL Wlanapi.dll
    "dxva2.dll",  # DXVA2CreateDirect3DDeviceManager9: DLL Dxva2.dll
    "xmllite.dll",  # CreateXmlReader: DLL XmlLite.dll
    "d3dcompiler_47.dll",  # part of Windows 8.1 and later
    "msvcrt.dll",
    "ucrtbase.dll",
    "xinput1_4.dll",
    "xinput9_1_0.dll",
    "msxml6.dll",
    "atl.dll",
    "msvcp60.dll",
    "mfc42u.dll",
    "cryptbase.dll",  # in System32 of every Windows 7..11 (delvewheel's list), imported through advapi32
    "api-ms-win-core-synch-l1-2-0.dll",
    "ext-ms-win-ntuser-window-l1-1-0.dll",
]
# Not part of Windows: the Visual C++ and DirectX redistributables, debug runtimes, third-party and Wine's own.
KNOWN_NOT_SYSTEM = [
    "msvcp140.dll",
    "msvcp140_1.dll",
    "msvcp140_atomic_wait.dll",
    "vcruntime140.dll",
    "vcruntime140_1.dll",
    "vccorlib140.dll",
    "concrt140.dll",
    "vcomp140.dll",
    "mfc140u.dll",
    "atl110.dll",
    "msvcr120.dll",
    "msvcr100.dll",
    "msvcr90.dll",
    "ucrtbased.dll",
    "d3dx9_43.dll",
    "d3dx10_43.dll",
    "d3dx11_43.dll",
    "d3dcompiler_43.dll",
    "xinput1_3.dll",
    "xaudio2_7.dll",
    "x3daudio1_7.dll",
    "msxml4.dll",
    "libstdc++-6.dll",
    "libwinpthread-1.dll",
    "python312.dll",
    "pywintypes312.dll",
    "vulkan-1.dll",
    "opencl.dll",
    "winex11.drv",
    "wined3d.dll",
]


@pytest.mark.parametrize("name", KNOWN_SYSTEM)
def test_known_system_dlls(name: str) -> None:
    assert platforms.windows_platform_dll(name)


@pytest.mark.parametrize("name", KNOWN_NOT_SYSTEM)
def test_known_non_system_dlls(name: str) -> None:
    assert not platforms.windows_platform_dll(name)


def test_every_entry_names_its_sources() -> None:
    data = json.loads(DATA.read_text(encoding="utf-8"))
    for entry in data["platform"]:
        assert entry["sources"], entry
        assert set(entry["sources"]) <= {"ms-learn", "delvewheel-x64", "delvewheel-x86", "wine", "mingw-w64"}, entry
        assert entry["sources"] != ["mingw-w64"], entry  # mingw-w64 alone is no proof
        if "since" in entry:
            assert "ms-learn" in entry["sources"] and entry["source"], entry


def test_floors_kept_from_microsoft_learn() -> None:
    """The first Windows that ships a DLL, as Microsoft Learn's requirement tables give it (NT major.minor)."""
    data = json.loads(DATA.read_text(encoding="utf-8"))
    since = {e["name"]: e.get("since") for e in data["platform"]}
    assert since["ucrtbase.dll"] == "10.0"
    assert since["d3d12.dll"] == "10.0"
    assert since["combase.dll"] == "6.2"
    assert since["shcore.dll"] == "6.3"
    assert since["d3dcompiler_47.dll"] == "6.3"
    assert since["kernel32.dll"] is None


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("windows_dlls_generate", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_regenerated_data_equals_committed() -> None:
    """Run the generator on the pinned packages (`generate.py fetch`, as .ci/run does) and compare byte for byte."""
    sources = os.environ.get("LINKGUARD_WINDOWS_SOURCES")
    if not sources or not (Path(sources) / "root").is_dir():
        missing(
            "the pinned delvewheel, Wine and mingw-w64 packages are not extracted: run "
            "`python tools/windows_dlls/generate.py fetch DEST` and set LINKGUARD_WINDOWS_SOURCES=DEST"
        )
    generator = _generator()
    assert generator.render(generator.generate(Path(sources) / "root")) == DATA.read_text(encoding="utf-8")


def test_member_dlls_reads_both_import_formats() -> None:
    """The short import format (Microsoft PE/COFF spec, Import Library Format) names the DLL after the symbol."""
    generator = _generator()
    short = b"\0\0\xff\xff" + bytes(16) + b"CreateFileW\0KERNEL32.dll\0"
    assert generator._member_dlls(short) == {"KERNEL32.dll"}
    assert generator._member_dlls(b"not an object") == set()
