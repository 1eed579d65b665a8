"""action.yml, the workflows and the pre-commit manifest: shape, injection rules, and the linters that judge them.

zizmor, check-jsonschema and pre-commit run when installed (each test says so when skipped).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest

ROOT = Path(__file__).resolve().parents[2]
ACTION = ROOT / "action.yml"
WORKFLOWS = [*sorted((ROOT / ".github" / "workflows").glob("*.yml")), ROOT / "tests" / "data" / "action" / "gate.yml"]
HOOKS = ROOT / ".pre-commit-hooks.yaml"
REQUIREMENTS = ROOT / ".github" / "action-requirements.txt"

yaml = pytest.importorskip("yaml", reason="PyYAML (installed with pre-commit) reads the action files")


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def steps_of(document: Dict[str, Any]) -> Iterator[Dict[str, Any]]:
    if "runs" in document:
        yield from document["runs"].get("steps", [])
    for job in document.get("jobs", {}).values():
        yield from job.get("steps", [])


@pytest.mark.parametrize("path", [ACTION, *WORKFLOWS], ids=lambda p: p.name)
def test_no_expressions_inside_run(path: Path) -> None:
    for step in steps_of(load(path)):
        assert "${{" not in step.get("run", ""), f"{path.name}: step {step.get('name')!r} expands an expression in run:"


def test_action_inputs_and_outputs() -> None:
    action = load(ACTION)
    assert action["runs"]["using"] == "composite"
    inputs = action["inputs"]
    assert inputs["paths"]["required"] is True
    assert {"paths", "config", "fail-on", "max-glibc", "annotations", "summary", "sarif"} <= set(inputs)
    assert {"errors", "warnings", "notes", "failed", "json", "sarif"} <= set(action["outputs"])
    # every input reaches a script, and only through env:
    used = " ".join(str(step.get("env", {})) for step in steps_of(action))
    for name in inputs:
        assert f"inputs.{name} }}}}" in used, f"input {name} is not passed to any step"
    for step in steps_of(action):
        if "run" in step:
            assert step.get("shell") == "bash"


def test_requirements_match_pyproject() -> None:
    if sys.version_info < (3, 11):
        pytest.skip("tomllib needs Python 3.11")
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = [*project["dependencies"], *project["optional-dependencies"]["github"]]
    listed = [
        line.strip()
        for line in REQUIREMENTS.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert sorted(listed) == sorted(declared)


def test_hooks_manifest_shape() -> None:
    hooks = {hook["id"]: hook for hook in load(HOOKS)}
    assert set(hooks) == {"linkguard", "linkguard-build"}
    assert hooks["linkguard"]["types"] == ["binary"]
    assert hooks["linkguard"].get("pass_filenames", True) is True
    assert hooks["linkguard-build"]["pass_filenames"] is False
    assert set(hooks["linkguard-build"]["stages"]) == {"pre-push", "manual"}


def run_tool(command: List[str]) -> subprocess.CompletedProcess:
    if shutil.which(command[0]) is None:
        pytest.skip(f"{command[0]} is not installed")
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)


def test_zizmor_reports_nothing() -> None:
    targets = [str(p.relative_to(ROOT)) for p in (ACTION, *WORKFLOWS)]
    run = run_tool(["zizmor", "--no-progress", "--persona", "auditor", *targets])
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    assert "No findings to report" in output
    assert not re.search(r"^(error|warning|help|info)\[", output, re.MULTILINE), output


def test_action_matches_the_github_actions_schema() -> None:
    run = run_tool(["check-jsonschema", "--builtin-schema", "vendor.github-actions", str(ACTION)])
    assert run.returncode == 0, run.stdout + run.stderr


def test_workflows_match_the_github_workflows_schema() -> None:
    run = run_tool(["check-jsonschema", "--builtin-schema", "vendor.github-workflows", *map(str, WORKFLOWS)])
    assert run.returncode == 0, run.stdout + run.stderr


def test_pre_commit_validates_the_manifest() -> None:
    run = run_tool(["pre-commit", "validate-manifest", str(HOOKS)])
    assert run.returncode == 0, run.stdout + run.stderr
