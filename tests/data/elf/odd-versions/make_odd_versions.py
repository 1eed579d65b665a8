"""Version-need names that are not dotted ASCII numbers, derived from ../bin/gcc-glibc-dynamic-libm.

glibc's loader matches a version need by its exact string (and ELF hash), so `GLIBC_2.²` is simply a version no
glibc defines: readelf lists it like any other name. linkguard must list it as a need and never fail the whole
file with "invalid literal for int()" (str.isdigit accepts U+00B2 SUPERSCRIPT TWO, int() does not).

Each file replaces the bytes of one version name in .dynstr with a name of the same length, so nothing else in
the file moves (the vna_hash is left as it was: readers look names up by string). The truth recorded in
manifest.json is `readelf -VW`'s "Name:" lines for each file, as readelf prints them.

Usage: python make_odd_versions.py
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
from pathlib import Path
from typing import Dict, List, Tuple

HERE = Path(__file__).resolve().parent
SOURCE = HERE.parent / "bin" / "gcc-glibc-dynamic-libm"
# (file, old name, new name, why); old and new have the same length in bytes.
CASES: List[Tuple[str, bytes, bytes, str]] = [
    ("glibc-superscript-two", b"GLIBC_2.29", "GLIBC_2.\u00b2".encode(), "superscript two: isdigit() yes, int() no"),
    ("glibc-arabic-indic", b"GLIBC_2.29", "GLIBC_2.\u0663".encode(), "arabic-indic three: int() reads 3"),
    ("glibc-fullwidth", b"GLIBC_2.34", "GLIBC_\uff12".encode() + b"4", "fullwidth two (U+FF12) then ASCII 4"),
]


def readelf_names(path: Path) -> List[str]:
    proc = subprocess.run(
        ["readelf", "-VW", path.name], capture_output=True, cwd=HERE, env={**os.environ, "LC_ALL": "C.UTF-8"}
    )
    text = proc.stdout.decode("utf-8", errors="replace")
    return re.findall(r"Name: (\S+)\s+Flags", text)


def main() -> int:
    data = SOURCE.read_bytes()
    entries: List[Dict[str, object]] = []
    for name, old, new, why in CASES:
        assert len(old) == len(new), (old, new)
        at = data.index(old + b"\0")
        blob = data[:at] + new + data[at + len(old) :]
        (HERE / name).write_bytes(blob)
        entries.append(
            {
                "file": name,
                "derived_from": "../bin/gcc-glibc-dynamic-libm",
                "description": f"{old.decode()} renamed {new.decode()} in .dynstr: {why}",
                "size": len(blob),
                "sha256": hashlib.sha256(blob).hexdigest(),
                "readelf_version_names": readelf_names(HERE / name),
            }
        )
    version = subprocess.run(["readelf", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    manifest = {"generated_by": "tests/data/elf/odd-versions/make_odd_versions.py", "tools": {"readelf": version},
                "fixtures": entries}  # fmt: skip
    (HERE / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
