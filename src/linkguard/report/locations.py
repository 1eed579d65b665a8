"""Where an artifact is, as CI systems want it: relative to the workspace, with `/` separators.

A module of its own so that every reporter (SARIF, GitLab, JUnit, GitHub annotations) can place an artifact
without importing another reporter.
"""

from __future__ import annotations

import os
import posixpath
from typing import Optional


def workspace_path(location: str, workspace: Optional[str]) -> str:
    """`location` relative to `workspace` with `/` separators; unchanged (normalized) when it lies outside."""
    path = location.replace(os.sep, "/")
    if workspace:
        absolute = os.path.abspath(location)
        root = os.path.abspath(workspace)
        if absolute == root or absolute.startswith(root.rstrip(os.sep) + os.sep):
            path = os.path.relpath(absolute, root).replace(os.sep, "/")
    return posixpath.normpath(path) if path else path


def member_of(display_path: str) -> Optional[str]:
    """The archive member part of a display path (`dist/a.tar.gz!bin/app` -> `bin/app`), or None."""
    return display_path.split("!", 1)[1] if "!" in display_path else None
