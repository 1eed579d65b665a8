"""Independent UPX 4.x truth helpers for the upx4 fixture set (used by make_manifest.py and its drift test).

Wraps tests/data/upx/elffacts.py (imported by path): readelf/file/upx parsing there, plus what differs with
UPX 4: the tool is found through $LINKGUARD_UPX4 (a wrapper written by get-upx4.sh), its banner line reads
"UPX 4.x.y ...", and packed shared libraries are run through a dlopen driver.  Never imports linkguard.
"""

from __future__ import annotations

import importlib.util
import os
import re
from pathlib import Path
from types import ModuleType
from typing import Any, Dict, Optional

HERE = Path(__file__).resolve().parent
UPX4_ENV = "LINKGUARD_UPX4"
DEFAULT_WRAPPER = "/tmp/linkguard-upx4/upx4"  # where get-upx4.sh puts it by default


def _load_elffacts() -> ModuleType:
    spec = importlib.util.spec_from_file_location("lg_fixture_elffacts", HERE.parent / "upx" / "elffacts.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


ef = _load_elffacts()


def find_upx4(allow_default: bool = True) -> Optional[str]:
    """The UPX 4 command: $LINKGUARD_UPX4, else get-upx4.sh's default wrapper; only if it runs and says 4.x."""
    cands = [os.environ.get(UPX4_ENV, "")]
    if allow_default:
        cands.append(DEFAULT_WRAPPER)
    for cand in cands:
        if cand and os.access(cand, os.X_OK) and upx_version(cand).startswith("upx 4."):
            return cand
    return None


def upx_version(upx: str) -> str:
    try:
        return (ef.tool_version([upx, "--version"]) or "").strip()
    except OSError:
        return ""


def _clean(rec: Dict[str, Any]) -> Dict[str, Any]:
    """Drop UPX 4's banner line ("UPX 4.2.4  Markus Oberhumer, ...") and the tool's own name from messages."""
    if "message" in rec:
        lines = [ln for ln in rec["message"].splitlines() if not re.match(r"UPX \d+\.\d+\.\d+\s", ln)]
        rec["message"] = "\n".join(re.sub(r"^upx(-ucl)?: ", "upx: ", ln) for ln in lines)
    return rec


def upx_list(upx: str, path: str) -> Dict[str, Any]:
    return _clean(ef.upx_list(upx, path))


def upx_test(upx: str, path: str) -> Dict[str, Any]:
    return _clean(ef.upx_test(upx, path))


def upx_fileinfo(upx: str, path: str) -> Dict[str, Any]:
    return _clean(ef.upx_fileinfo(upx, path))


def upx_decompress(upx: str, path: str, out: str) -> Dict[str, Any]:
    return _clean(ef.upx_decompress(upx, path, out))


def ident_strings(path: str) -> Dict[str, Optional[str]]:
    """The $Info/$Id ident strings in the file's bytes (what `strings | grep` would show)."""
    data = Path(path).read_bytes()
    info = re.search(rb"\$Info: [ -~]*? \$", data)
    ident = re.search(rb"\$Id: UPX [ -~]*? \$", data)
    return {
        "info": info.group(0).decode("ascii") if info else None,
        "id": ident.group(0).decode("ascii") if ident else None,
    }


def run_fixture(path: str, machine: Any, shared_library: bool) -> Any:
    """Execute x86 fixtures on an x86-64 Linux host (shared libraries through bin/orig/usecm's dlopen)."""
    import platform

    if platform.machine() != "x86_64" or machine not in ("Advanced Micro Devices X86-64", "Intel 80386"):
        return None
    if shared_library:
        driver = HERE / "bin" / "orig" / "usecm"
        if not driver.exists():
            return None
        return ef.run_binary(str(driver), [os.path.abspath(path)])
    return ef.run_binary(path)
