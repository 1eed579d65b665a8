"""Symbol-version names as the ELF reader records them.

The parsing and comparison live in `linkguard.versions`, one neutral module that rules, configuration and
reporters share; the names are re-exported here so the reader's own vocabulary stays where it is read.
"""

from __future__ import annotations

from linkguard.versions import FLOOR_FAMILIES, format_version, max_versions, parse_floor, split_version

__all__ = ["FLOOR_FAMILIES", "format_version", "max_versions", "parse_floor", "split_version"]
