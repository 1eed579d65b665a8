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
_PEP600 = re.compile(r"manylinux_(\d+)_(\d+)")
_PEP656 = re.compile(r"musllinux_(\d+)_(\d+)")
MUSL_ONLY: Tuple[int, ...] = ()  # the floor of a musllinux tag: below every glibc version, so any need exceeds it


@functools.lru_cache(maxsize=4096)
def split_version(name: str) -> Optional[Tuple[str, Tuple[int, ...]]]:
    """("GLIBC", (2, 29)) for "GLIBC_2.29"; None when the part after the first "_" is not dotted numbers."""
    family, sep, rest = name.partition("_")
    if not sep or not rest:
        return None
    parts = rest.split(".")
    if not all(p.isdigit() for p in parts):
        return None
    return family, tuple(int(p) for p in parts)


def is_dotted(text: str) -> bool:
    """True for a plain dotted version: "2.17", "3.4.19"."""
    return bool(text) and all(p.isdigit() for p in text.split("."))


def is_platform_tag(text: str) -> bool:
    """True for the manylinux/musllinux names `parse_floor` accepts in place of a glibc version."""
    return text in MANYLINUX_ALIASES or bool(_PEP600.fullmatch(text) or _PEP656.fullmatch(text))


def parse_floor(text: str) -> Tuple[int, ...]:
    """(2, 17) for "2.17", "GLIBC_2.17", "manylinux_2_17" or "manylinux2014"; () for "musllinux_1_2".

    ValueError for anything else. The empty tuple sorts below every version, so a musllinux floor is exceeded
    by any glibc symbol version: musl binaries carry none.
    """
    if text in MANYLINUX_ALIASES:
        return MANYLINUX_ALIASES[text]
    tag = _PEP600.fullmatch(text)
    if tag:
        return int(tag.group(1)), int(tag.group(2))
    if _PEP656.fullmatch(text):
        return MUSL_ONLY
    if "_" in text:
        split = split_version(text)
        if split is None:
            raise ValueError(f"not a numeric version: {text!r}")
        return split[1]
    if not is_dotted(text):
        raise ValueError(f"not a numeric version: {text!r}")
    return tuple(int(p) for p in text.split("."))


def floor_label(family: str, floor: str) -> str:
    """How a floor is named in a finding: `GLIBC_2.17`, or the platform tag as the user wrote it."""
    return floor if is_platform_tag(floor) else f"{family}_{floor}"


def format_version(version: Tuple[int, ...]) -> str:
    return ".".join(str(n) for n in version)


def max_versions(names: Iterable[str]) -> Dict[str, str]:
    """Highest numeric version per floor family, e.g. {"GLIBC": "2.34", "GLIBCXX": "3.4.29"}."""
    best: Dict[str, Tuple[int, ...]] = {}
    for name in names:
        split = split_version(name)
        if split is None or split[0] not in FLOOR_FAMILIES:
            continue
        family, version = split
        if version > best.get(family, ()):
            best[family] = version
    return {family: format_version(best[family]) for family in FLOOR_FAMILIES if family in best}


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


def numeric_prefix(text: str) -> Tuple[int, ...]:
    """ "10.0" -> (10, 0), "13.0.1" -> (13, 0, 1); the first non-numeric part ends it (OS versions)."""
    parts: List[int] = []
    for part in text.split("."):
        if not part.isdigit():
            break
        parts.append(int(part))
    return tuple(parts)
