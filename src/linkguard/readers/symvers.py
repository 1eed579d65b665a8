"""Symbol-version names: split, compare numerically, and find the highest per family.

`GLIBC_2.29` is family GLIBC, version (2, 29). Names whose version part is not numeric (`GLIBC_PRIVATE`,
`GLIBC_ABI_DT_RELR`, `CXXABI_TM_1`) are listed as needs but are not floors.
"""

from __future__ import annotations

import functools
from typing import Dict, Iterable, Optional, Tuple

# Families whose highest version decides the oldest system an artifact runs on.
FLOOR_FAMILIES = ("GLIBC", "GLIBCXX", "CXXABI", "GCC")


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


def parse_floor(text: str) -> Tuple[int, ...]:
    """(2, 17) for "2.17" or "GLIBC_2.17"; ValueError otherwise."""
    if "_" in text:
        split = split_version(text)
        if split is None:
            raise ValueError(f"not a numeric version: {text!r}")
        return split[1]
    parts = text.split(".")
    if not parts or not all(p.isdigit() for p in parts):
        raise ValueError(f"not a numeric version: {text!r}")
    return tuple(int(p) for p in parts)


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
