"""A baseline of known findings that may only shrink: adopt the gate on an existing release, then ratchet down.

A finding is known when the baseline holds the same (artifact path, rule code), or, failing that, a path that
differs only in its version numbers (`release_path`: `app-1.0-linux.tar.gz` and `app-1.1-linux.tar.gz` are the
same release artifact), so a ratchet survives a release. Known findings stay in the
report, lowered to `note` with a "known in the baseline" prefix, so they are seen but do not fail the run at the
default fail level; a finding the baseline lacks (a new artifact, or a new rule firing on an old one) fails as
usual. The baseline is read from a previous JSON report (`--format json`) or from a file that
`--update-baseline` wrote (`Ratchet.updated`), which keeps only the entries that still occur: fixing a problem
removes its entry, and nothing is ever added.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any, Dict, FrozenSet, List, Mapping, Optional, Tuple

from linkguard.model import ArtifactReport, Finding, Report, Severity

FORMAT_KEY = "linkguard-baseline"
FORMAT_VERSION = 1
KNOWN_PREFIX = "known in the baseline: "

Key = Tuple[str, str]  # (artifact path, rule code)


class BaselineError(ValueError):
    """The baseline file is missing or not a linkguard report or baseline (a usage error, exit code 2)."""


# A version-like run in a path: an optional `v`, numbers joined by dots (at least one dot, so `amd64`, `x86_64`
# and `manylinux_2_17` are not versions), an optional pre-release or build suffix (`-rc1`, `.beta2`, `-dev`);
# standing alone, not inside a word or a longer number.
_VERSION = re.compile(
    r"(?<![0-9A-Za-z])v?[0-9]+(?:\.[0-9]+)+(?:[-.+~]?(?:rc|alpha|beta|pre|dev|post|a|b)\.?[0-9]*)?(?![0-9A-Za-z])"
)
VERSION_PLACEHOLDER = "{version}"


def release_path(path: str) -> str:
    """`path` with every version-like run replaced by `{version}`: `dist/app-v1.2.3-rc1-linux.tar.gz!app-1.2/bin`
    -> `dist/app-{version}-linux.tar.gz!app-{version}/bin`."""
    return _VERSION.sub(VERSION_PLACEHOLDER, path)


@dataclass(frozen=True)
class Baseline:
    source: str
    keys: FrozenSet[Key]

    def match(self, key: Key) -> Optional[Key]:
        """The baseline entry that makes `key` known: the same path, else one equal to it but for versions."""
        if key in self.keys:
            return key
        return self._by_release.get((release_path(key[0]), key[1]))

    @cached_property
    def _by_release(self) -> Dict[Key, Key]:
        table: Dict[Key, Key] = {}
        for path, code in sorted(self.keys):
            table.setdefault((release_path(path), code), (path, code))
        return table


def load(path: str) -> Baseline:
    """The known findings in a linkguard JSON report or baseline file."""
    try:
        with open(path, encoding="utf-8") as handle:
            document = json.load(handle)
    except FileNotFoundError:
        raise BaselineError(f"baseline {path}: not found (start one from a JSON report: -f json -o {path})") from None
    except OSError as exc:
        raise BaselineError(f"baseline {path}: cannot read: {exc.strerror}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BaselineError(f"baseline {path}: not JSON: {exc}") from None
    if not isinstance(document, Mapping):
        raise BaselineError(f"baseline {path}: expected a linkguard JSON report or baseline object")
    if FORMAT_KEY in document:
        if document[FORMAT_KEY] != FORMAT_VERSION:
            raise BaselineError(f"baseline {path}: unknown baseline version {document[FORMAT_KEY]!r}")
        entries = _list(document.get("findings"), path, "findings")
        keys = {(_normal(_field(e, "path", path)), _field(e, "code", path)) for e in entries}
    elif "artifacts" in document and "version" in document:
        keys = set()
        for artifact in _list(document["artifacts"], path, "artifacts"):
            artifact_path = _normal(_field(artifact, "path", path))
            for finding in _list(artifact.get("findings", []), path, "findings"):
                keys.add((artifact_path, _field(finding, "code", path)))
    else:
        raise BaselineError(f"baseline {path}: neither a linkguard JSON report nor a baseline file")
    return Baseline(source=path, keys=frozenset(keys))


class Ratchet:
    """Judges artifacts against a baseline as they stream past, remembering which known findings still occur."""

    def __init__(self, baseline: Baseline) -> None:
        self.baseline = baseline
        self._kept: Dict[Key, Dict[str, str]] = {}

    def judge(self, artifact: ArtifactReport) -> ArtifactReport:
        """The artifact with every known finding lowered to a note that says it is known."""
        changed = False
        findings = []
        for finding in artifact.findings:
            known = self.baseline.match((_normal(artifact.path), finding.code))
            if known is not None:
                self._kept.setdefault(known, _entry(artifact, finding))  # written under today's path
                finding = replace(finding, severity=Severity.NOTE, message=KNOWN_PREFIX + finding.message)
                changed = True
            findings.append(finding)
        return replace(artifact, findings=tuple(findings)) if changed else artifact

    def updated(self) -> Tuple[str, int]:
        """(text of the ratcheted baseline, entries removed): the known entries that occurred, no others."""
        document = {
            FORMAT_KEY: FORMAT_VERSION,
            "comment": "known findings that do not fail linkguard; entries are only ever removed (--update-baseline)",
            "findings": sorted(self._kept.values(), key=lambda e: (e["path"], e["code"])),
        }
        text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
        return text, len(self.baseline.keys) - len(self._kept)


def apply(report: Report, ratchet: Ratchet) -> Report:
    """The whole report judged against the baseline (for outputs that render a complete Report)."""
    return replace(report, artifacts=tuple(ratchet.judge(a) for a in report.artifacts))


def _entry(artifact: ArtifactReport, finding: Finding) -> Dict[str, str]:
    return {"path": _normal(artifact.path), "code": finding.code, "rule": finding.rule, "message": finding.message}


def _normal(path: str) -> str:
    return path[2:] if path.startswith("./") else path


def _list(value: Any, source: str, what: str) -> List[Any]:
    if not isinstance(value, list):
        raise BaselineError(f"baseline {source}: {what} must be an array")
    return value


def _field(entry: Any, key: str, source: str) -> str:
    if not isinstance(entry, Mapping) or not isinstance(entry.get(key), str):
        raise BaselineError(f"baseline {source}: an entry has no {key!r} string")
    value: str = entry[key]
    return value
