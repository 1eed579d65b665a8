"""Frozen data passed between layers: inputs -> inspect -> rules -> report.

Inspection produces facts (no judgement); rules turn facts into findings; reporters render a Report.
Nothing here reads bytes or prints.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import IO, Mapping, Optional, Protocol, Set, Tuple, Union

# Linkage values (DESIGN.md vocabulary). "object" covers ET_REL/ET_CORE, which are not run as programs, and a
# program or library whose code is not in the file (a detached debug-info file: readers/elf.py holds_no_code).
STATIC = "static"
STATIC_PIE = "static-pie"
DYNAMIC = "dynamic"
SHARED_LIBRARY = "shared-library"
OBJECT = "object"
SELF_CONTAINED = (STATIC, STATIC_PIE)


def libc_from_interpreter(interpreter: Optional[str]) -> Optional[str]:
    """The C library a program interpreter belongs to: "musl", "glibc", or None (another system's loader)."""
    interp = interpreter or ""
    if "ld-musl" in interp:
        return "musl"
    if "ld-linux" in interp or interp.endswith("/ld.so.1") or "ld64.so" in interp:
        return "glibc"
    return None


# The exported names that name the program which loads a plugin (readers/exports.py reads them; a Mach-O name
# carries one more leading underscore): CPython's PyInit_<module> (PEP 489), Node-API's napi_register_module_v1
# and a context-aware Node addon's node_register_module_v<ABI>.
HOST_ENTRIES = (("cpython", "PyInit_"), ("node", "napi_register_module_v"), ("node", "node_register_module_v"))


# The undefined names that only a host defines, for a plugin that exports no entry (readers/exports.py,
# packages/hosts.py): Node-API's functions (`napi_module_register` from a constructor, as node-addon-api's and
# node-gyp-build's older addons do) and Node's `node_module_register`.
HOST_IMPORTS = (("node", "napi_"), ("node", "node_module_register"))


def host_from_imports(imports: Tuple[str, ...]) -> Optional[str]:
    """The host that the undefined symbols name ("node"), else None (a Mach-O name keeps its `_`)."""
    for host, prefix in HOST_IMPORTS:
        if any(i.startswith(prefix) or i.startswith("_" + prefix) for i in imports):
            return host
    return None


def host_from_entries(entries: Tuple[str, ...]) -> Optional[str]:
    """The host ("cpython" | "node") that the exported entry points name, else None; CPython first when both."""
    for host, prefix in HOST_ENTRIES:
        if any(e.startswith(prefix) or e.startswith("_" + prefix) for e in entries):
            return host
    return None


class Severity(str, enum.Enum):
    """Finding severity; ordered by `rank`."""

    NOTE = "note"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.NOTE: 0, Severity.WARNING: 1, Severity.ERROR: 2}


# ---------------------------------------------------------------------------------------------- facts


@dataclass(frozen=True)
class VersionNeed:
    """One symbol-version requirement: `library` must provide `version` (e.g. libm.so.6 GLIBC_2.29)."""

    library: str
    version: str
    symbols: Tuple[str, ...] = ()
    weak: bool = False

    def __init__(self, library: str, version: str, symbols: Tuple[str, ...] = (), weak: bool = False) -> None:
        # The frozen dataclass's own __init__ sets each field through object.__setattr__; a dynamic ELF file has a
        # dozen needs or more, each made once per file: filling the instance dict directly costs a third.
        fields = self.__dict__
        fields["library"] = library
        fields["version"] = version
        fields["symbols"] = symbols
        fields["weak"] = weak


@dataclass(frozen=True)
class GoModule:
    path: str
    version: str = ""
    sum: str = ""
    replacement: Optional[GoModule] = None


@dataclass(frozen=True)
class GoBuildInfo:
    """What the Go linker embedded in `.go.buildinfo` (the data `go version -m` prints)."""

    go_version: str
    path: str = ""
    main: Optional[GoModule] = None
    deps: Tuple[GoModule, ...] = ()
    settings: Tuple[Tuple[str, str], ...] = ()

    def setting(self, key: str) -> Optional[str]:
        for name, value in self.settings:
            if name == key:
                return value
        return None


@dataclass(frozen=True)
class Toolchain:
    """Evidence of what built the artifact, and which libc a static binary carries."""

    compilers: Tuple[str, ...] = ()  # `.comment` strings, e.g. "GCC: (Debian 12.2.0-14) 12.2.0"
    go: Optional[GoBuildInfo] = None
    rust: Optional[str] = None  # e.g. "rustc 1.95.0"
    libc: Optional[str] = None  # "glibc" | "musl" | None (unknown or no libc)
    libc_version: Optional[str] = None
    nss: Tuple[str, ...] = ()  # NSS/dlopen/iconv entry points a static glibc binary reaches
    evidence: Tuple[str, ...] = ()  # human-readable reasons for the values above


@dataclass(frozen=True)
class Packing:
    """A packer's wrapper around the real program, and what it hides."""

    packer: str  # "upx"
    version: Optional[str] = None  # "3.94"; None when the headers that carry it were destroyed
    format: Optional[str] = None  # "linux/amd64"
    method: Optional[str] = None  # "NRV2B" | "NRV2D" | "NRV2E" | "LZMA"
    level: Optional[int] = None
    filter: Optional[int] = None
    original_size: Optional[int] = None
    packed_size: Optional[int] = None
    checksum_ok: Optional[bool] = None  # the pack header's own checksum byte
    tampered: bool = False
    confidence: str = "certain"  # "certain" | "high" | "likely"
    evidence: Tuple[str, ...] = ()
    original: Optional[ElfFacts] = None
    see_through_error: Optional[str] = None  # why `original` is missing


@dataclass(frozen=True)
class ElfFacts:
    """What the ELF headers, program headers and dynamic segment say; free of judgement."""

    machine: str  # short name: x86_64, i386, aarch64, arm, riscv, ppc64, s390, mips, ...
    bits: int
    endian: str  # "little" | "big"
    type: str  # "EXEC" | "DYN" | "REL" | "CORE"
    linkage: str
    interpreter: Optional[str] = None
    needed: Tuple[str, ...] = ()
    soname: Optional[str] = None
    rpath: Tuple[str, ...] = ()
    runpath: Tuple[str, ...] = ()
    pie: bool = False  # DF_1_PIE
    version_needs: Tuple[VersionNeed, ...] = ()
    max_versions: Mapping[str, str] = field(default_factory=dict)  # {"GLIBC": "2.34", "GLIBCXX": ...}
    has_section_headers: bool = True
    toolchain: Optional[Toolchain] = None
    packing: Optional[Packing] = None
    warnings: Tuple[str, ...] = ()  # parts that could not be read; the facts above are then partial
    host_entries: Tuple[str, ...] = ()  # exported PyInit_*, napi_register_module_v1, ...: its host (readers/exports.py)
    host_imports: Tuple[str, ...] = ()  # undefined napi_* ...: a host it needs, when it exports no entry

    @property
    def libc_from_interpreter(self) -> Optional[str]:
        return libc_from_interpreter(self.interpreter)

    @property
    def effective(self) -> ElfFacts:
        """The facts that decide run-time behaviour: the original program when it was seen through packing."""
        if self.packing is not None and self.packing.original is not None:
            return self.packing.original
        return self


@dataclass(frozen=True)
class LibraryFacts:
    """What a loader needs to know of one ELF object it maps: its names, needs, search paths and versions."""

    machine: str
    bits: int
    soname: Optional[str] = None
    needed: Tuple[str, ...] = ()
    rpath: Tuple[str, ...] = ()
    runpath: Tuple[str, ...] = ()
    nodeflib: bool = False  # DF_1_NODEFLIB: neither ld.so.cache nor the default directories are searched
    version_needs: Tuple[VersionNeed, ...] = ()
    version_defs: Tuple[str, ...] = ()  # DT_VERDEF names, the base entry (the soname) first


@dataclass(frozen=True)
class Unreadable:
    """An artifact that could not be read or parsed; becomes an LG901 finding."""

    reason: str
    # "corrupt" | "truncated" | "permission" | "too-large" | "budget" | "io" | "archive" | "unsupported" (a zip
    # method or version that cannot be read) | "encrypted", or "internal": a bug in linkguard met while reading
    # this artifact, counted apart so that bugs are visible; or EMPTY_RUN: not an artifact at all, but the run
    # itself, which met none (LG902; never counted as an artifact)
    kind: str = "corrupt"
    evidence: Tuple[str, ...] = ()  # more lines for the finding (the paths an empty run looked at)


EMPTY_RUN = "empty"  # Unreadable.kind of the one outcome a run that met no artifact reports (LG902, not LG901)

Inspection = Union[ElfFacts, "PeFacts", "MachoFacts", Unreadable]


# --------------------------------------------------------------------------------------------- inputs


class Artifact(Protocol):
    """One thing to check. `path` is for display; `location` is the file on disk that holds it."""

    @property
    def path(self) -> str: ...

    @property
    def location(self) -> str: ...

    @property
    def size(self) -> int: ...

    def open(self) -> IO[bytes]:
        """A fresh seekable binary stream positioned at 0; the caller closes it."""
        ...


@dataclass(frozen=True)
class Skipped:
    """A path that is not inspected (not ELF, a FIFO or device, a symlink leaving the roots, ...)."""

    path: str
    reason: str


# -------------------------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Finding:
    """One rule's judgement on one artifact."""

    code: str  # "LG101"
    rule: str  # "dynamic-link"
    severity: Severity
    message: str
    evidence: Tuple[str, ...] = ()
    cause: Optional[str] = None
    fix: Optional[str] = None
    remedy: Optional[str] = None  # id of the remedy that chose `fix`
    remedy_evidence: Tuple[str, ...] = ()  # the facts that selected that remedy
    through_packing: bool = False  # judged on the original program behind a packer


@dataclass(frozen=True)
class TargetNeed:
    """Something the target does not provide, in the loader's terms."""

    kind: str  # "loader" | "library" | "version" | "arch"
    name: str  # the loader path, the library name, `GLIBC_2.34`, or the machine
    required_by: str  # the path (inside the target) of the object that needs it
    library: Optional[str] = None  # for a version: the path of the library that lacks it
    weak: bool = False  # a weak version need: the loader only warns


@dataclass(frozen=True)
class TargetResolution:
    """One need and the file that satisfies it, found as the target's loader searches."""

    needed: str
    path: str  # the path the loader opens, as it forms it (inside the target)
    by: str  # "rpath" | "ld_library_path" | "runpath" | "cache" | "default" | "origin" | "path" | "loaded" | "libc"
    required_by: str
    provided_by: str = "target"  # "target:<name>", or "bundled:<path>" when the artifact's own package has it


@dataclass(frozen=True)
class TargetVerdict:
    """Would the artifact start on one target, judged as the target's own loader resolves it."""

    target: str  # as given: a directory, an image, `image`, a named base
    starts: bool
    message: Optional[str] = None  # what the loader would print for the first failure it hits
    missing: Tuple[TargetNeed, ...] = ()  # every unmet need, the first one first
    resolved: Tuple[TargetResolution, ...] = ()
    loader: Optional[str] = None  # "glibc" | "musl" | None for a static program
    notes: Tuple[str, ...] = ()  # what the judgement assumed (an entrypoint, a path not searched, ...)


@dataclass(frozen=True)
class PackageInfo:
    """The unit an artifact ships and installs in: a wheel, an npm package, a `.app`/`.framework` bundle, or the
    release archive or directory given (the default package, kind "tree")."""

    kind: str  # "wheel" | "npm" | "app" | "framework" | "tree"
    root: str  # the package's display path: "dist/x.whl", "dist/pkg.tgz!package", "build/Foo.app"
    name: Optional[str] = None
    version: Optional[str] = None
    tags: Tuple[str, ...] = ()  # wheel: every expanded `python-abi-platform` tag (WHEEL's `Tag:` lines)
    os: Tuple[str, ...] = ()  # npm package.json `os`, as written (`!win32` included)
    cpu: Tuple[str, ...] = ()  # npm `cpu`
    libc: Tuple[str, ...] = ()  # npm `libc` (`glibc` | `musl`)
    notes: Tuple[str, ...] = ()  # metadata that could not be read or parsed (a broken WHEEL, package.json not JSON)
    dependencies: Tuple[str, ...] = ()  # npm `dependencies` and `optionalDependencies` names: installed beside it


@dataclass(frozen=True)
class Provision:
    """Who satisfies one need of an artifact where it lives (its package, its host, the OS its tag declares), as
    the format's own loader would find it."""

    need: str  # the library, DLL or dylib as the artifact names it
    # "os" | "host:cpython" | "host:node" | "bundled:<path inside the package>" | "package:<npm dependency>" | None
    provided_by: Optional[str]
    path: Optional[str] = None  # display path of the file that satisfies it, when bundled
    how: Optional[str] = None  # the search rule that found it: "DT_RUNPATH $ORIGIN/../x.libs", "module directory", ...
    looked: Tuple[str, ...] = ()  # where the loader looked, when nobody provides it


@dataclass(frozen=True)
class Placement:
    """Where an artifact lives: its package, the host program that loads it, and who provides each of its needs."""

    package: Optional[PackageInfo] = None
    host: Optional[str] = None  # "cpython" | "node": the program that loads this plugin
    host_notes: Tuple[str, ...] = ()  # e.g. the host's own OS floor, when above the module's
    provisions: Tuple[Provision, ...] = ()

    def provider(self, need: str) -> Optional[str]:
        """`provided_by` of a need (case-insensitive, as Windows and macOS loaders compare names), else None."""
        folded = need.lower()
        for provision in self.provisions:
            if provision.need.lower() == folded:
                return provision.provided_by
        return None


@dataclass(frozen=True)
class ArtifactReport:
    path: str
    location: str
    format: str  # "elf" | "pe" | "macho" | "unreadable"
    facts: Optional[Facts] = None
    problem: Optional[Unreadable] = None
    findings: Tuple[Finding, ...] = ()
    allowance: Optional[str] = None  # the reason of the policy allowance that applied, if any
    alias_of: Optional[str] = None  # the path this same file was first met under in this run (symlink, hard link)
    targets: Tuple[TargetVerdict, ...] = ()  # one verdict per --target, when targets are given
    matched_allowances: Tuple[int, ...] = ()  # indices of the policy's allowances that matched it (expired too)
    placement: Optional[Placement] = None  # its package, host and who provides its needs, when it lives in one

    @property
    def worst(self) -> Optional[Severity]:
        if not self.findings:
            return None
        return max((f.severity for f in self.findings), key=lambda s: s.rank)


@dataclass(frozen=True)
class Totals:
    artifacts: int
    skipped: int
    errors: int
    warnings: int
    notes: int
    failed: bool
    notices: Tuple[str, ...] = ()  # about the run, not an artifact: e.g. an allowance that matched nothing


class Tally:
    """Totals kept as outcomes stream past, so that a run need not hold every artifact to know its verdict."""

    def __init__(self, fail_on: Optional[Severity]) -> None:
        self.fail_on = fail_on
        self.artifacts = 0
        self.skipped = 0
        self.counts = {s: 0 for s in Severity}
        self.matched_allowances: Set[int] = set()
        self.notices: Tuple[str, ...] = ()  # set by whoever knows the policy, once the run is over

    def add(self, outcome: Union[ArtifactReport, Skipped]) -> None:
        if isinstance(outcome, Skipped):
            self.skipped += 1
            return
        if outcome.problem is None or outcome.problem.kind != EMPTY_RUN:
            self.artifacts += 1
        self.matched_allowances.update(outcome.matched_allowances)
        for finding in outcome.findings:
            self.counts[finding.severity] += 1

    @property
    def totals(self) -> Totals:
        fail_on = self.fail_on
        failed = fail_on is not None and any(n and s.rank >= fail_on.rank for s, n in self.counts.items())
        return Totals(
            artifacts=self.artifacts,
            skipped=self.skipped,
            errors=self.counts[Severity.ERROR],
            warnings=self.counts[Severity.WARNING],
            notes=self.counts[Severity.NOTE],
            failed=failed,
            notices=self.notices,
        )


@dataclass(frozen=True)
class Report:
    artifacts: Tuple[ArtifactReport, ...]
    skipped: Tuple[Skipped, ...] = ()
    fail_on: Optional[Severity] = Severity.ERROR  # None: never fail
    tool_version: str = ""
    notices: Tuple[str, ...] = ()  # about the run: Totals.notices

    @property
    def totals(self) -> Totals:
        tally = Tally(self.fail_on)
        tally.notices = self.notices
        for artifact in self.artifacts:
            tally.add(artifact)
        for skipped in self.skipped:
            tally.add(skipped)
        return tally.totals


# ------------------------------------------------------------------------------------- PE and Mach-O
# Appended for issue 12. Both fact types carry the ELF field names the reporters read (machine, bits, endian,
# type, linkage, interpreter, needed, soname, rpath, runpath, toolchain, packing, warnings) so that every output
# format renders them unchanged; the format-specific facts sit beside them.

# Linkage of a PE or Mach-O artifact: it needs only libraries a bare machine of its OS provides (kernel32,
# api-ms-win-*, /usr/lib/libSystem.B.dylib), or some library from elsewhere ("dynamic").
OS_ONLY = "os-only"


@dataclass(frozen=True)
class PeImport:
    """One DLL a PE file imports, with the functions it takes from it ("#12" for an ordinal)."""

    dll: str
    functions: Tuple[str, ...] = ()
    kind: str = "import"  # "import" | "delay" (delay-import directory) | "delay-unlisted" (dlltool -y descriptor)
    platform: bool = False  # provided by a bare Windows (readers/platforms.py, data/windows_dlls.json)
    provider: Optional[str] = None  # the redistributable that provides a non-platform DLL, when known


@dataclass(frozen=True)
class OsFloor:
    """One fact that sets the oldest OS version an artifact runs on (subsystem version, an import, Go's floor)."""

    version: str  # "10.0"
    reason: str  # "imports bcryptprimitives.dll!ProcessPrng (...)"
    source: str = ""  # where the version fact comes from (data/windows.json)
    kind: str = ""  # Windows: "subsystem" | "import" | "ucrt" | "toolchain" | "machine"; what a fix must change


@dataclass(frozen=True)
class ClrFacts:
    """The CLI (CLR runtime) header of a .NET assembly: data directory 14 of the optional header is non-zero.

    ECMA-335 II.25.3.3: `runtime` is MajorRuntimeVersion.MinorRuntimeVersion of the header (2.5 for every
    .NET Framework 2+ and .NET assembly); `version` is the metadata root's version string ("v4.0.30319"), the
    CLR the assembly was built for; `flags` names the set COMIMAGE_FLAGS_* bits (ILONLY, 32BITREQUIRED, ...).
    """

    runtime: str  # "2.5"
    version: Optional[str]  # "v4.0.30319"; None when the metadata root is not where the header says
    flags: Tuple[str, ...] = ()

    @property
    def il_only(self) -> bool:
        """False for a mixed-mode (C++/CLI) assembly, which also carries native code."""
        return "ILONLY" in self.flags


@dataclass(frozen=True)
class PeFacts:
    """What a PE file's headers and import directories say; free of judgement."""

    machine: str  # x86_64 | i386 | aarch64 | arm | ...
    bits: int  # 32 for PE32, 64 for PE32+
    type: str  # "EXE" | "DLL"
    linkage: str  # OS_ONLY | DYNAMIC
    pe_format: str  # "PE32" | "PE32+"
    subsystem: str  # "console" | "windows" | "native" | "efi-application" | ...
    subsystem_version: str  # Major.MinorSubsystemVersion, e.g. "6.0"
    os_version: str  # Major.MinorOperatingSystemVersion
    imports: Tuple[PeImport, ...] = ()
    bound_imports: Tuple[str, ...] = ()
    signed: bool = False  # the security (Authenticode) directory is present
    soname: Optional[str] = None  # the export directory's own DLL name
    floors: Tuple[OsFloor, ...] = ()  # what sets the oldest Windows it runs on; highest first
    toolchain: Optional[Toolchain] = None
    packing: Optional[Packing] = None  # packing.original stays None: a packed PE keeps its import list (imports)
    clr: Optional[ClrFacts] = None  # a .NET assembly: managed code that needs the .NET runtime
    warnings: Tuple[str, ...] = ()
    endian: str = "little"
    interpreter: Optional[str] = None
    rpath: Tuple[str, ...] = ()
    runpath: Tuple[str, ...] = ()
    format: str = "pe"
    host_entries: Tuple[str, ...] = ()  # export-table names that name the host (readers/exports.py)

    @property
    def needed(self) -> Tuple[str, ...]:
        """DLL names in file order: import directory first, then delay-loaded ones."""
        return tuple(dict.fromkeys(i.dll for i in self.imports))

    @property
    def foreign(self) -> Tuple[PeImport, ...]:
        """Imports of DLLs that a bare Windows does not provide."""
        return tuple(i for i in self.imports if not i.platform)

    @property
    def effective(self) -> PeFacts:
        """A packed PE keeps one import per original DLL, so its own facts already describe the original's needs."""
        return self

    @property
    def max_versions(self) -> Mapping[str, str]:
        return {}  # no symbol versions on Windows


@dataclass(frozen=True)
class MachoDylib:
    """One load command naming a dylib."""

    path: str
    kind: str = "load"  # "load" | "weak" | "reexport" | "lazy" | "upward"
    platform: bool = False  # under /usr/lib/ or /System/Library/ (readers/platforms.py)
    note: Optional[str] = None  # why a non-platform location matters (Homebrew prefix, @rpath, ...)
    resolved: Optional[str] = None  # where the file system finds `path` (`..`, `.`, `//` resolved), when different

    @property
    def location(self) -> str:
        """The install name as the file system resolves it: what platform and remedy decisions look at."""
        return self.resolved or self.path


@dataclass(frozen=True)
class MachoBuild:
    """One LC_BUILD_VERSION (or LC_VERSION_MIN_*): a platform the slice runs on and its oldest version there."""

    platform: str  # "macos" | "maccatalyst" | "ios" | ...
    minos: str
    sdk: Optional[str] = None


@dataclass(frozen=True)
class MachoSlice:
    """One architecture of a Mach-O file (the only one of a thin file)."""

    machine: str  # x86_64 | arm64 | arm64e | i386 | arm | ppc | ...
    bits: int
    endian: str
    type: str  # "EXECUTE" | "DYLIB" | "BUNDLE" | "OBJECT" | ...
    linkage: str  # OS_ONLY | DYNAMIC
    dylibs: Tuple[MachoDylib, ...] = ()
    rpaths: Tuple[str, ...] = ()
    id_dylib: Optional[str] = None
    minos: Optional[str] = None  # of the primary build: the macOS one when there is one, else the first
    sdk: Optional[str] = None
    platform: Optional[str] = None  # "macos" | "ios" | ...
    signature: str = "none"  # "none" | "adhoc" | "linker-signed" | "signed" | "present" (unreadable blob)
    toolchain: Optional[Toolchain] = None
    packing: Optional[Packing] = None
    offset: int = 0  # of the slice in the file
    size: int = 0
    original: Optional[MachoSlice] = None  # the program behind UPX, from its unpacked load commands
    builds: Tuple[MachoBuild, ...] = ()  # every platform's floor in load-command order (zippered: macos, maccatalyst)
    # Load commands beyond what one slice may list (limits.py): counted, never silently dropped. `linkage` is
    # judged on all of them.
    dylibs_omitted: int = 0
    foreign_omitted: int = 0  # of those, the dylibs that are not part of macOS
    rpaths_omitted: int = 0
    host_entries: Tuple[str, ...] = ()  # exported `_PyInit_*`, `_napi_register_module_v1`, ... (readers/exports.py)
    host_imports: Tuple[str, ...] = ()  # undefined `_napi_*` ...: a host it needs, when it exports no entry

    @property
    def macos_floors(self) -> Tuple[MachoBuild, ...]:
        """The builds dyld checks on macOS: every `macos` one (a zippered slice's Mac Catalyst floor is an iOS
        version that macOS maps to its own, so it is kept as a fact but not compared with `max-macos`)."""
        builds = self.builds
        if not builds and self.minos is not None and self.platform is not None:
            builds = (MachoBuild(self.platform, self.minos, self.sdk),)
        return tuple(b for b in builds if b.platform == "macos")

    @property
    def foreign(self) -> Tuple[MachoDylib, ...]:
        return tuple(d for d in self.dylibs if not d.platform)

    @property
    def effective(self) -> MachoSlice:
        """The slice that decides run-time behaviour: the original when seen through packing."""
        return self.original if self.original is not None else self


@dataclass(frozen=True)
class MachoFacts:
    """A thin or universal (fat) Mach-O file: its slices, plus the summary fields every reporter reads."""

    slices: Tuple[MachoSlice, ...]
    fat: bool = False
    warnings: Tuple[str, ...] = ()
    format: str = "macho"
    endian: str = "little"
    interpreter: Optional[str] = None
    runpath: Tuple[str, ...] = ()

    @property
    def machine(self) -> str:
        return "+".join(s.machine for s in self.slices)

    @property
    def bits(self) -> int:
        return max((s.bits for s in self.slices), default=64)

    @property
    def type(self) -> str:
        return "/".join(dict.fromkeys(s.type for s in self.slices))

    @property
    def linkage(self) -> str:
        return DYNAMIC if any(s.effective.linkage == DYNAMIC for s in self.slices) else OS_ONLY

    @property
    def needed(self) -> Tuple[str, ...]:
        return tuple(dict.fromkeys(d.path for s in self.slices for d in s.effective.dylibs))

    @property
    def rpath(self) -> Tuple[str, ...]:
        return tuple(dict.fromkeys(r for s in self.slices for r in s.effective.rpaths))

    @property
    def soname(self) -> Optional[str]:
        return next((s.effective.id_dylib for s in self.slices if s.effective.id_dylib), None)

    @property
    def toolchain(self) -> Optional[Toolchain]:
        return next((s.toolchain for s in self.slices if s.toolchain is not None), None)

    @property
    def packing(self) -> Optional[Packing]:
        return next((s.packing for s in self.slices if s.packing is not None), None)

    @property
    def host_entries(self) -> Tuple[str, ...]:
        """The host entry points any slice exports (each slice's original behind UPX when seen through)."""
        return tuple(dict.fromkeys(e for s in self.slices for e in s.effective.host_entries))

    @property
    def host_imports(self) -> Tuple[str, ...]:
        """The undefined symbols only a host defines that any slice imports (`_napi_*`: a constructor-registered
        Node addon)."""
        return tuple(dict.fromkeys(e for s in self.slices for e in s.effective.host_imports))

    @property
    def effective(self) -> MachoFacts:
        """Per-slice originals are in each slice's `original`; the summary properties above already use them."""
        return self

    @property
    def max_versions(self) -> Mapping[str, str]:
        return {}  # no symbol versions on macOS


NativeFacts = Union[PeFacts, MachoFacts]
Facts = Union[ElfFacts, PeFacts, MachoFacts]


def format_of(facts: Facts) -> str:
    """The report's `format` value for a fact record."""
    return "elf" if isinstance(facts, ElfFacts) else facts.format
