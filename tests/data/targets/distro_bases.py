"""Named bases for releases whose packages are out of reach here (Ubuntu, RHEL, Amazon Linux, Alpine).

Usage: python tests/data/targets/distro_bases.py     (writes src/linkguard/data/bases/<name>.json)

Debian's packages are reachable from this workplace, other distributions' are not, so these bases are derived,
and each says so in its `source`: the libraries a minimal image of the release holds (RELEASES below, with the
package versions the release ships), each defining the version nodes that Debian 13's build of the same library
defines (src/linkguard/data/bases/debian-13.json, generated from the packages by bases.py) up to the version that
release ships. That cut is sound for these libraries because their maintainers add version nodes and never remove
one: glibc (GLIBC_x.y, per library), libstdc++ (GLIBCXX_3.4.n and CXXABI_1.3.n by GCC release, as the libstdc++
manual's ABI history lists them), libgcc_s (GCC_x.y.z by GCC release), libxcrypt (XCRYPT_x.y) and zlib
(ZLIB_x.y.z). Non-numeric nodes (GLIBC_PRIVATE, CXXABI_TM_1, ...) are kept. Where a release's library differs in
kind (Amazon Linux 2's libcrypt is glibc's own, defining GLIBC_2.2.5 only), RELEASES says so. Alpine is musl: its
loader is the C library, and musl ignores symbol versions.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

OUT = Path(__file__).resolve().parents[3] / "src" / "linkguard" / "data" / "bases"
DEBIAN = OUT / "debian-13.json"
LIBDIR = "/usr/lib/x86_64-linux-gnu"

# Release facts: glibc, GCC (libstdc++/libgcc_s), libxcrypt ("glibc" for glibc's own libcrypt), zlib; the layout.
# Sources: each release's package lists (Ubuntu's focal/jammy/noble libc6, libstdc++6 (gcc-10/12/14), libcrypt1,
# zlib1g; RHEL and Amazon Linux's glibc, libstdc++, libxcrypt, zlib RPMs), as recorded here.
RELEASES: Dict[str, Dict[str, Any]] = {
    "ubuntu-20.04": {"glibc": "2.31", "gcc": "10.5", "xcrypt": "4.4.10", "zlib": "1.2.11", "layout": "multiarch"},
    "ubuntu-22.04": {"glibc": "2.35", "gcc": "12.3", "xcrypt": "4.4.27", "zlib": "1.2.11", "layout": "multiarch"},
    "ubuntu-24.04": {"glibc": "2.39", "gcc": "14.2", "xcrypt": "4.4.36", "zlib": "1.3", "layout": "multiarch"},
    "rhel-8": {"glibc": "2.28", "gcc": "8.5", "xcrypt": "4.1.1", "zlib": "1.2.11", "layout": "lib64"},
    "rhel-9": {"glibc": "2.34", "gcc": "11.5", "xcrypt": "4.4.18", "zlib": "1.2.11", "layout": "lib64"},
    "amazonlinux-2": {"glibc": "2.26", "gcc": "7.3", "xcrypt": "glibc", "zlib": "1.2.7", "layout": "lib64"},
    "amazonlinux-2023": {"glibc": "2.34", "gcc": "11.4", "xcrypt": "4.4.33", "zlib": "1.2.11", "layout": "lib64"},
}
ALPINE = {"alpine-3.19": "1.2.4", "alpine-3.20": "1.2.5", "alpine-3.21": "1.2.5"}  # musl of each release

# libstdc++'s manual (ABI policy, version history): the newest GLIBCXX_ and CXXABI_ node of each GCC release.
LIBSTDCXX = {
    (7, 1): ("3.4.23", "1.3.11"),
    (7, 2): ("3.4.24", "1.3.11"),
    (8, 1): ("3.4.25", "1.3.11"),
    (9, 1): ("3.4.26", "1.3.12"),
    (9, 2): ("3.4.27", "1.3.12"),
    (9, 3): ("3.4.28", "1.3.12"),
    (10, 1): ("3.4.28", "1.3.12"),
    (11, 1): ("3.4.29", "1.3.13"),
    (12, 1): ("3.4.30", "1.3.13"),
    (13, 1): ("3.4.31", "1.3.14"),
    (13, 2): ("3.4.32", "1.3.14"),
    (14, 1): ("3.4.33", "1.3.15"),
}
# The glibc libraries of a minimal image (libc6 / glibc), by soname.
GLIBC_LIBS = (
    "libc.so.6",
    "libm.so.6",
    "libpthread.so.0",
    "libdl.so.2",
    "librt.so.1",
    "libresolv.so.2",
    "libutil.so.1",
    "libanl.so.1",
    "libmvec.so.1",
    "libnss_files.so.2",
    "libnss_dns.so.2",
)


def numbers(text: str) -> Tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"[0-9]+", text))


# glibc's ABI marker nodes: not numbered, but each came with a release (its NEWS), and a program built to use the
# feature needs the marker; a release older than that lacks it. Debian 13's glibc 2.41 has all three.
GLIBC_MARKERS = {"GLIBC_ABI_DT_RELR": "2.36", "GLIBC_ABI_DT_X86_64_PLT": "2.41", "GLIBC_ABI_GNU2_TLS": "2.41"}


# Nodes that a later release added with an older number, found by checking the cut against real releases
# (tests/unit/test_distro_bases.py): libc.so.6's GLIBC_2.31 is absent from Debian 11's glibc 2.31 and present in
# Debian 12's 2.36. The release that added it is not known here, so it is kept only from 2.36 on: a program that
# needs it is judged as not starting on 2.32 to 2.35 (closed, never a false pass).
LATE_NODES = {("libc.so.6", "GLIBC_2.31"): "2.36"}


def cut(defs: List[str], prefix: str, newest: str) -> List[str]:
    """The nodes of `defs` with `prefix` up to `newest`; other prefixes and non-numeric names are untouched, but for
    glibc's ABI markers, kept from the release that brought them."""
    kept = []
    for name in defs:
        if prefix == "GLIBC" and name in GLIBC_MARKERS and numbers(GLIBC_MARKERS[name]) > numbers(newest):
            continue
        number = name[len(prefix) + 1 :] if name.startswith(prefix + "_") else ""
        if re.fullmatch(r"[0-9.]+", number) and numbers(number) > numbers(newest):
            continue
        kept.append(name)
    return kept


def by_soname(debian: Dict[str, Any]) -> Dict[str, Tuple[str, Dict[str, Any]]]:
    out = {}
    for path, facts in debian["objects"].items():
        if facts.get("soname"):
            out.setdefault(facts["soname"], (path, facts))
    return out


def libstdcxx_nodes(gcc: str) -> Tuple[str, str]:
    major, minor = numbers(gcc)[:2]
    best = max(k for k in LIBSTDCXX if k <= (major, max(minor, 1)) or k[0] < major)
    return LIBSTDCXX[best]


def glibc_base(name: str, release: Dict[str, Any], debian: Dict[str, Any]) -> Dict[str, Any]:
    libs = by_soname(debian)
    libdir = LIBDIR if release["layout"] == "multiarch" else "/usr/lib64"
    glibcxx, cxxabi = libstdcxx_nodes(release["gcc"])
    gcc_major = numbers(release["gcc"])[0]
    objects: Dict[str, Any] = {}
    links: Dict[str, str] = {"/lib": "usr/lib", "/lib64": "usr/lib64", "/bin": "usr/bin", "/sbin": "usr/sbin"}

    def add(soname: str, defs: List[str], what: str) -> None:
        _path, facts = libs[soname]
        objects[f"{libdir}/{soname}"] = {
            "machine": "x86_64",
            "bits": 64,
            "soname": soname,
            "needed": list(facts["needed"]),
            "rpath": [],
            "runpath": [],
            "version_defs": defs,
            "package": what,
        }

    base = f"Debian 13's {{}} version nodes cut at {name}'s"
    for soname in GLIBC_LIBS:
        if soname in libs:
            defs = cut(libs[soname][1]["version_defs"], "GLIBC", release["glibc"])
            defs = [d for d in defs if numbers(LATE_NODES.get((soname, d), "0")) <= numbers(release["glibc"])]
            add(soname, defs, base.format(soname) + f" glibc {release['glibc']}")
    loader = cut(libs["ld-linux-x86-64.so.2"][1]["version_defs"], "GLIBC", release["glibc"])
    add("ld-linux-x86-64.so.2", loader, base.format("ld.so") + f" glibc {release['glibc']}")
    if release["layout"] == "multiarch":
        links["/usr/lib64/ld-linux-x86-64.so.2"] = f"{LIBDIR}/ld-linux-x86-64.so.2"
    stdcxx = cut(cut(libs["libstdc++.so.6"][1]["version_defs"], "GLIBCXX", glibcxx), "CXXABI", cxxabi)
    add(
        "libstdc++.so.6",
        stdcxx,
        base.format("libstdc++") + f" GCC {release['gcc']} (GLIBCXX_{glibcxx}, "
        f"CXXABI_{cxxabi}: libstdc++ manual, ABI version history)",
    )
    gcc_s = [
        d for d in libs["libgcc_s.so.1"][1]["version_defs"] if not d.startswith("GCC_") or numbers(d)[0] <= gcc_major
    ]
    add("libgcc_s.so.1", gcc_s, base.format("libgcc_s") + f" GCC {release['gcc']}")
    if release["xcrypt"] == "glibc":
        add("libcrypt.so.1", ["libcrypt.so.1", "GLIBC_2.2.5"], f"glibc {release['glibc']}'s own libcrypt (no XCRYPT_)")
    else:
        add(
            "libcrypt.so.1",
            cut(libs["libcrypt.so.1"][1]["version_defs"], "XCRYPT", release["xcrypt"]),
            base.format("libxcrypt") + f" libxcrypt {release['xcrypt']}",
        )
    add(
        "libz.so.1",
        cut(libs["libz.so.1"][1]["version_defs"], "ZLIB", release["zlib"]),
        base.format("zlib") + f" zlib {release['zlib']}",
    )
    return {
        "name": name,
        "description": f"{name}: a minimal image's C and C++ runtime libraries, derived (see source)",
        "source": {
            "generated_by": "tests/data/targets/distro_bases.py",
            "derived_from": "debian-13.json",
            "release": release,
        },
        "cpu": "x86_64",
        "loaders": ["/lib64/ld-linux-x86-64.so.2"],
        "multiarch": release["layout"] == "multiarch",
        "links": links,
        "objects": objects,
        "ld_so_cache": [{"soname": o["soname"], "abi": "libc6,x86-64", "path": p} for p, o in objects.items()],
    }


def alpine_base(name: str, musl: str) -> Dict[str, Any]:
    what = f"{name}'s minirootfs (musl {musl}, zlib, OpenSSL 3)"
    objects = {
        "/lib/ld-musl-x86_64.so.1": {
            "machine": "x86_64",
            "bits": 64,
            "soname": "libc.so",
            "needed": [],
            "version_defs": [],
            "package": f"musl {musl}",
        },
        "/lib/libz.so.1": {
            "machine": "x86_64",
            "bits": 64,
            "soname": "libz.so.1",
            "needed": ["libc.musl-x86_64.so.1"],
            "version_defs": [],
            "package": what,
        },
        "/usr/lib/libcrypto.so.3": {
            "machine": "x86_64",
            "bits": 64,
            "soname": "libcrypto.so.3",
            "needed": ["libc.musl-x86_64.so.1"],
            "version_defs": [],
            "package": what,
        },
        "/usr/lib/libssl.so.3": {
            "machine": "x86_64",
            "bits": 64,
            "soname": "libssl.so.3",
            "needed": ["libcrypto.so.3", "libc.musl-x86_64.so.1"],
            "version_defs": [],
            "package": what,
        },
    }
    return {
        "name": name,
        "description": f"{name}: musl {musl}; no libstdc++ and no libgcc_s in a bare image",
        "source": {"generated_by": "tests/data/targets/distro_bases.py", "release": {"musl": musl}},
        "cpu": "x86_64",
        "loaders": ["/lib/ld-musl-x86_64.so.1"],
        "multiarch": False,
        "links": {"/lib/libc.musl-x86_64.so.1": "ld-musl-x86_64.so.1"},
        "objects": objects,
        "ld_so_cache": [],
    }


def main(argv: Optional[List[str]] = None) -> int:
    debian = json.loads(DEBIAN.read_text())
    for name, release in RELEASES.items():
        (OUT / f"{name}.json").write_text(
            json.dumps(glibc_base(name, release, debian), indent=1, sort_keys=True) + "\n"
        )
    for name, musl in ALPINE.items():
        (OUT / f"{name}.json").write_text(json.dumps(alpine_base(name, musl), indent=1, sort_keys=True) + "\n")
    print(f"wrote {len(RELEASES) + len(ALPINE)} bases into {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
