"""Build the Policy (linkguard.policy) from configuration: which rules apply where, at what severity.

Layers, highest first: command-line flags, then `[tool.linkguard]` in pyproject.toml or a linkguard.toml
(found from the current directory upward), then the defaults here. Unknown keys are errors with a
"did you mean" hint; `schemas/config.schema.json` publishes the same shape.
"""

from __future__ import annotations

import datetime
import os
import sys
from dataclasses import replace
from typing import Any, Dict, Mapping, Optional, Sequence, Tuple

from linkguard import versions
from linkguard.limits import ArchiveLimits, Limits
from linkguard.model import Severity
from linkguard.policy import Allowance, PathPolicy, Policy, Target, path_matches

FAIL_LEVELS = ("error", "warning", "note", "never")
SEVERITY_VALUES = ("error", "warning", "note", "off")


class ConfigError(Exception):
    """A configuration or usage mistake (exit code 2); the message says where and what to write instead."""


__all__ = [
    "Allowance",
    "ConfigError",
    "PathPolicy",
    "Policy",
    "Target",
    "find_config",
    "load_config",
    "parse_fail_on",
    "parse_glibc_floor",
    "path_matches",
    "policy_from_table",
]

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
    "target",  # where the artifacts must run: root filesystem directories (--target)
    "require-static",  # keep LG101 even where every target provides every need
    "allow-empty",  # a run that finds no executable passes instead of failing with LG902
    "archives",  # false: archive files are skipped unopened (--no-archives); only files themselves are checked
)
ALLOW_KEYS = (
    "paths",
    "goos",
    "goarch",
    "targets",
    "reason",
    "expires",
    "dynamic",
    "libraries",
    "max-glibc",
    "max-versions",
    "packed",
    "ignore",
    "target",
    "require-static",
)
SELECTOR_KEYS = ("paths", "goos", "goarch", "targets")  # an allowance needs at least one
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
        floors["GLIBC"] = _glibc_floor(table["max-glibc"], f"{where}: max-glibc")
    if "max-versions" in table:
        floors.update(_versions_table(table["max-versions"], f"{where}: max-versions"))
    if "max-windows" in table:
        floors["windows"] = _windows_floor(table["max-windows"], f"{where}: max-windows")
    if "max-macos" in table:
        floors["macos"] = _version(table["max-macos"], f"{where}: max-macos")
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
    allow_empty = table.get("allow-empty", False)
    if not isinstance(allow_empty, bool):
        raise ConfigError(f"{where}: allow-empty must be true or false, not {allow_empty!r}")
    only = table.get("only-branches")
    if only is not None:
        only = _string(only, f"{where}: only-branches")
    run_targets = _targets(table["target"], f"{where}: target") if "target" in table else ()
    require_static = _bool(table.get("require-static", False), f"{where}: require-static")
    open_archives = _bool(table.get("archives", True), f"{where}: archives")
    return replace(
        policy,
        run_targets=run_targets,
        require_static=require_static,
        max_versions=floors,
        allow_empty=allow_empty,
        open_archives=open_archives,
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
    import difflib  # only when a key is unknown: not at every start-up

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
    if not versions.is_dotted(text):
        raise ConfigError(f'{where} must be a dotted version such as "2.17", not {text!r}')
    return text


def _windows_floor(value: Any, where: str) -> str:
    """The NT version of a Windows floor written as a release ("windows-7") or an NT version ("6.1")."""
    text = _string(value, where)
    try:
        return versions.parse_windows_version(text)
    except ValueError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def _glibc_floor(value: Any, where: str) -> str:
    text = _string(value, where)
    try:
        return parse_glibc_floor(text)
    except ValueError as exc:
        raise ConfigError(f"{where} {exc}") from None


def parse_glibc_floor(text: str) -> str:
    """A glibc floor as written: a dotted version ("2.17") or a platform tag (manylinux2014, musllinux_1_2).

    Tags are kept as written so findings name them in the user's terms; `versions.parse_floor` maps them.
    """
    if not versions.is_platform_tag(text) and not versions.is_dotted(text):
        raise ValueError(
            'must be a dotted version such as "2.17", or a platform tag: manylinux_2_17, manylinux2014, '
            f"manylinux2010, manylinux1, musllinux_1_2; not {text!r}"
        )
    return text


def _versions_table(value: Any, where: str) -> Dict[str, str]:
    _check_keys(value, VERSION_FAMILIES, where)
    out: Dict[str, str] = {}
    for family, v in value.items():
        out[family] = _glibc_floor(v, f"{where}.{family}") if family == "GLIBC" else _version(v, f"{where}.{family}")
    return out


def _strings(value: Any, where: str) -> Tuple[str, ...]:
    """A string or an array of strings, as a tuple."""
    items = [value] if isinstance(value, str) else _list(value, where)
    return tuple(_string(item, where) for item in items)


def _date(value: Any, where: str) -> datetime.date:
    """A TOML date (2027-03-31) or the same as a string ("2027-03-31")."""
    if isinstance(value, datetime.datetime):
        raise ConfigError(f"{where} must be a date such as 2027-03-31, not a date and time")
    if isinstance(value, datetime.date):
        return value
    text = _string(value, where)
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise ConfigError(f'{where} must be a date such as "2027-03-31", not {text!r}') from None


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


def _targets(value: Any, where: str) -> Tuple[str, ...]:
    """`target`: one target or a list of them (root filesystem directories)."""
    if isinstance(value, str):
        return (value,)
    return _strings(value, where)


def _bool(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{where} must be true or false, not {value!r}")
    return value


def _allowance(entry: Any, where: str) -> Allowance:
    _check_keys(entry, ALLOW_KEYS, where)
    if not any(key in entry for key in SELECTOR_KEYS) or "reason" not in entry:
        raise ConfigError(
            f"{where}: an allowance needs 'reason' and at least one of {', '.join(repr(k) for k in SELECTOR_KEYS)}"
        )
    floors: Dict[str, str] = {}
    if "max-glibc" in entry:
        floors["GLIBC"] = _glibc_floor(entry["max-glibc"], f"{where}.max-glibc")
    if "max-versions" in entry:
        floors.update(_versions_table(entry["max-versions"], f"{where}.max-versions"))
    libraries = entry.get("libraries")
    for flag in ("dynamic", "packed"):
        if flag in entry and not isinstance(entry[flag], bool):
            raise ConfigError(f"{where}.{flag} must be true or false")
    return Allowance(
        paths=_strings(entry.get("paths", []), f"{where}.paths"),
        goos=_strings(entry.get("goos", []), f"{where}.goos"),
        goarch=_strings(entry.get("goarch", []), f"{where}.goarch"),
        targets=_strings(entry.get("targets", []), f"{where}.targets"),
        expires=_date(entry["expires"], f"{where}.expires") if "expires" in entry else None,
        reason=_string(entry["reason"], f"{where}.reason"),
        dynamic=entry.get("dynamic", True),
        libraries=None
        if libraries is None
        else tuple(_string(x, f"{where}.libraries") for x in _list(libraries, f"{where}.libraries")),
        max_versions=floors,
        packed=entry.get("packed", False),
        ignore=tuple(_string(x, f"{where}.ignore") for x in _list(entry.get("ignore", []), f"{where}.ignore")),
        run_targets=_targets(entry["target"], f"{where}.target") if "target" in entry else None,
        require_static=_bool(entry["require-static"], f"{where}.require-static") if "require-static" in entry else None,
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
