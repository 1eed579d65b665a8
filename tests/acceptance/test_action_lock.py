"""The action's lock file installed for real, with the action's own pip flags, into fresh environments.

pip fetches the pinned wheels from the package index the host pip is configured for (a registry or a mirror must
be reachable; otherwise these tests skip, or fail under LINKGUARD_REQUIRE_TOOLS=1). The running Python installs the
lock; so does a 3.9 where pyenv or the host has one. On every host, the pins that Pythons 3.9 to 3.13 select (by the
lock's own markers) are downloaded for that version with their hashes checked, so the 3.9-only pins (pyelftools
0.32, tomli) are exercised without a 3.9 interpreter.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path
from typing import List

import pytest

from tests.truth import missing

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / ".github" / "action-requirements.lock"
PIP_FLAGS = ["--require-hashes", "--only-binary=:all:", "--no-deps", "--no-input", "--disable-pip-version-check"]
# Declared by actions-toolkit but never imported by linkguard (it uses actions_toolkit.command only).
UNUSED_TRANSITIVE = {"pygithub", "requests"}


def pythons() -> List[str]:
    found = [sys.executable]
    pyenv = sorted(Path(os.path.expanduser("~/.pyenv/versions")).glob("3.9.*/bin/python3.9"))
    for candidate in [*map(str, pyenv), "/usr/bin/python3.9"]:
        if os.path.exists(candidate):
            found.append(candidate)
            break
    return found


def _offline(run: subprocess.CompletedProcess) -> None:
    """missing() when pip failed because no package index answered (not for a hash mismatch or a missing wheel)."""
    offline = ("NewConnectionError", "Max retries exceeded", "Temporary failure in name resolution", "Network is")
    if run.returncode != 0 and any(marker in run.stderr for marker in offline):
        missing(f"cannot reach a package index for the locked wheels: {run.stderr.strip()[-300:]}")


def install(python: str, target: Path) -> Path:
    subprocess.run([python, "-m", "venv", "--without-pip", str(target)], check=True, capture_output=True)
    venv_python = target / "bin" / "python"
    site = subprocess.run(
        [str(venv_python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    Path(site, "linkguard-action.pth").write_text(str(ROOT / "src") + "\n", encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(venv_python), "install", *PIP_FLAGS, "-r", str(LOCK)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    _offline(run)
    assert run.returncode == 0, run.stderr  # a hash mismatch or a missing wheel fails here
    return venv_python


@pytest.mark.parametrize("python", pythons(), ids=lambda p: Path(p).name)
def test_lock_installs_and_linkguard_runs(python: str, tmp_path: Path) -> None:
    venv_python = install(python, tmp_path / "env")
    probe = (
        "import importlib.metadata as md, sys, json\n"
        "import elftools, actions_toolkit.command, linkguard\n"
        "from linkguard.report.github import command_formatter\n"
        "from linkguard.inputs import inflate\n"
        "dists = {d.metadata['Name'].lower(): [r for r in (d.requires or [])] for d in md.distributions()}\n"
        "print(json.dumps({'formatter': command_formatter().__name__, 'linkguard': linkguard.__file__,"
        " 'dists': dists, 'tomllib': sys.version_info >= (3, 11), 'inflate': inflate.backend}))\n"
    )
    import json

    result = json.loads(
        subprocess.run([str(venv_python), "-c", probe], check=True, capture_output=True, text=True).stdout
    )
    assert result["formatter"] == "_toolkit_command"
    assert result["linkguard"].startswith(str(ROOT / "src"))
    # linkguard itself comes from the checkout (asserted above); a development install leaves its egg-info in src/
    installed = {name for name in result["dists"] if name not in ("pip", "setuptools", "linkguard-static")}
    expected = {"pyelftools", "actions-toolkit", "zlib-ng"} | (set() if result["tomllib"] else {"tomli"})
    assert result["inflate"] == "zlib-ng"  # the locked wheel imports: gzip and zip members inflate through it
    assert installed == expected
    # every declared dependency of what was installed is either installed too or known to be unused
    for name, requires in result["dists"].items():
        if name == "linkguard-static":
            continue  # its requirements are the lock's subject, checked against pyproject in test_action_files.py
        for requirement in requires:
            if "extra ==" in requirement:
                continue
            dependency = requirement.split(";")[0].split("[")[0]
            for separator in "<>=!~ (":
                dependency = dependency.split(separator)[0]
            assert dependency.lower() in installed | UNUSED_TRANSITIVE, f"{name} needs {requirement}"
    version = subprocess.run([str(venv_python), "-m", "linkguard", "--version"], capture_output=True, text=True)
    assert version.returncode == 0 and version.stdout.startswith("linkguard ")


def test_a_tampered_hash_is_refused(tmp_path: Path) -> None:
    lock = tmp_path / "lock.txt"
    text = LOCK.read_text(encoding="utf-8")
    tampered = text.replace("sha256:f215", "sha256:0215").replace("sha256:013d", "sha256:113d")
    assert tampered.count("sha256:0215") == 1 and tampered.count("sha256:113d") == 1, "the pyelftools hashes changed"
    lock.write_text(tampered, encoding="utf-8")
    target = tmp_path / "env"
    venv.create(target, with_pip=False)
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(target / "bin" / "python"),
            "install",
            *PIP_FLAGS,
            "-r",
            str(lock),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    _offline(run)
    assert run.returncode != 0
    assert "DO NOT MATCH THE HASHES" in run.stderr


def pins_for(python_version: str) -> List[str]:
    """The lock's requirement lines whose marker holds on `python_version`, markers dropped, hashes kept."""
    from packaging.requirements import Requirement

    environment = {"python_version": python_version, "python_full_version": python_version + ".0"}
    lines = []
    for line in LOCK.read_text(encoding="utf-8").replace("\\\n", " ").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        spec, *hashes = line.split(" --hash=")
        requirement = Requirement(spec.strip())
        if requirement.marker is None or requirement.marker.evaluate(environment):
            lines.append(
                f"{requirement.name}{requirement.specifier} " + " ".join(f"--hash={h.strip()}" for h in hashes)
            )
    return lines


@pytest.mark.parametrize("python_version", ["3.9", "3.10", "3.11", "3.12", "3.13"])
def test_every_python_gets_hash_checked_wheels(python_version: str, tmp_path: Path) -> None:
    pins = pins_for(python_version)
    names = {pin.split("==")[0] for pin in pins}
    always = {"pyelftools", "actions-toolkit", "zlib-ng"}
    assert names == always | ({"tomli"} if python_version in ("3.9", "3.10") else set())
    requirements = tmp_path / "pins.txt"
    requirements.write_text("\n".join(pins) + "\n", encoding="utf-8")
    args = ["download", "--python-version", python_version, "-d", str(tmp_path / "wheels"), "-r", str(requirements)]
    run = subprocess.run(
        [sys.executable, "-m", "pip", *args, *(f for f in PIP_FLAGS if f != "--no-input")],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    _offline(run)
    assert run.returncode == 0, run.stderr  # a wrong hash, or no wheel for that Python, fails here
    wheels = sorted(p.name for p in (tmp_path / "wheels").iterdir())
    assert len(wheels) == len(pins) and all(w.endswith(".whl") for w in wheels), wheels
