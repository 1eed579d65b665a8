"""Start-up: a run checks what it is given without importing what only other runs need.

Every linkguard process (a pre-commit hook, an Action step, a wheel check) pays its imports before it reads a byte;
on a small input they are most of its time (bench/README.md). targets/ (only with --target), email.parser (only for
a wheel's METADATA) and plistlib (only for a macOS bundle's Info.plist) are imported where they are used. Each run is
a fresh interpreter, as a user's is, and reports which modules it imported.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import List

ROOT = Path(__file__).resolve().parents[2]
STATIC = "tests/data/elf/bin/musl-gcc-static"
LAZY = ("linkguard.targets", "email.parser", "plistlib")

PROBE = """
import json, sys
from linkguard import cli
code = cli.main(sys.argv[1:])
print(json.dumps(sorted(m for m in sys.modules if m in {lazy!r})))
"""


def imported(*args: str) -> List[str]:
    completed = subprocess.run(
        [sys.executable, "-c", PROBE.format(lazy=set(LAZY)), "--no-config", "-q", "-o", "/dev/null", *args],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(completed.stdout.splitlines()[-1])


def test_a_plain_run_imports_none_of_them() -> None:
    assert imported(STATIC) == []


def test_each_is_imported_by_the_run_that_needs_it() -> None:
    wheel = next((ROOT / "tests/data/packages/wheels").glob("bcrypt-*manylinux*.whl"))
    assert "email.parser" in imported(str(wheel))
    assert "linkguard.targets" in imported("--target", "alpine-3.20", STATIC)
