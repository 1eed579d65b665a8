"""The --only-branches decision: which source wins, ref spelling, and the git fallback in a real repository."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from linkguard.branches import current_branch, decide, short_name
from tests.truth import require_tool


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"PRE_COMMIT_REMOTE_BRANCH": "refs/heads/release/1.0", "GITHUB_REF": "refs/heads/main"}, "release/1.0"),
        ({"GITHUB_BASE_REF": "release/2", "GITHUB_REF": "refs/pull/7/merge"}, "release/2"),
        ({"GITHUB_BASE_REF": "", "GITHUB_REF": "refs/heads/main"}, "main"),
        ({"GITHUB_REF": "refs/tags/v1.2"}, "refs/tags/v1.2"),
    ],
)
def test_environment_sources_in_order(env: dict, expected: str) -> None:
    branch = current_branch(env, cwd="/")
    assert branch is not None and branch.name == expected


def test_short_name() -> None:
    assert short_name("refs/heads/a/b") == "a/b"
    assert short_name("main") == "main"


def test_decision_lines() -> None:
    skip = decide("^release/", {"GITHUB_REF": "refs/heads/feature/x"})
    assert not skip.run
    assert skip.reason == "skipped: branch 'feature/x' (from GITHUB_REF) does not match --only-branches '^release/'"
    assert decide("^release/", {"PRE_COMMIT_REMOTE_BRANCH": "refs/heads/release/3"}).run
    assert decide("main|release", {"GITHUB_REF": "refs/heads/old-release-notes"}).run  # re.search semantics


def test_invalid_pattern() -> None:
    with pytest.raises(ValueError, match="invalid regular expression"):
        decide("(", {"GITHUB_REF": "refs/heads/main"})


def test_git_fallback_and_detached_head(tmp_path: Path) -> None:
    require_tool("git", "read the branch from a real repository")

    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(tmp_path), *args], check=True, capture_output=True)

    git("init", "-q", "-b", "release/9")
    git("-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-q", "--allow-empty", "-m", "x")
    branch = current_branch({}, cwd=str(tmp_path))
    assert branch is not None and (branch.name, branch.source) == ("release/9", "git")
    assert not decide("^main$", {}, cwd=str(tmp_path)).run
    git("checkout", "-q", "--detach")
    assert current_branch({}, cwd=str(tmp_path)) is None
    assert decide("^main$", {}, cwd=str(tmp_path)).run  # nothing to decide from: check anyway


def test_outside_a_repository(tmp_path: Path) -> None:
    assert current_branch({}, cwd=str(tmp_path)) is None
