"""Symbol versions and floors: parse, compare, and say them the one way every layer shows them.

`GLIBC_2.29` is family GLIBC, version (2, 29). Names whose version part is not numeric (`GLIBC_PRIVATE`,
`GLIBC_ABI_DT_RELR`, `CXXABI_TM_1`) are listed as needs but are not floors. A floor is what a policy allows:
a dotted version ("2.17"), or for glibc a platform tag as Python packaging names it (PEP 600 `manylinux_2_17`,
the PEP 599/571/513 aliases `manylinux2014`/`manylinux2010`/`manylinux1`, PEP 656 `musllinux_1_2`, which allows
no glibc symbol version at all). Depends on nothing else in linkguard, so readers, rules, config and reporters
can all use it without an upward import.
"""

from __future__ import annotations

import functools
import re
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

# Families whose highest version decides the oldest system an artifact runs on.
FLOOR_FAMILIES = ("GLIBC", "GLIBCXX", "CXXABI", "GCC")
MAX_SYMBOLS_SHOWN = 3  # symbols named after a version (`GLIBC_2.29 <- exp, log, pow, +2 more`)

# The legacy manylinux names and the glibc each one stands for (PEP 513, PEP 571, PEP 599; PEP 600 keeps them).
MANYLINUX_ALIASES = {"manylinux1": (2, 5), "manylinux2010": (2, 12), "manylinux2014": (2, 17)}
_PEP600 = re.compile(r"manylinux_([0-9]{1,9})_([0-9]{1,9})")  # [0-9], not \d: \d matches every Unicode digit
_PEP656 = re.compile(r"musllinux_([0-9]{1,9})_([0-9]{1,9})")
# One dotted part: ASCII digits only (str.isdigit accepts "²", which int() refuses; int() accepts "٣" and "1_0"),
# and few enough that int() never meets its digit limit. Anything else is not a number to compare.
_NUMBER = re.compile(r"[0-9]{1,18}")


class Version(Tuple[int, ...]):
    """A version as written, (11, 0) for "11.0", that compares with trailing zeros ignored: 11 == 11.0 == 11.0.0,
    GCC_3 == GCC_3.0, Windows 10 == 10.0. Every parser here returns one, so no caller can compare "11" and
    "11.0" as different; its parts stay as written, so it prints as written (`format_version`)."""

    __slots__ = ()

    def key(self) -> Tuple[int, ...]:
        return _stripped(self)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, tuple) and _stripped(self) == _stripped(other)

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash(_stripped(self))

    def __lt__(self, other: Tuple[int, ...]) -> bool:
        return _stripped(self) < _stripped(other)

    def __le__(self, other: Tuple[int, ...]) -> bool:
        return _stripped(self) <= _stripped(other)

    def __gt__(self, other: Tuple[int, ...]) -> bool:
        return _stripped(self) > _stripped(other)

    def __ge__(self, other: Tuple[int, ...]) -> bool:
        return _stripped(self) >= _stripped(other)


def _stripped(parts: Tuple[int, ...]) -> Tuple[int, ...]:
    end = len(parts)
    while end and parts[end - 1] == 0:
        end -= 1
    return tuple(parts[:end])


def is_number(text: str) -> bool:
    """True for a run of ASCII digits short enough to compare ("29", "0"); False for "²", "٣", "1_0", ""."""
    return _NUMBER.fullmatch(text) is not None


MUSL_ONLY = Version()  # the floor of a musllinux tag: below every glibc version, so any need exceeds it


@functools.lru_cache(maxsize=4096)
def split_version(name: str) -> Optional[Tuple[str, Version]]:
    """("GLIBC", (2, 29)) for "GLIBC_2.29"; None when the part after the first "_" is not dotted ASCII numbers.

    glibc's loader matches version names as exact strings, so a name such as "GLIBC_2.²" is a need that no glibc
    defines: it stays a listed need (like GLIBC_PRIVATE) but is no floor to compare.
    """
    family, sep, rest = name.partition("_")
    if not sep or not is_dotted(rest):
        return None
    return family, Version(int(p) for p in rest.split("."))


@functools.lru_cache(maxsize=4096)
def ranked_version(name: str) -> Optional[Tuple[str, Tuple[int, ...]]]:
    """(family, compare key) for "GLIBC_2.29": split_version() with the version's key() (trailing zeros dropped),
    worked out once per name, as every program names the same few versions."""
    split = split_version(name)
    return None if split is None else (split[0], split[1].key())


def is_dotted(text: str) -> bool:
    """True for a plain dotted version of ASCII numbers: "2.17", "3.4.19"; not "2.²", "2.", ""."""
    return bool(text) and all(is_number(p) for p in text.split("."))


def is_platform_tag(text: str) -> bool:
    """True for the manylinux/musllinux names `parse_floor` accepts in place of a glibc version."""
    return text in MANYLINUX_ALIASES or bool(_PEP600.fullmatch(text) or _PEP656.fullmatch(text))


def parse_floor(text: str) -> Version:
    """(2, 17) for "2.17", "GLIBC_2.17", "manylinux_2_17" or "manylinux2014"; () for "musllinux_1_2".

    ValueError for anything else. The empty tuple sorts below every version, so a musllinux floor is exceeded
    by any glibc symbol version: musl binaries carry none.
    """
    if text in MANYLINUX_ALIASES:
        return Version(MANYLINUX_ALIASES[text])
    tag = _PEP600.fullmatch(text)
    if tag:
        return Version((int(tag.group(1)), int(tag.group(2))))
    if _PEP656.fullmatch(text):
        return MUSL_ONLY
    if "_" in text:
        split = split_version(text)
        if split is None or split[0] not in FLOOR_FAMILIES:  # "2.1_7" is no GLIBC_ name: not 7
            raise ValueError(f"not a numeric version: {text!r}")
        return split[1]
    if not is_dotted(text):
        raise ValueError(f"not a numeric version: {text!r}")
    return Version(int(p) for p in text.split("."))


def floor_label(family: str, floor: str) -> str:
    """How a floor is named in a finding: `GLIBC_2.17`, or the platform tag as the user wrote it."""
    return floor if is_platform_tag(floor) else f"{family}_{floor}"


def format_version(version: Tuple[int, ...]) -> str:
    return ".".join(str(n) for n in version)


def max_versions(names: Iterable[str]) -> Dict[str, str]:
    """Highest numeric version per floor family, e.g. {"GLIBC": "2.34", "GLIBCXX": "3.4.29"}."""
    return dict(_max_versions(tuple(names)))


@functools.lru_cache(maxsize=4096)
def _max_versions(names: Tuple[str, ...]) -> Tuple[Tuple[str, str], ...]:
    """max_versions() of exactly these names in this order (a tie keeps the first as written): most programs need
    the same few versions of the same libraries, so the answer is usually known already. A tuple of pairs, which
    no caller can change, turned into a fresh dict for each."""
    best: Dict[str, Tuple[Tuple[int, ...], Version]] = {}  # family -> (its compare key, the version as written)
    for name in names:
        split = split_version(name)
        if split is None or split[0] not in FLOOR_FAMILIES:
            continue
        family, version = split
        key = version.key()
        current = best.get(family)
        if key > (current[0] if current is not None else ()):  # () is MUSL_ONLY's key: below every version
            best[family] = (key, version)
    return tuple((family, format_version(best[family][1])) for family in FLOOR_FAMILIES if family in best)


def symbols_text(symbols: Sequence[str], shown: int = MAX_SYMBOLS_SHOWN, more: bool = True) -> str:
    """`exp, log, pow, +2 more`: the first `shown` symbols, and how many were left out when `more`."""
    text = ", ".join(symbols[:shown])
    hidden = len(symbols) - shown
    if more and hidden > 0:
        text += f", +{hidden} more"
    return text


def need_text(version: str, symbols: Sequence[str]) -> str:
    """`GLIBC_2.29 <- exp, log, pow, +2 more`, or the bare version when no symbol is named."""
    if not symbols:
        return version
    return f"{version} <- {symbols_text(symbols)}"


def numeric_prefix(text: str) -> Version:
    """ "10.0" -> (10, 0), "13.0.1" -> (13, 0, 1); the first part that is not an ASCII number ends it (OS
    versions). Compared with trailing zeros ignored, so a floor "11" equals a minos "11.0"."""
    parts: List[int] = []
    for part in text.split("."):
        if not is_number(part):
            break
        parts.append(int(part))
    return Version(parts)


def leading_number(text: str) -> Optional[int]:
    """12 for "12rc1", None for "rc1" or "²": the ASCII digits a part starts with (Go's "go1.21rc2")."""
    match = _NUMBER.match(text)
    return int(match.group()) if match else None


# ---------------------------------------------------------------------------------------- Windows releases
# Windows is named two ways: by release ("Windows 7") and by NT version (6.1), which is what PE headers and
# Microsoft Learn's requirement tables carry. A bare "7" is neither: NT 7.0 never existed, and reading it as one
# would pass Windows 8 (NT 6.2) binaries under a "Windows 7" label. So a release is written with its prefix
# ("win7", "windows-7", "windows-8.1") and a bare number is an NT version; "10" is both, so it is accepted.
# Windows 11 is NT 10.0 build 22000 (Microsoft Learn, Windows 11 release information).
WINDOWS_RELEASES: Tuple[Tuple[str, Tuple[int, ...], Tuple[str, ...]], ...] = (
    ("Windows NT 4.0", (4, 0), ("nt4",)),
    ("Windows 2000", (5, 0), ("2000",)),
    ("Windows XP", (5, 1), ("xp",)),
    ("Windows XP x64 / Server 2003", (5, 2), ("2003", "server-2003")),
    ("Windows Vista", (6, 0), ("vista",)),
    ("Windows 7", (6, 1), ("7",)),
    ("Windows 8", (6, 2), ("8",)),
    ("Windows 8.1", (6, 3), ("8.1", "81")),
    ("Windows 10", (10, 0), ("10",)),
    ("Windows 11", (10, 0, 22000), ("11",)),
)
WINDOWS_11_BUILD = 22000
_WINDOWS_RELEASE = re.compile(r"win(?:dows)?[-_ ]?([a-z0-9.-]+)", re.ASCII)
_WINDOWS_NT = re.compile(r"(?:nt[-_ ]?)?([0-9]+(?:\.[0-9]+)*)", re.ASCII)


def parse_windows_version(text: str) -> str:
    """The NT version a Windows floor means: "6.1" for "win7", "windows-7", "nt6.1" or "6.1"; "10.0.22000" for
    "windows-11". ValueError, with what to write instead, for a bare release number ("7", "8.1", "11").

    Trailing zeros never matter ("10" == "10.0" == "10.0.0"); a build number is kept ("10.0.22000").
    """
    lowered = text.strip().lower()
    release = _WINDOWS_RELEASE.fullmatch(lowered)
    if release:
        for _, version, names in WINDOWS_RELEASES:
            if _strip_zeros(release.group(1)) in names:
                return _nt_text(version)
        raise ValueError(f"{text!r} is not a Windows release I know{_release_hint()}")
    nt = _WINDOWS_NT.fullmatch(lowered)
    if not nt:
        raise ValueError(f"{text!r} is not a Windows version{_release_hint()}")
    parts = tuple(int(p) for p in nt.group(1).split("."))
    key = parts[:2] if len(parts) > 1 else (parts[0], 0)
    build = parts[2:]
    if all(p == 0 for p in build):
        build = ()
    known = {version: name for name, version, _ in WINDOWS_RELEASES if len(version) == 2}
    if key in known and len(build) <= 1:
        return _nt_text(key + build)
    bare = nt.group(1)
    for name, version, names in WINDOWS_RELEASES:
        if _strip_zeros(bare) in names:  # "7", "8.0", "8.1", "11.0": a release number written without its prefix
            raise ValueError(
                f'{text!r} is ambiguous: no NT {bare} exists; did you mean {name}? Write "windows-{names[0]}" '
                f'or its NT version "{_nt_text(version)}" ({name} is NT {_nt_text(version, build_word=True)})'
            )
    raise ValueError(f"{text!r} is no NT version of Windows{_release_hint()}")


def windows_label(version: str) -> str:
    """ "Windows 7 (NT 6.1)" for "6.1", "Windows 11 (NT 10.0 build 22000)" for "10.0.22000", "NT 6.4" otherwise."""
    parts = numeric_prefix(version)
    if not parts:
        return f"Windows {version}"
    key = parts[:2] if len(parts) > 1 else (parts[0], 0)
    build = tuple(p for p in parts[2:3] if p)
    nt = _nt_text(key + build, build_word=True)
    if key == (10, 0) and build and build[0] >= WINDOWS_11_BUILD:
        return f"Windows 11 (NT {nt})"
    for name, release, _ in WINDOWS_RELEASES:
        if release == key:
            return name if name.endswith(f"NT {nt}") else f"{name} (NT {nt})"
    return f"NT {nt}"


def _nt_text(version: Tuple[int, ...], build_word: bool = False) -> str:
    head = f"{version[0]}.{version[1] if len(version) > 1 else 0}"
    if len(version) > 2:
        return head + (f" build {version[2]}" if build_word else f".{version[2]}")
    return head


def _strip_zeros(text: str) -> str:
    parts = text.split(".")
    while len(parts) > 1 and parts[-1].strip("0") == "":
        parts.pop()
    return ".".join(parts)


def _release_hint() -> str:
    releases = ", ".join(f"{n} = NT {_nt_text(v, build_word=True)}" for n, v, _ in WINDOWS_RELEASES)
    examples = '("windows-7", "win8.1", "windows-10", "windows-11") or an NT version ("6.1", "nt6.3", "10.0")'
    return f": write a release {examples}: {releases}"
