"""musl's dynamic linker (ldso/dynlink.c, load_library): which file satisfies each need, and its messages.

musl differs from glibc where it matters here: a name that is `lib` + one of c, pthread, rt, m, dl, util, xnet
+ `.` (libc.so, libc.so.6, libm.so.6, libpthread.so.0, ...) is the loader itself, never a file; the
search is LD_LIBRARY_PATH, then DT_RUNPATH (or DT_RPATH) of the needing object and of each object that needed
it on up, then the system path from `/etc/ld-musl-<arch>.path` (one directory a line or colon-separated), or
`/lib:/usr/local/lib:/usr/lib` without that file. There is no cache and there are no symbol versions.
"""

from __future__ import annotations

import posixpath
from collections import deque
from typing import Deque, List, Optional, Sequence, Tuple

from linkguard.model import LibraryFacts, TargetNeed, TargetResolution
from linkguard.resolve.glibc import Files, Loaded, Search, in_dirs
from linkguard.resolve.glibc import try_path as _try

RESERVED = ("c", "pthread", "rt", "m", "dl", "util", "xnet")  # load_library's "c.pthread.rt.m.dl.util.xnet."
DEFAULT_PATH = ("/lib", "/usr/local/lib", "/usr/lib")


def is_reserved(name: str) -> bool:
    """A name musl's loader answers with itself, never the filesystem: `lib` + a reserved stem + `.`, so
    `libc.so`, `libc.so.6`, `libm.so.6` and `libpthread.so.0` alike."""
    return any(name.startswith(f"lib{stem}.") for stem in RESERVED)


def system_path(target: Files, interpreter: str, arch: str) -> Tuple[str, ...]:
    """The directories of `/etc/ld-musl-<arch>.path` (beside the loader's prefix), or musl's built-in path."""
    prefix = posixpath.dirname(posixpath.dirname(interpreter.rstrip("/")))  # /lib/ld-musl-*.so.1 -> ""
    config = f"{prefix}/etc/ld-musl-{arch}.path"
    read_small = getattr(target, "read_small", None)
    data = read_small(config) if read_small is not None else None
    if data is None:
        return DEFAULT_PATH
    text = data.decode("utf-8", "replace")
    return tuple(d for line in text.splitlines() for d in line.replace(":", "\n").split("\n") if d.strip())


def resolve(
    program_path: str,
    program: LibraryFacts,
    program_files: Files,
    interpreter: str,
    search: Search,
    sys_path: Sequence[str],
) -> Tuple[List[TargetNeed], List[Loaded]]:
    main = Loaded(program_path, program, program_files, None, (program_path,))
    loaded: List[Loaded] = [main]
    missing: List[TargetNeed] = []
    queue: Deque[Loaded] = deque([main])
    while queue:
        current = queue.popleft()
        for name in current.facts.needed:
            if is_reserved(name):
                search.resolved.append(TargetResolution(name, interpreter, "libc", current.path))
                continue
            found = next((o for o in loaded if name in o.names), None)
            if found is not None:
                search.resolved.append(TargetResolution(name, found.path, "loaded", current.path))
                continue
            found = _load(name, current, search, sys_path)
            if found is None:
                missing.append(TargetNeed("library", name, current.path))
                continue
            loaded.append(found)
            queue.append(found)
    return missing, loaded


def _load(name: str, needer: Loaded, search: Search, sys_path: Sequence[str]) -> Optional[Loaded]:
    if "/" in name:
        return _try(name, name, needer, search.target, "path", search)
    for directory in search.ld_library_path:
        hit = _try(posixpath.join(directory, name), name, needer, search.target, "ld_library_path", search)
        if hit is not None:
            return hit
    chain: Optional[Loaded] = needer
    while chain is not None:
        paths = chain.facts.runpath or chain.facts.rpath
        hit = in_dirs(name, paths, chain, needer, "runpath" if chain.facts.runpath else "rpath", search)
        if hit is not None:
            return hit
        chain = chain.loader
    for directory in sys_path:
        hit = _try(posixpath.join(directory, name), name, needer, search.target, "default", search)
        if hit is not None:
            return hit
    return None


def message(program_path: str, need: TargetNeed) -> str:
    """The line musl's loader prints for a library it cannot find."""
    return f"Error loading shared library {need.name}: No such file or directory (needed by {need.required_by})"
