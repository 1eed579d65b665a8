#!/usr/bin/env python3
"""Re-record the `run` truth of fixtures by executing them here, only where this host can run them.

    python tests/data/record_runs.py upx4 i386-glibc-dyn-lzma [NAME...]
    python tests/data/record_runs.py upx --all

The decision to run is the one the truth tests make (tests/truth.py cannot_run: x86-64 Linux, the loader the
program or its packed original names, host glibc >= its highest GLIBC_ need, 32-bit support, no noexec mount);
a fixture this host cannot run is refused, never recorded. Each rewritten record gets `run_recorded_by` saying so.
Used when a result was recorded on a host that lacked a loader (the i386 glibc fixtures' exit code 127 came from a
host without /lib/ld-linux.so.2; with libc6-i386 installed they print their line and exit 0).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Dict, List

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.truth import cannot_run, load_module, run_facts  # noqa: E402

DATA = ROOT / "tests" / "data"
DRIVER_INTERPRETER = "/lib64/ld-linux-x86-64.so.2"  # tests/data/upx4/bin/orig/usecm (gcc, amd64 glibc)


def record(set_name: str, names: List[str], every: bool) -> int:
    manifest = DATA / set_name / "manifest.json"
    document: Dict[str, Any] = json.loads(manifest.read_text())
    fixtures = document["fixtures"]
    by_file = {f["file"]: f for f in fixtures}
    ef = load_module("lg_elffacts", DATA / "upx" / "elffacts.py")
    u4 = load_module("lg_upx4facts", DATA / "upx4" / "upx4facts.py")
    chosen = [f for f in fixtures if f["truth"].get("run") is not None and (every or f["name"] in names)]
    unknown = set(names) - {f["name"] for f in chosen}
    if unknown:
        print(f"no fixture with a recorded run named {sorted(unknown)} in {manifest}", file=sys.stderr)
        return 2
    refused = 0
    for fx in chosen:
        truth = fx["truth"]
        path = DATA / set_name / fx["file"]
        facts = run_facts(truth, by_file)
        shlib = (truth.get("original") or {}).get("linkage", truth.get("original_linkage")) == "shared-library"
        if shlib:
            facts["interpreter"] = DRIVER_INTERPRETER
        reason = cannot_run(path, **facts)
        if reason:
            print(f"{fx['name']}: refused, this host cannot run it: {reason}", file=sys.stderr)
            refused += 1
            continue
        got = (
            u4.run_fixture(str(path), truth["readelf_machine"], shlib)
            if set_name == "upx4"
            else ef.run_binary(str(path))
        )
        if got != truth["run"]:
            print(f"{fx['name']}: {truth['run']} -> {got}")
            truth["run"] = got
            truth["run_recorded_by"] = "tests/data/record_runs.py"
    manifest.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n")
    return 1 if refused else 0


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    sys.exit(record(sys.argv[1], [a for a in sys.argv[2:] if a != "--all"], "--all" in sys.argv[2:]))
