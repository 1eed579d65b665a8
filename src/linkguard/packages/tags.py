"""Declared platforms: wheel tags and npm `os`/`cpu`/`libc`, parsed, and what they promise.

A wheel's tags (WHEEL's `Tag:` lines, or the compressed sets of its file name, `cp38.cp39-abi3-manylinux_2_17_x86_64
.manylinux2014_x86_64`, expanded as `packaging.tags.parse_tag` expands them) each promise something about every
binary inside: a manylinux/musllinux policy (auditwheel's, vendored in data/wheel_policies.json by
tools/wheel_policies.py), a macOS version and architecture set, a Windows machine, a CPython ABI. This module parses
those promises and answers the questions LG106 (rules/platform_tag.py) and the package resolver ask: which libraries
the declared platform provides (`os_provided`), and which manylinux/musllinux policy one ELF is consistent with,
computed the way auditwheel's `analyze_wheel_abi` computes it (docs/packages.md says what is and is not checked).
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from importlib import resources
from typing import Dict, FrozenSet, Iterable, List, Mapping, Optional, Sequence, Tuple

from linkguard import versions
from linkguard.model import ElfFacts, MachoFacts, PackageInfo, PeFacts

# ------------------------------------------------------------------------------------------------ wheel tags


@dataclass(frozen=True)
class WheelTag:
    """One expanded `python-abi-platform` tag (PEP 425)."""

    python: str  # "cp312", "py3"
    abi: str  # "cp312", "abi3", "none", "cp313t"
    platform: str  # "manylinux_2_17_x86_64", "win_amd64", "any"


def expand_tags(text: str) -> Tuple[WheelTag, ...]:
    """Every tag a compressed tag set names (`py2.py3-none-any` is two tags), as packaging's parse_tag does."""
    parts = text.strip().lower().split("-")
    if len(parts) != 3 or not all(parts):
        return ()
    pythons, abis, platforms = (part.split(".") for part in parts)
    return tuple(WheelTag(p, a, plat) for p in pythons for a in abis for plat in platforms)


@dataclass(frozen=True)
class PlatformTag:
    """What one platform tag promises."""

    text: str  # as written: "manylinux2014_x86_64"
    kind: str  # "manylinux" | "musllinux" | "macosx" | "windows" | "linux" | "any" | "other"
    arch: Optional[str] = None  # the tag's architecture: "x86_64", "i686", "aarch64", "universal2", "amd64" ...
    version: Optional[Tuple[int, int]] = None  # glibc (2, 17), musl (1, 2), macOS (10, 9)
    policy: Optional[str] = None  # manylinux/musllinux: the canonical policy name, "manylinux_2_17"

    @property
    def label(self) -> str:
        return self.text


# PEP 600's legacy aliases (the one table, in versions.py; auditwheel's policy file lists the same).
LEGACY_MANYLINUX = versions.MANYLINUX_ALIASES
_PEP600 = re.compile(r"^(manylinux|musllinux)_([0-9]+)_([0-9]+)_(.+)$")
_LEGACY = re.compile(r"^(manylinux1|manylinux2010|manylinux2014)_(.+)$")
_MACOS = re.compile(r"^macosx_([0-9]+)_([0-9]+)_(.+)$")
WINDOWS_MACHINES = {"win32": "i386", "win_amd64": "x86_64", "win_arm64": "aarch64"}

# packaging.tags._mac_binary_formats, read backwards: the slices a multi-architecture tag promises. A wheel tagged
# `intel` is installed on both i386 and x86_64 Macs, so it must carry both.
MACOS_ARCH_GROUPS: Mapping[str, FrozenSet[str]] = {
    "universal2": frozenset({"x86_64", "arm64"}),
    "intel": frozenset({"x86_64", "i386"}),
    "fat64": frozenset({"x86_64", "ppc64"}),
    "fat32": frozenset({"i386", "ppc"}),
    "fat": frozenset({"i386", "ppc"}),
    "universal": frozenset({"i386", "ppc", "x86_64", "ppc64"}),
}
# arm64 macOS starts at 11.0: pip, packaging and delocate read an arm64 slice of a `macosx_10_9_universal2` wheel
# as needing 11.0 (packaging's mac_platforms yields 10.x tags only for x86_64).
ARM64_MACOS_FLOOR = (11, 0)


def parse_platform(text: str) -> PlatformTag:
    """What one platform tag says; an unknown tag is kind "other" (judged by nothing)."""
    tag = text.lower()
    if tag == "any":
        return PlatformTag(text, "any")
    found = _PEP600.match(tag)
    if found:
        kind, major, minor, arch = found.group(1), int(found.group(2)), int(found.group(3)), found.group(4)
        return PlatformTag(text, kind, arch, (major, minor), f"{kind}_{major}_{minor}")
    found = _LEGACY.match(tag)
    if found:
        version = LEGACY_MANYLINUX[found.group(1)]
        return PlatformTag(text, "manylinux", found.group(2), version, f"manylinux_{version[0]}_{version[1]}")
    found = _MACOS.match(tag)
    if found:
        return PlatformTag(text, "macosx", found.group(3), (int(found.group(1)), int(found.group(2))))
    if tag in WINDOWS_MACHINES:
        return PlatformTag(text, "windows", tag)
    if tag.startswith("linux_"):
        return PlatformTag(text, "linux", tag[len("linux_") :])
    return PlatformTag(text, "other")


# Platform kinds whose tag names a Linux policy (a C library and its version): LG106 judges ELF files against it.
PORTABLE_LINUX = frozenset({"manylinux", "musllinux"})


def macos_slices(arch: str) -> FrozenSet[str]:
    """The Mach-O slices a macOS tag's architecture promises: a group's members, or the one architecture."""
    return MACOS_ARCH_GROUPS.get(arch, frozenset({arch}))


def windows_python_dll(abi: str) -> Optional[str]:
    """The CPython DLL an ABI tag binds a Windows extension to: `abi3` -> python3.dll, `cp312` -> python312.dll,
    `cp313t` -> python313t.dll (the free-threaded build); None for an ABI that names no CPython DLL."""
    if abi == "abi3":
        return "python3.dll"
    found = re.match(r"^cp3([0-9]+)(t?)$", abi)
    if found:
        return f"python3{found.group(1)}{found.group(2)}.dll"
    return None


PYTHON_DLL = re.compile(r"^python3[0-9]*t?\.dll$", re.IGNORECASE)

# ----------------------------------------------------------------------------------- manylinux policies


@dataclass(frozen=True)
class WheelPolicy:
    """One manylinux/musllinux policy as auditwheel defines it (data/wheel_policies.json)."""

    name: str  # "manylinux_2_17", "musllinux_1_2", "linux"
    aliases: Tuple[str, ...]
    priority: int  # higher is older and more portable; `linux` is 0
    symbol_versions: Mapping[str, Mapping[str, FrozenSet[str]]]  # arch -> prefix -> versions ("2.17")
    whitelist: FrozenSet[str]
    blacklist: Mapping[str, FrozenSet[str]]  # library -> symbols a wheel must not take from it

    def tag(self, arch: str) -> str:
        return f"{self.name}_{arch}"


@functools.cache
def _document() -> Mapping[str, object]:
    text = resources.files("linkguard").joinpath("data").joinpath("wheel_policies.json").read_text(encoding="utf-8")
    loaded: Mapping[str, object] = json.loads(text)
    return loaded


def policy_source() -> str:
    """Where the policies came from: "auditwheel 6.8.2 (tools/wheel_policies.py)"."""
    source = _document()["source"]
    assert isinstance(source, dict)
    return f"auditwheel {source['auditwheel']} ({source['generated_by']})"


@functools.cache
def policies(family: str) -> Tuple[WheelPolicy, ...]:
    """The policies of "manylinux" or "musllinux", `linux` first, then by rising priority (auditwheel's order)."""
    raw = _document()[family]
    assert isinstance(raw, list)
    loaded = [
        WheelPolicy(
            name=entry["name"],
            aliases=tuple(entry["aliases"]),
            priority=int(entry["priority"]),
            symbol_versions={
                arch: {prefix: frozenset(versions) for prefix, versions in prefixes.items()}
                for arch, prefixes in entry["symbol_versions"].items()
            },
            whitelist=frozenset(entry["lib_whitelist"]),
            blacklist={library: frozenset(symbols) for library, symbols in entry["blacklist"].items()},
        )
        for entry in raw
    ]
    return tuple(sorted(loaded, key=lambda policy: policy.priority))


def policy_named(family: str, name: str) -> Optional[WheelPolicy]:
    for policy in policies(family):
        if policy.name == name or name in policy.aliases:
            return policy
    return None


# auditwheel's Architecture.baseline names, from linkguard's ELF facts (machine, bits, endian).
def policy_arch(facts: ElfFacts) -> Optional[str]:
    """The auditwheel architecture of an ELF (`i686` for i386, `ppc64le`, `armv7l`, ...), None when it has none."""
    machine, bits, endian = facts.machine, facts.bits, facts.endian
    if machine == "x86_64" and bits == 64:
        return "x86_64"
    if machine == "i386":
        return "i686"
    if machine == "aarch64":
        return "aarch64"
    if machine == "arm" and bits == 32:
        return "armv7l"
    if machine == "ppc64":
        return "ppc64le" if endian == "little" else "ppc64"
    if machine == "s390" and bits == 64:
        return "s390x"
    if machine == "riscv" and bits == 64:
        return "riscv64"
    if machine == "loongarch" and bits == 64:
        return "loongarch64"
    return None


# The names musl's C library goes by in a musllinux wheel's needs (auditwheel's _fixup_musl_libc_soname).
MUSL_LIBC = {
    "x86_64": "libc.musl-x86_64.so.1",
    "i686": "libc.musl-x86.so.1",
    "aarch64": "libc.musl-aarch64.so.1",
    "s390x": "libc.musl-s390x.so.1",
    "ppc64le": "libc.musl-ppc64le.so.1",
    "armv7l": "libc.musl-armv7.so.1",
    "riscv64": "libc.musl-riscv64.so.1",
    "loongarch64": "libc.musl-loongarch64.so.1",
}


# The ELF interpreter of each policy architecture, as a DT_NEEDED names it (glibc's sysdeps */shlib-versions `ld=`
# lines; musl's `ld-musl-$(ARCH).so.1`, which on a musl system is the C library itself). auditwheel never counts
# the interpreter against a policy's whitelist (policy/__init__.py filter_libs: "always exclude ELF dynamic
# linker/loader": any name containing `ld-linux`, and `ld64.so.1`/`ld64.so.2`): the system that runs the wheel
# always has it, so a wheel's binary needing it is provided by the OS (`is_loader` is the same test, for LG106).
GLIBC_LOADERS: Mapping[str, FrozenSet[str]] = {
    "x86_64": frozenset({"ld-linux-x86-64.so.2"}),
    "i686": frozenset({"ld-linux.so.2"}),
    "aarch64": frozenset({"ld-linux-aarch64.so.1"}),
    "armv7l": frozenset({"ld-linux-armhf.so.3", "ld-linux.so.3"}),
    "ppc64le": frozenset({"ld64.so.2"}),
    "ppc64": frozenset({"ld64.so.1"}),
    "s390x": frozenset({"ld64.so.1"}),
    "riscv64": frozenset({"ld-linux-riscv64-lp64d.so.1", "ld-linux-riscv64-lp64.so.1"}),
    "loongarch64": frozenset({"ld-linux-loongarch-lp64d.so.1"}),
}


# musl's interpreter, `ld-musl-$(ARCH)$(SUBARCH).so.1` (musl's Makefile LDSO_PATHNAME; its ARCH names differ from
# Alpine's `libc.musl-<arch>` names: i386, armhf, powerpc64le).
MUSL_LOADERS: Mapping[str, str] = {
    "x86_64": "ld-musl-x86_64.so.1",
    "i686": "ld-musl-i386.so.1",
    "aarch64": "ld-musl-aarch64.so.1",
    "s390x": "ld-musl-s390x.so.1",
    "ppc64le": "ld-musl-powerpc64le.so.1",
    "armv7l": "ld-musl-armhf.so.1",
    "riscv64": "ld-musl-riscv64.so.1",
    "loongarch64": "ld-musl-loongarch64.so.1",
}


def loaders(family: str, arch: str) -> FrozenSet[str]:
    """The interpreter names of a policy family on one architecture."""
    if family == "musllinux":
        return frozenset({MUSL_LOADERS[arch]}) if arch in MUSL_LOADERS else frozenset()
    return GLIBC_LOADERS.get(arch, frozenset())


def whitelist(family: str, policy: WheelPolicy, arch: str) -> FrozenSet[str]:
    """The libraries a policy lets a wheel take from the system, with musl's libc under both of its names.

    auditwheel 6.8.2 (policy/__init__.py _fixup_musl_libc_soname) replaces the policy's `libc.so` with Alpine's
    `libc.musl-<arch>.so.1`; linkguard keeps both. A module linked against upstream musl (Rust's and zig's musl
    targets) needs `libc.so`, which musl's loader resolves to itself by name (ldso/dynlink.c load_library, its
    reserved names "c.pthread.rt.m.dl.util.xnet."), so the wheel loads on every musl system; maturin's own audit
    accepts it (PyO3/maturin#642). `auditwheel show` calls such a wheel linux_<arch>: docs/packages-truth.md.
    """
    if family != "musllinux":
        return policy.whitelist
    names = set(policy.whitelist)
    if "libc.so" in names and arch in MUSL_LIBC:
        names.add(MUSL_LIBC[arch])
    return frozenset(names)


def is_loader(need: str) -> bool:
    """auditwheel never counts the ELF interpreter as a library the wheel needs (ld-linux*, ld64.so.1/2)."""
    return "ld-linux" in need or need in ("ld64.so.1", "ld64.so.2")


def elf_libc(facts: ElfFacts) -> Optional[str]:
    """The C library an ELF is built for, from its interpreter or its needs: "glibc", "musl" or None."""
    from_interpreter = facts.libc_from_interpreter
    if from_interpreter:
        return from_interpreter
    for need in facts.needed:
        if need == "libc.so.6":
            return "glibc"
        if need == "libc.so" or need.startswith("libc.musl-"):
            return "musl"
    return None


@dataclass(frozen=True)
class PolicyCheck:
    """Why one ELF is or is not consistent with one policy (the parts of auditwheel's overall policy)."""

    policy: WheelPolicy
    versions: Tuple[str, ...]  # symbol versions the policy lacks: "libc.so.6: GLIBC_2.28"
    external: Tuple[str, ...]  # needed libraries outside the whitelist and not bundled
    blacklisted: Tuple[str, ...]  # "libz.so.1: _tr_align"

    @property
    def consistent(self) -> bool:
        return not (self.versions or self.external or self.blacklisted)


def check_policy(family: str, policy: WheelPolicy, arch: str, facts: ElfFacts, bundled: FrozenSet[str]) -> PolicyCheck:
    """One ELF against one policy, as auditwheel's symbol, reference (no grafting) and blacklist policies judge it.

    `bundled` are the needs the wheel itself satisfies (auditwheel's "RPATH FTW": resolved inside the wheel).
    """
    if policy.name == "linux":
        return PolicyCheck(policy, (), (), ())
    known = policy.symbol_versions.get(arch, {})
    missing_versions: List[str] = []
    for need in facts.version_needs:
        if is_loader(need.library):
            continue
        prefix = need.version.partition("_")[0]
        if prefix in known and need.version[len(prefix) + 1 :] not in known[prefix]:
            missing_versions.append(f"{need.library}: {need.version}")
    allowed = whitelist(family, policy, arch)
    external = tuple(
        need for need in facts.needed if not is_loader(need) and need not in allowed and need not in bundled
    )
    blacklisted: List[str] = []
    for library, symbols in policy.blacklist.items():
        if library not in facts.needed:
            continue
        taken = {symbol for need in facts.version_needs if need.library == library for symbol in need.symbols}
        blacklisted.extend(f"{library}: {symbol}" for symbol in sorted(taken & symbols))
    return PolicyCheck(policy, tuple(dict.fromkeys(missing_versions)), external, tuple(blacklisted))


def highest_consistent(
    family: str, arch: str, facts: ElfFacts, bundled: FrozenSet[str], only: Optional[str] = None
) -> Tuple[WheelPolicy, Tuple[PolicyCheck, ...]]:
    """The most portable policy this ELF is consistent with (auditwheel show's "consistent with the following
    platform tag"), and the check of every policy tried, most portable first.

    auditwheel's overall policy is the minimum (by priority) of the symbol policy, the reference policy (no
    external library, as `show` never grafts) and the blacklist policy; each of them is the highest-priority
    policy that passes its own test, so the minimum is taken part by part. For musllinux only the `linux` policy
    and the one named `only` (the wheel's, as auditwheel takes it from the file name) are tried.
    """
    candidates = [p for p in policies(family) if p.name == "linux" or arch in p.symbol_versions]
    if only is not None:
        candidates = [p for p in candidates if p.name in ("linux", only)]
    checks = tuple(check_policy(family, p, arch, facts, bundled) for p in reversed(candidates))
    linux = candidates[0]

    def best(passes: Iterable[bool]) -> WheelPolicy:
        return max((c.policy for c, ok in zip(checks, passes) if ok), key=lambda p: p.priority, default=linux)

    symbol_policy = best(not c.versions for c in checks)
    reference_policy = best(not c.external for c in checks)
    blacklist_policy = best(not c.blacklisted for c in checks)
    overall = min((symbol_policy, reference_policy, blacklist_policy), key=lambda p: p.priority)
    return overall, checks


# ------------------------------------------------------------------------------------------ os_provided


def package_platforms(package: PackageInfo) -> Tuple[PlatformTag, ...]:
    """The distinct platform tags a package declares, in their order."""
    seen: Dict[str, PlatformTag] = {}
    for text in package.tags:
        for tag in expand_tags(text) or ():
            seen.setdefault(tag.platform, parse_platform(tag.platform))
    return tuple(seen.values())


def os_provided(package: PackageInfo, facts: ElfFacts | PeFacts | MachoFacts) -> FrozenSet[str]:
    """The libraries the platform the package declares provides to this binary (a manylinux policy's whitelist,
    and the ELF interpreter of the binary's architecture, which auditwheel never counts against it).

    Only an ELF in a wheel tagged manylinux/musllinux has any. With several such tags every one is a promise, so the
    most portable policy's whitelist (the smallest: PEP 600 whitelists only grow) is what the system provides.
    """
    if package.kind != "wheel" or not isinstance(facts, ElfFacts):
        return frozenset()
    arch = policy_arch(facts)
    provided: Optional[FrozenSet[str]] = None
    for tag in package_platforms(package):
        if tag.kind not in ("manylinux", "musllinux") or tag.policy is None:
            continue
        policy = policy_named(tag.kind, tag.policy)
        if policy is None:
            continue
        tag_arch = arch or tag.arch or ""
        names = whitelist(tag.kind, policy, tag_arch) | loaders(tag.kind, tag_arch)
        provided = names if provided is None else provided & names
    return provided or frozenset()


# ----------------------------------------------------------------------------------------------- npm


# npm's `os` names (process.platform) a binary format runs on. An ELF's OS/ABI byte is not among the facts, so an
# ELF counts for every ELF system npm names.
NPM_OS_OF_FORMAT: Mapping[str, FrozenSet[str]] = {
    "pe": frozenset({"win32"}),
    "macho": frozenset({"darwin"}),
    "elf": frozenset({"linux", "android", "freebsd", "openbsd", "netbsd", "sunos"}),
}
# npm's `cpu` names (process.arch) for linkguard's machine names.
NPM_CPU: Mapping[str, str] = {
    "x86_64": "x64",
    "i386": "ia32",
    "aarch64": "arm64",
    "arm64": "arm64",
    "arm64e": "arm64",
    "arm": "arm",
    "ppc64": "ppc64",
    "s390": "s390x",
    "riscv": "riscv64",
    "loongarch": "loong64",
    "mips": "mips",
}
# Every value npm knows for each field, so that a negation-only list (`["!win32"]`) says where it installs.
NPM_ALL_OS = frozenset({"aix", "android", "darwin", "freebsd", "linux", "openbsd", "netbsd", "sunos", "win32"})
NPM_ALL_CPU = frozenset(
    {"arm", "arm64", "ia32", "loong64", "mips", "mipsel", "ppc", "ppc64", "riscv64", "s390", "s390x", "x64"}
)
NPM_ALL_LIBC = frozenset({"glibc", "musl"})


def npm_installs_on(values: Sequence[str], universe: FrozenSet[str]) -> FrozenSet[str]:
    """Where a package.json `os`/`cpu`/`libc` list lets npm install: the names listed, less every `!name`; a
    list of negations only means everything else. An empty list (or no field) means everywhere."""
    wanted = {v for v in values if not v.startswith("!")}
    blocked = {v[1:] for v in values if v.startswith("!")}
    base = set(wanted) if wanted else set(universe)
    return frozenset(base - blocked)
