"""The resolution layer's parts on their own: ld.so.cache in its three layouts, the root view, musl's names."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import List, Tuple

import pytest

from linkguard.resolve import musl
from linkguard.targets import ldcache
from linkguard.targets.rootfs import RootFs
from tests.roots import root
from tests.truth import missing

_LDCONFIG_LINE = re.compile(r"^\t(\S+) \(([^)]*)\) => (\S+)$")


def _ldconfig_listing(cache: Path) -> List[Tuple[str, str, str]]:
    """(soname, ABI tag, path) per entry, as `ldconfig -p -C CACHE` prints them: the truth for the parser."""
    done = subprocess.run(["ldconfig", "-p", "-C", str(cache)], capture_output=True, text=True, check=True)
    return [m.groups() for m in map(_LDCONFIG_LINE.match, done.stdout.splitlines()) if m]  # type: ignore[misc]


@pytest.mark.parametrize("layout", ["old", "compat", "new"])
def test_ld_so_cache_reads_as_ldconfig_lists_it(layout: str) -> None:
    """Every layout ldconfig writes (-c old|compat|new) parses to the entries `ldconfig -p` lists."""
    ldconfig = shutil.which("ldconfig") or ("/sbin/ldconfig" if os.path.exists("/sbin/ldconfig") else None)
    if ldconfig is None:
        missing("ldconfig is not installed: cannot write or list ld.so.cache files")
    base = root("bookworm")
    name = f"/etc/ld.so.cache.{layout}"
    done = subprocess.run([ldconfig, "-c", layout, "-r", str(base), "-C", name], capture_output=True, text=True)
    if done.returncode != 0:
        missing(f"this ldconfig cannot write the {layout} layout: {done.stderr.strip()}")
    listed = _ldconfig_listing(base / name.lstrip("/"))
    assert listed, "ldconfig listed no entries"
    entries = ldcache.parse((base / name.lstrip("/")).read_bytes())
    assert sorted((e.soname, e.path) for e in entries) == sorted((s, p) for s, _tag, p in listed)
    cache = ldcache.LdCache(entries)
    for soname, tag, path in listed:
        if tag == "libc6,x86-64":
            assert cache.lookup(soname, "x86_64", 64) == path
            assert cache.lookup(soname, "i386", 32) is None  # another ABI's entry is not ld.so's


def test_a_file_that_is_no_cache_is_an_error_not_a_guess() -> None:
    with pytest.raises(ldcache.CacheError):
        ldcache.parse(b"\x7fELF" + bytes(60))
    with pytest.raises(ldcache.CacheError):
        ldcache.parse(b"glibc-ld.so.cache1.1" + (1000).to_bytes(4, "little") + bytes(24))


def test_the_root_view_follows_links_inside_the_root_only(tmp_path: Path) -> None:
    (tmp_path / "usr" / "lib").mkdir(parents=True)
    (tmp_path / "usr" / "lib" / "libx.so.1").write_bytes(b"x")
    (tmp_path / "lib").symlink_to("usr/lib")
    (tmp_path / "usr" / "lib" / "abs.so").symlink_to("/usr/lib/libx.so.1")  # absolute: inside the root
    (tmp_path / "usr" / "lib" / "up.so").symlink_to("../../../../../../usr/lib/libx.so.1")  # `..` stops at /
    (tmp_path / "usr" / "lib" / "host.so").symlink_to("/etc/hostname")  # the host's file is not the target's
    (tmp_path / "loop").symlink_to("loop")
    view = RootFs(str(tmp_path), "t")
    expected = str(tmp_path / "usr" / "lib" / "libx.so.1")
    assert view.host_path("/lib/libx.so.1") == expected
    assert view.host_path("/lib/abs.so") == expected
    assert view.host_path("/lib/up.so") == expected
    assert view.host_path("/lib/host.so") is None
    assert view.host_path("/loop") is None
    assert view.host_path("/lib") is None  # a directory is not a file to load


@pytest.mark.parametrize(
    ("name", "reserved"),
    [
        # ldso/dynlink.c load_library: "lib" + one of "c.pthread.rt.m.dl.util.xnet." is musl itself.
        ("libc.so", True),
        ("libc.so.6", True),
        ("libm.so.6", True),
        ("libpthread.so.0", True),
        ("libdl.so.2", True),
        ("librt.so.1", True),
        ("libutil.so.1", True),
        ("libxnet.so", True),
        ("libcrypt.so.1", False),
        ("libcrypto.so.3", False),
        ("libmagic.so.1", False),
        ("ld-linux-x86-64.so.2", False),
    ],
)
def test_musl_answers_its_own_names_itself(name: str, reserved: bool) -> None:
    assert musl.is_reserved(name) is reserved


def test_a_weak_version_need_is_a_warning_not_a_failure() -> None:
    """ld.so only warns for a weak version need (VER_FLG_WEAK): the program starts, LG105 says so as a warning."""
    from linkguard.model import Severity, TargetNeed, TargetVerdict
    from linkguard.rules.wont_start import WontStart

    weak = TargetNeed("version", "GLIBC_2.99", "/app", library="/lib/x86_64-linux-gnu/libc.so.6", weak=True)
    (finding,) = WontStart().check_verdicts([TargetVerdict("debian-12", True, missing=(weak,))], Severity.ERROR)
    assert finding.severity is Severity.WARNING
    assert "starts on debian-12, but its loader warns" in finding.message and "GLIBC_2.99" in finding.message
    assert not list(WontStart().check_verdicts([TargetVerdict("debian-12", True)], Severity.ERROR))
