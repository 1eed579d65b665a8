"""goreleaser's `dist/artifacts.json`: the binaries a release run built, and the target each was built for.

goreleaser records every artifact it made as an object with `name`, `path` (relative to the directory it ran in),
`goos`, `goarch`, the variant (`goamd64`, `goarm`, `goarm64`, `go386`, ...), `target` (`linux_amd64_v1`) and
`type`. linkguard checks the entries of type "Binary" (what `builds:` produced, and binaries uploaded as they are)
and "C Shared Library" (a `buildmode: c-shared` build: a cgo library, the likeliest to be dynamically linked);
archives are left out because goreleaser packs those same binaries into them, so checking both would report each
problem twice (pass an archive as a PATH to check it too). A "C Archive Library" (`c-archive`) is a static library
whose linkage is decided when a program links it, and a "C Header" is text; checksums, SBOMs, packages and images
are not programs.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Tuple

ARTIFACTS_FILE = "artifacts.json"
CHECKED_TYPES = ("Binary", "C Shared Library")
VARIANT_KEYS = ("goamd64", "goarm", "goarm64", "go386", "gomips", "goppc64", "goriscv64")
_ROOT_LEVELS = 4  # how far above dist/ the directory goreleaser ran in may be


class GoreleaserError(ValueError):
    """artifacts.json is missing, unreadable or not goreleaser's shape (a usage error, exit code 2)."""


@dataclass(frozen=True)
class ReleaseBinary:
    """One binary goreleaser listed: where to check it, and for which target it was built."""

    name: str
    listed_path: str  # `path` as artifacts.json gives it
    argument: str  # the path linkguard checks and reports (relative to the working directory when inside it)
    goos: str = ""
    goarch: str = ""
    variant: str = ""  # goamd64/goarm/... value, e.g. "v1"
    target: str = ""  # goreleaser's target: linux_amd64_v1 for Go builds, a triple for Rust or Zig builds

    @property
    def target_names(self) -> Tuple[str, ...]:
        """The names an allowance's `targets` globs match: goreleaser's target, and GOOS/GOARCH."""
        names = [self.target] if self.target else []
        if self.goos and self.goarch:
            names.append(f"{self.goos}/{self.goarch}")
        return tuple(names)


def read_release(dist: str, cwd: str = "") -> Tuple[ReleaseBinary, ...]:
    """The binaries listed in `dist`/artifacts.json (or in `dist` itself when it names the file), in file order."""
    listing = dist if os.path.isfile(dist) else os.path.join(dist, ARTIFACTS_FILE)
    try:
        with open(listing, encoding="utf-8") as handle:
            document = json.load(handle)
    except FileNotFoundError:
        raise GoreleaserError(f"{listing}: not found (run goreleaser build or release first)") from None
    except OSError as exc:
        raise GoreleaserError(f"{listing}: cannot read: {exc.strerror}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise GoreleaserError(f"{listing}: not JSON: {exc}") from None
    if not isinstance(document, list):
        raise GoreleaserError(f"{listing}: expected goreleaser's list of artifacts, found {type(document).__name__}")
    dist_dir = os.path.dirname(os.path.abspath(listing))
    binaries: List[ReleaseBinary] = []
    seen: Dict[str, None] = {}
    for index, entry in enumerate(document):
        if not isinstance(entry, Mapping):
            raise GoreleaserError(f"{listing}: entry {index} is not an object")
        if entry.get("type") not in CHECKED_TYPES:
            continue
        listed = _text(entry, "path", listing, index)
        argument = _display(_locate(listed, dist_dir), cwd or os.getcwd())
        if argument in seen:
            continue  # one file listed twice (a build output also uploaded as a plain binary)
        seen[argument] = None
        binaries.append(
            ReleaseBinary(
                name=_text(entry, "name", listing, index) if "name" in entry else os.path.basename(listed),
                listed_path=listed,
                argument=argument,
                goos=str(entry.get("goos") or ""),
                goarch=str(entry.get("goarch") or ""),
                variant=next((str(entry[k]) for k in VARIANT_KEYS if entry.get(k)), ""),
                target=str(entry.get("target") or ""),
            )
        )
    if not binaries:
        raise GoreleaserError(f"{listing}: lists no artifact of type {' or '.join(CHECKED_TYPES)}")
    return tuple(binaries)


def _text(entry: Mapping[str, Any], key: str, listing: str, index: int) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value:
        raise GoreleaserError(f"{listing}: entry {index} has no {key!r} string")
    return value


def _locate(listed: str, dist_dir: str) -> str:
    """The file a listed path names. goreleaser writes paths relative to where it ran, usually dist/'s parent."""
    if os.path.isabs(listed):
        return listed
    root = os.path.dirname(dist_dir)
    candidate = root
    for _ in range(_ROOT_LEVELS):
        if os.path.exists(os.path.join(candidate, listed)):
            return os.path.join(candidate, listed)
        parent = os.path.dirname(candidate)
        if parent == candidate:
            break
        candidate = parent
    return os.path.join(root, listed)  # missing: the scan reports it as unreadable


def _display(location: str, cwd: str) -> str:
    relative = os.path.relpath(location, cwd)
    return location if relative.startswith(os.pardir) else relative
