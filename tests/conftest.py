"""Shared test helpers: fixture locations and running the CLI in-process."""

from __future__ import annotations

import io
import json
import os
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any, Dict, List, Sequence, Tuple

import pytest

DATA = Path(__file__).parent / "data"
SCHEMAS = Path(__file__).parents[1] / "src" / "linkguard" / "schemas"


def run_cli(args: Sequence[str]) -> Tuple[int, str]:
    """Run `linkguard args...` in-process with no config file lookup; (exit code, stdout)."""
    from linkguard.cli import main

    out = io.StringIO()
    with redirect_stdout(out):
        code = main(["--no-config", *args])
    return code, out.getvalue()


def run_json(args: Sequence[str]) -> Tuple[int, Dict[str, Any]]:
    code, text = run_cli(["--format", "json", *args])
    report = json.loads(text)
    validate_report(report)
    return code, report


def validate_report(report: Dict[str, Any]) -> None:
    import jsonschema

    schema = json.loads((SCHEMAS / "report-v1.schema.json").read_text())
    jsonschema.validate(report, schema)


def load_manifest(path: Path) -> List[Dict[str, Any]]:
    if not path.exists():
        pytest.fail(f"fixture manifest missing: {path}")
    return list(json.loads(path.read_text())["fixtures"])


@pytest.fixture(autouse=True)
def _no_github_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests choose their format explicitly; a CI runner's GITHUB_ACTIONS must not switch it."""
    for name in ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "GITHUB_OUTPUT"):
        monkeypatch.delenv(name, raising=False)
    os.environ.setdefault("NO_COLOR", "1")
