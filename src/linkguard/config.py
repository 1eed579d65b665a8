"""Policy: which rules apply to which paths, at what severity, with which allowances.

Layers, highest first: command-line flags, then `[tool.linkguard]` in pyproject.toml or a linkguard.toml
(found from the current directory upward), then the defaults here. Unknown keys are errors with a
"did you mean" hint; `schemas/config.schema.json` publishes the same shape.
"""

from __future__ import annotations

import difflib
import fnmatch
import os
import sys
from dataclasses import dataclass, field, replace
from typing import Any, Dict, Mapping, Optional, Sequence, Tuple

from linkguard.limits import ArchiveLimits, Limits
from linkguard.model import Severity

FAIL_LEVELS = ("error", "warning", "note", "never")
SEVERITY_VALUES = ("error", "warning", "note", "off")


class ConfigError(Exception):
    """A configuration or usage mistake (exit code 2); the message says where and what to write instead."""


@dataclass(frozen=True)
class Allowance:
    """A relaxation for paths matching `paths`, always with a reason that reports show."""

    paths: Tuple[str, ...]
    reason: str
    dynamic: bool = True  # may be dynamically linked (LG101 off; LG102/LG103 judge instead)
    libraries: Optional[Tuple[str, ...]] = None  # DT_NEEDED allow-list (globs); None: any library
    max_versions: Mapping[str, str] = field(default_factory=dict)  # {"GLIBC": "2.17"}
    packed: bool = False  # may be UPX-packed
    ignore: Tuple[str, ...] = ()  # rule codes or names switched off here

    def matches(self, path: str) -> bool:
        return any(path_matches(pattern, path) for pattern in self.paths)


@dataclass(frozen=True)
class PathPolicy:
    """The policy as it applies to one artifact path."""

    severities: Mapping[str, Optional[Severity]]
    max_versions: Mapping[str, str]
    allowance: Optional[Allowance] = None

    def severity(self, code: str, name: str, default: Severity) -> Optional[Severity]:
        """The level for a rule here, or None when it is switched off."""
        if self.allowance is not None and (code in self.allowance.ignore or name in self.allowance.ignore):
            return None
        for key in (code, name):
            if key in self.severities:
                return self.severities[key]
        return default


@dataclass(frozen=True)
class Policy:
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

    def for_path(self, path: str) -> PathPolicy:
        allowance = next((a for a in self.allowances if a.matches(path)), None)
        floors = dict(self.max_versions)
        if allowance is not None:
            floors.update(allowance.max_versions)
        return PathPolicy(severities=self.severities, max_versions=floors, allowance=allowance)

    def excluded(self, path: str) -> bool:
        return any(path_matches(pattern, path) for pattern in self.exclude)


def path_matches(pattern: str, path: str) -> bool:
    """Glob match on the display path; a pattern without "/" or "!" also matches the base name."""
    normalized = path[2:] if path.startswith("./") else path
    if fnmatch.fnmatchcase(normalized, pattern):
        return True
    if "/" not in pattern and "!" not in pattern:
        base = normalized.replace("!", "/").rsplit("/", 1)[-1]
        return fnmatch.fnmatchcase(base, pattern)
    return False


# ------------------------------------------------------------------------------------------ loading

TOP_KEYS = (
    "fail-on",
    "max-glibc",
    "max-versions",
    "severity",
    "exclude",
    "allow",
    "limits",
    "jobs",
    "only-branches",
    "max-windows",  # LG104 os-too-new floors, kept as "windows"/"macos" in max_versions
    "max-macos",
)
ALLOW_KEYS = ("paths", "reason", "dynamic", "libraries", "max-glibc", "max-versions", "packed", "ignore")
LIMIT_KEYS = (
    "seconds",
    "read-bytes",
    "inflate-bytes",
    "archive-depth",
    "archive-members",
    "member-bytes",
    "archive-bytes",
    "archive-ratio",
)
VERSION_FAMILIES = ("GLIBC", "GLIBCXX", "CXXABI", "GCC")


def find_config(start: str) -> Optional[Tuple[str, Dict[str, Any]]]:
    """(path, table) of the nearest linkguard.toml or pyproject.toml with [tool.linkguard], from `start` up."""
    directory = os.path.abspath(start)
    while True:
        for name in ("linkguard.toml", "pyproject.toml"):
            candidate = os.path.join(directory, name)
            if os.path.isfile(candidate):
                document = _read_toml(candidate)
                if name == "linkguard.toml":
                    return candidate, document
                table = document.get("tool", {}).get("linkguard")
                if isinstance(table, dict):
                    return candidate, table
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


def load_config(path: str) -> Tuple[str, Dict[str, Any]]:
    """An explicitly named config file: linkguard.toml, or pyproject.toml's [tool.linkguard]."""
    if not os.path.isfile(path):
        raise ConfigError(f"config file not found: {path}")
    document = _read_toml(path)
    if os.path.basename(path) == "pyproject.toml":
        table = document.get("tool", {}).get("linkguard", {})
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: [tool.linkguard] must be a table")
        return path, table
    return path, document


def _read_toml(path: str) -> Dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python < 3.11 only
        import tomli as tomllib
    try:
        with open(path, "rb") as handle:
            document: Dict[str, Any] = tomllib.load(handle)
            return document
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from exc


def policy_from_table(table: Mapping[str, Any], source: Optional[str] = None) -> Policy:
    """Build a Policy from a [tool.linkguard] table, rejecting unknown keys and ill-typed values."""
    where = source or "config"
    _check_keys(table, TOP_KEYS, where)
    policy = Policy(source=source)
    if "fail-on" in table:
        policy = replace(policy, fail_on=parse_fail_on(_string(table["fail-on"], f"{where}: fail-on")))
    floors: Dict[str, str] = {}
    if "max-glibc" in table:
        floors["GLIBC"] = _version(table["max-glibc"], f"{where}: max-glibc")
    if "max-versions" in table:
        floors.update(_versions_table(table["max-versions"], f"{where}: max-versions"))
    for key, family in (("max-windows", "windows"), ("max-macos", "macos")):
        if key in table:
            floors[family] = _version(table[key], f"{where}: {key}")
    severities: Dict[str, Optional[Severity]] = {}
    if "severity" in table:
        severities = _severities(table["severity"], f"{where}: severity")
    allowances = tuple(
        _allowance(entry, f"{where}: allow[{i}]") for i, entry in enumerate(_list(table.get("allow", []), "allow"))
    )
    exclude = tuple(_string(p, f"{where}: exclude") for p in _list(table.get("exclude", []), f"{where}: exclude"))
    limits, archives = _limits(table.get("limits", {}), f"{where}: limits")
    jobs = table.get("jobs", 0)
    if not isinstance(jobs, int) or isinstance(jobs, bool) or jobs < 0:
        raise ConfigError(f"{where}: jobs must be a non-negative integer, not {jobs!r}")
    only = table.get("only-branches")
    if only is not None:
        only = _string(only, f"{where}: only-branches")
    return replace(
        policy,
        max_versions=floors,
        severities=severities,
        allowances=allowances,
        exclude=exclude,
        limits=limits,
        archives=archives,
        jobs=jobs,
        only_branches=only,
    )


def parse_fail_on(value: str) -> Optional[Severity]:
    if value not in FAIL_LEVELS:
        raise ConfigError(
            f"fail level must be one of {', '.join(FAIL_LEVELS)}, not {value!r}{_hint(value, FAIL_LEVELS)}"
        )
    return None if value == "never" else Severity(value)


def _check_keys(table: Mapping[str, Any], allowed: Sequence[str], where: str) -> None:
    if not isinstance(table, Mapping):
        raise ConfigError(f"{where} must be a table")
    for key in table:
        if key not in allowed:
            raise ConfigError(f"{where}: unknown key {key!r}{_hint(key, allowed)}; valid keys: {', '.join(allowed)}")


def _hint(word: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.5)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _string(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"{where} must be a string, not {value!r}")
    return value


def _list(value: Any, where: str) -> Sequence[Any]:
    if not isinstance(value, list):
        raise ConfigError(f"{where} must be an array, not {value!r}")
    return value


def _version(value: Any, where: str) -> str:
    text = _string(value, where)
    parts = text.split(".")
    if not all(p.isdigit() for p in parts):
        raise ConfigError(f'{where} must be a dotted version such as "2.17", not {text!r}')
    return text


def _versions_table(value: Any, where: str) -> Dict[str, str]:
    _check_keys(value, VERSION_FAMILIES, where)
    return {family: _version(v, f"{where}.{family}") for family, v in value.items()}


def _severities(value: Any, where: str) -> Dict[str, Optional[Severity]]:
    from linkguard.rules import RULES

    known = [r.spec.code for r in RULES] + [r.spec.name for r in RULES]
    _check_keys(value, known, where)
    out: Dict[str, Optional[Severity]] = {}
    for key, level in value.items():
        text = _string(level, f"{where}.{key}")
        if text not in SEVERITY_VALUES:
            raise ConfigError(
                f"{where}.{key} must be one of {', '.join(SEVERITY_VALUES)}{_hint(text, SEVERITY_VALUES)}"
            )
        out[key] = None if text == "off" else Severity(text)
    return out


def _allowance(entry: Any, where: str) -> Allowance:
    _check_keys(entry, ALLOW_KEYS, where)
    if "paths" not in entry or "reason" not in entry:
        raise ConfigError(f"{where}: an allowance needs both 'paths' and 'reason'")
    paths = entry["paths"]
    if isinstance(paths, str):
        paths = [paths]
    floors: Dict[str, str] = {}
    if "max-glibc" in entry:
        floors["GLIBC"] = _version(entry["max-glibc"], f"{where}.max-glibc")
    if "max-versions" in entry:
        floors.update(_versions_table(entry["max-versions"], f"{where}.max-versions"))
    libraries = entry.get("libraries")
    for flag in ("dynamic", "packed"):
        if flag in entry and not isinstance(entry[flag], bool):
            raise ConfigError(f"{where}.{flag} must be true or false")
    return Allowance(
        paths=tuple(_string(p, f"{where}.paths") for p in _list(paths, f"{where}.paths")),
        reason=_string(entry["reason"], f"{where}.reason"),
        dynamic=entry.get("dynamic", True),
        libraries=None
        if libraries is None
        else tuple(_string(x, f"{where}.libraries") for x in _list(libraries, f"{where}.libraries")),
        max_versions=floors,
        packed=entry.get("packed", False),
        ignore=tuple(_string(x, f"{where}.ignore") for x in _list(entry.get("ignore", []), f"{where}.ignore")),
    )


def _limits(value: Any, where: str) -> Tuple[Limits, ArchiveLimits]:
    _check_keys(value, LIMIT_KEYS, where)
    numbers: Dict[str, float] = {}
    for key, number in value.items():
        if not isinstance(number, (int, float)) or isinstance(number, bool) or number <= 0:
            raise ConfigError(f"{where}.{key} must be a positive number, not {number!r}")
        numbers[key] = number
    base, arch = Limits(), ArchiveLimits()
    limits = Limits(
        seconds=float(numbers.get("seconds", base.seconds)),
        read_bytes=int(numbers.get("read-bytes", base.read_bytes)),
        inflate_bytes=int(numbers.get("inflate-bytes", base.inflate_bytes)),
    )
    archives = ArchiveLimits(
        max_depth=int(numbers.get("archive-depth", arch.max_depth)),
        max_members=int(numbers.get("archive-members", arch.max_members)),
        max_member_bytes=int(numbers.get("member-bytes", arch.max_member_bytes)),
        max_total_bytes=int(numbers.get("archive-bytes", arch.max_total_bytes)),
        max_ratio=int(numbers.get("archive-ratio", arch.max_ratio)),
    )
    return limits, archives
