"""The policy as rules see it: allowances, the target an artifact is built for, and path matching.

Rules judge facts under a PathPolicy; config.py builds the Policy from files and flags. This module depends on
nothing in linkguard but the model, the limits and the version vocabulary, so rules and configuration both import
it and neither imports the other.
"""

from __future__ import annotations

import datetime
import fnmatch
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable, Iterable, Mapping, Optional, Tuple

from linkguard.limits import ArchiveLimits, Limits
from linkguard.model import ElfFacts, Inspection, MachoFacts, MachoSlice, PeFacts, Severity

# ELF machine (ElfFacts.machine) -> Go's GOARCH for the same CPU; big/little endian and word size pick the variant.
_GOARCH = {
    "x86_64": "amd64",
    "i386": "386",
    "aarch64": "arm64",
    "arm": "arm",
    "s390": "s390x",
    "loongarch": "loong64",
}


@dataclass(frozen=True)
class Target:
    """The platform an artifact is built for: Go's GOOS/GOARCH words plus other names it answers to.

    `names` holds goreleaser's target (`linux_amd64_v1`) when it listed the artifact, and the GNU and Rust
    triples derived from the ELF header (`x86_64-linux-gnu`, `x86_64-unknown-linux-gnu`).
    """

    goos: str = ""
    goarch: str = ""
    names: Tuple[str, ...] = ()

    def merged(self, other: Target) -> Target:
        """This target, with `other` filling what it leaves empty and adding its names."""
        return Target(
            goos=self.goos or other.goos,
            goarch=self.goarch or other.goarch,
            names=tuple(dict.fromkeys((*self.names, *other.names))),
        )


def target_from_facts(facts: ElfFacts) -> Target:
    """GOOS/GOARCH-style words and triples for an ELF file, from its header facts (never from its bytes).

    ELF here is Linux: the OS/ABI byte is 0 (System V) for nearly every Linux binary, so it cannot tell more.
    """
    machine = facts.machine
    goarch = _GOARCH.get(machine, "")
    if machine == "ppc64":
        goarch = "ppc64le" if facts.endian == "little" else "ppc64"
    elif machine == "riscv":
        goarch = "riscv64" if facts.bits == 64 else ""
    elif machine == "mips":
        goarch = ("mips64" if facts.bits == 64 else "mips") + ("le" if facts.endian == "little" else "")
    libc = facts.libc_from_interpreter or (facts.toolchain.libc if facts.toolchain else None)
    abi = {"glibc": "gnu", "musl": "musl"}.get(libc or "", "")
    little = facts.endian == "little"
    cpu = {
        "i386": "i686",
        "ppc64": "powerpc64le" if little else "powerpc64",
        "riscv": f"riscv{facts.bits}",
        "s390": "s390x",
        "mips": ("mips64" if facts.bits == 64 else "mips") + ("el" if little else ""),
    }.get(machine, machine)
    names = [f"{cpu}-linux-{abi}", f"{cpu}-unknown-linux-{abi}"] if abi else [f"{cpu}-linux", f"{cpu}-unknown-linux"]
    if goarch:
        names.append(f"linux/{goarch}")
    return Target(goos="linux", goarch=goarch, names=tuple(names))


# PE machine (PeFacts.machine) -> GOARCH, and the CPU word of Rust's/LLVM's triples for Windows.
_PE_GOARCH = {"x86_64": "amd64", "i386": "386", "aarch64": "arm64", "arm": "arm"}
_PE_CPU = {"i386": "i686", "arm": "thumbv7a", "arm64ec": "arm64ec"}
# Mach-O CPU (MachoSlice.machine) -> GOARCH, and the CPU word of Rust's/LLVM's Apple triples.
_MACHO_GOARCH = {"x86_64": "amd64", "arm64": "arm64", "arm64e": "arm64", "i386": "386", "arm": "arm", "ppc64": "ppc64"}
_MACHO_CPU = {"arm64": "aarch64", "ppc": "powerpc", "ppc64": "powerpc64"}


def target_from_pe(facts: PeFacts) -> Target:
    """`windows` and GOARCH from the PE header's machine, with triples that leave the ABI open (`x86_64-pc-windows`,
    `x86_64-windows`): the header does not say whether MSVC or MinGW linked it."""
    goarch = _PE_GOARCH.get(facts.machine, "")
    cpu = _PE_CPU.get(facts.machine, facts.machine)
    names = [f"{cpu}-pc-windows", f"{cpu}-windows"] + ([f"windows/{goarch}"] if goarch else [])
    return Target(goos="windows", goarch=goarch, names=tuple(names))


def target_from_slice(piece: MachoSlice) -> Target:
    """`darwin` and GOARCH from one Mach-O slice's CPU, with Apple triples (`aarch64-apple-darwin`, `arm64-apple-macos`
    as clang spells it, `aarch64-macos` as zig does). A slice built for iOS or another Apple OS gets no GOOS."""
    goarch = _MACHO_GOARCH.get(piece.machine, "")
    cpu = _MACHO_CPU.get(piece.machine, piece.machine)
    platform = piece.effective.platform
    if platform not in (None, "macos"):
        return Target(goos="", goarch=goarch, names=(f"{piece.machine}-apple-{platform}",))
    names = [f"{cpu}-apple-darwin", f"{piece.machine}-apple-macos", f"{cpu}-macos"]
    names += [f"darwin/{goarch}"] if goarch else []
    return Target(goos="darwin", goarch=goarch, names=tuple(dict.fromkeys(names)))


def targets_from_facts(inspection: Optional[Inspection]) -> Tuple[Target, ...]:
    """Every target the facts name: one for ELF and PE, one per slice of a Mach-O file (a universal file has several).
    Empty when the facts are unknown (an unreadable artifact)."""
    if isinstance(inspection, ElfFacts):
        return (target_from_facts(inspection.effective),)
    if isinstance(inspection, PeFacts):
        return (target_from_pe(inspection),)
    if isinstance(inspection, MachoFacts):
        return tuple(target_from_slice(piece) for piece in inspection.slices)
    return ()


@dataclass(frozen=True)
class Allowance:
    """A relaxation for artifacts matching its paths and targets, always with a reason that reports show.

    Every selector given must match: `paths` (globs on the display path), `goos`, `goarch`, `targets` (globs on
    the target's names). An allowance past its `expires` date no longer applies, and the findings say so.
    """

    paths: Tuple[str, ...]
    reason: str
    dynamic: bool = True  # may be dynamically linked (LG101 off; LG102/LG103 judge instead)
    libraries: Optional[Tuple[str, ...]] = None  # DT_NEEDED allow-list (globs); None: any library
    max_versions: Mapping[str, str] = field(default_factory=dict)  # {"GLIBC": "2.17"}
    packed: bool = False  # may be UPX-packed
    ignore: Tuple[str, ...] = ()  # rule codes or names switched off here
    goos: Tuple[str, ...] = ()
    goarch: Tuple[str, ...] = ()
    targets: Tuple[str, ...] = ()
    expires: Optional[datetime.date] = None  # last day it applies
    run_targets: Optional[Tuple[str, ...]] = None  # `target`: where these artifacts run, instead of the run's
    require_static: Optional[bool] = None

    def matches(self, path: str, target: Optional[Target] = None) -> bool:
        if self.paths and not any(path_matches(pattern, path) for pattern in self.paths):
            return False
        if not (self.goos or self.goarch or self.targets):
            return bool(self.paths)
        if target is None:
            return False
        if self.goos and not any(fnmatch.fnmatchcase(target.goos, p) for p in self.goos):
            return False
        if self.goarch and not any(fnmatch.fnmatchcase(target.goarch, p) for p in self.goarch):
            return False
        return not self.targets or any(fnmatch.fnmatchcase(n, p) for p in self.targets for n in target.names)

    def expired(self, today: datetime.date) -> bool:
        return self.expires is not None and today > self.expires

    @property
    def selector(self) -> str:
        """`dist/lib/*.so, goarch arm64`: what the allowance matched on, for messages."""
        parts = list(self.paths)
        parts += [f"goos {g}" for g in self.goos] + [f"goarch {a}" for a in self.goarch]
        parts += [f"target {t}" for t in self.targets]
        return ", ".join(parts)


@dataclass(frozen=True)
class PathPolicy:
    """The policy as it applies to one artifact."""

    severities: Mapping[str, Optional[Severity]]
    max_versions: Mapping[str, str]
    allowance: Optional[Allowance] = None
    expired: Tuple[Allowance, ...] = ()  # allowances that matched but are past their date
    run_targets: Tuple[str, ...] = ()  # where the artifact must run (--target): each gets a verdict (LG105)
    require_static: bool = False  # LG101 even when every target provides every need
    matched: Tuple[int, ...] = ()  # indices (in Policy.allowances) of every allowance that matched, expired or not

    def severity(self, code: str, name: str, default: Severity) -> Optional[Severity]:
        """The level for a rule here, or None when it is switched off."""
        if self.allowance is not None and (code in self.allowance.ignore or name in self.allowance.ignore):
            return None
        for key in (code, name):
            if key in self.severities:
                return self.severities[key]
        return default

    def expiry_suffix(self) -> str:
        """` (allowance expired 2027-03-31)`, for the message of each finding an expired allowance no longer covers."""
        dates = sorted({a.expires.isoformat() for a in self.expired if a.expires is not None})
        return f" (allowance expired {', '.join(dates)})" if dates else ""

    def expiry_notes(self) -> Tuple[str, ...]:
        """One evidence line per expired allowance that would otherwise have applied here."""
        return tuple(
            f"allowance expired on {a.expires.isoformat()} and no longer applies ({a.selector}; reason: {a.reason})"
            for a in self.expired
            if a.expires is not None
        )


@dataclass(frozen=True)
class Policy:
    """Everything configuration decides for a run; `for_path` narrows it to one artifact."""

    fail_on: Optional[Severity] = Severity.ERROR
    severities: Mapping[str, Optional[Severity]] = field(default_factory=dict)
    max_versions: Mapping[str, str] = field(default_factory=dict)  # global floors for dynamic-allowed paths
    allowances: Tuple[Allowance, ...] = ()
    exclude: Tuple[str, ...] = ()
    limits: Limits = field(default_factory=Limits)
    archives: ArchiveLimits = field(default_factory=ArchiveLimits)
    jobs: int = 0  # 0: one worker per core
    only_branches: Optional[str] = None
    source: Optional[str] = None  # the config file read, for messages
    targets: Mapping[str, Target] = field(default_factory=dict)  # display path -> target a build tool declared
    today: Optional[datetime.date] = None  # the date expiries are judged on; None: the real date
    run_targets: Tuple[str, ...] = ()  # --target / `target`: root filesystems every artifact must start on
    require_static: bool = False
    allow_empty: bool = False  # a run that meets no artifact passes (else LG902 no-artifacts)
    open_archives: bool = True  # False (--no-archives, `archives = false`): archive files are skipped, never opened

    def for_path(self, path: str, inspection: Optional[Inspection] = None) -> PathPolicy:
        """The policy for one artifact: the first live allowance matching its path and every one of its targets.

        A universal Mach-O file has one target per slice: an allowance that selects by target applies to it only
        when it matches every slice (`goarch = "arm64"` does not cover an x86_64+arm64 file; `goos = "darwin"`
        does), since one verdict covers the whole file.
        """
        # Deriving a target costs a little per artifact: only when an allowance selects by target.
        by_target = path in self.targets or any(a.goos or a.goarch or a.targets for a in self.allowances)
        targets: Tuple[Optional[Target], ...] = self.targets_for(path, inspection) if by_target else (None,)
        allowance: Optional[Allowance] = None
        expired = []
        matched = []
        for index, candidate in enumerate(self.allowances):
            if not all(candidate.matches(path, target) for target in targets):
                continue
            matched.append(index)
            if candidate.expires is not None and candidate.expired(self.today or datetime.date.today()):
                expired.append(candidate)
                continue
            allowance = candidate
            break
        floors = dict(self.max_versions)
        if allowance is not None:
            floors.update(allowance.max_versions)
        run_targets, require_static = self.run_targets, self.require_static
        if allowance is not None and allowance.run_targets is not None:
            run_targets = allowance.run_targets
        if allowance is not None and allowance.require_static is not None:
            require_static = allowance.require_static
        return PathPolicy(
            severities=self.severities,
            max_versions=floors,
            allowance=allowance,
            expired=tuple(expired) if allowance is None else (),
            run_targets=run_targets,
            require_static=require_static,
            matched=tuple(matched),
        )

    def all_run_targets(self) -> Tuple[str, ...]:
        """Every target named anywhere in the policy, in order (each is opened once, up front)."""
        named = list(self.run_targets)
        for allowance in self.allowances:
            named.extend(allowance.run_targets or ())
        return tuple(dict.fromkeys(named))

    def targets_for(self, path: str, inspection: Optional[Inspection] = None) -> Tuple[Optional[Target], ...]:
        """The declared target (goreleaser's list), completed from the header facts of ELF, PE and each Mach-O
        slice; (None,) when neither is known."""
        declared = self.targets.get(path)
        derived = targets_from_facts(inspection)
        if not derived:
            return (declared,)
        if declared is None:
            return derived
        return tuple(declared.merged(target) for target in derived)

    def unmatched_allowances(self, matched: Iterable[int]) -> Tuple[str, ...]:
        """One line per allowance that matched no artifact of a run: a selector that never applies is a policy
        that silently protects nothing (a moved path, a target that is never derived)."""
        used = set(matched)
        return tuple(
            f"allow[{index}] ({allowance.selector}; reason: {allowance.reason}) matched no artifact in this run"
            for index, allowance in enumerate(self.allowances)
            if index not in used
        )

    def excluded(self, path: str) -> bool:
        return bool(self.exclude) and _matcher(tuple(self.exclude))(path)


_GLOB = re.compile(r"[*?\[]")  # what makes a glob more than a literal


@lru_cache(maxsize=64)
def _matcher(patterns: Tuple[str, ...]) -> Callable[[str], bool]:
    """`path_matches` for any of `patterns` (every walked path is tested, so this is built for speed).

    `*LITERAL` and `*LITERAL*` (the usual `*.jar`, `*.tar.*`) become `str.endswith` and `in` tests: a `*` matches
    "/" too, so they hold on the whole path exactly when the glob does, and a base name (a suffix of the path)
    matching one implies the whole path does. Any other pattern goes through two compiled regular expressions.
    """
    suffixes = []
    infixes = []
    others = []
    for pattern in patterns:
        body = pattern[1:]
        if pattern[:1] == "*" and not _GLOB.search(body):
            suffixes.append(body)
        elif pattern[:1] == "*" and len(body) >= 1 and body[-1] == "*" and not _GLOB.search(body[:-1]):
            infixes.append(body[:-1])
        else:
            others.append(pattern)
    ends = tuple(suffixes)
    whole = re.compile("|".join(fnmatch.translate(p) for p in others)) if others else None
    base_patterns = [fnmatch.translate(p) for p in others if "/" not in p and "!" not in p]
    base = re.compile("|".join(base_patterns)) if base_patterns else None

    def matches(path: str) -> bool:
        normalized = path[2:] if path.startswith("./") else path
        if normalized.endswith(ends):
            return True
        for infix in infixes:
            if infix in normalized:
                return True
        if whole is None:
            return False
        if whole.match(normalized):
            return True
        return base is not None and base.match(normalized.replace("!", "/").rsplit("/", 1)[-1]) is not None

    return matches


def path_matches(pattern: str, path: str) -> bool:
    """Glob match on the display path; a pattern without "/" or "!" also matches the base name."""
    normalized = path[2:] if path.startswith("./") else path
    if fnmatch.fnmatchcase(normalized, pattern):
        return True
    if "/" not in pattern and "!" not in pattern:
        base = normalized.replace("!", "/").rsplit("/", 1)[-1]
        return fnmatch.fnmatchcase(base, pattern)
    return False
