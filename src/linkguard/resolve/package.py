"""Resolution within a package: for every need of an artifact, who provides it where the artifact lives.

Pure judgement of facts against a `PackageView` (no bytes parsed here): one `model.Provision` per need, found as
the format's own loader would find it, in this order:
- ELF (glibc's ld.so, through resolve/glibc.py): the object's own DT_RPATH when it has no DT_RUNPATH, then its
  DT_RUNPATH; only `$ORIGIN` entries that land inside the package count (auditwheel's `<pkg>.libs/`); then what
  the declared platform provides (`packages.tags.os_provided`, "os") and the host. A shared object that objects
  of its package load also takes, for a need it does not find alone, what each load finds up the chain: the
  DT_RPATH of each loader (when it has no DT_RUNPATH of its own) or an object already loaded under that name.
  Every object of the package with a search path starts a load (as a host dlopen()s a module), mapped as ld.so
  maps it, once per package (`_package_loads`); the need is bundled when every load of the object finds it, and
  unresolved, naming the load that fails, when one does not. In an npm package, an `$ORIGIN` entry (or a Mach-O
  `@loader_path` LC_RPATH) that climbs into a declared dependency's directory in node_modules makes the need
  that dependency's (`package:<name>`);
- PE (the Windows loader as CPython and Node load modules): a DLL of the OS ("os"), the host, the directory of
  the loading module (the application directory for an `.exe`), then the directories the package adds at import
  time (delvewheel's `os.add_dll_directory` patch in an `__init__.py`);
- Mach-O (dyld): `/usr/lib` and `/System/Library` ("os"), the host, then `@loader_path`, `@executable_path` (the
  program itself, or an `.app`'s `Contents/MacOS` program) and `@rpath` through the LC_RPATH entries of the module
  and of the app's program that loads it; an `@rpath` need still not found is expanded through the LC_RPATH of
  each image up the chain that loads the module (dyld's rpath stack), per load as for ELF.
A need nobody provides has `provided_by` None and `looked`: where the loader would have looked, in its terms.
"""

from __future__ import annotations

import os
import posixpath
import re
import weakref
from collections import deque
from dataclasses import replace
from typing import Callable, Dict, List, Optional, Sequence, Set, Tuple, Union

from linkguard.model import (
    ElfFacts,
    LibraryFacts,
    MachoFacts,
    MachoSlice,
    PackageInfo,
    PeFacts,
    Placement,
    Provision,
    TargetVerdict,
)
from linkguard.packages import detect
from linkguard.packages.hosts import Host, host_in_package
from linkguard.packages.tags import os_provided
from linkguard.packages.view import MAX_DIRECTORY_VIEWS, ArchiveView, DirectoryView, Facts, PackageView, member_name
from linkguard.resolve import glibc

PKG = "/@package"  # the package root as ld.so's search sees it: an `..` above it leaves the package
LD_DEFAULTS = "ld.so.cache and the default directories (/lib, /usr/lib, ...): the system's, not the package's"
WINDOWS_SYSTEM = "the system directories (System32, the Windows directory) and PATH: a bare Windows lacks it"
# delvewheel's patch: `def _delvewheel_patch_1_5_0():` (older: `_delvewheel_init_patch_0_0_14`) and in its body
# `libs_dir = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir, '<pkg>.libs'))`.
DELVEWHEEL_PATCH = re.compile(r"def _delvewheel_(?:init_)?patch_[0-9_]+\(\):")
DELVEWHEEL_DIR = re.compile(r"os\.path\.join\(\s*os\.path\.dirname\(__file__\)\s*,([^()]*)\)")
INIT_CAP = 1 << 20  # bytes of an __init__.py read at most
# Files of one package read for the objects that carry a search path (where its loading chains start): a larger
# package is not searched for the loaders of its objects, each of which is then judged alone.
MAX_CHAIN_PACKAGE_FILES = 5_000
MAX_CHAIN_LOADS = 100_000  # loads (an object, through one chain) kept per package
MAX_ELSEWHERE = 2  # places named where the package holds an @rpath need its LC_RPATH entries miss


def place(facts: Facts, relative: str, view: PackageView) -> Placement:
    """The artifact at `relative` (inside the view's tree): its package, host and one provision per need."""
    found, package = view.package(relative)
    host = host_in_package(facts, package.kind)
    provided = os_provided(package, facts)
    inside = _inside(found.root, relative)
    if isinstance(facts, ElfFacts):
        provisions = elf_provisions(facts, inside, _Scope(view, found, package), host, provided)
    elif isinstance(facts, PeFacts):
        provisions = pe_provisions(facts, inside, _Scope(view, found, package), host)
    else:
        provisions = macho_provisions(facts, inside, _Scope(view, found, package), host)
    return Placement(
        package=package,
        host=host.name if host is not None else None,
        host_notes=host.notes if host is not None else (),
        provisions=tuple(provisions),
    )


def _inside(root: str, relative: str) -> str:
    return relative[len(root) + 1 :] if root else relative


class _Scope:
    """The package's files, with paths relative to the package root (the tree's view is relative to the tree)."""

    def __init__(self, view: PackageView, found: detect.Found, package: PackageInfo) -> None:
        self.view = view
        self.found = found
        self.package = package

    def tree(self, inside: str) -> str:
        return posixpath.join(self.found.root, inside) if self.found.root and inside else inside or self.found.root

    def display(self, inside: str) -> str:
        return self.view.display(self.tree(inside))

    def find(self, directory: str, name: str) -> Optional[str]:
        """`directory/name` inside the package, the name compared case-insensitively; None when absent. A `name`
        with slashes is found component by component (`@rpath/X.framework/Versions/A/X` under an LC_RPATH
        directory, as dyld concatenates the two), each compared as macOS's default file system compares them."""
        if "/" in name:
            target = normalized(directory, name)
            if target is None or not target:
                return None
            found = ""
            for part in target.split("/"):
                hit = self.view.find_folded(self.tree(found), part)
                if hit is None:
                    return None
                found = posixpath.join(found, hit) if found else hit
            return found
        hit = self.view.find_folded(self.tree(directory), name)
        return posixpath.join(directory, hit) if hit is not None and directory else hit


def normalized(directory: str, rest: str) -> Optional[str]:
    """`directory/rest` with `.` and `..` resolved, relative to the package root; None when it leaves it."""
    joined = posixpath.normpath(posixpath.join(PKG, directory, rest))
    if joined == PKG:
        return ""
    if not joined.startswith(PKG + "/"):
        return None
    return joined[len(PKG) + 1 :]


# ---------------------------------------------------------------------------------------------------- ELF


class _ElfFiles:
    """The package as glibc's `Files`: `/@package/<path>` is the file at <path> inside the package."""

    def __init__(self, scope: _Scope) -> None:
        self.scope = scope

    def host_path(self, path: str) -> Optional[str]:
        return None

    def object(self, path: str) -> Optional[LibraryFacts]:
        path = posixpath.normpath(path)
        if not path.startswith(PKG + "/"):
            return None
        return self.scope.view.library(self.scope.tree(path[len(PKG) + 1 :]))


class _LoadedFiles(_ElfFiles):
    """The package as glibc maps its objects when one loads another (PackageView.loaded)."""

    def object(self, path: str) -> Optional[LibraryFacts]:
        path = posixpath.normpath(path)
        if not path.startswith(PKG + "/"):
            return None
        return self.scope.view.loaded(self.scope.tree(path[len(PKG) + 1 :]))


class _Nowhere:
    """What lies outside the package: nothing (the system's files are not the package's)."""

    def host_path(self, path: str) -> Optional[str]:
        return None

    def object(self, path: str) -> Optional[LibraryFacts]:
        return None


def elf_provisions(
    facts: ElfFacts, inside: str, scope: _Scope, host: Optional[Host], provided: frozenset[str]
) -> List[Provision]:
    facts = facts.effective
    if not facts.needed:
        return []
    found: Dict[str, str] = {}
    if facts.rpath or facts.runpath:  # only a search path can reach into the package: without one, nothing to do
        program = glibc.Loaded(
            posixpath.join(PKG, inside),
            LibraryFacts(facts.machine, facts.bits, facts.soname, facts.needed, facts.rpath, facts.runpath),
            _ElfFiles(scope),
            None,
        )
        search = glibc.Search(target=_Nowhere(), cache=None, default_dirs=(), lib=_lib(facts.bits))
        glibc.resolve(program.path, program.facts, program.files, facts.interpreter or "", search)
        for hit in search.resolved:
            if hit.required_by == program.path and hit.provided_by == "bundled":
                found.setdefault(hit.needed, hit.path)
    out: List[Provision] = []
    looked: Optional[Tuple[str, ...]] = None  # the same for every need of this object: computed once
    loads: Optional[List[_Load]] = None  # how the package's own objects load this one: looked up once, if needed
    for need in facts.needed:
        path = found.get(need)
        if path is not None:
            where = posixpath.normpath(path)[len(PKG) + 1 :]
            how = _elf_how(facts, inside, posixpath.dirname(where))
            out.append(Provision(need, f"bundled:{where}", scope.display(where), how))
            continue
        if need in provided:
            out.append(Provision(need, "os", how=f"the platform {_declared(scope.package)} provides it"))
            continue
        if host is not None and host.provides(need):
            out.append(Provision(need, f"host:{host.name}", how=f"{host.name} provides it"))
            continue
        if _loadable(facts):
            if loads is None:
                loads = _loads_of(inside, scope)
            chained = _through_loaders(need, loads, scope) if loads else None
            # With a DT_RUNPATH of its own, the object's need is met up the chain only by an object already loaded
            # under that name (which every load must have); its loaders' search paths are no place it looks.
            if chained is not None and (not facts.runpath or chained.provided_by is not None):
                out.append(chained)
                continue
        if not facts.rpath and not facts.runpath:
            out.append(_system_only(need))
        else:
            dependency = _npm_dependency(need, facts, inside, scope)
            if dependency is not None:
                out.append(dependency)
                continue
            if looked is None:
                looked = tuple(_elf_looked(facts, inside, scope))
            out.append(Provision(need, None, looked=looked))
    return out


def _npm_dependency(need: str, facts: ElfFacts, inside: str, scope: _Scope) -> Optional[Provision]:
    """For a binary of an npm package: the first `$ORIGIN` entry that climbs out of the package into the directory
    of a package it depends on, which npm installs beside it in node_modules (`_declared_dependency`).
    @img/sharp-linux-x64's addon has `DT_RUNPATH $ORIGIN/../../sharp-libvips-linux-x64/lib` and gets libvips-cpp
    from @img/sharp-libvips-linux-x64. None for any other package or entry."""
    if scope.package.kind != "npm" or not scope.package.dependencies:
        return None
    for tag, entry in _elf_entries(facts):
        relative = _origin_path(entry, inside, facts.machine)
        name = _declared_dependency(relative, scope.package) if relative is not None else None
        if name is not None:
            return Provision(need, f"package:{name}", how=_dependency_how(f"{tag} {entry}", name))
    return None


def _declared_dependency(relative: str, package: PackageInfo) -> Optional[str]:
    """The dependency of npm package `package` whose directory holds `relative` (a path from the package's root
    that climbs out of it: `../sharp-libvips-linux-x64/lib`), as npm lays node_modules out: the package sits in
    node_modules/<name> or node_modules/<scope>/<name>, and so do its dependencies. None when the path names no
    package the manifest declares (`dependencies`, `optionalDependencies`): that one is nobody's."""
    if not package.name or not package.dependencies:
        return None
    own_scope = package.name.split("/", 1)[0] if package.name.startswith("@") and "/" in package.name else None
    parts = [p for p in relative.split("/") if p and p != "."]
    if len(parts) < 2 or parts[0] != "..":
        return None
    if own_scope is not None and parts[1] != "..":
        name = f"{own_scope}/{parts[1]}"  # a sibling in its own scope
    else:
        rest = parts[2:] if own_scope is not None else parts[1:]  # from node_modules/
        if not rest or rest[0] == "..":
            return None
        name = f"{rest[0]}/{rest[1]}" if rest[0].startswith("@") and len(rest) > 1 else rest[0]
    return name if name in package.dependencies else None


def _dependency_how(rule: str, name: str) -> str:
    return f"{rule}: in {name}, a dependency npm installs beside this package (not checked here)"


def _loadable(facts: ElfFacts) -> bool:
    """Whether another object's need or dlopen() can load this one: a shared object (glibc refuses an executable,
    and a PIE: "cannot dynamically load position-independent executable"). One with a DT_RUNPATH does not search
    its loaders' DT_RPATH, but a need of it that an object already loaded answers by name is met all the same
    (elf/dl-load.c _dl_map_object looks at the loaded objects before any search): imagecodecs 2026.3.6's
    liblzokay-c, whose DT_RUNPATH is its build directory, gets liblzokay because the module loading it needs that
    first. The loads (glibc.resolve) already apply each object's own DT_RUNPATH."""
    return facts.type == "DYN" and not facts.pie


def _lib(bits: int) -> str:
    return "lib64" if bits == 64 else "lib"


# ELF: the loading chain. glibc searches a need of object B (when B has no DT_RUNPATH) in the DT_RPATH of B, of the
# object that loaded B, of that one's loader and on up, then the program's (elf/dl-load.c, _dl_map_object; an
# object with a DT_RUNPATH has its DT_RPATH ignored, and its DT_RUNPATH serves its own needs only). So a bundled
# library with no search path of its own finds its needs through the module that loaded it. Every object of the
# package that carries a search path is taken as the start of a load (as a host dlopen()s a module, or as a
# program starts) and its closure is mapped as glibc maps it: each object reached gets one _Load per start.


class _Load:
    """One way the package loads an object: from `start` (inside the package), through `loaded.loader` and up."""

    __slots__ = ("found", "loaded", "start")

    def __init__(self, start: str, loaded: glibc.Loaded, found: Dict[str, Tuple[str, str]]) -> None:
        self.start = start
        self.loaded = loaded
        self.found = found  # need -> (path inside the package, how it was found), for the needs this load satisfied


_LOADS: weakref.WeakKeyDictionary[PackageView, Dict[str, Optional[Dict[str, List[_Load]]]]] = (
    weakref.WeakKeyDictionary()
)


def _loads_of(inside: str, scope: _Scope) -> List[_Load]:
    """The loads of the object at `inside` by the package's own objects (none for an object nothing loads)."""
    per_view = _LOADS.setdefault(scope.view, {})
    root = scope.found.root
    if root not in per_view:
        per_view[root] = _package_loads(scope)
    loads = per_view[root]
    if not loads:
        return []
    return loads.get(_inside(root, scope.view.real(scope.tree(inside))), [])


def _package_loads(scope: _Scope) -> Optional[Dict[str, List[_Load]]]:
    """Every load of the package's objects by its own objects, from each object that carries a search path; None
    when the package is too large to search (its objects are then judged alone)."""
    starts = scope.view.searching_objects(scope.found.root, MAX_CHAIN_PACKAGE_FILES)
    if starts is None:
        return None
    files = _LoadedFiles(scope)
    out: Dict[str, List[_Load]] = {}
    kept = 0
    for tree_path, paths in starts.items():
        start = _inside(scope.found.root, tree_path)
        if not any(_origin_dir(part, start, "") is not None for entry in paths for part in entry.split(":")):
            continue  # none of its entries lands inside the package: it loads nothing of it
        library = scope.view.loaded(tree_path)
        if library is None:
            continue
        search = glibc.Search(target=_Nowhere(), cache=None, default_dirs=(), lib=_lib(library.bits))
        _, loaded = glibc.resolve(posixpath.join(PKG, start), library, files, "", search)
        satisfied: Dict[str, Dict[str, Tuple[str, str]]] = {}
        for hit in search.resolved:
            if not hit.path.startswith(PKG + "/"):
                continue
            where = posixpath.normpath(hit.path)[len(PKG) + 1 :]
            if hit.by == "loaded":
                how = f"already loaded when {scope.display(start)} is loaded"
            else:
                owner, tag, entry = search.found_by[(hit.required_by, hit.needed)]
                how = f"{tag} {entry}" + ("" if owner == hit.required_by else f" of {scope.display(_of(owner))}")
            satisfied.setdefault(hit.required_by, {}).setdefault(hit.needed, (where, how))
        for obj in loaded[1:]:
            if not obj.path.startswith(PKG + "/") or kept >= MAX_CHAIN_LOADS:
                continue
            real = _inside(scope.found.root, scope.view.real(scope.tree(_of(obj.path))))
            out.setdefault(real, []).append(_Load(start, obj, satisfied.get(obj.path, {})))
            kept += 1
    return out


def _of(path: str) -> str:
    """The path inside the package of a `/@package/...` path glibc formed."""
    return posixpath.normpath(path)[len(PKG) + 1 :]


def _through_loaders(need: str, loads: List[_Load], scope: _Scope) -> Optional[Provision]:
    """A need the object alone does not find, as each load of it by the package's objects finds it: provided only
    when every load finds it (the loader that fails is named: loading through it fails). None when no load finds
    it and the loaders add no place to look: the object alone says all there is."""
    hits = [(load, load.found[need]) for load in loads if need in load.found]
    misses = [load for load in loads if need not in load.found]
    if not misses:
        _, (where, how) = hits[0]
        return Provision(need, f"bundled:{where}", scope.display(where), how)
    own, inherited = _chain_looked(need, misses[0], scope)
    if not hits and not inherited:
        return None
    looked = [*own, *inherited, LD_DEFAULTS]  # an inherited entry names its owner ("... of pkg/_mod.so")
    for load, (where, how) in hits[:1]:
        looked.append(
            f"not found when {_chain(misses[0], scope)} loads it, found when {_chain(load, scope)} does: "
            f"{scope.display(where)} ({how})"
        )
    return Provision(need, None, looked=tuple(looked))


def _chain(load: _Load, scope: _Scope) -> str:
    """`pkg/_mod.so`, or `pkg/_mod.so -> pkg.libs/liba.so` when it is loaded through another object."""
    members: List[str] = []
    obj = load.loaded.loader
    while obj is not None:
        members.append(scope.display(_of(obj.path)))
        obj = obj.loader
    return " -> ".join(reversed(members))


def _chain_looked(need: str, load: _Load, scope: _Scope) -> Tuple[List[str], List[str]]:
    """Where glibc looks for a need of a loaded object with no DT_RUNPATH: (the object's own DT_RPATH entries, the
    DT_RPATH entries of each loader up the chain that name a place not named before). A DT_RUNPATH up the chain
    whose directory holds the need is named among the latter, as not passed down (the usual reason a bundled
    library's need is not found)."""
    own: List[str] = []
    inherited: List[str] = []
    seen: Set[str] = set()  # directories (or entries outside the package) already named: ld.so looks there once
    obj: Optional[glibc.Loaded] = load.loaded
    while obj is not None:
        owner = _of(obj.path)
        mine = obj is load.loaded
        of = "" if mine else f" of {scope.display(owner)}"
        out = own if mine else inherited
        if obj.facts.rpath and not obj.facts.runpath:
            for entry in obj.facts.rpath:
                for part in entry.split(":"):
                    directory = _origin_dir(part, owner, obj.facts.machine)
                    place = directory if directory is not None else part
                    if part and place not in seen:
                        seen.add(place)
                        out.append(_entry_looked("DT_RPATH", part, owner, of, obj.facts.machine, scope))
        elif obj.facts.runpath and not mine:
            for entry in obj.facts.runpath:
                for part in entry.split(":"):
                    directory = _origin_dir(part, owner, obj.facts.machine)
                    if directory is not None and directory not in seen and scope.find(directory, need) is not None:
                        inherited.append(
                            f"{scope.display(directory)}/ (DT_RUNPATH {part}{of}: it serves that object's own needs,"
                            " it is not passed down)"
                        )
        obj = obj.loader
    return own, inherited


def _entry_looked(tag: str, part: str, owner: str, of: str, machine: str, scope: _Scope) -> str:
    directory = _origin_dir(part, owner, machine)
    if directory is not None:
        return f"{scope.display(directory)}/ ({tag} {part}{of})"
    if "$ORIGIN" in part or "${ORIGIN}" in part:
        return f"{part} ({tag}{of}): leaves the package"
    return f"{part} ({tag}{of}): outside the package"


_SYSTEM_ONLY: Dict[str, Provision] = {}  # frozen, so shared: most objects of a tree name the same few libraries
MAX_SYSTEM_ONLY = 4096


def _system_only(need: str) -> Provision:
    """The provision of a need that only the system's directories could satisfy (no search path in the object)."""
    provision = _SYSTEM_ONLY.get(need)
    if provision is None:
        if len(_SYSTEM_ONLY) >= MAX_SYSTEM_ONLY:
            _SYSTEM_ONLY.clear()
        provision = _SYSTEM_ONLY[need] = Provision(need, None, looked=(LD_DEFAULTS,))
    return provision


def _declared(package: PackageInfo) -> str:
    return ", ".join(package.tags[:2]) if package.tags else f"{package.kind} {package.name or package.root}"


def _elf_entries(facts: ElfFacts) -> List[Tuple[str, str]]:
    """(tag, entry) in ld.so's order for the object's own needs: DT_RPATH only when there is no DT_RUNPATH."""
    entries: List[Tuple[str, str]] = []
    if not facts.runpath:
        entries += [("DT_RPATH", part) for entry in facts.rpath for part in entry.split(":")]
    entries += [("DT_RUNPATH", part) for entry in facts.runpath for part in entry.split(":")]
    return entries


def _origin_path(entry: str, inside: str, machine: str) -> Optional[str]:
    """The directory an `$ORIGIN` entry of the object at `inside` names, relative to the package root (`..` first
    when it climbs out of the package); None for another entry."""
    if "$ORIGIN" not in entry and "${ORIGIN}" not in entry:
        return None
    origin = posixpath.join(PKG, posixpath.dirname(inside))
    search = glibc.Search(target=_Nowhere(), cache=None, default_dirs=(), lib="lib")
    expanded = glibc.expand(entry, origin, search, machine)
    if expanded is None:
        return None
    return posixpath.relpath(posixpath.normpath(expanded), PKG)  # `..` resolved first, as ld.so forms the path


def _origin_dir(entry: str, inside: str, machine: str) -> Optional[str]:
    """The directory (inside the package) an `$ORIGIN` entry names; None for another entry or one leaving it."""
    path = _origin_path(entry, inside, machine)
    if path is None or path == ".." or path.startswith("../"):
        return None
    return "" if path == "." else path


def _elf_how(facts: ElfFacts, inside: str, directory: str) -> str:
    for tag, entry in _elf_entries(facts):
        if _origin_dir(entry, inside, facts.machine) == directory:
            return f"{tag} {entry}"
    return "the loading chain's DT_RPATH"


def _elf_looked(facts: ElfFacts, inside: str, scope: _Scope) -> List[str]:
    if not facts.rpath and not facts.runpath:
        return [LD_DEFAULTS]
    entries = _elf_entries(facts)
    looked = [_entry_looked(tag, entry, inside, "", facts.machine, scope) for tag, entry in entries if entry]
    looked.append(LD_DEFAULTS)
    return looked


# ----------------------------------------------------------------------------------------------------- PE


def pe_provisions(facts: PeFacts, inside: str, scope: _Scope, host: Optional[Host]) -> List[Provision]:
    out: List[Provision] = []
    module_dir = posixpath.dirname(inside)
    first = "the application directory" if facts.type == "EXE" else "the directory of the loading module"
    added: Optional[List[Tuple[str, str]]] = None
    seen: set[str] = set()
    for item in facts.imports:
        folded = item.dll.lower()
        if folded in seen:
            continue
        seen.add(folded)
        if item.platform:
            out.append(Provision(item.dll, "os", how="a bare Windows provides it"))
            continue
        if host is not None and host.provides(item.dll):
            out.append(Provision(item.dll, f"host:{host.name}", how=f"{host.name} provides it"))
            continue
        hit = scope.find(module_dir, item.dll)
        if hit is not None:
            out.append(_pe_bundled(item.dll, hit, scope, facts, first))
            continue
        if added is None:
            added = _added_dirs(inside, scope)
        provision = None
        for directory, init in added:
            hit = scope.find(directory, item.dll)
            if hit is not None:
                how = f"os.add_dll_directory({directory or '.'}) in {init} (delvewheel's patch)"
                provision = _pe_bundled(item.dll, hit, scope, facts, how)
                break
        if provision is None:
            looked = [f"{scope.display(module_dir) or '.'}/ ({first})"]
            looked += [f"{scope.display(d)}/ (added by {init})" for d, init in added]
            looked.append(WINDOWS_SYSTEM)
            provision = Provision(item.dll, None, looked=tuple(looked))
        out.append(provision)
    return out


def _pe_bundled(dll: str, hit: str, scope: _Scope, facts: PeFacts, how: str) -> Provision:
    """A DLL found in the package: unless it is for another machine (the loader then fails, it does not search
    on: ERROR_BAD_EXE_FORMAT)."""
    other = scope.view.facts(scope.tree(hit))
    if isinstance(other, PeFacts) and other.machine != facts.machine:
        why = f"{scope.display(hit)} ({how}) is a {other.machine} DLL; this module is {facts.machine}"
        return Provision(dll, None, looked=(why,))
    return Provision(dll, f"bundled:{hit}", scope.display(hit), how)


def _added_dirs(inside: str, scope: _Scope) -> List[Tuple[str, str]]:
    """(directory, __init__.py) for each directory a package of this one adds at import time (delvewheel): the
    module's own packages' `__init__.py` and the top-level packages' are read."""
    candidates: List[str] = []
    for directory in detect.ancestors(inside)[:-1]:
        candidates.append(posixpath.join(directory, "__init__.py"))
    for name in sorted(scope.view.listing(scope.found.root) or ()):
        if scope.view.exists(scope.tree(posixpath.join(name, "__init__.py"))):
            candidates.append(posixpath.join(name, "__init__.py"))
    out: List[Tuple[str, str]] = []
    for init in dict.fromkeys(candidates):
        data = scope.view.text(scope.tree(init), INIT_CAP)
        if data is None:
            continue
        text = data.decode("utf-8", "replace")
        if not DELVEWHEEL_PATCH.search(text):
            continue
        for match in DELVEWHEEL_DIR.finditer(text):
            added = _joined_dir(posixpath.dirname(init), match.group(1))
            if added is not None and (added, init) not in out:
                out.append((added, init))
    return out


def _joined_dir(base: str, arguments: str) -> Optional[str]:
    """`os.pardir, 'pkg.libs'` after `os.path.dirname(__file__)` -> the directory inside the package."""
    parts: List[str] = []
    for argument in arguments.split(","):
        argument = argument.strip()
        if argument == "os.pardir":
            parts.append("..")
        elif len(argument) >= 2 and argument[0] == argument[-1] and argument[0] in "'\"":
            parts.append(argument[1:-1])
        elif argument:
            return None  # an expression we do not evaluate
    return normalized(base, "/".join(parts) or ".")


# -------------------------------------------------------------------------------------------------- Mach-O


def macho_provisions(facts: MachoFacts, inside: str, scope: _Scope, host: Optional[Host]) -> List[Provision]:
    chosen: Dict[str, Provision] = {}
    program = _app_program(scope) if scope.found.kind == "app" else None
    program_facts = scope.view.facts(scope.tree(program)) if program is not None and program != inside else None
    for piece in facts.slices:
        piece = piece.effective
        loader_rpaths = _program_rpaths(program_facts, piece.machine)
        for dylib in piece.dylibs:
            provision = _dylib(dylib.path, dylib.platform, piece, inside, program, loader_rpaths, scope, host)
            if provision.provided_by is None and dylib.path.startswith("@rpath/"):
                provision = _rpath_through_loaders(provision, piece, inside, scope) or provision
            earlier = chosen.get(dylib.path)
            if earlier is None or (earlier.provided_by is not None and provision.provided_by is None):
                chosen[dylib.path] = provision  # one slice that cannot find it decides
    return list(chosen.values())


def _app_program(scope: _Scope) -> Optional[str]:
    program = detect.bundle_executable(scope.found.root, scope.view.text, scope.view)
    return _inside(scope.found.root, program) if program is not None else None


def _program_rpaths(program: Optional[Facts], machine: str) -> Sequence[str]:
    if not isinstance(program, MachoFacts):
        return ()
    for piece in program.slices:
        if piece.effective.machine == machine:
            return piece.effective.rpaths
    return ()


def _dylib(
    path: str,
    platform: bool,
    piece: MachoSlice,
    inside: str,
    program: Optional[str],
    program_rpaths: Sequence[str],
    scope: _Scope,
    host: Optional[Host],
) -> Provision:
    if platform:
        return Provision(path, "os", how="part of macOS")
    if host is not None and host.provides(path):
        return Provision(path, f"host:{host.name}", how=f"{host.name} provides it")
    loader_dir = posixpath.dirname(inside)
    if piece.type == "EXECUTE":
        executable_dir: Optional[str] = loader_dir
    else:
        executable_dir = posixpath.dirname(program) if program is not None else None

    def expand(token_path: str) -> Tuple[Optional[str], str]:
        """(path inside the package or None, how it was formed)."""
        if token_path.startswith("@loader_path/"):
            return normalized(loader_dir, token_path[len("@loader_path/") :]), "@loader_path"
        if token_path.startswith("@executable_path/"):
            if executable_dir is None:
                return None, "@executable_path (no program of this package loads it)"
            return normalized(executable_dir, token_path[len("@executable_path/") :]), "@executable_path"
        return None, "outside the package"

    looked: List[str] = []
    if path.startswith("@rpath/"):
        rest = path[len("@rpath/") :]
        rpaths = [(r, "LC_RPATH") for r in piece.rpaths]
        if program is not None and program != inside:
            rpaths += [(r, f"LC_RPATH of {scope.display(program)}") for r in program_rpaths]
        for rpath, where in rpaths:
            if rpath.startswith("@loader_path") and where != "LC_RPATH":
                directory = normalized(posixpath.dirname(program or ""), rpath[len("@loader_path") :].lstrip("/"))
                how = "@loader_path"
            else:
                directory, how = expand(rpath.rstrip("/") + "/") if rpath.startswith("@") else (None, "absolute")
                directory = directory.rstrip("/") if directory else directory
            if directory is None:
                name = _macho_dependency(rpath, loader_dir, where, scope)
                if name is not None:
                    return Provision(path, f"package:{name}", how=_dependency_how(f"@rpath via {where} {rpath}", name))
                looked.append(f"{rpath} ({where}): {how if how != 'absolute' else 'outside the package'}")
                continue
            hit = scope.find(directory, rest)
            if hit is not None:
                return Provision(path, f"bundled:{hit}", scope.display(hit), f"@rpath via {where} {rpath}")
            # dyld tries LC_RPATH + "/" + the rest; a framework's rest has directories, so name the whole path
            tried = posixpath.join(directory, rest) if "/" in rest else directory + "/"
            looked.append(f"{scope.display(tried)} ({where} {rpath})")
        if not rpaths:
            looked.append("no LC_RPATH in the module or its loader: @rpath expands to nothing")
        if executable_dir is not None:
            looked.extend(_rpath_elsewhere(rest, "@executable_path", executable_dir, scope))
        else:
            looked.extend(_rpath_elsewhere(rest, "@loader_path", loader_dir, scope))
        return Provision(path, None, looked=tuple(looked))
    if path.startswith("@"):
        target, how = expand(path)
        if target is not None:
            hit = scope.find(posixpath.dirname(target), posixpath.basename(target))
            if hit is not None:
                return Provision(path, f"bundled:{hit}", scope.display(hit), how)
            return Provision(path, None, looked=(f"{scope.display(target)} ({how})",))
        return Provision(path, None, looked=(f"{path}: {how}",))
    return Provision(path, None, looked=(f"{path} (an absolute path outside the package and outside macOS)",))


def _macho_dependency(rpath: str, loader_dir: str, where: str, scope: _Scope) -> Optional[str]:
    """The npm dependency an image's own `@loader_path` LC_RPATH climbs into (`_declared_dependency`): sharp's
    darwin addon has LC_RPATH `@loader_path/../../sharp-libvips-darwin-arm64/lib`."""
    if scope.package.kind != "npm" or where != "LC_RPATH" or not rpath.startswith("@loader_path/"):
        return None
    relative = posixpath.normpath(posixpath.join(loader_dir, rpath[len("@loader_path/") :]))
    return _declared_dependency(relative, scope.package)


def _rpath_elsewhere(rest: str, token: str, base: str, scope: _Scope) -> List[str]:
    """Where the package does hold an `@rpath/<rest>` its LC_RPATH entries miss, with the entry that would reach
    it from `base` (the program's directory for `@executable_path`, else the module's for `@loader_path`)."""
    images = scope.view.macho_objects(scope.found.root, MAX_CHAIN_PACKAGE_FILES)
    folded = "/" + rest.lower()
    lines: List[str] = []
    for image in images or ():
        inside = _inside(scope.found.root, image)
        if not ("/" + inside.lower()).endswith(folded):
            continue
        directory = inside[: len(inside) - len(rest)].rstrip("/")
        relative = posixpath.relpath(directory or ".", base or ".")
        lines.append(f"{scope.display(inside)} is in the package: LC_RPATH {token}/{relative} would reach it")
        if len(lines) >= MAX_ELSEWHERE:
            break
    return lines


# Mach-O: the rpath stack. dyld expands `@rpath` in an image's load command through the LC_RPATH of that image, then
# of the image that loaded it, and on up to the main executable (dyld2's ImageLoader::recursiveLoadLibraries chains
# each image's list onto its loader's, RPathChain, and hands it to the images it loads); each entry's @loader_path
# is its own image's directory. Every Mach-O image of the package starts a load, mapped breadth first (an image is
# loaded once per start, by the first image that needs it); every image reached keeps the chain it inherits.


class _MachoLoad:
    """One way the package loads an image: from `start`, inheriting `chain` ((LC_RPATH, owner), the loader's
    first, then its loader's, up to the start) and `executable_dir` (what @executable_path means, if anything)."""

    __slots__ = ("chain", "executable_dir", "start")

    def __init__(self, start: str, chain: Tuple[Tuple[str, str], ...], executable_dir: Optional[str]) -> None:
        self.start = start
        self.chain = chain
        self.executable_dir = executable_dir


_MACHO_LOADS: weakref.WeakKeyDictionary[PackageView, Dict[Tuple[str, str], Optional[Dict[str, List[_MachoLoad]]]]] = (
    weakref.WeakKeyDictionary()
)


def _rpath_through_loaders(alone: Provision, piece: MachoSlice, inside: str, scope: _Scope) -> Optional[Provision]:
    """An @rpath need the image alone does not find, as each load of it by the package's images finds it: bundled
    when every load finds it; else unresolved, naming the load that fails. None when nothing of the package loads
    the image, or no load finds it and the loaders add no LC_RPATH."""
    per_view = _MACHO_LOADS.setdefault(scope.view, {})
    key = (scope.found.root, piece.machine)
    if key not in per_view:
        per_view[key] = _macho_package_loads(scope, piece.machine)
    loads = (per_view[key] or {}).get(inside, [])
    if not loads:
        return None
    rest = alone.need[len("@rpath/") :]
    own = tuple((rpath, inside) for rpath in piece.rpaths)
    results = [(load, _rpath_find(rest, own + load.chain, load.executable_dir, scope)) for load in loads]
    misses = [load for load, found in results if found is None]
    hits = [(load, found) for load, found in results if found is not None]
    if not misses:
        _, (hit, rpath, owner) = hits[0]
        of = "" if owner == inside else f" of {scope.display(owner)}"
        return Provision(alone.need, f"bundled:{hit}", scope.display(hit), f"@rpath via LC_RPATH {rpath}{of}")
    inherited: List[str] = []
    for rpath, owner in misses[0].chain:
        directory = _rpath_dir(rpath, owner, misses[0].executable_dir)
        where = f"{scope.display(directory)}/" if directory is not None else rpath
        tail = "" if directory is not None else ": outside the package"
        inherited.append(f"{where} (LC_RPATH {rpath} of {scope.display(owner)}){tail}")
    if not hits and not inherited:
        return None
    looked = [line for line in alone.looked if not line.startswith("no LC_RPATH")] + inherited
    for load, (hit, rpath, owner) in hits[:1]:
        looked.append(
            f"not found when {scope.display(misses[0].start)} loads it, found when {scope.display(load.start)} "
            f"does: {scope.display(hit)} (LC_RPATH {rpath} of {scope.display(owner)})"
        )
    return Provision(alone.need, None, looked=tuple(looked))


def _macho_package_loads(scope: _Scope, machine: str) -> Optional[Dict[str, List[_MachoLoad]]]:
    """Every load of the package's images (of one machine) by its own images; None for a package too large."""
    images = scope.view.macho_objects(scope.found.root, MAX_CHAIN_PACKAGE_FILES)
    if images is None:
        return None
    program = _app_program(scope) if scope.found.kind == "app" else None
    out: Dict[str, List[_MachoLoad]] = {}
    kept = 0
    for tree_path in images:
        start = _inside(scope.found.root, tree_path)
        first = _slice_of(scope, start, machine)
        if first is None:
            continue
        if first.type == "EXECUTE":
            executable_dir: Optional[str] = posixpath.dirname(start)
        else:
            executable_dir = posixpath.dirname(program) if program is not None else None
        chains = {start: tuple((rpath, start) for rpath in first.rpaths)}
        queue = deque([start])
        while queue:
            current = queue.popleft()
            piece = _slice_of(scope, current, machine)
            for dylib in piece.dylibs if piece is not None else ():
                hit = (
                    None if dylib.platform else _macho_find(dylib.path, current, chains[current], executable_dir, scope)
                )
                if hit is None or hit in chains or kept >= MAX_CHAIN_LOADS:
                    continue
                target = _slice_of(scope, hit, machine)
                if target is None:
                    continue
                chains[hit] = tuple((rpath, hit) for rpath in target.rpaths) + chains[current]
                out.setdefault(hit, []).append(_MachoLoad(start, chains[current], executable_dir))
                kept += 1
                queue.append(hit)
    return out


def _slice_of(scope: _Scope, inside: str, machine: str) -> Optional[MachoSlice]:
    facts = scope.view.facts(scope.tree(inside))
    if not isinstance(facts, MachoFacts):
        return None
    return next((s.effective for s in facts.slices if s.effective.machine == machine), None)


def _rpath_dir(rpath: str, owner: str, executable_dir: Optional[str]) -> Optional[str]:
    """The directory inside the package an LC_RPATH entry of `owner` names (None outside it, or unknown)."""
    if rpath.startswith("@loader_path"):
        return normalized(posixpath.dirname(owner), rpath[len("@loader_path") :].lstrip("/") or ".")
    if rpath.startswith("@executable_path") and executable_dir is not None:
        return normalized(executable_dir, rpath[len("@executable_path") :].lstrip("/") or ".")
    return None


def _rpath_find(
    rest: str, chain: Tuple[Tuple[str, str], ...], executable_dir: Optional[str], scope: _Scope
) -> Optional[Tuple[str, str, str]]:
    """(file found, the LC_RPATH that found it, its owner) for `@rpath/<rest>` through `chain`."""
    for rpath, owner in chain:
        directory = _rpath_dir(rpath, owner, executable_dir)
        hit = scope.find(directory, rest) if directory is not None else None
        if hit is not None:
            return hit, rpath, owner
    return None


def _macho_find(
    path: str, loader: str, chain: Tuple[Tuple[str, str], ...], executable_dir: Optional[str], scope: _Scope
) -> Optional[str]:
    """The image inside the package a load command of `loader` names, as dyld finds it (None outside it)."""
    if path.startswith("@rpath/"):
        found = _rpath_find(path[len("@rpath/") :], chain, executable_dir, scope)
        return found[0] if found is not None else None
    if path.startswith("@loader_path/"):
        target = normalized(posixpath.dirname(loader), path[len("@loader_path/") :])
    elif path.startswith("@executable_path/") and executable_dir is not None:
        target = normalized(executable_dir, path[len("@executable_path/") :])
    else:
        return None
    return scope.find(posixpath.dirname(target), posixpath.basename(target)) if target is not None else None


# ------------------------------------------------------------------------------------------- where views come from


class ArchiveMembers:
    """One archive walk's members, gathered as they stream past: the names of every member and the facts of the
    executable ones, per container (the archive itself, and each archive nested in it). Once the walk is over,
    `placement` resolves each executable member against its container's complete view.

    Most archives hold no executable, and so never need a view: member paths are kept as they come and sorted
    into containers only when the first placement asks for them."""

    def __init__(self, display: str, texts: Optional[Callable[[Set[str], int], Dict[str, bytes]]]) -> None:
        self.display = display
        self._prefix = display + "!"  # of the paths of the archive's own members
        self._texts = texts  # small members of the outer archive, read on demand (the nested ones have none)
        # Member paths, and batches of them (their paths made on demand), not yet sorted into containers.
        self._pending: List[Union[str, Callable[[], List[str]]]] = []
        self._names: Dict[str, List[str]] = {}
        self._facts: Dict[str, Dict[str, Facts]] = {}
        self._views: Dict[str, ArchiveView] = {}

    def _split(self, path: str) -> Tuple[str, str]:
        prefix = self._prefix
        if path.startswith(prefix) and path.find("!", len(prefix)) < 0:
            return self.display, member_name(path[len(prefix) :])
        container, _, member = path.rpartition("!")
        return container or self.display, member_name(member)

    def add(self, path: str, facts: Optional[Facts] = None) -> None:
        self._pending.append(path)
        if facts is not None:
            container, member = self._split(path)
            self._facts.setdefault(container, {})[member] = facts

    def add_batch(self, paths: Callable[[], List[str]]) -> None:
        """Members that are neither executables nor archives, a batch of the walk (`paths` names them)."""
        self._pending.append(paths)

    def _sort_pending(self) -> None:
        names = self._names
        for item in self._pending:
            for path in (item,) if isinstance(item, str) else item():
                container, member = self._split(path)
                names.setdefault(container, []).append(member)
        self._pending.clear()

    def placement(self, path: str, facts: Facts) -> Placement:
        if self._pending:
            self._sort_pending()
        container, member = self._split(path)
        view = self._views.get(container)
        if view is None:
            texts = self._texts if container == self.display else None
            view = ArchiveView(container, self._names.get(container, ()), self._facts.get(container, {}), texts)
            self._views[container] = view
        return place(facts, member, view)


_DIRECTORY_VIEWS: Dict[str, DirectoryView] = {}  # per process: one view per directory argument


def on_disk(path: str, location: str, root: str, facts: Facts, read: Callable[[str, int], object]) -> Placement:
    """The placement of a file found under the directory argument `root` (a file argument is its own package)."""
    if not root:
        view: PackageView = ArchiveView(posixpath.dirname(path), (posixpath.basename(path),), {}, separator="/")
        placement = place(facts, posixpath.basename(path), view)
        package = placement.package
        return replace(placement, package=replace(package, root=path)) if package is not None else placement
    directory = _DIRECTORY_VIEWS.get(root)
    if directory is None:
        if len(_DIRECTORY_VIEWS) >= MAX_DIRECTORY_VIEWS:
            _DIRECTORY_VIEWS.clear()
        directory = _DIRECTORY_VIEWS[root] = DirectoryView(root, root, read)
    prefix = root.rstrip(os.sep) + os.sep
    # The walk joins the root and the names below it: a prefix, not a relpath (which stats nothing but is slow).
    relative = location[len(prefix) :] if location.startswith(prefix) else os.path.relpath(location, root)
    return place(facts, relative.replace(os.sep, "/"), directory)


def with_targets(placement: Placement, verdicts: Sequence[TargetVerdict]) -> Placement:
    """A need nothing where the artifact lives provides, but a target resolves for the program itself:
    `target:<target>` (the first target that resolves it)."""
    if not verdicts or all(p.provided_by is not None for p in placement.provisions):
        return placement
    provisions = []
    for provision in placement.provisions:
        if provision.provided_by is None:
            for verdict in verdicts:
                hit = next(
                    (r for r in verdict.resolved if r.needed == provision.need and r.provided_by == "target"), None
                )
                if hit is not None:
                    provision = Provision(
                        provision.need, f"target:{verdict.target}", hit.path, f"the target's {hit.by}"
                    )
                    break
        provisions.append(provision)
    return replace(placement, provisions=tuple(provisions))
