"""No dead code: vulture (the dev extra) finds nothing in src/ beyond the uses vulture_whitelist.py names."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.truth import require_module

ROOT = Path(__file__).resolve().parents[2]
COMMAND = ["vulture", "src", "vulture_whitelist.py", "--min-confidence", "60"]  # as .ci/run runs it


def test_vulture_finds_no_dead_code() -> None:
    require_module("vulture", "find dead code (the dev extra installs it)")
    run = subprocess.run([sys.executable, "-m", *COMMAND], cwd=ROOT, capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stdout + run.stderr


def test_vulture_would_see_a_dead_function(tmp_path: Path) -> None:
    require_module("vulture", "find dead code (the dev extra installs it)")
    dead = tmp_path / "dead.py"
    dead.write_text("def never_called() -> int:\n    return 1\n", encoding="utf-8")
    args = [sys.executable, "-m", *COMMAND[:3], str(dead), *COMMAND[3:]]
    run = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=False)
    assert run.returncode != 0 and "never_called" in run.stdout


def test_ci_runs_the_same_command() -> None:
    assert " ".join(COMMAND) in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
