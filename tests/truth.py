"""Helpers shared by the manifest-truth tests: they re-run independent tools and never import linkguard."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path
from types import ModuleType
from typing import Any, Dict

import pytest

# The readelf-derived facts every fixture manifest records and the truth tests re-check.
READELF_KEYS = (
    "class",
    "data",
    "readelf_machine",
    "type",
    "segments",
    "interpreter",
    "has_dynamic",
    "needed",
    "soname",
    "rpath",
    "runpath",
    "flags_1_pie",
    "version_needs",
    "max_versions",
    "linkage",
)


def load_module(name: str, path: Path) -> ModuleType:
    """A fixture set's own Python helper (e.g. tests/data/upx/elffacts.py), loaded by path."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def need(tool: str) -> None:
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} is not installed: cannot re-check the manifest's {tool} truth")


def fixture_path(base: Path, fixture: Dict[str, Any], build_script: str) -> Path:
    path = base / fixture["file"]
    if not path.exists():
        pytest.skip(f"fixture binary {fixture['file']} is missing (run {build_script})")
    return path
