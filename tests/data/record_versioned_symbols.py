#!/usr/bin/env python3
"""Record which undefined dynamic symbols bind to which symbol version, from readelf, in a set's manifest.

    python tests/data/record_versioned_symbols.py seed seed-cgo-glibc-dynamic [NAME...]

Writes truth["versioned_symbols"] = {"GLIBC_2.29": ["pow"], ...} from `readelf --dyn-syms -W` (the parser of
tests/data/elf/make_manifest.py), so a claim such as "pow is what needs GLIBC_2.29" rests on readelf output, not
on a comment in the program's source. tests/unit/test_seed_remedy_manifest_truth.py re-checks it where readelf is.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict

DATA = Path(__file__).resolve().parent


def versioned_symbols(path: Path) -> Dict[str, Any]:
    sys.path.insert(0, str(DATA.parents[1]))
    from tests.truth import load_module

    mm = load_module("lg_elf_make_manifest", DATA / "elf" / "make_manifest.py")
    text = subprocess.run(["readelf", "--dyn-syms", "-W", str(path)], capture_output=True, text=True, check=True)
    return dict(mm.parse_versioned_symbols(text.stdout))


def main(set_name: str, names: list[str]) -> int:
    manifest = DATA / set_name / "manifest.json"
    document = json.loads(manifest.read_text())
    chosen = [f for f in document["fixtures"] if f["name"] in names]
    if {f["name"] for f in chosen} != set(names):
        print(f"unknown fixtures: {sorted(set(names) - {f['name'] for f in chosen})}", file=sys.stderr)
        return 2
    for fx in chosen:
        fx["truth"]["versioned_symbols"] = versioned_symbols(DATA / set_name / fx["file"])
    manifest.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2:]))
