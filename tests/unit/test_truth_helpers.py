"""tests/truth.py: missing tools skip locally and fail in CI; whether a fixture runs is decided from the host."""

from __future__ import annotations

import os
import platform
from pathlib import Path

import pytest

from tests import truth

ELF_BIN = Path(__file__).resolve().parents[1] / "data" / "elf" / "bin"
AMD64_STATIC = ELF_BIN / "gcc-glibc-static"
AMD64_DYNAMIC = ELF_BIN / "gcc-glibc-dynamic-libm"
on_x86_64_linux = pytest.mark.skipif(
    platform.system() != "Linux" or platform.machine() != "x86_64", reason="host checks for an x86-64 Linux host"
)


def test_missing_skips_with_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(truth.REQUIRE_ENV, raising=False)
    with pytest.raises(pytest.skip.Exception, match="frobnicate-lg-absent is not installed: cannot frobnicate"):
        truth.require_tool("frobnicate-lg-absent", "frobnicate")
    with pytest.raises(pytest.skip.Exception, match="no such thing"):
        truth.missing("no such thing")


def test_missing_fails_when_ci_requires_the_tools(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(truth.REQUIRE_ENV, "1")
    with pytest.raises(pytest.fail.Exception, match="LINKGUARD_REQUIRE_TOOLS=1"):
        truth.require_tool("frobnicate-lg-absent", "frobnicate")


def test_a_recorded_version_other_than_the_hosts_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(truth.REQUIRE_ENV, raising=False)
    truth.need("python3")
    with pytest.raises(pytest.skip.Exception, match=r"was recorded with 'Python 0\.0'"):
        truth.require_version(["python3", "--version"], "Python 0.0", "nothing")


@on_x86_64_linux
def test_a_static_amd64_program_can_run() -> None:
    assert truth.cannot_run(AMD64_STATIC, truth.AMD64, None) is None


@on_x86_64_linux
def test_an_absent_loader_names_its_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(truth.REQUIRE_ENV, "1")
    reason = truth.cannot_run(AMD64_STATIC, truth.AMD64, "/nonexistent/ld-musl-x86_64.so.1")
    assert reason and "is not installed" in reason and "apt-get install musl" in reason
    with pytest.raises(pytest.fail.Exception, match="ld-musl"):
        truth.require_runnable(AMD64_STATIC, truth.AMD64, "/nonexistent/ld-musl-x86_64.so.1")


@on_x86_64_linux
def test_a_glibc_need_above_the_hosts_is_a_host_skip(monkeypatch: pytest.MonkeyPatch) -> None:
    loader = "/lib64/ld-linux-x86-64.so.2"
    if not os.path.exists(loader) or truth.loader_glibc(loader) is None:
        pytest.skip("this host has no glibc loader to compare with")
    reason = truth.cannot_run(AMD64_DYNAMIC, truth.AMD64, loader, ["libc.so.6"], {"GLIBC": "99.0"})
    assert reason and "GLIBC_99.0" in reason
    monkeypatch.setenv(truth.REQUIRE_ENV, "1")  # a too-old host is not a missing tool: still a skip
    with pytest.raises(pytest.skip.Exception):
        truth.require_runnable(AMD64_DYNAMIC, truth.AMD64, loader, ["libc.so.6"], {"GLIBC": "99.0"})
    assert truth.cannot_run(AMD64_DYNAMIC, truth.AMD64, loader, ["libc.so.6"], {"GLIBC": "2.2.5"}) is None


@on_x86_64_linux
def test_a_library_the_host_lacks_is_named() -> None:
    loader = "/lib64/ld-linux-x86-64.so.2"
    if not os.path.exists(loader):
        pytest.skip("this host has no glibc loader")
    reason = truth.cannot_run(AMD64_DYNAMIC, truth.AMD64, loader, ["libnot-installed-lg.so.9"])
    assert reason and "libnot-installed-lg.so.9" in reason


def test_foreign_machine_code_is_not_run() -> None:
    reason = truth.cannot_run(AMD64_STATIC, "AArch64", None)
    assert reason and ("AArch64" in reason or "x86-64 Linux host" in reason)


def test_run_facts_come_from_the_original_behind_the_packing() -> None:
    packed = {
        "readelf_machine": truth.AMD64,
        "interpreter": None,
        "original": {"interpreter": "/lib/ld.so", "needed": ["a"]},
    }
    assert truth.run_facts(packed)["interpreter"] == "/lib/ld.so"
    tampered = {"readelf_machine": truth.AMD64, "tampered": True, "tampered_from": "p", "original_needed": ["b"]}
    parent = {
        "p": {"truth": {"original": {"interpreter": "/lib/x.so", "needed": ["c"], "max_versions": {"GLIBC": "2.3"}}}}
    }
    facts = truth.run_facts(tampered, parent)
    assert (
        facts["needed"] == ["b"] and facts["interpreter"] == "/lib/x.so" and facts["max_versions"] == {"GLIBC": "2.3"}
    )
