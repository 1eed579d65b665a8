"""Write manifest.json (and dist/artifacts.json) for the goreleaser-shaped dist/, with truth from tools only.

Per file under dist/: size, sha256, `file -b`, and by format: readelf (tests/data/upx/elffacts.py), objdump -p
and llvm-readobj (tests/data/pe/pefacts.py), llvm-objdump --macho (tests/data/macho/machofacts.py); `upx -l`
under UPX 4.2.4 ($UPX4) and `go version -m` for every executable; `zipinfo -1` for the archive.
"""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path
from types import ModuleType
from typing import Any, Dict, List

HERE = Path(__file__).resolve().parent
DATA = HERE.parent


def _load(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ef = _load("lg_elffacts", DATA / "upx" / "elffacts.py")
pf = _load("lg_pefacts", DATA / "pe" / "pefacts.py")
mf = _load("lg_machofacts", DATA / "macho" / "machofacts.py")
ELF_KEYS = ("class", "readelf_machine", "type", "interpreter", "has_dynamic", "needed", "linkage")


def format_of(description: str) -> str:
    """The container format named by `file -b`'s description."""
    for prefix, fmt in (("ELF", "elf"), ("PE32", "pe"), ("Mach-O", "macho"), ("Zip archive", "zip")):
        if description.startswith(prefix):
            return fmt
    return "other"


def go_version_m(path: str) -> List[str]:
    proc = pf.run(["go", "version", "-m", path])
    return [ln.strip() for ln in proc.stdout.splitlines()[1:] if ln.strip() and "DefaultGODEBUG" not in ln]


def truth_of(path: str, upx4: str) -> Dict[str, Any]:
    description = pf.file_b(path)
    fmt = format_of(description)
    truth: Dict[str, Any] = {"file": description, "format": fmt}
    if fmt == "elf":
        facts = ef.readelf_facts(path)
        truth["readelf"] = {k: facts[k] for k in ELF_KEYS}
    elif fmt == "pe":
        pe = pf.pe_truth(path)
        truth["objdump"] = pe["objdump"]
        truth["readobj_file_headers"] = pe["readobj_file_headers"]
        truth["readobj_coff_imports"] = {
            "imports": [i["name"] for i in pe["readobj_coff_imports"]["imports"]],
            "delay_imports": [i["name"] for i in pe["readobj_coff_imports"]["delay_imports"]],
        }
        truth["sections"] = pe["sections"]
    elif fmt == "macho":
        mo = mf.macho_truth(path)
        truth["slices"] = [
            {k: s[k] for k in ("cputype", "filetype", "dylibs", "rpaths", "build_version", "version_min_macosx")}
            for s in mo["slices"]
        ]
    elif fmt == "zip":
        truth["members"] = pf.run(["zipinfo", "-1", path]).stdout.split()
    if fmt in ("elf", "pe", "macho"):
        truth["upx_l"] = pf.upx_list(upx4, path)
        truth["go_version_m"] = go_version_m(path)
    return truth


def main() -> None:
    os.chdir(HERE)
    upx4 = os.environ["UPX4"]
    log = [json.loads(line) for line in Path("build-log.jsonl").read_text().splitlines()]
    builds = {r["file"]: r for r in log if "goos" in r}
    packed = {r["file"]: r for r in log if "packed_by" in r}
    files: List[Dict[str, Any]] = []
    for path in sorted(p for p in Path("dist").rglob("*") if p.is_file() and p.name != "artifacts.json"):
        rel = str(path)
        entry: Dict[str, Any] = {"file": rel, "size": path.stat().st_size, "sha256": pf.sha256(rel)}
        if rel in builds:
            entry.update(goos=builds[rel]["goos"], goarch=builds[rel]["goarch"], build=builds[rel]["build"])
        if rel in packed:
            entry.update(packed_by=packed[rel]["packed_by"], pack=packed[rel]["build"])
        entry["truth"] = truth_of(rel, upx4)
        files.append(entry)
    artifacts = [
        {"name": Path(f["file"]).name, "path": f["file"], "goos": f["goos"], "goarch": f["goarch"], "type": "Binary"}
        for f in files
        if "goos" in f
    ]
    Path("dist/artifacts.json").write_text(json.dumps(artifacts, indent=1) + "\n")
    manifest = {
        "generated_by": "tests/data/dist-multi/make_manifest.py (run by tests/data/dist-multi/build.sh)",
        "tools": {
            "readelf": pf.tool_version("readelf"),
            "objdump": pf.tool_version("objdump"),
            "llvm-readobj": pf.tool_version("llvm-readobj"),
            "llvm-objdump": pf.tool_version("llvm-objdump"),
            "file": pf.tool_version("file"),
            "upx4": pf.upx_version(upx4),
            "go": pf.run(["go", "version"]).stdout.strip(),
        },
        "truth_sources": {
            "readelf": "readelf -hW/-lW/-dW/-VW via tests/data/upx/elffacts.py",
            "objdump": "objdump -p via tests/data/pe/pefacts.py",
            "readobj": "llvm-readobj --file-headers/--coff-imports via tests/data/pe/pefacts.py",
            "slices": "llvm-objdump --macho --private-headers --arch=all via tests/data/macho/machofacts.py",
            "upx_l": "upx -l (UPX 4.2.4)",
            "go_version_m": "go version -m, lines after the first, DefaultGODEBUG dropped",
            "members": "zipinfo -1",
            "file": "file -b",
        },
        "files": files,
    }
    Path("manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    print(f"manifest.json: {len(files)} files")


if __name__ == "__main__":
    main()
