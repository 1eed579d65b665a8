"""docs/integrations.md's CI snippets, taken from the document and run: each linkguard command they show is
executed on fixture binaries laid out as that CI job would see them, and what it writes is validated.

Which fixture is dynamic or static comes from tests/data/elf/manifest.json (readelf truth). The snippets are
found by their `<!-- example: NAME -->` marker, parsed with a YAML/TOML parser where they are YAML/TOML (so a
broken indentation fails here), and their `linkguard` commands are split with shlex as a shell would.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest

from tests.conftest import toml
from tests.truth import require_module, require_tool
from tests.unit._ci_hostile import DYNAMIC, ELF, STATIC, truth

yaml = require_module("yaml", reason="PyYAML (the test extra) parses the snippets")
xmlschema = require_module("xmlschema", reason="xmlschema (the test extra) validates JUnit XML")
junitparser = require_module("junitparser", reason="junitparser (the test extra) reads JUnit XML")

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "integrations.md"
SCHEMAS = ROOT / "tests" / "data" / "schemas"


def example(name: str) -> Tuple[str, str]:
    """(language, body) of the fenced block after `<!-- example: name -->`."""
    text = DOC.read_text(encoding="utf-8")
    match = re.search(rf"<!-- example: {re.escape(name)} -->\n```(\w+)\n(.*?)\n```", text, re.DOTALL)
    assert match, f"no example {name!r} in {DOC.name}"
    return match.group(1), match.group(2)


def commands(script: str) -> List[List[str]]:
    """The linkguard invocations in a shell script, as argv lists (`python -m linkguard` counts too)."""
    found = []
    for line in script.splitlines():
        argv = shlex.split(line.strip())
        if argv[:1] == ["linkguard"]:
            found.append(argv[1:])
        elif len(argv) > 2 and argv[1:3] == ["-m", "linkguard"]:
            found.append(argv[3:])
    return found


def run(argv: List[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "RUNNER_"))}
    env["PYTHONPATH"] = str(ROOT / "src")
    return subprocess.run(
        [sys.executable, "-m", "linkguard", *argv], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def dist(tmp_path: Path, dynamic: bool) -> Path:
    """A build directory: a static binary, a README, and the dynamic one when asked (readelf truth)."""
    assert truth(STATIC)["linkage"] == "static" and truth(DYNAMIC)["linkage"] == "dynamic"
    (tmp_path / "dist").mkdir()
    shutil.copy(ELF / STATIC, tmp_path / "dist" / "app-static")
    (tmp_path / "dist" / "README.md").write_text("release notes\n", encoding="utf-8")
    if dynamic:
        shutil.copy(ELF / DYNAMIC, tmp_path / "dist" / "app-dynamic")
    return tmp_path


def junit_cases(path: Path) -> Dict[str, str]:
    """name -> 'failure' | 'skipped' | 'passed', as junitparser reads them; the file is valid against the XSD."""
    xmlschema.XMLSchema(str(SCHEMAS / "junit-10.xsd")).validate(str(path))
    result = {}
    for suite in junitparser.JUnitXml.fromfile(str(path)):
        for case in suite:
            kinds = [type(r).__name__.lower() for r in case.result]
            result[case.name] = kinds[0] if kinds else "passed"
    return result


def gitlab_issues(path: Path) -> List[Dict[str, Any]]:
    import jsonschema

    schema = json.loads((SCHEMAS / "gitlab-codeclimate.json").read_text(encoding="utf-8"))
    issues: List[Dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    for issue in issues:
        jsonschema.validate(issue, schema)
    return issues


# ------------------------------------------------------------------------------------------------ GitLab


@pytest.mark.parametrize("dynamic", [True, False], ids=["dynamic", "static"])
def test_gitlab_job(tmp_path: Path, dynamic: bool) -> None:
    language, body = example("gitlab")
    assert language == "yaml"
    job = yaml.safe_load(body)["linkguard"]
    reports = job["artifacts"]["reports"]
    assert job["artifacts"]["when"] == "always"
    cwd = dist(tmp_path, dynamic)
    steps = commands("\n".join(job["script"]))
    assert len(steps) == 2
    codes = [run(argv, cwd).returncode for argv in steps]
    assert codes == [0, 1 if dynamic else 0]  # the Code Quality run never fails; the JUnit run is the gate
    issues = gitlab_issues(cwd / reports["codequality"])
    assert [i["location"]["path"] for i in issues] == (["dist/app-dynamic"] if dynamic else [])
    cases = junit_cases(cwd / reports["junit"])
    assert cases["dist/app-static"] == "passed"
    assert cases["dist/README.md"] == "skipped"
    assert cases.get("dist/app-dynamic") == ("failure" if dynamic else None)


# ----------------------------------------------------------------------------------------- Azure Pipelines


@pytest.mark.parametrize("dynamic", [True, False], ids=["dynamic", "static"])
def test_azure_pipelines_steps(tmp_path: Path, dynamic: bool) -> None:
    language, body = example("azure")
    assert language == "yaml"
    steps = yaml.safe_load(body)["steps"]
    script = next(step["script"] for step in steps if "script" in step)
    publish = next(step for step in steps if step.get("task") == "PublishTestResults@2")
    assert publish["condition"] == "succeededOrFailed()"
    assert publish["inputs"]["testResultsFormat"] == "JUnit"
    cwd = dist(tmp_path, dynamic)
    (argv,) = commands(script)
    completed = run(argv, cwd)
    assert completed.returncode == (1 if dynamic else 0), completed.stderr
    cases = junit_cases(cwd / publish["inputs"]["testResultsFiles"])
    assert cases.get("dist/app-dynamic") == ("failure" if dynamic else None)


def test_azure_cannot_be_commanded_by_a_file_name(tmp_path: Path) -> None:
    """The Azure agent reads `##vso[` anywhere in its log; a published report that echoes names must not hold one."""
    _, body = example("azure")
    script = next(step["script"] for step in yaml.safe_load(body)["steps"] if "script" in step)
    cwd = dist(tmp_path, dynamic=False)
    shutil.copy(ELF / DYNAMIC, cwd / "dist" / "##vso[task.setvariable variable=X]1")
    (argv,) = commands(script)
    completed = run(argv, cwd)
    assert completed.returncode == 1
    assert "##vso[" not in (cwd / "linkguard-junit.xml").read_text(encoding="utf-8") + completed.stdout


# ------------------------------------------------------------------------------------------------ Jenkins


@pytest.mark.parametrize("dynamic", [True, False], ids=["dynamic", "static"])
def test_jenkins_stage(tmp_path: Path, dynamic: bool) -> None:
    language, body = example("jenkins")
    assert language == "groovy"
    shell = re.search(r"sh '''\n(.*?)'''", body, re.DOTALL)
    assert shell, "the stage runs its commands in one sh ''' block"
    recorded = re.search(r"junit '([^']+)'", body)
    assert recorded and "post {" in body and "always {" in body
    cwd = dist(tmp_path, dynamic)
    (argv,) = commands(shell.group(1))
    assert run(argv, cwd).returncode == (1 if dynamic else 0)
    cases = junit_cases(cwd / recorded.group(1))
    assert cases["dist/app-static"] == "passed"
    assert cases.get("dist/app-dynamic") == ("failure" if dynamic else None)


# --------------------------------------------------------------------------------------------- goreleaser


@pytest.mark.parametrize(("binary", "code"), [(DYNAMIC, 1), (STATIC, 0), ("bin/go-static", 0)])
def test_goreleaser_post_hook(tmp_path: Path, binary: str, code: int) -> None:
    _, body = example("goreleaser")
    config = yaml.safe_load(body)
    (build,) = config["builds"]
    (hook,) = build["hooks"]["post"]
    expected = {STATIC: "static", DYNAMIC: "dynamic", "bin/go-static": "static"}[binary]
    assert truth(binary)["linkage"] == expected
    # goreleaser renders the template, then splits the command as a shell would (no shell runs it)
    built = tmp_path / "dist" / "app_linux_amd64_v1" / "app"
    built.parent.mkdir(parents=True)
    shutil.copy(ELF / binary, built)
    argv = shlex.split(hook["cmd"].replace("{{ .Path }}", str(built)))
    assert argv[0] == "linkguard"
    completed = run(argv[1:], tmp_path)
    assert completed.returncode == code, completed.stdout + completed.stderr
    assert ("dynamic-link" in completed.stdout) == (code == 1)


# ---------------------------------------------------------------------------------------------- cargo-dist


def distrib(tmp_path: Path, gnu_dynamic: bool) -> Path:
    """target/distrib/ as cargo-dist's download step leaves it: per-target .tar.xz archives, checksums, manifests."""
    out = tmp_path / "target" / "distrib"
    out.mkdir(parents=True)
    targets = {"x86_64-unknown-linux-musl": STATIC, "x86_64-unknown-linux-gnu": DYNAMIC if gnu_dynamic else STATIC}
    for target, binary in targets.items():
        archive = out / f"app-{target}.tar.xz"
        with tarfile.open(archive, "w:xz") as tar:
            tar.add(ELF / binary, arcname=f"app-{target}/app")
        (out / f"app-{target}.tar.xz.sha256").write_text("0" * 64 + f"  app-{target}.tar.xz\n", encoding="utf-8")
    (out / "dist-manifest.json").write_text("{}\n", encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("gnu_dynamic", [True, False], ids=["dynamic", "static"])
def test_cargo_dist_custom_job(tmp_path: Path, gnu_dynamic: bool) -> None:
    tomllib = toml()
    _, config = example("cargo-dist-config")
    jobs = tomllib.loads(config)["dist"]["build-global-artifacts-jobs"]
    _, body = example("cargo-dist")
    workflow = yaml.safe_load(body)
    assert jobs == ["./linkguard"]  # .github/workflows/linkguard.yml, as the text says
    assert workflow[True]["workflow_call"]["inputs"]["plan"]["required"] is True  # YAML 1.1 reads `on` as True
    steps = workflow["jobs"]["linkguard"]["steps"]
    download = next(s for s in steps if str(s.get("uses", "")).startswith("actions/download-artifact@"))
    assert download["with"]["path"] == "target/distrib/"
    script = next(s["run"] for s in steps if "run" in s)
    cwd = distrib(tmp_path, gnu_dynamic)
    (argv,) = commands(script)
    completed = run(argv, cwd)
    assert completed.returncode == (1 if gnu_dynamic else 0), completed.stdout + completed.stderr
    member = "target/distrib/app-x86_64-unknown-linux-gnu.tar.xz!app-x86_64-unknown-linux-gnu/app"
    assert (f"{member}  dynamic" in completed.stdout) == gnu_dynamic


# ------------------------------------------------------------------------------------ policy from the base branch


def git(cwd: Path, *args: str) -> str:
    completed = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "init.defaultBranch=main", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
    )
    return completed.stdout


def test_policy_from_the_base_branch(tmp_path: Path) -> None:
    """A pull request that allows its own dynamic binary passes with its config and fails with the base's."""
    require_tool("git", "run the base-branch policy recipe in a real repository")
    require_tool("bash", "run the recipe's shell step")
    _, body = example("base-policy")
    steps = yaml.safe_load(body)["jobs"]["gate"]["steps"]
    checkout = next(s for s in steps if str(s.get("uses", "")).startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 0 and checkout["with"]["persist-credentials"] is False
    take = next(s for s in steps if "git show" in s.get("run", ""))
    gate = next(s for s in steps if str(s.get("uses", "")).startswith("linkguard/linkguard@"))
    # a repository whose base branch forbids dynamic binaries and a pull request that allows its own
    origin = tmp_path / "origin.git"
    work = tmp_path / "work"
    git(tmp_path, "init", "-q", "--bare", str(origin))
    git(tmp_path, "clone", "-q", str(origin), str(work))
    (work / "linkguard.toml").write_text('fail-on = "error"\n', encoding="utf-8")
    git(work, "add", ".")
    git(work, "commit", "-q", "-m", "policy")
    git(work, "push", "-q", "origin", "HEAD:main")
    git(work, "checkout", "-q", "-b", "pr")
    (work / "linkguard.toml").write_text(
        'fail-on = "error"\n[[allow]]\npaths = ["dist/app-dynamic"]\nreason = "trust me"\n', encoding="utf-8"
    )
    git(work, "commit", "-q", "-am", "allow my dynamic binary")
    dist(work, dynamic=True)
    runner_temp = tmp_path / "runner-temp"
    runner_temp.mkdir()
    env = {"PATH": os.environ["PATH"], "BASE_REF": "main", "RUNNER_TEMP": str(runner_temp), "HOME": str(tmp_path)}
    taken = subprocess.run(["bash", "-e", "-c", take["run"]], cwd=work, env=env, capture_output=True, text=True)
    assert taken.returncode == 0, taken.stderr
    config = gate["with"]["config"].replace("${{ runner.temp }}", str(runner_temp))
    paths = gate["with"]["paths"].split()
    assert run(paths, work).returncode == 0  # the pull request's own policy lets its binary through
    with_base = run(["--config", config, *paths], work)
    assert with_base.returncode == 1, with_base.stdout  # the base branch's policy does not
    assert "dist/app-dynamic  dynamic" in with_base.stdout
