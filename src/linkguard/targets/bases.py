"""Named bases (`debian-12`, ...): what a bare installation of a release provides, as data (data/bases/*.json).

Each file was generated from the release's own packages by tests/data/targets/bases.py: the loader's
directories, every shared object in them with what readelf says of it, every link, and the ld.so.cache entries.
`BaseFs` answers the same questions as a root filesystem directory does, from that data, so the resolvers cannot
tell the two apart.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any, Dict, List, Optional, Set, Tuple

from linkguard.model import LibraryFacts
from linkguard.targets.ldcache import FLAG_ELF_LIBC6, CacheEntry
from linkguard.targets.rootfs import walk

# `ldconfig -p`'s ABI tag -> the flags word of the entry it printed (dl-cache.h).
_ABI_FLAGS = {"libc6,x86-64": FLAG_ELF_LIBC6 | 0x0300, "libc6": FLAG_ELF_LIBC6}


def names() -> List[str]:
    """Every named base shipped with linkguard."""
    folder = resources.files("linkguard") / "data" / "bases"
    return sorted(entry.name[: -len(".json")] for entry in folder.iterdir() if entry.name.endswith(".json"))


def load(name: str) -> Optional[Dict[str, Any]]:
    path = resources.files("linkguard") / "data" / "bases" / f"{name}.json"
    if not path.is_file():
        return None
    data: Dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


class BaseFs:
    """A named base's files, from its data."""

    def __init__(self, data: Dict[str, Any]) -> None:
        self.name = str(data["name"])
        self.directory = ""  # no directory on the build machine: nothing checked lies inside a named base
        self._links: Dict[str, str] = dict(data["links"])
        self._objects: Dict[str, Dict[str, Any]] = dict(data["objects"])
        self._dirs: Set[str] = {"/"}
        for path in [*self._links, *self._objects]:
            parts = path.split("/")[1:-1]
            for i in range(1, len(parts) + 1):
                self._dirs.add("/" + "/".join(parts[:i]))
        self._facts: Dict[str, LibraryFacts] = {}
        self.cache_entries: Tuple[CacheEntry, ...] = tuple(
            CacheEntry(e["soname"], e["path"], _ABI_FLAGS.get(e["abi"], 0)) for e in data.get("ld_so_cache", ())
        )

    def _kind(self, path: str) -> Optional[str]:
        if path in self._links:
            return "link"
        if path in self._objects:
            return "file"
        return "dir" if path in self._dirs else None

    def _readlink(self, path: str) -> Optional[str]:
        return self._links.get(path)

    def host_path(self, path: str) -> Optional[str]:
        found = walk(path, self._kind, self._readlink)
        return found if found in self._objects else None

    def is_dir(self, path: str) -> bool:
        return walk(path, self._kind, self._readlink) in self._dirs

    def read_small(self, path: str) -> Optional[bytes]:
        return None  # configuration files are not part of a base's data; its cache is (cache_entries)

    def object(self, path: str) -> Optional[LibraryFacts]:
        found = self.host_path(path)
        if found is None:
            return None
        if found not in self._facts:
            raw = self._objects[found]
            self._facts[found] = LibraryFacts(
                machine=raw["machine"],
                bits=raw["bits"],
                soname=raw.get("soname"),
                needed=tuple(raw.get("needed", ())),
                rpath=tuple(raw.get("rpath", ())),
                runpath=tuple(raw.get("runpath", ())),
                version_defs=tuple(raw.get("version_defs", ())),
            )
        return self._facts[found]
