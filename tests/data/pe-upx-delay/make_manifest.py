"""Write manifest.json for the packed delay-load DLLs from independent tools only (../pe/pefacts.py parsers).

Per file: size, sha256, `file -b`, `objdump -p` (data directories, DLL Name lines), `llvm-readobj --file-headers`
and `--coff-imports` (which fails on the packed files: the delay-import directory points into packed data),
`upx -l` under both UPX versions; for the packed ones `upx -t` and `upx -d` by their packer, with
`llvm-readobj --coff-imports` of the unpacked copy (the delay import UPX hides). Needs $UPX394 and $UPX4.
"""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path
from types import ModuleType
from typing import Any, Dict, List

HERE = Path(__file__).resolve().parent


def _load_pefacts() -> ModuleType:
    spec = importlib.util.spec_from_file_location("lg_pefacts", HERE.parent / "pe" / "pefacts.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


pf = _load_pefacts()
ARCHES = ("x86_64", "i686")


def _entry(name: str, packer: str, upx394: str, upx4: str) -> Dict[str, Any]:
    path = f"bin/{name}"
    truth = pf.pe_truth(path)
    truth["upx_l"] = {"upx394": pf.upx_list(upx394, path), "upx4": pf.upx_list(upx4, path)}
    original = None
    if packer:
        arch = name.rsplit("-", 1)[1].removesuffix(".dll")
        original = f"bin/delayload-{arch}.dll"
        upx = upx394 if packer == "upx394" else upx4
        truth["upx_t"] = pf.upx_test(upx, path)
        truth["upx_d"], out = pf.upx_decompress(upx, path, original)
        if out is not None:
            imports, _ = pf.readobj_coff_imports(out)
            truth["upx_d"]["readobj_coff_imports"] = imports
            os.unlink(out)
    return {
        "name": name,
        "file": path,
        "source": "src/usemylib-dll.c",
        "packer": packer or None,
        "original": original,
        "size": os.path.getsize(path),
        "sha256": pf.sha256(path),
        "truth": truth,
    }


def main() -> None:
    os.chdir(HERE)
    upx394, upx4 = os.environ["UPX394"], os.environ["UPX4"]
    fixtures: List[Dict[str, Any]] = []
    for arch in ARCHES:
        fixtures.append(_entry(f"delayload-{arch}.dll", "", upx394, upx4))
        for packer in ("upx394", "upx4"):
            fixtures.append(_entry(f"{packer}-delayload-{arch}.dll", packer, upx394, upx4))
    manifest = {
        "generated_by": "tests/data/pe-upx-delay/make_manifest.py (run by tests/data/pe-upx-delay/build.sh)",
        "tools": {
            "objdump": pf.tool_version("objdump"),
            "llvm-readobj": pf.tool_version("llvm-readobj"),
            "file": pf.tool_version("file"),
            "upx394": pf.upx_version(upx394),
            "upx4": pf.upx_version(upx4),
        },
        "fixtures": fixtures,
    }
    Path("manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    print(f"manifest.json: {len(fixtures)} fixtures")


if __name__ == "__main__":
    main()
