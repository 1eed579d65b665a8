"""The derived named bases (Ubuntu, RHEL, Amazon Linux, Alpine): the derivation checked where the truth exists.

distro_bases.py cuts Debian 13's version nodes at each release's library versions. The same cut, with Debian 11's
and Debian 12's library versions, must give exactly the nodes those releases' real packages define (bases.py
recorded them with readelf): the method is checked on the releases whose packages are reachable here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict

import pytest

from tests.conftest import run_json
from tests.truth import load_module

ROOT = Path(__file__).resolve().parents[2]
BASES = ROOT / "src" / "linkguard" / "data" / "bases"
DERIVE = load_module("linkguard_test_distro_bases", ROOT / "tests" / "data" / "targets" / "distro_bases.py")
# Debian's own library versions of bullseye and bookworm (their packages: libc6, gcc-10/12, libcrypt1, zlib1g).
DEBIAN_RELEASES = {
    "debian-11": {"glibc": "2.31", "gcc": "10.2", "xcrypt": "4.4.18", "zlib": "1.2.11", "layout": "multiarch"},
    "debian-12": {"glibc": "2.36", "gcc": "12.2", "xcrypt": "4.4.33", "zlib": "1.2.13", "layout": "multiarch"},
}


def _defs_by_soname(data: Dict[str, Any]) -> Dict[str, list]:
    """Version nodes per library, GLIBC_PRIVATE aside (glibc's own, which no program outside glibc may need)."""
    return {
        o["soname"]: [d for d in o["version_defs"] if d != "GLIBC_PRIVATE"]
        for o in data["objects"].values()
        if o.get("soname")
    }


@pytest.mark.parametrize("release", sorted(DEBIAN_RELEASES))
def test_the_cut_reproduces_real_releases(release: str) -> None:
    debian13 = json.loads((BASES / "debian-13.json").read_text())
    derived = _defs_by_soname(DERIVE.glibc_base(release, DEBIAN_RELEASES[release], debian13))
    real = _defs_by_soname(json.loads((BASES / f"{release}.json").read_text()))
    compared = 0
    for soname, defs in derived.items():
        if soname in real:
            assert defs == real[soname], (release, soname, sorted(set(defs) ^ set(real[soname])))
            compared += 1
    assert compared >= 10


def test_the_committed_bases_are_what_the_script_writes(tmp_path: Path) -> None:
    debian13 = json.loads((BASES / "debian-13.json").read_text())
    for name, release in DERIVE.RELEASES.items():
        assert json.loads((BASES / f"{name}.json").read_text()) == json.loads(
            json.dumps(DERIVE.glibc_base(name, release, debian13))
        ), name


# The probes' needs (readelf -V, recorded in tests/data/targets) against each release's glibc: hello-gcc needs
# GLIBC_2.34, hello-glibc217 GLIBC_2.2.5, cxx-gxx GLIBC_2.34 and GLIBCXX_3.4.21, hello-musl musl's loader.
EXPECTED = {
    "rhel-8": {"hello-gcc": False, "hello-glibc217": True, "cxx-gxx": False, "hello-musl": False},
    "rhel-9": {"hello-gcc": True, "hello-glibc217": True, "cxx-gxx": True, "hello-musl": False},
    "ubuntu-20.04": {"hello-gcc": False, "hello-glibc217": True, "cxx-gxx": False, "hello-musl": False},
    "ubuntu-22.04": {"hello-gcc": True, "hello-glibc217": True, "cxx-gxx": True, "hello-musl": False},
    "ubuntu-24.04": {"hello-gcc": True, "hello-glibc217": True, "cxx-gxx": True, "hello-musl": False},
    "amazonlinux-2": {"hello-gcc": False, "hello-glibc217": True, "cxx-gxx": False, "hello-musl": False},
    "amazonlinux-2023": {"hello-gcc": True, "hello-glibc217": True, "cxx-gxx": True, "hello-musl": False},
    "alpine-3.19": {"hello-gcc": False, "hello-glibc217": False, "cxx-gxx": False, "hello-musl": True},
    "alpine-3.21": {"hello-gcc": False, "hello-glibc217": False, "cxx-gxx": False, "hello-musl": True},
}


@pytest.mark.parametrize("base", sorted(EXPECTED))
def test_the_probes_on_each_release(base: str) -> None:
    payload = ROOT / "tests" / "data" / "targets" / "payload" / "bin"
    probes = sorted(EXPECTED[base])
    _code, report = run_json(["--target", base, *(str(payload / p) for p in probes)])
    starts = {a["path"].rsplit("/", 1)[1]: a["targets"][0]["starts"] for a in report["artifacts"]}
    assert starts == EXPECTED[base]
