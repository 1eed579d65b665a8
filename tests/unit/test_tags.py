"""packages/tags.py: wheel tags parsed as packaging parses them, auditwheel's policies, npm's fields."""

from __future__ import annotations

import os
import platform
import subprocess
import zipfile
from pathlib import Path

import pytest

from linkguard.model import ElfFacts, PackageInfo, PeFacts, VersionNeed
from linkguard.packages import tags
from tests.truth import missing


def test_compressed_tag_sets_expand_to_every_combination() -> None:
    expanded = tags.expand_tags("cp38.cp39-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64")
    assert [(t.python, t.abi, t.platform) for t in expanded] == [
        ("cp38", "abi3", "manylinux_2_17_x86_64"),
        ("cp38", "abi3", "manylinux2014_x86_64"),
        ("cp39", "abi3", "manylinux_2_17_x86_64"),
        ("cp39", "abi3", "manylinux2014_x86_64"),
    ]
    assert tags.expand_tags("four-parts-is-wrong") == ()


@pytest.mark.parametrize(
    ("text", "kind", "arch", "version", "policy"),
    [
        ("manylinux1_x86_64", "manylinux", "x86_64", (2, 5), "manylinux_2_5"),
        ("manylinux2010_i686", "manylinux", "i686", (2, 12), "manylinux_2_12"),
        ("manylinux2014_aarch64", "manylinux", "aarch64", (2, 17), "manylinux_2_17"),
        ("manylinux_2_28_x86_64", "manylinux", "x86_64", (2, 28), "manylinux_2_28"),
        ("musllinux_1_2_armv7l", "musllinux", "armv7l", (1, 2), "musllinux_1_2"),
        ("macosx_10_9_universal2", "macosx", "universal2", (10, 9), None),
        ("macosx_11_0_arm64", "macosx", "arm64", (11, 0), None),
        ("win_amd64", "windows", "win_amd64", None, None),
        ("linux_x86_64", "linux", "x86_64", None, None),
        ("any", "any", None, None, None),
        ("ios_13_0_arm64_iphoneos", "other", None, None, None),
    ],
)
def test_platform_tags(text: str, kind: str, arch: object, version: object, policy: object) -> None:
    tag = tags.parse_platform(text)
    assert (tag.kind, tag.arch, tag.version, tag.policy) == (kind, arch, version, policy)


def test_macos_groups_promise_every_member() -> None:
    assert tags.macos_slices("universal2") == {"x86_64", "arm64"}
    assert tags.macos_slices("intel") == {"x86_64", "i386"}
    assert tags.macos_slices("arm64") == {"arm64"}


def test_python_dll_of_abi() -> None:
    assert tags.windows_python_dll("abi3") == "python3.dll"
    assert tags.windows_python_dll("cp312") == "python312.dll"
    assert tags.windows_python_dll("cp313t") == "python313t.dll"
    assert tags.windows_python_dll("none") is None


def test_legacy_aliases_are_auditwheels() -> None:
    for alias, (major, minor) in tags.LEGACY_MANYLINUX.items():
        policy = tags.policy_named("manylinux", alias)
        assert policy is not None and policy.name == f"manylinux_{major}_{minor}"


def _elf(needed: tuple, needs: tuple = (), machine: str = "x86_64", bits: int = 64) -> ElfFacts:
    return ElfFacts(machine, bits, "little", "DYN", "shared-library", needed=needed, version_needs=needs)


def test_highest_consistent_follows_the_newest_version_need() -> None:
    facts = _elf(("libc.so.6",), (VersionNeed("libc.so.6", "GLIBC_2.2.5"), VersionNeed("libc.so.6", "GLIBC_2.28")))
    overall, checks = tags.highest_consistent("manylinux", "x86_64", facts, frozenset())
    assert overall.name == "manylinux_2_28"
    failing = {c.policy.name for c in checks if not c.consistent}
    assert "manylinux_2_17" in failing and "manylinux_2_28" not in failing


def test_external_library_is_consistent_only_when_bundled() -> None:
    facts = _elf(("libfoo.so", "libc.so.6"), (VersionNeed("libc.so.6", "GLIBC_2.2.5"),))
    assert tags.highest_consistent("manylinux", "x86_64", facts, frozenset())[0].name == "linux"
    assert tags.highest_consistent("manylinux", "x86_64", facts, frozenset({"libfoo.so"}))[0].name == "manylinux_2_5"


def test_blacklisted_symbol_lowers_the_policy() -> None:
    needs = (VersionNeed("libc.so.6", "GLIBC_2.2.5", symbols=("__issignaling",)),)
    overall, _ = tags.highest_consistent("manylinux", "x86_64", _elf(("libc.so.6",), needs), frozenset())
    assert overall.name == "manylinux_2_24"  # the first policy whose libc.so.6 blacklist is empty


def test_os_provided_is_the_most_portable_tags_whitelist() -> None:
    wheel = PackageInfo("wheel", "x.whl", tags=("cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64",))
    provided = tags.os_provided(wheel, _elf(("libc.so.6",)))
    assert "libstdc++.so.6" in provided and "libc.so.6" in provided and "libcrypt.so.1" not in provided
    musl = PackageInfo("wheel", "x.whl", tags=("cp312-cp312-musllinux_1_2_x86_64",))
    assert tags.os_provided(musl, _elf(())) == {
        "libc.so",
        "libc.musl-x86_64.so.1",
        "libz.so.1",
        "ld-musl-x86_64.so.1",
    }
    pe = PeFacts("x86_64", 64, "DLL", "dynamic", "PE32+", "windows", "6.0", "6.0")
    assert tags.os_provided(wheel, pe) == frozenset()
    assert tags.os_provided(PackageInfo("npm", "p"), _elf(())) == frozenset()


MUSL_LOADER = "/lib/ld-musl-x86_64.so.1"
ORJSON = (
    Path(__file__).resolve().parents[1] / "data/packages/wheels/orjson-3.10.12-cp312-cp312-musllinux_1_2_x86_64.whl"
)


def test_musls_own_loader_resolves_libc_so_to_itself(tmp_path: Path) -> None:
    """The loader's truth for the case auditwheel 6.8.2 gets wrong: musl's dynamic linker, asked to list what
    orjson 3.10.12's musllinux module loads (`ld-musl-x86_64.so.1 --list`, musl's ldd), maps its `libc.so` need to
    itself. (The module's CPython symbols are then unresolved: the interpreter that imports it defines them.)"""
    if platform.machine() != "x86_64" or not os.path.exists(MUSL_LOADER):
        missing(f"musl's loader {MUSL_LOADER} is not installed (Debian: musl): cannot ask it")
    with zipfile.ZipFile(ORJSON) as wheel:
        (member,) = [n for n in wheel.namelist() if n.endswith(".so")]
        module = tmp_path / "orjson.so"
        module.write_bytes(wheel.read(member))
    listed = subprocess.run([MUSL_LOADER, "--list", str(module)], capture_output=True, text=True, check=False)
    lines = [line.split("(")[0].strip() for line in listed.stdout.splitlines()]
    assert f"libc.so => {MUSL_LOADER}" in lines, listed.stdout + listed.stderr


def test_musl_libc_is_allowed_under_both_of_its_names() -> None:
    """A module linked against upstream musl (Rust's and zig's musl targets: orjson 3.10.12's musllinux wheel)
    needs `libc.so`, the name the musllinux policy itself lists and that musl's loader resolves to itself
    (ldso/dynlink.c load_library, its reserved names); Alpine's build needs `libc.musl-<arch>.so.1`."""
    for needed in (("libc.so",), ("libc.musl-x86_64.so.1",)):
        overall, _ = tags.highest_consistent("musllinux", "x86_64", _elf(needed), frozenset(), only="musllinux_1_2")
        assert overall.name == "musllinux_1_2", needed
    glibc_policy = tags.policy_named("manylinux", "manylinux_2_17")
    assert glibc_policy is not None and "libc.so" not in tags.whitelist("manylinux", glibc_policy, "x86_64")


@pytest.mark.parametrize(
    "tag, machine, bits, loader",
    [
        ("manylinux_2_34_x86_64", "x86_64", 64, "ld-linux-x86-64.so.2"),
        ("manylinux2014_i686", "i386", 32, "ld-linux.so.2"),
        ("manylinux_2_28_aarch64", "aarch64", 64, "ld-linux-aarch64.so.1"),
        ("musllinux_1_2_aarch64", "aarch64", 64, "ld-musl-aarch64.so.1"),
    ],
)
def test_os_provided_includes_the_interpreter(tag: str, machine: str, bits: int, loader: str) -> None:
    """auditwheel never counts the ELF interpreter against a policy (bcrypt's and cffi's manylinux wheels need
    ld-linux-x86-64.so.2): the declared platform provides it, for the binary's own architecture only."""
    wheel = PackageInfo("wheel", "x.whl", tags=(f"cp312-cp312-{tag}",))
    provided = tags.os_provided(wheel, _elf((loader,), machine=machine, bits=bits))
    assert loader in provided
    assert not {"ld-linux-x86-64.so.2", "ld-linux.so.2", "ld-linux-aarch64.so.1"} - {loader} & provided


def test_npm_lists_with_negations() -> None:
    assert tags.npm_installs_on(["!win32"], tags.NPM_ALL_OS) == tags.NPM_ALL_OS - {"win32"}
    assert tags.npm_installs_on(["linux", "darwin", "!darwin"], tags.NPM_ALL_OS) == {"linux"}
    assert tags.npm_installs_on([], tags.NPM_ALL_CPU) == tags.NPM_ALL_CPU
