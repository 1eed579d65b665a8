"""Shared test helpers: fixture locations and running the CLI in-process."""

from __future__ import annotations

import io
import json
import os
import sys
from contextlib import redirect_stdout
from pathlib import Path
from types import ModuleType
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


def toml() -> ModuleType:
    """tomllib, or on Python < 3.11 tomli (linkguard's own dependency there): the TOML tests never skip."""
    if sys.version_info >= (3, 11):
        import tomllib

        return tomllib
    import tomli

    return tomli


_PY37_SITECUSTOMIZE = """\
import collections
import sys

# What a real Python 3.7.16 reports; the rest is the interpreter this stands in front of.
sys.version_info = collections.namedtuple("version_info", "major minor micro releaselevel serial")(3, 7, 16, "final", 0)
sys.version = "3.7.16 (default, Jun  6 2023, 00:00:00) \\n[GCC 12.2.0]"
sys.hexversion = 0x030710F0
"""


def python37_stand_in(directory: Path) -> Tuple[Path, Path]:
    """(interpreter, log): a `python3` that reports itself as Python 3.7.16 (sys.version_info, sys.version,
    sys.hexversion) to any code it runs, through a sitecustomize in front of the running interpreter, and appends
    each command line it gets to `log`. The Action's refusal of old Pythons is tested with it on any host: a real
    3.7 cannot be installed by .ci/run (Debian 12 ships 3.11 only), and a test must not pass only where one happens
    to be."""
    shadow = directory / "py37-site"
    shadow.mkdir(parents=True)
    (shadow / "sitecustomize.py").write_text(_PY37_SITECUSTOMIZE, encoding="utf-8")
    log = directory / "py37-argv.log"
    interpreter = directory / "python3"
    interpreter.write_text(
        "#!/bin/sh\n"
        f"printf '%s\\n' \"$*\" >> '{log}'\n"
        f"PYTHONPATH='{shadow}'${{PYTHONPATH:+:$PYTHONPATH}} exec '{sys.executable}' \"$@\"\n",
        encoding="utf-8",
    )
    interpreter.chmod(0o755)
    return interpreter, log


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
