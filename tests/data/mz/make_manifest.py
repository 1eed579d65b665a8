"""Write manifest.json for the MZ set from independent tools only: sha256, `file -b`, nasm's version.

What linkguard must do follows from `file`: a file is PE only when it says "PE32" / "PE32+" (e_lfanew points
at a "PE\\0\\0" signature); these say "MS-DOS executable" or "ASCII text", so each is skipped, never LG901.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCES = {
    "dos-hello.exe": ("src/dos-hello.asm", "nasm -f bin -o bin/dos-hello.exe src/dos-hello.asm"),
    "dos-hello-far-lfanew.exe": (
        "src/dos-hello.asm",
        "nasm -f bin -DLFANEW=0x1800 -DPAD=8192 -o bin/dos-hello-far-lfanew.exe src/dos-hello.asm",
    ),
    "win16-ne.exe": ("src/ne-stub.asm", "nasm -f bin -o bin/win16-ne.exe src/ne-stub.asm"),
    "vxd-le.exe": ("src/le-stub.asm", "nasm -f bin -o bin/vxd-le.exe src/le-stub.asm"),
    "mz-text.txt": ("src/mz-text.txt", "cp src/mz-text.txt bin/mz-text.txt"),
}


def _out(*args: str) -> str:
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout.strip()


def main() -> None:
    fixtures = []
    for name, (source, build) in SOURCES.items():
        path = HERE / "bin" / name
        data = path.read_bytes()
        verdict = _out("file", "-b", str(path))
        assert "PE32" not in verdict, (name, verdict)
        fixtures.append(
            {
                "file": f"bin/{name}",
                "source": source,
                "build": build,
                "size": len(data),
                "sha256": hashlib.sha256(data).hexdigest(),
                "starts_with_mz": data[:2] == b"MZ",
                "file_b": verdict,
                "expected_linkguard": "skipped (not a PE: no PE signature at e_lfanew), never LG901",
            }
        )
    manifest = {
        "generated_by": "tests/data/mz/make_manifest.py (run by tests/data/mz/build.sh)",
        "tools": {"file": _out("file", "--version").splitlines()[0], "nasm": _out("nasm", "-v")},
        "fixtures": fixtures,
    }
    (HERE / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")


if __name__ == "__main__":
    main()
