"""The pre-commit hooks run by pre-commit itself: `pre-commit try-repo` in a scratch git repository.

try-repo installs the hook repository with pip into its own environment (a package registry must be reachable
for pyelftools; the first call costs ~10-25 s, later ones reuse the environment). It is pointed at a clone of
this repository's HEAD, which is what a `.pre-commit-config.yaml` with `rev:` gets: uncommitted changes are not
seen (try-repo would copy tracked edits but not new files, so a half-committed tree gives confusing results).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Dict, List

import pytest

from tests.truth import missing, require_tool

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / "tests" / "data" / "elf" / "bin"
GOOD = BIN / "musl-gcc-static"
BAD = BIN / "gcc-glibc-dynamic-libm"


@pytest.fixture(autouse=True, scope="module")
def _real_clients() -> None:
    """pre-commit (the dev extra) and git run for real; a source tree without .git cannot be tried."""
    require_tool("pre-commit", "run the hooks (the dev extra installs it)")
    require_tool("git", "give pre-commit a repository")
    if not (ROOT / ".git").exists():
        missing("try-repo needs this repository's git checkout (a source tree without .git)")


def git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, str]:
    home = tmp_path_factory.mktemp("pre-commit-home")
    values = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "PRE_COMMIT"))}
    values["PRE_COMMIT_HOME"] = str(home)
    values["PRE_COMMIT_COLOR"] = "never"
    return values


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    clone = tmp_path_factory.mktemp("hook-repo") / "linkguard"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True, capture_output=True)
    return clone


@pytest.fixture
def project(tmp_path: Path) -> Path:
    repo = tmp_path / "project"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    shutil.copy(GOOD, repo / "good-static")
    shutil.copy(BAD, repo / "bad-dynamic")
    (repo / "README.md").write_text("not a binary\n", encoding="utf-8")
    (repo / "dist").mkdir()
    shutil.copy(GOOD, repo / "dist" / "tool")
    git(repo, "add", ".")
    return repo


def try_repo(hook_repo: Path, project: Path, env: Dict[str, str], hook: str, *args: str) -> subprocess.CompletedProcess:
    command: List[str] = ["pre-commit", "try-repo", str(hook_repo), hook, *args]
    return subprocess.run(command, cwd=project, env=env, capture_output=True, text=True, timeout=900, check=False)


def test_committed_binary_hook_passes_on_static_binaries(hook_repo: Path, project: Path, env: Dict[str, str]) -> None:
    run = try_repo(hook_repo, project, env, "linkguard", "--files", "good-static", "README.md")
    assert run.returncode == 0, run.stdout + run.stderr
    assert re.search(r"^linkguard \(committed binaries\)\.+Passed$", run.stdout, re.MULTILINE), run.stdout


def test_committed_binary_hook_fails_on_a_dynamic_binary(hook_repo: Path, project: Path, env: Dict[str, str]) -> None:
    run = try_repo(hook_repo, project, env, "linkguard", "--files", "bad-dynamic", "good-static", "README.md")
    assert run.returncode == 1, run.stdout + run.stderr
    assert re.search(r"^linkguard \(committed binaries\)\.+Failed$", run.stdout, re.MULTILINE), run.stdout
    assert "bad-dynamic  dynamic x86_64/64" in run.stdout
    assert re.search(
        r"error LG101 dynamic-link \[[a-z-]+\]: needs 2 shared libraries \(libm\.so\.6, libc\.so\.6\)", run.stdout
    )
    assert "good-static" not in run.stdout  # --quiet: only artifacts with findings
    assert "README.md" not in run.stdout.split("Failed", 1)[1]  # types: [binary] kept the text file out


def test_build_output_hook_checks_its_directory(hook_repo: Path, project: Path, env: Dict[str, str]) -> None:
    """Through `pre-commit run` and a config with rev: (try-repo would reinstall the environment per call)."""
    rev = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=hook_repo, check=True, capture_output=True, text=True
    ).stdout.strip()
    config = project / ".pre-commit-config.yaml"
    config.write_text(
        f"repos:\n  - repo: {hook_repo.as_posix()}\n    rev: {rev}\n    hooks:\n      - id: linkguard-build\n",
        encoding="utf-8",
    )
    git(project, "add", ".pre-commit-config.yaml")
    command = ["pre-commit", "run", "linkguard-build", "--hook-stage", "manual", "--all-files"]
    passing = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True, timeout=900, check=False)
    assert passing.returncode == 0, passing.stdout + passing.stderr
    assert re.search(r"^linkguard \(build outputs\)\.+Passed$", passing.stdout, re.MULTILINE), passing.stdout
    shutil.copy(BAD, project / "dist" / "tool-dynamic")
    failing = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True, timeout=900, check=False)
    assert failing.returncode == 1, failing.stdout + failing.stderr
    assert "dist/tool-dynamic  dynamic x86_64/64" in failing.stdout
    # not run at commit time: the hook is for pre-push and manual stages
    at_commit = subprocess.run(
        ["pre-commit", "run", "linkguard-build", "--all-files"],
        cwd=project, env=env, capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    assert at_commit.returncode == 1 and "No hook with id `linkguard-build` in stage `pre-commit`" in at_commit.stdout


def tagged_clone(tmp_path: Path, floating_annotated: bool) -> Path:
    """A clone of HEAD tagged as docs/integrations.md prescribes: annotated v0.2.0 and a moving v0 on HEAD."""
    clone = tmp_path / "released"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True, capture_output=True)
    git(clone, "tag", "-a", "v0.2.0", "-m", "release v0.2.0")
    if floating_annotated:
        git(clone, "tag", "-a", "v0", "-m", "moving major tag")
    else:
        git(clone, "tag", "v0")  # lightweight
    return clone


@pytest.mark.parametrize(("floating_annotated", "expected"), [(False, "v0.2.0"), (True, "v0")])
def test_autoupdate_moves_to_the_version_not_the_moving_tag(
    tmp_path: Path, project: Path, env: Dict[str, str], floating_annotated: bool, expected: str
) -> None:
    """The release scheme (lightweight v0) keeps `pre-commit autoupdate` on exact versions; an annotated moving
    tag would be chosen instead, the trap of pre-commit #3052/#3521 (the second case shows the test can fail)."""
    clone = tagged_clone(tmp_path, floating_annotated)
    old = subprocess.run(
        ["git", "rev-parse", "HEAD~1"], cwd=clone, check=True, capture_output=True, text=True
    ).stdout.strip()
    config = project / ".pre-commit-config.yaml"
    config.write_text(
        f"repos:\n  - repo: {clone.as_posix()}\n    rev: {old}\n    hooks:\n      - id: linkguard\n",
        encoding="utf-8",
    )
    run = subprocess.run(
        ["pre-commit", "autoupdate"], cwd=project, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"rev: {expected}\n" in config.read_text(encoding="utf-8"), run.stdout


def test_hooks_run_serially(hook_repo: Path) -> None:
    """require_serial as pre-commit reads it from the manifest at the hook repository's HEAD."""
    from pre_commit.clientlib import load_manifest

    for hook in load_manifest(str(hook_repo / ".pre-commit-hooks.yaml")):
        assert hook["require_serial"] is True, hook["id"]


# ------------------------------------------------------------------ docs/integrations.md's configuration, installed


def documented_config(hook_repo: Path) -> str:
    """The `<!-- example: pre-commit -->` block, pointed at the clone of HEAD (in place of the URL and the SHA)."""
    text = (ROOT / "docs" / "integrations.md").read_text(encoding="utf-8")
    match = re.search(r"<!-- example: pre-commit -->\n```yaml\n(.*?)\n```", text, re.DOTALL)
    assert match, "no pre-commit example in docs/integrations.md"
    config = match.group(1)
    rev = subprocess.run(["git", "rev-parse", "HEAD"], cwd=hook_repo, check=True, capture_output=True, text=True)
    for remote, local in [("https://github.com/linkguard/linkguard", hook_repo.as_posix()), ("<commit SHA>", "")]:
        assert remote in config
        config = config.replace(remote, local or rev.stdout.strip())
    assert "default_install_hook_types: [pre-commit, pre-push]" in config
    return config


def run_git(cwd: Path, env: Dict[str, str], *args: str) -> subprocess.CompletedProcess:
    command = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=900, check=False)


@pytest.fixture
def installed_project(tmp_path: Path, hook_repo: Path, env: Dict[str, str]) -> Path:
    """A repository with the documented configuration installed (`pre-commit install`), a static binary committed,
    a dynamic one in the ignored dist/, and a bare remote to push to."""
    remote = tmp_path / "remote.git"
    repo = tmp_path / "work"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True, capture_output=True)
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "remote", "add", "origin", str(remote))
    (repo / ".pre-commit-config.yaml").write_text(documented_config(hook_repo), encoding="utf-8")
    (repo / ".gitignore").write_text("dist/\n", encoding="utf-8")
    shutil.copy(GOOD, repo / "good-static")
    (repo / "dist").mkdir()
    shutil.copy(BAD, repo / "dist" / "tool-dynamic")
    installed = subprocess.run(["pre-commit", "install"], cwd=repo, env=env, capture_output=True, text=True)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    assert "pre-commit installed at .git/hooks/pre-commit" in installed.stdout
    assert "pre-commit installed at .git/hooks/pre-push" in installed.stdout
    git(repo, "add", ".")
    committed = run_git(repo, env, "commit", "-q", "-m", "a static binary")
    assert committed.returncode == 0, committed.stdout + committed.stderr
    shown = committed.stdout + committed.stderr  # git hands the hook's output to stderr
    assert re.search(r"^linkguard \(committed binaries\)\.+Passed$", shown, re.MULTILINE), shown
    return repo


def test_a_feature_branch_push_passes_and_says_why(installed_project: Path, env: Dict[str, str]) -> None:
    """--only-branches rules the push out: it goes through, the skip line is shown (verbose), and the committed-
    binary hook does not run again at push time (its stages leave pre-push out)."""
    git(installed_project, "checkout", "-q", "-b", "feature/x")
    pushed = run_git(installed_project, env, "push", "-q", "origin", "feature/x")
    output = pushed.stdout + pushed.stderr
    assert pushed.returncode == 0, output
    assert re.search(r"^linkguard \(build outputs\)\.+Passed$", output, re.MULTILINE), output
    assert "linkguard: skipped: branch 'feature/x'" in output and "does not match --only-branches '^release/'" in output
    assert "linkguard (committed binaries)" not in output


def test_a_release_branch_push_is_blocked(installed_project: Path, env: Dict[str, str]) -> None:
    pushed = run_git(installed_project, env, "push", "-q", "origin", "HEAD:release/1")
    output = pushed.stdout + pushed.stderr
    assert pushed.returncode != 0, output
    assert re.search(r"^linkguard \(build outputs\)\.+Failed$", output, re.MULTILINE), output
    assert "dist/tool-dynamic  dynamic x86_64/64" in output
    assert "linkguard (committed binaries)" not in output
