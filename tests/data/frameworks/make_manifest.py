"""Write manifest.json for the framework fixtures with truth from independent tools only (run by build.sh).

Per Mach-O file: its build command (build-log.jsonl), sha256 and the literal lines of `llvm-objdump --macho`
`--dylibs-used`, `--rpaths`, `--dylib-id` and `--private-header`; per zip `zipinfo` and each symlink member's
target (`unzip -p`). dyld cannot run here, so where it looks is written in LOADS by hand from its documented rule
(dyld(1), "@rpath/": each LC_RPATH path, `@executable_path` being the main program's directory, followed by the
rest of the install name); main() checks each tried path against the llvm-objdump lines and the tree (or the zip's
listing), so the hand-written paths and the tools cannot drift apart.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import subprocess
from pathlib import Path
from typing import Any, Dict, List

HERE = Path(__file__).resolve().parent
NEED = "@rpath/X.framework/Versions/A/X"

# program (a file, or zip!member) -> the path dyld tries for NEED, whether it is there, and the verdict expected
LOADS: Dict[str, Dict[str, Any]] = {
    "tree/good/App.app/Contents/MacOS/App": {
        "tries": ["tree/good/App.app/Contents/Frameworks/X.framework/Versions/A/X"],
        "found": True,
        "expect": [],
    },
    "tree/good.zip!App.app/Contents/MacOS/App": {
        "tries": ["App.app/Contents/Frameworks/X.framework/Versions/A/X"],
        "found": True,
        "expect": [],
    },
    "tree/program/bin/app": {
        "tries": ["tree/program/Frameworks/X.framework/Versions/A/X"],
        "found": True,
        "expect": [],
    },
    "tree/missing/App.app/Contents/MacOS/App": {
        "tries": ["tree/missing/App.app/Contents/Frameworks/X.framework/Versions/A/X"],
        "found": False,
        "expect": ["LG101"],
    },
    "tree/missing.zip!App.app/Contents/MacOS/App": {
        "tries": ["App.app/Contents/Frameworks/X.framework/Versions/A/X"],
        "found": False,
        "expect": ["LG101"],
    },
    "tree/wrong-rpath/App.app/Contents/MacOS/App": {
        "tries": ["tree/wrong-rpath/App.app/Contents/MacOS/Frameworks/X.framework/Versions/A/X"],
        "found": False,
        "expect": ["LG101"],
        "shipped_at": "tree/wrong-rpath/App.app/Contents/Frameworks/X.framework/Versions/A/X",
    },
}


def run(args: List[str]) -> List[str]:
    out = subprocess.run(args, capture_output=True, text=True, check=True, cwd=HERE)
    return [line.rstrip() for line in out.stdout.splitlines() if line.strip()]


def macho_truth(path: str) -> Dict[str, Any]:
    objdump = ["llvm-objdump", "--macho"]
    used = run([*objdump, "--dylibs-used", path])
    rpaths = run([*objdump, "--rpaths", path])
    ident = run([*objdump, "--dylib-id", path])
    header = run([*objdump, "--private-header", path])
    return {
        "dylibs_used": used,
        "rpaths": rpaths,
        "dylib_id": ident,
        "private_header": header,
        "filetype": header[2].split()[4],
        "needs": [line.strip().split(" (")[0] for line in used[1:]],
        "rpath": [line.strip() for line in rpaths[1:]],
        "id": ident[1].strip() if len(ident) > 1 else None,
    }


def zip_truth(path: str) -> Dict[str, Any]:
    listing = run(["zipinfo", path])
    links = {line.split()[-1]: "" for line in listing if line.startswith("l")}
    for member in links:
        links[member] = subprocess.run(
            ["unzip", "-p", path, member], capture_output=True, check=True, cwd=HERE
        ).stdout.decode()
    members = [line.split()[-1] for line in listing if line[:1] in "-dl"]
    return {"zipinfo": listing[1:], "members": members, "symlinks": links}  # the first line names the zip's path


def check_load(program: str, load: Dict[str, Any], truth: Dict[str, Dict[str, Any]]) -> None:
    """The hand-written tried path is LC_RPATH (llvm-objdump) with @executable_path expanded, + the rest of NEED."""
    archive, _, member = program.partition("!")
    file = member or program
    # a zipped App is tree/good's App, zipped (build.sh): its load commands are that file's
    facts = truth["tree/good/App.app/Contents/MacOS/App" if member else program]
    assert NEED in facts["needs"] and facts["filetype"] == "EXECUTE", program
    expected = []
    for rpath in facts["rpath"]:
        assert rpath.startswith("@executable_path"), rpath
        directory = posixpath.normpath(posixpath.dirname(file) + rpath[len("@executable_path") :])
        expected.append(posixpath.join(directory, NEED[len("@rpath/") :]))
    assert expected == load["tries"], (program, expected)
    if member:
        present = any(m == load["tries"][0] for m in truth[archive]["members"])
    else:
        present = (HERE / load["tries"][0]).is_file()
    assert present == load["found"], program


def main() -> None:
    builds: Dict[str, str] = {}
    for line in (HERE / "build-log.jsonl").read_text().splitlines():
        record = json.loads(line)
        builds[record["file"]] = record["build"]
    truth: Dict[str, Dict[str, Any]] = {}
    for file in builds:
        truth[file] = zip_truth(file) if file.endswith(".zip") else macho_truth(file)
    for file, facts in truth.items():
        if "X.framework" in file:
            assert facts["id"] == NEED and facts["filetype"] == "DYLIB", file
    for program, load in LOADS.items():
        check_load(program, load, truth)
    fixtures = [
        {
            "file": file,
            "build": build,
            "sha256": hashlib.sha256((HERE / file).read_bytes()).hexdigest(),
            "truth": truth[file],
        }
        for file, build in builds.items()
    ]
    manifest = {
        "generated_by": "tests/data/frameworks/build.sh + make_manifest.py",
        "tools": {
            "zig": run(["python3", "-m", "ziglang", "version"])[0],
            "llvm-objdump": next(line.strip() for line in run(["llvm-objdump", "--version"]) if "LLVM version" in line),
            "zip": run(["zip", "-v"])[1].strip(),
        },
        "dyld_rule": "dyld(1) @rpath/: each LC_RPATH path is tried in order, with the install name's rest appended; "
        "@executable_path is the directory of the main program",
        "need": NEED,
        "fixtures": fixtures,
        "loads": [{"program": program, **load} for program, load in LOADS.items()],
    }
    (HERE / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")


if __name__ == "__main__":
    main()
