"""runs.json re-checked: every probe run again inside every root with chroot gives the recorded status and line.

This is the truth the --target acceptance tests compare linkguard with; it needs root (chroot(2), mounting /proc).
A host that cannot do either skips with the reason; under LINKGUARD_REQUIRE_TOOLS=1 (CI, as root) that fails.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

import pytest

from tests.roots import TARGETS, _builder, image_runs, root, runs
from tests.truth import load_module, missing

RUNS = runs()


def _can_chroot() -> None:
    if os.geteuid() != 0:
        missing("not root: cannot chroot into the target roots to re-run the probes")
    probe = subprocess.run(["mount", "-t", "proc", "proc", "/nonexistent-linkguard"], capture_output=True, text=True)
    if "permission denied" in probe.stderr.lower() or "operation not permitted" in probe.stderr.lower():
        missing(f"cannot mount /proc here ({probe.stderr.strip()}): glibc needs it for $ORIGIN")


@pytest.mark.parametrize("name", sorted(RUNS))
def test_probes_run_in_the_root_as_recorded(name: str) -> None:
    _can_chroot()
    base = root(name)
    builder = _builder()
    for probe, recorded in sorted(RUNS[name]["runs"].items()):
        status, line = builder.run_in(base, probe)
        assert (status, line) == (recorded["status"], recorded["stderr"]), probe


def test_the_probes_are_the_committed_ones() -> None:
    """payload.sha256 (written by build_probes.sh) matches the files the runs were recorded with."""
    for row in (TARGETS / "payload.sha256").read_text().splitlines():
        digest, relative = row.split(maxsplit=1)
        assert hashlib.sha256((TARGETS / relative).read_bytes()).hexdigest() == digest, relative


def test_every_probe_was_recorded_in_every_root() -> None:
    probes = {"/" + str(p.relative_to(TARGETS / "payload")) for p in _builder().PAYLOAD.rglob("*") if _is_probe(p)}
    for name, data in RUNS.items():
        assert set(data["runs"]) == probes, name


def _is_probe(path: Path) -> bool:
    return path.is_file() and not path.is_symlink() and os.access(path, os.X_OK) and ".so" not in path.name


@pytest.mark.parametrize("name", sorted(image_runs()))
def test_probes_run_in_each_image_as_recorded(name: str) -> None:
    """image-runs.json re-checked: the image's filesystem materialised again, every probe run with its Env."""
    _can_chroot()
    images = load_module("linkguard_test_images", TARGETS / "images.py")
    root(images.IMAGES[name][0])
    tree = images.final_tree(name)
    recorded = image_runs()[name]
    env = dict(item.split("=", 1) for item in recorded["config"].get("Env", []))
    try:
        for probe, run in sorted(recorded["runs"].items()):
            assert images.roots.run_in(tree, probe, env) == (run["status"], run["stderr"]), probe
    finally:
        import shutil

        shutil.rmtree(tree)
