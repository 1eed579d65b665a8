"""The action's lock file installed for real, with the action's own pip flags, into fresh environments.

pip fetches the pinned wheels from the package index the host pip is configured for (a registry or a mirror must
be reachable; otherwise these tests skip, or fail under LINKGUARD_REQUIRE_TOOLS=1). Each Python that pyenv or the
host provides among 3.9 and the running one is tried, so the `python_version < "3.11"` pin (tomli) is exercised.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path
from typing import List

import pytest

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
    offline = ("NewConnectionError", "Max retries exceeded", "Temporary failure in name resolution", "Network is")
    if run.returncode != 0 and any(marker in run.stderr for marker in offline):
        if os.environ.get("LINKGUARD_REQUIRE_TOOLS") == "1":
            pytest.fail(f"cannot reach a package index: {run.stderr[-800:]}")
        pytest.skip(f"cannot reach a package index for the locked wheels: {run.stderr.strip()[-300:]}")
    assert run.returncode == 0, run.stderr  # a hash mismatch or a missing wheel fails here
    return venv_python


@pytest.mark.parametrize("python", pythons(), ids=lambda p: Path(p).name)
def test_lock_installs_and_linkguard_runs(python: str, tmp_path: Path) -> None:
    venv_python = install(python, tmp_path / "env")
    probe = (
        "import importlib.metadata as md, sys, json\n"
        "import elftools, actions_toolkit.command, linkguard\n"
        "from linkguard.report.github import command_formatter\n"
        "dists = {d.metadata['Name'].lower(): [r for r in (d.requires or [])] for d in md.distributions()}\n"
        "print(json.dumps({'formatter': command_formatter().__name__, 'linkguard': linkguard.__file__,"
        " 'dists': dists, 'tomllib': sys.version_info >= (3, 11)}))\n"
    )
    import json

    result = json.loads(
        subprocess.run([str(venv_python), "-c", probe], check=True, capture_output=True, text=True).stdout
    )
    assert result["formatter"] == "_toolkit_command"
    assert result["linkguard"].startswith(str(ROOT / "src"))
    # linkguard itself comes from the checkout (asserted above); a development install leaves its egg-info in src/
    installed = {name for name in result["dists"] if name not in ("pip", "setuptools", "linkguard")}
    expected = {"pyelftools", "actions-toolkit"} | (set() if result["tomllib"] else {"tomli"})
    assert installed == expected
    # every declared dependency of what was installed is either installed too or known to be unused
    for name, requires in result["dists"].items():
        if name == "linkguard":
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
    lock.write_text(text.replace("sha256:f215", "sha256:0215").replace("sha256:013d", "sha256:113d"), encoding="utf-8")
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
    if "Max retries exceeded" in run.stderr or "NewConnectionError" in run.stderr:
        pytest.skip("cannot reach a package index for the locked wheels")
    assert run.returncode != 0
    assert "DO NOT MATCH THE HASHES" in run.stderr
