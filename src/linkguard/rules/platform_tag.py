"""LG106 platform-tag: the package promises more than its binaries deliver (wheel tags, abi3, npm os/cpu/libc).

A wheel's platform tag tells pip where to install it; npm's `os`/`cpu`/`libc` tell npm. Neither installer looks
inside. This rule compares every promise with each binary's facts: a manylinux/musllinux policy as auditwheel
defines it (packages/tags.py), a macOS version and slice set, a Windows machine, the CPython DLL an ABI tag binds
a Windows extension to, and npm's three fields. What it does not check is listed in docs/packages.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import FrozenSet, Iterator, List, Optional, Sequence, Tuple, Union

from linkguard import versions
from linkguard.model import (
    ElfFacts,
    Finding,
    Inspection,
    MachoFacts,
    PackageInfo,
    PeFacts,
    Placement,
    Severity,
    host_from_entries,
)
from linkguard.packages import tags
from linkguard.policy import PathPolicy
from linkguard.remedies import Explanation
from linkguard.rules.base import RuleSpec

Binary = Union[ElfFacts, PeFacts, MachoFacts]

# Fixes that a fixture in tests/data/tags shows working here (the "after" build is judged consistent by the
# independent tool); every other fix says "not proven here".
PROVEN_ZIG = "proven here: tests/data/tags ext-x86_64-glibc217.so, built so, is manylinux2014 per auditwheel show"
PROVEN_REPAIR = "proven here: tests/data/tags wheels/repair, the repaired wheel, is manylinux2014 per auditwheel show"
NOT_PROVEN = "not proven here"
LIBPYTHON = re.compile(r"^libpython[0-9]+\.[0-9]+m?\.so(\.[0-9])*$")  # auditwheel's LIBPYTHON_RE


@dataclass(frozen=True)
class Broken:
    """One promise one binary does not keep."""

    remedy: str  # stable id of the fix below
    promise: str  # what the tag says, in its own words
    needs: str  # what the binary needs instead
    evidence: Tuple[str, ...]
    cause: str
    fix: str


class PlatformTag:
    spec = RuleSpec(
        code="LG106",
        name="platform-tag",
        default_severity=Severity.ERROR,
        summary="The package's declared platform (wheel tag, abi3, npm os/cpu/libc) promises more than its binaries "
        "deliver.",
        description=(
            "pip installs a wheel wherever its platform tag matches and npm installs a package wherever its "
            "`os`/`cpu`/`libc` match; neither looks at the binaries. A wheel tagged `manylinux2014` whose extension "
            "needs `GLIBC_2.28`, a `macosx_10_9` wheel whose dylib has minos 11.0, an `abi3` wheel whose `.pyd` "
            "imports `python312.dll`, or an npm package declared `cpu: [x64]` holding an arm64 binary installs "
            "cleanly and fails at import. The manylinux/musllinux policies are auditwheel's own (library "
            "whitelist, symbol versions per architecture, blacklisted symbols); the evidence names the most "
            "portable tag the binary is consistent with, as `auditwheel show` computes it."
        ),
        help_markdown=(
            "Rebuild for the platform the tag declares (the manylinux image of that tag under cibuildwheel, "
            "`zig cc -target x86_64-linux-gnu.2.17`, `maturin build --compatibility manylinux2014 --zig`, "
            "`MACOSX_DEPLOYMENT_TARGET`), bundle what the policy does not allow (`auditwheel repair --plat ...`, "
            "`delocate-wheel`, `delvewheel repair`), or declare what the binaries really need (the tag "
            "`auditwheel show` reports, the right npm `os`/`cpu`/`libc`)."
        ),
        security_severity=None,  # portability, not security
    )
    placed = True

    def check(self, inspection: Inspection, policy: PathPolicy, severity: Severity) -> Iterator[Finding]:
        """Outside a package nothing is declared: nothing to check."""
        return iter(())

    def check_placed(
        self, inspection: Inspection, policy: PathPolicy, severity: Severity, placement: Optional[Placement]
    ) -> Iterator[Finding]:
        if placement is None or placement.package is None:
            return
        if not isinstance(inspection, (ElfFacts, PeFacts, MachoFacts)):
            return
        for broken in judge(placement.package, inspection, bundled_needs(placement)):
            yield self.spec.finding(
                severity,
                f"{broken.promise}, but {broken.needs}",
                evidence=broken.evidence,
                explanation=Explanation(broken.remedy, broken.cause, broken.fix, (f"declared: {broken.promise}",)),
                through_packing=isinstance(inspection, ElfFacts) and inspection.effective is not inspection,
            )


def bundled_needs(placement: Placement) -> FrozenSet[str]:
    """The needs the package itself satisfies (auditwheel's "RPATH FTW": resolved inside the wheel)."""
    return frozenset(p.need for p in placement.provisions if (p.provided_by or "").startswith("bundled:"))


def judge(package: PackageInfo, facts: Binary, bundled: FrozenSet[str]) -> List[Broken]:
    """Every promise of `package` that this binary breaks, one per distinct promise."""
    if isinstance(facts, ElfFacts):
        facts = facts.effective
    if package.kind == "wheel":
        return _wheel(package, facts, bundled)
    if package.kind == "npm":
        return _npm(package, facts)
    return []


# ------------------------------------------------------------------------------------------------- wheels


def _wheel(package: PackageInfo, facts: Binary, bundled: FrozenSet[str]) -> List[Broken]:
    found: List[Broken] = []
    seen: set[str] = set()
    for tag in tags.package_platforms(package):
        broken = _platform(tag, facts, bundled)
        # manylinux_2_17_x86_64 and manylinux2014_x86_64 are one policy: one finding
        key = f"{tag.kind}:{tag.policy or tag.version}:{tag.arch}:{broken.remedy if broken else ''}"
        if broken is not None and key not in seen:
            seen.add(key)
            found.append(broken)
    found.extend(_abi(package, facts))
    return found


def _platform(tag: tags.PlatformTag, facts: Binary, bundled: FrozenSet[str]) -> Optional[Broken]:
    if tag.kind == "any":
        if not _extension_module(facts):
            return None  # a program or library carried as data (see _extension_module)
        return Broken(
            "wheel-pure-tag",
            "the wheel is tagged `any` (pure Python, every platform)",
            f"this file is native code ({_describe(facts)})",
            (),
            "a platform-independent tag on a wheel that carries a binary: pip installs it everywhere",
            "build a platform wheel (setuptools: an Extension or `has_ext_modules`; cibuildwheel builds one per "
            f"platform) ({NOT_PROVEN})",
        )
    if tag.kind == "other":
        return None
    expected = {"manylinux": "elf", "musllinux": "elf", "linux": "elf", "macosx": "macho", "windows": "pe"}[tag.kind]
    if _format(facts) != expected:
        if not _extension_module(facts):
            return None  # another system's program or library, carried as data (see _extension_module)
        return Broken(
            "wheel-format",
            f"tagged `{tag.text}` (a {_FORMAT_NAMES[expected]} platform)",
            f"this file is {_describe(facts)}",
            (),
            "the wheel was built or tagged for another operating system than its binaries'",
            f"build the wheel on (or for) the platform of its tag; cibuildwheel builds one wheel per platform "
            f"({NOT_PROVEN})",
        )
    if isinstance(facts, ElfFacts):
        return _linux(tag, facts, bundled)
    if isinstance(facts, MachoFacts):
        return _macos(tag, facts)
    if isinstance(facts, PeFacts):
        return _windows(tag, facts)
    return None


_FORMAT_NAMES = {"elf": "Linux (ELF)", "macho": "macOS (Mach-O)", "pe": "Windows (PE)"}


def _extension_module(facts: Binary) -> bool:
    """Whether CPython imports this binary: it exports `PyInit_*` (readers/exports.py), the way hosts.py recognises
    an extension module. Only such a module breaks a wheel's promise by being native code of one system: `import`
    fails everywhere else. Other binaries of a wheel are programs and libraries that the package runs or loads
    where it chooses, and wheels carry them for other systems as data: setuptools' pure wheels hold its Windows
    script launchers (`setuptools/cli-64.exe`, `gui-arm64.exe`, ...), which it copies only when installing on
    Windows; clr_loader's pure wheel holds .NET assemblies for every platform. Those are judged by the other rules,
    as files of their own system."""
    return host_from_entries(facts.effective.host_entries) == "cpython"


def _format(facts: Binary) -> str:
    if isinstance(facts, ElfFacts):
        return "elf"
    return "pe" if isinstance(facts, PeFacts) else "macho"


def _describe(facts: Binary) -> str:
    if isinstance(facts, ElfFacts):
        libc = tags.elf_libc(facts)
        return f"an ELF for {facts.machine}" + (f" ({libc})" if libc else "")
    if isinstance(facts, PeFacts):
        return f"a PE for {facts.machine}"
    return f"a Mach-O for {facts.machine}"


def _linux(tag: tags.PlatformTag, facts: ElfFacts, bundled: FrozenSet[str]) -> Optional[Broken]:
    arch = tags.policy_arch(facts)
    if arch is None or arch != tag.arch:
        return Broken(
            "wheel-arch",
            f"tagged `{tag.text}` ({tag.arch})",
            f"this file is an ELF for {facts.machine} ({facts.bits}-bit, {facts.endian}-endian)",
            (),
            "the binary was built for another architecture than the wheel's tag",
            f"build for {tag.arch} (cibuildwheel `CIBW_ARCHS_LINUX={tag.arch}`, `zig cc -target {tag.arch}-linux-gnu"
            f"`) or tag the wheel for {arch or facts.machine} ({NOT_PROVEN})",
        )
    libc = tags.elf_libc(facts)
    if tag.kind == "linux":
        overall, _ = tags.highest_consistent("manylinux", arch, facts, bundled)
        portable = overall.tag(arch)
        return Broken(
            "wheel-linux-tag",
            f"tagged `{tag.text}`",
            "that is not a portable tag: pip installs it on every Linux of that architecture, whatever its C "
            "library and version",
            (f"auditwheel would call it consistent with: {portable}", f"policies: {tags.policy_source()}"),
            "`linux_*` is what a plain `bdist_wheel` writes on Linux; PyPI refuses it",
            f"`auditwheel repair --plat {portable if overall.name != 'linux' else 'manylinux_2_17_' + arch} <wheel>` "
            f"(cibuildwheel runs it by default) ({PROVEN_REPAIR})",
        )
    family = tag.kind
    wanted = "musl" if family == "musllinux" else "glibc"
    if libc is not None and libc != wanted:
        return Broken(
            "wheel-libc",
            f"tagged `{tag.text}` ({wanted})",
            f"this file is built for {libc}",
            tuple(f"needs {need}" for need in facts.needed if need.startswith("libc.")),
            f"a {libc} binary in a {family} wheel: it does not load where pip installs the wheel",
            f"build in the {family} image of the tag (cibuildwheel `CIBW_BUILD=*-{family}_*`) or with "
            f"`zig cc -target {arch}-linux-{'musl' if wanted == 'musl' else 'gnu.2.17'}` ({NOT_PROVEN})",
        )
    policy = tags.policy_named(family, tag.policy or "")
    if policy is None:
        return None  # a policy auditwheel does not know (manylinux_2_99): nothing to compare with
    only = policy.name if family == "musllinux" else None
    overall, checks = tags.highest_consistent(family, arch, facts, bundled, only=only)
    if overall.priority >= policy.priority:
        return None
    check = next(c for c in checks if c.policy is policy)
    if check.consistent:  # cannot happen while policies only grow (PEP 600, auditwheel validates it): a guard
        return None
    portable = overall.tag(arch)
    evidence = (
        *(f"needs {line}, above {policy.name}" for line in check.versions),
        *(f"needs {name}: not in the {policy.name} whitelist and not bundled" for name in check.external),
        *(f"takes blacklisted symbol {line}" for line in check.blacklisted),
        f"auditwheel would call it consistent with: {portable}",
        f"policies: {tags.policy_source()}",
    )
    needs: List[str] = []
    if check.versions:
        needs.append("needs " + ", ".join(sorted({line.split(": ")[1] for line in check.versions})))
    if check.external:
        needs.append("needs " + ", ".join(check.external) + " (not bundled)")
    if check.blacklisted:
        needs.append("takes blacklisted symbols")
    if check.versions or check.blacklisted:
        floor = f"{tag.version[0]}.{tag.version[1]}" if tag.version else "2.17"
        cause = f"built against a newer C runtime than {policy.name} allows"
        fix = (
            f"rebuild in the {policy.name} image (cibuildwheel `CIBW_MANYLINUX_{arch.upper()}_IMAGE="
            f"{policy.aliases[0] if policy.aliases else policy.name}`), or with `zig cc -target {arch}-linux-gnu."
            f"{floor}` (maturin: `--compatibility {policy.name} --zig`) ({PROVEN_ZIG}); or declare what it needs: "
            f"`auditwheel repair --plat {portable}`"
        )
        remedy = "wheel-glibc-floor"
    elif any(LIBPYTHON.match(name) for name in check.external):
        cause = (
            "an extension module linked against libpython: the interpreter that imports it provides those "
            "symbols, and many Pythons (the manylinux images', conda's, a static build) have no libpython to load"
        )
        fix = (
            "link without libpython (`python3-config --ldflags` without `--embed`; setuptools and maturin do "
            f"not add it); `auditwheel repair` drops the need ({NOT_PROVEN})"
        )
        remedy = "wheel-libpython"
    else:
        cause = "the binary needs a library the policy does not let a wheel take from the system"
        fix = (
            f"`auditwheel repair --plat {tag.text} <wheel>` copies {', '.join(check.external)} into the wheel's "
            f"`.libs/` and sets RUNPATH (cibuildwheel runs it by default) ({PROVEN_REPAIR})"
        )
        remedy = "wheel-external-library"
    return Broken(remedy, f"tagged `{tag.text}`", "; ".join(needs), evidence, cause, fix)


def _macos(tag: tags.PlatformTag, facts: MachoFacts) -> Optional[Broken]:
    promised = tags.macos_slices(tag.arch or "")
    present = {s.machine for s in facts.slices}
    missing = sorted(promised - present)
    declared = tag.version or (0, 0)
    if missing:
        return Broken(
            "wheel-macos-slices",
            f"tagged `{tag.text}` (slices: {', '.join(sorted(promised))})",
            f"this file has only {', '.join(sorted(present)) or 'no slice'}",
            tuple(f"no {arch} slice" for arch in missing),
            "a multi-architecture tag on a binary built for fewer architectures",
            f"build every slice (`ARCHFLAGS='-arch x86_64 -arch arm64'`, cibuildwheel `CIBW_ARCHS_MACOS=universal2`) "
            f"or `delocate-merge` the per-architecture wheels, or tag the wheel for {', '.join(sorted(present))} "
            f"({NOT_PROVEN})",
        )
    over: List[str] = []
    for piece in facts.slices:
        if piece.machine not in promised:
            continue
        floor = max(declared, tags.ARM64_MACOS_FLOOR) if piece.machine in ("arm64", "arm64e") else declared
        minos = versions.numeric_prefix(piece.minos or "")
        if minos and minos > floor:
            over.append(f"{piece.machine}: minos {piece.minos} > {floor[0]}.{floor[1]}")
    if not over:
        return None
    target = f"{declared[0]}.{declared[1]}"
    return Broken(
        "wheel-macos-minos",
        f"tagged `{tag.text}` (macOS {target})",
        "needs a newer macOS: " + ", ".join(over),
        tuple(over),
        "built with a newer deployment target than the tag declares (a new SDK's default, or a dependency)",
        f"rebuild with `MACOSX_DEPLOYMENT_TARGET={target}` (cibuildwheel sets it from its own default; "
        f"`zig cc -target x86_64-macos.{target}`), or let `delocate-wheel` re-tag the wheel to the minos its "
        f"binaries need ({NOT_PROVEN})",
    )


def _windows(tag: tags.PlatformTag, facts: PeFacts) -> Optional[Broken]:
    wanted = tags.WINDOWS_MACHINES[tag.text.lower()]
    if facts.machine == wanted:
        return None
    return Broken(
        "wheel-windows-machine",
        f"tagged `{tag.text}` ({wanted})",
        f"this file is a PE for {facts.machine}",
        (),
        "the module was built for another machine than the wheel's tag",
        f"build for {wanted} (cibuildwheel `CIBW_ARCHS_WINDOWS`, MSVC's matching `vcvarsall` host/target, "
        f"`zig cc -target {'x86' if wanted == 'i386' else wanted}-windows-gnu`) ({NOT_PROVEN})",
    )


def _abi(package: PackageInfo, facts: Binary) -> List[Broken]:
    """The ABI tag against the CPython DLL a Windows extension imports (abi3audit's check on Windows).

    On Linux and macOS an extension takes CPython's symbols from the interpreter without naming a library, and
    abi3audit then checks each symbol against the limited API: linkguard's facts carry no unversioned symbol list,
    so that is not checked (docs/packages.md).
    """
    if not isinstance(facts, PeFacts):
        return []
    imported = [imp.dll for imp in facts.imports if tags.PYTHON_DLL.match(imp.dll)]
    if not imported:
        return []
    found: List[Broken] = []
    abis = dict.fromkeys(t.abi for text in package.tags for t in tags.expand_tags(text))
    for abi in abis:
        expected = tags.windows_python_dll(abi)
        if expected is None:
            continue
        if abi == "abi3":
            wrong = [dll for dll in imported if dll.lower() != "python3.dll"]
            if wrong:
                found.append(
                    Broken(
                        "wheel-abi3",
                        "tagged `abi3` (one build for every CPython 3 from its minimum)",
                        f"this module imports {', '.join(wrong)}, which only that one CPython version ships",
                        tuple(f"imports {dll}" for dll in imported),
                        "built without the limited API: linked against the version-specific python3X.lib",
                        "define `Py_LIMITED_API` (setuptools `py_limited_api=True` with `define_macros=[('Py_LIMITED_"
                        "API', '0x030800f0')]`; PyO3/maturin `abi3-py38` feature) so the module links python3.lib, "
                        f"or drop the abi3 tag ({NOT_PROVEN})",
                    )
                )
            continue
        wrong = [dll for dll in imported if dll.lower() not in (expected, "python3.dll")]
        if wrong:
            found.append(
                Broken(
                    "wheel-cpython-dll",
                    f"tagged `{abi}` (loaded by CPython's {expected})",
                    f"this module imports {', '.join(wrong)}",
                    tuple(f"imports {dll}" for dll in imported),
                    "the module was built against another CPython than its ABI tag names",
                    f"build it with the CPython of its tag (cibuildwheel `CIBW_BUILD={abi}-*`) or tag it for the "
                    f"DLL it imports ({NOT_PROVEN})",
                )
            )
    return found


# ---------------------------------------------------------------------------------------------------- npm


def _binary_cpus(facts: Binary) -> Tuple[str, ...]:
    if isinstance(facts, MachoFacts):
        machines: Sequence[str] = [s.machine for s in facts.slices]
    else:
        machines = [facts.machine]
    return tuple(dict.fromkeys(tags.NPM_CPU.get(m, m) for m in machines))


def _npm(package: PackageInfo, facts: Binary) -> List[Broken]:
    found: List[Broken] = []
    binary_os = tags.NPM_OS_OF_FORMAT[_format(facts)]
    if package.os:
        installs = tags.npm_installs_on(package.os, tags.NPM_ALL_OS)
        if not binary_os & installs:
            found.append(
                Broken(
                    "npm-os",
                    f"package.json declares os {list(package.os)}",
                    f"this file is {_describe(facts)}, for {', '.join(sorted(binary_os))}",
                    (f"npm installs it on: {', '.join(sorted(installs))}",),
                    "the package's `os` does not name the system its binary runs on",
                    f'set `"os"` to {sorted(binary_os & {"linux", "darwin", "win32"})} or put the right binary in '
                    f"the package (prebuildify/node-gyp `--platform`, goreleaser per-OS packages) ({NOT_PROVEN})",
                )
            )
    cpus = _binary_cpus(facts)
    if package.cpu:
        installs = tags.npm_installs_on(package.cpu, tags.NPM_ALL_CPU)
        if not set(cpus) & installs:
            found.append(
                Broken(
                    "npm-cpu",
                    f"package.json declares cpu {list(package.cpu)}",
                    f"this file is {_describe(facts)} ({', '.join(cpus)} in npm's names)",
                    (f"npm installs it on: {', '.join(sorted(installs))}",),
                    "the package's `cpu` does not name the machine its binary was built for",
                    f'set `"cpu"` to {list(cpus)} or build for the declared cpu (`prebuildify --arch`, '
                    f"`node-gyp rebuild --arch`, `zig cc -target`) ({NOT_PROVEN})",
                )
            )
    if package.libc and isinstance(facts, ElfFacts):
        libc = tags.elf_libc(facts)
        installs = tags.npm_installs_on(package.libc, tags.NPM_ALL_LIBC)
        if libc is not None and libc not in installs:
            found.append(
                Broken(
                    "npm-libc",
                    f"package.json declares libc {list(package.libc)}",
                    f"this file is built for {libc}",
                    tuple(f"needs {need}" for need in facts.needed if need.startswith("libc.")),
                    "the package's `libc` does not name the C library its binary links",
                    f'set `"libc"` to ["{libc}"] or build for the declared one (`zig cc -target '
                    f"<arch>-linux-{'musl' if libc == 'glibc' else 'gnu'}`, prebuildify `--tag-libc`) ({NOT_PROVEN})",
                )
            )
    return found
