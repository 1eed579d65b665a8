"""The README's first command: `linkguard examples/dist` fails on exactly the two binaries that are not
self-contained. Truth: readelf for the plain files, and the packer's own `upx -t` for the packed one."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.conftest import run_json
from tests.truth import missing, need

DIST = Path(__file__).parents[2] / "examples" / "dist"


def _codes(report: dict, name: str) -> set:
    (artifact,) = [a for a in report["artifacts"] if a["path"].endswith(name)]
    return {f["code"] for f in artifact["findings"]}


def test_example_release_verdicts() -> None:
    code, report = run_json([str(DIST)])
    assert code == 1 and report["summary"]["artifacts"] == 3
    assert _codes(report, "spex-musl-static") == set()
    assert _codes(report, "spex-glibc") == {"LG101"}
    assert _codes(report, "spex-glibc-upx") == {"LG101", "LG201"}


def test_example_truth_from_readelf() -> None:
    need("readelf")

    def program_headers(name: str) -> str:
        return subprocess.run(["readelf", "-lW", str(DIST / name)], capture_output=True, text=True).stdout

    assert "INTERP" in program_headers("spex-glibc")
    assert "INTERP" not in program_headers("spex-musl-static")
    assert "DYNAMIC" not in program_headers("spex-musl-static")
    # The trap: the packed file has neither, though the program inside needs glibc.
    assert "INTERP" not in program_headers("spex-glibc-upx")


def test_example_packed_per_upx() -> None:
    if not os.environ.get("LINKGUARD_UPX"):
        missing("LINKGUARD_UPX (UPX 3.94) not set: cannot check the example's packing with upx -t")
    result = subprocess.run([os.environ["LINKGUARD_UPX"], "-t", str(DIST / "spex-glibc-upx")], capture_output=True)
    assert result.returncode == 0
    result = subprocess.run([os.environ["LINKGUARD_UPX"], "-t", str(DIST / "spex-glibc")], capture_output=True)
    assert result.returncode != 0
