#!/usr/bin/env python3
"""Write manifest.json for the .NET set: per file its sha256 and the raw lines of independent tools.

`file -b` ("Mono/.Net assembly"), `llvm-readobj --file-headers --coff-imports` (Machine, the CLR runtime header
data directory, the import table), and Mono's `pedump` (the CLI header's "Runtime required" and "Flags", the
metadata root's "Version string"). Nothing here runs linkguard.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List

HERE = Path(__file__).resolve().parent
BUILDS = {
    "hello-anycpu.exe": "mcs -deterministic -platform:anycpu -out:bin/hello-anycpu.exe src/hello.cs",
    "hello-x86.exe": "mcs -deterministic -platform:x86 -out:bin/hello-x86.exe src/hello.cs",
    "hellolib-x64.dll": "mcs -deterministic -platform:x64 -target:library -out:bin/hellolib-x64.dll src/hello.cs",
    "clr_loader-0.2.6-amd64-ClrLoader.dll": "pip package clr_loader 0.2.6: clr_loader/ffi/dlls/amd64/ClrLoader.dll",
    "clr_loader-0.2.6-x86-ClrLoader.dll": "pip package clr_loader 0.2.6: clr_loader/ffi/dlls/x86/ClrLoader.dll",
}
READOBJ = re.compile(r"^\s*(Machine|CLRRuntimeHeaderRVA|CLRRuntimeHeaderSize|Name|Symbol): ")
PEDUMP = re.compile(r"^\s*(Runtime required|Flags|Version string): ")


def run(args: List[str]) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def tool_version(args: List[str]) -> str:
    return run(args).strip().splitlines()[0]


def truth(path: Path) -> Dict[str, Any]:
    lines = run(["llvm-readobj", "--file-headers", "--coff-imports", str(path)]).splitlines()
    readobj = [line.strip() for line in lines]
    pedump = run(["pedump", str(path)]).splitlines()
    cli = pedump.index(next(line for line in pedump if "CLI header size" in line))
    return {
        "file": run(["file", "-b", str(path)]).strip(),
        "llvm_readobj": [line for line in readobj if READOBJ.match(line)],
        # "Flags:" also heads every section in pedump's output: keep the CLI header's lines only
        "pedump_cli": [line.strip() for line in pedump[cli : cli + 3] if PEDUMP.match(line)],
        "pedump_version": [line.strip() for line in pedump if line.strip().startswith("Version string:")],
    }


def main() -> int:
    fixtures = []
    for name, build in BUILDS.items():
        path = HERE / "bin" / name
        fixtures.append(
            {
                "name": name,
                "file": f"bin/{name}",
                "build": build,
                "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
                "truth": truth(path),
            }
        )
    document = {
        "generated_by": "tests/data/dotnet/record.py (run by build.sh)",
        "tools": {
            "mcs": tool_version(["mcs", "--version"]),
            "llvm-readobj": next(
                line for line in run(["llvm-readobj", "--version"]).splitlines() if "version" in line
            ).strip(),
            "file": tool_version(["file", "--version"]),
        },
        "fixtures": fixtures,
    }
    sys.stdout.write(json.dumps(document, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
