"""data/wheel_policies.json is auditwheel's own policy data: compared with the installed auditwheel (CI pins 6.8.2)."""

from __future__ import annotations

import json
from pathlib import Path

from linkguard.packages import tags
from tests.truth import require_module

ROOT = Path(__file__).resolve().parents[2]


def test_vendored_policies_equal_the_installed_auditwheel() -> None:
    auditwheel = require_module("auditwheel", "compare the vendored manylinux/musllinux policies with auditwheel's")
    folder = Path(auditwheel.__file__).parent / "policy"
    vendored = json.loads((ROOT / "src" / "linkguard" / "data" / "wheel_policies.json").read_text())
    for family in ("manylinux", "musllinux"):
        assert vendored[family] == json.loads((folder / f"{family}-policy.json").read_text()), family
    from importlib.metadata import version

    assert vendored["source"]["auditwheel"] == version("auditwheel")


def test_policies_load_in_auditwheels_priority_order() -> None:
    auditwheel = require_module("auditwheel", "read auditwheel's own Policy objects")
    from auditwheel.architecture import Architecture
    from auditwheel.libc import Libc
    from auditwheel.policy import WheelPolicies

    theirs = WheelPolicies(libc=Libc.GLIBC, arch=Architecture.x86_64)
    ours = [p for p in tags.policies("manylinux") if p.name == "linux" or "x86_64" in p.symbol_versions]
    assert [p.tag("x86_64") for p in ours] == [p.name for p in theirs]
    for mine, their in zip(ours, theirs):
        assert mine.whitelist == their.whitelist and dict(mine.blacklist) == dict(their.blacklist)
        assert dict(mine.symbol_versions.get("x86_64", {})) == dict(their.symbol_versions)
    assert auditwheel.__name__ == "auditwheel"
