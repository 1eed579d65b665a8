"""action.yml, the workflows and the pre-commit manifest: shape, injection rules, and the linters that judge them.

zizmor, check-jsonschema and pre-commit run when installed (each test says so when skipped).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest

from tests.conftest import toml
from tests.truth import require_module, require_tool

ROOT = Path(__file__).resolve().parents[2]
ACTION = ROOT / "action.yml"
WORKFLOWS = [*sorted((ROOT / ".github" / "workflows").glob("*.yml")), ROOT / "tests" / "data" / "action" / "gate.yml"]
HOOKS = ROOT / ".pre-commit-hooks.yaml"
LOCK = ROOT / ".github" / "action-requirements.lock"

yaml = require_module("yaml", reason="PyYAML (installed with pre-commit) reads the action files")


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
    assert {
        "paths",
        "config",
        "fail-on",
        "max-glibc",
        "max-windows",
        "max-macos",
        "args",
        "annotations",
        "summary",
        "sarif",
        "sarif-category",
    } <= set(inputs)
    outputs = {"errors", "warnings", "notes", "artifacts", "skipped", "failed", "json", "sarif", "exit-code"}
    assert outputs <= set(action["outputs"])
    # every input reaches a script, and only through env:
    used = " ".join(str(step.get("env", {})) for step in steps_of(action))
    for name in inputs:
        assert f"inputs.{name} }}}}" in used, f"input {name} is not passed to any step"
    steps = list(steps_of(action))
    assert steps[0]["shell"] == "sh", "the first step checks the runner with POSIX sh (bash may be missing)"
    for step in steps[1:]:
        if "run" in step:
            assert step.get("shell") == "bash"


def test_fail_on_input_accepts_what_the_cli_accepts() -> None:
    from linkguard.cli import build_parser

    choices = next(a.choices for a in build_parser()._actions if a.dest == "fail_on")
    description = load(ACTION)["inputs"]["fail-on"]["description"]
    check = step(load(ACTION), "check")["run"]
    for level in choices:
        assert level in description
        assert re.search(rf"\b{level}\b", check.split("input 'fail-on' must be")[0]), level


def test_step_outputs_written_by_the_cli_are_declared() -> None:
    """Every name the github reporter and the branch filter write to $GITHUB_OUTPUT is an action output."""
    from linkguard.report.github import step_outputs
    from tests.unit._report_samples import mixed_report

    declared = set(load(ACTION)["outputs"])
    assert set(step_outputs(mixed_report())) <= declared
    assert "skipped" in declared  # written by cli._branch_selected when --only-branches rules a run out


def step(document: Dict[str, Any], step_id: str) -> Dict[str, Any]:
    (found,) = [s for s in steps_of(document) if s.get("id") == step_id]
    return found


# ------------------------------------------------------------------------------------------- the lock


def lock_entries() -> List[Dict[str, Any]]:
    """{name, version, marker, hashes} per pin in the lock file (pip's requirements syntax, continuation lines)."""
    text = LOCK.read_text(encoding="utf-8").replace("\\\n", " ")
    entries: List[Dict[str, Any]] = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        match = re.match(r"^([A-Za-z0-9_.-]+)==([^ ;]+)\s*(?:;\s*(.*?))?\s*((?:--hash=sha256:[0-9a-f]{64}\s*)+)$", line)
        assert match, f"not an exact, hashed pin: {line}"
        name, version, marker, hashes = match.groups()
        entries.append(
            {
                "name": name.lower(),
                "version": version,
                "marker": (marker or "").strip(),
                "hashes": re.findall(r"sha256:([0-9a-f]{64})", hashes),
            }
        )
    return entries


SUPPORTED_PYTHONS = [f"3.{minor}" for minor in range(9, 16)]


def test_lock_pins_exactly_what_pyproject_declares() -> None:
    """Same packages; every pin inside pyproject's range; for each Python, one pin exactly where pyproject needs one."""
    tomllib = toml()
    from packaging.markers import Marker
    from packaging.requirements import Requirement

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = [Requirement(r) for r in (*project["dependencies"], *project["optional-dependencies"]["github"])]
    entries = lock_entries()
    assert sorted({e["name"] for e in entries}) == sorted(r.name.lower() for r in declared)
    for requirement in declared:
        pins = [e for e in entries if e["name"] == requirement.name.lower()]
        for pin in pins:
            assert requirement.specifier.contains(pin["version"]), f"{requirement}: lock pins {pin['version']}"
            assert pin["hashes"], requirement.name
        for python in SUPPORTED_PYTHONS:
            environment = {"python_version": python, "python_full_version": python + ".0"}
            needed = requirement.marker is None or requirement.marker.evaluate(environment)
            applying = [p for p in pins if not p["marker"] or Marker(p["marker"]).evaluate(environment)]
            assert len(applying) == (1 if needed else 0), f"{requirement.name} on Python {python}: {applying}"


def test_action_installs_from_the_lock_without_builds() -> None:
    install = step(load(ACTION), "install")["run"]
    assert ".github/action-requirements.lock" in install
    for flag in ("--require-hashes", "--only-binary=:all:", "--no-deps"):
        assert flag in install
    assert "linkguard-action.pth" in install  # linkguard itself: the checkout's src/, nothing built


def test_hooks_manifest_shape() -> None:
    hooks = {hook["id"]: hook for hook in load(HOOKS)}
    assert set(hooks) == {"linkguard", "linkguard-build"}
    assert hooks["linkguard"]["types"] == ["binary"]
    assert hooks["linkguard"].get("pass_filenames", True) is True
    assert hooks["linkguard-build"]["pass_filenames"] is False
    assert set(hooks["linkguard-build"]["stages"]) == {"pre-push", "manual"}
    # not on pre-push: with default_install_hook_types [pre-commit, pre-push] it would run on every push
    assert set(hooks["linkguard"]["stages"]) == {"pre-commit", "pre-merge-commit", "manual"}
    assert hooks["linkguard-build"]["verbose"] is True  # the --only-branches skip line is shown, not hidden
    for hook in hooks.values():  # linkguard forks its own workers: pre-commit must not run batches in parallel
        assert hook["require_serial"] is True


def run_tool(command: List[str]) -> subprocess.CompletedProcess:
    require_tool(command[0], "check the workflow files (.ci/run installs zizmor and check-jsonschema)")
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
