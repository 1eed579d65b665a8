"""Frozen data passed between layers: inputs -> inspect -> rules -> report.

Inspection produces facts (no judgement); rules turn facts into findings; reporters render a Report.
Nothing here reads bytes or prints.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import IO, Mapping, Optional, Protocol, Tuple, Union

# Linkage values (DESIGN.md vocabulary). "object" covers ET_REL/ET_CORE, which are not run as programs.
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
class Unreadable:
    """An artifact that could not be read or parsed; becomes an LG901 finding."""

    reason: str
    # "corrupt" | "truncated" | "permission" | "too-large" | "budget" | "io" | "archive" | "unsupported" (a zip
    # method or version that cannot be read) | "encrypted", or "internal": a bug in linkguard met while reading
    # this artifact, counted apart so that bugs are visible
    kind: str = "corrupt"


Inspection = Union[ElfFacts, Unreadable]


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
class ArtifactReport:
    path: str
    location: str
    format: str  # "elf" | "unreadable"
    facts: Optional[ElfFacts] = None
    problem: Optional[Unreadable] = None
    findings: Tuple[Finding, ...] = ()
    allowance: Optional[str] = None  # the reason of the policy allowance that applied, if any
    alias_of: Optional[str] = None  # the path this same file was first met under in this run (symlink, hard link)

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


class Tally:
    """Totals kept as outcomes stream past, so that a run need not hold every artifact to know its verdict."""

    def __init__(self, fail_on: Optional[Severity]) -> None:
        self.fail_on = fail_on
        self.artifacts = 0
        self.skipped = 0
        self.counts = {s: 0 for s in Severity}

    def add(self, outcome: Union[ArtifactReport, Skipped]) -> None:
        if isinstance(outcome, Skipped):
            self.skipped += 1
            return
        self.artifacts += 1
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
        )


@dataclass(frozen=True)
class Report:
    artifacts: Tuple[ArtifactReport, ...]
    skipped: Tuple[Skipped, ...] = ()
    fail_on: Optional[Severity] = Severity.ERROR  # None: never fail
    tool_version: str = ""

    @property
    def totals(self) -> Totals:
        tally = Tally(self.fail_on)
        for artifact in self.artifacts:
            tally.add(artifact)
        for skipped in self.skipped:
            tally.add(skipped)
        return tally.totals
