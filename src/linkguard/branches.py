"""The branch filter behind `--only-branches`: which branch is this run for, and does the pattern select it?

Sources, first that is set wins: PRE_COMMIT_REMOTE_BRANCH (the ref a pre-push hook is pushing to),
GITHUB_BASE_REF (a pull request's target branch), GITHUB_REF (the pushed branch or tag), then the branch checked
out in the current directory. `refs/heads/` is stripped; tags stay `refs/tags/NAME` so a pattern can tell them
apart. When no branch can be found (detached HEAD outside CI) the check runs: skipping must be a decision.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from typing import Mapping, Optional

ENV_SOURCES = ("PRE_COMMIT_REMOTE_BRANCH", "GITHUB_BASE_REF", "GITHUB_REF")


@dataclass(frozen=True)
class Branch:
    name: str
    source: str  # the environment variable, or "git"


@dataclass(frozen=True)
class BranchDecision:
    run: bool
    reason: str


def short_name(ref: str) -> str:
    return ref[len("refs/heads/") :] if ref.startswith("refs/heads/") else ref


def git_branch(cwd: Optional[str] = None) -> Optional[str]:
    """The checked-out branch, or None when detached, outside a repository, or git is missing."""
    try:
        completed = subprocess.run(
            ["git", "symbolic-ref", "--quiet", "--short", "HEAD"],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    name = completed.stdout.strip()
    return name if completed.returncode == 0 and name else None


def current_branch(env: Mapping[str, str], cwd: Optional[str] = None) -> Optional[Branch]:
    for variable in ENV_SOURCES:
        value = env.get(variable, "").strip()
        if value:
            return Branch(short_name(value), variable)
    name = git_branch(cwd)
    return Branch(name, "git") if name else None


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """The pattern as a regular expression; ValueError with the reason when it is not one."""
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"--only-branches: invalid regular expression {pattern!r}: {exc}") from exc


def decide(pattern: str, env: Mapping[str, str], cwd: Optional[str] = None) -> BranchDecision:
    """Whether to run under `pattern` (searched anywhere in the branch name, like pre-commit's `files`)."""
    regex = compile_pattern(pattern)
    branch = current_branch(env, cwd)
    if branch is None:
        return BranchDecision(True, "no branch found (detached HEAD?); checking anyway")
    if regex.search(branch.name):
        return BranchDecision(True, f"branch {branch.name!r} (from {branch.source}) matches {pattern!r}")
    return BranchDecision(
        False, f"skipped: branch {branch.name!r} (from {branch.source}) does not match --only-branches {pattern!r}"
    )
