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


def test_auditwheel_says_what_auditwheel_runs_json_recorded() -> None:
    """The manylinux truth re-checked: `auditwheel show` on a wheel of each probe gives the recorded tag."""
    import json

    from tests.truth import require_tool

    require_tool("auditwheel", "re-check the recorded auditwheel tags of the probes")
    policy_bases = load_module("linkguard_test_policy_bases", TARGETS / "policy_bases.py")
    recorded = json.loads((TARGETS / "auditwheel-runs.json").read_text())["tags"]
    for probe, tag in sorted(recorded.items()):
        assert policy_bases.auditwheel_tag(TARGETS / "payload" / probe.lstrip("/")) == tag, probe


def test_the_policy_bases_are_generated_from_the_installed_auditwheel() -> None:
    """src/linkguard/data/bases/manylinux_*.json equal what policy_bases.py makes from auditwheel's policy files."""
    import importlib.util
    import json

    if importlib.util.find_spec("auditwheel") is None:
        missing("auditwheel is not installed: cannot regenerate the manylinux bases to compare")
    from importlib.metadata import version

    bases = Path(__file__).resolve().parents[2] / "src" / "linkguard" / "data" / "bases"
    recorded = json.loads((bases / "manylinux_2_28.json").read_text())["source"]["policy"]
    if not recorded.startswith(f"auditwheel {version('auditwheel')} "):
        missing(f"the bases were generated from {recorded.split(' manylinux')[0]}, not the installed auditwheel")
    policy_bases = load_module("linkguard_test_policy_bases", TARGETS / "policy_bases.py")
    import auditwheel

    policies = json.loads((Path(auditwheel.__file__).parent / "policy" / "manylinux-policy.json").read_text())
    policy = next(p for p in policies if p["name"] == "manylinux_2_28")
    fresh = policy_bases.manylinux(policy, "x86_64", recorded)
    stored = json.loads((bases / "manylinux_2_28.json").read_text())
    assert {k: stored[k] for k in fresh} == fresh
