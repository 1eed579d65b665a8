"""Hosts: the programs that load plugins and provide libraries to them (CPython, Node.js).

A plugin is recognised by what it exports (readers/exports.py: `PyInit_*`, `napi_register_module_v1`,
`node_register_module_v*`), or for a Node addon that registers from a constructor by what only Node defines (a PE
import of node.exe, an ELF's or Mach-O's undefined `napi_*`), never by its file name: a `foo.pyd` without
`PyInit_` has no host of its own. Inside a wheel or an npm package every library is loaded into the package's
host's process, so the package kind decides for the rest (`host_in_package`). What each host provides is data
with its sources (data/hosts.json):

- CPython on Windows installs beside python.exe its own `python3X.dll`, `python3.dll` and the VC++ runtime's
  `vcruntime140.dll` (and `vcruntime140_1.dll` on 64-bit machines), and nothing more: `msvcp140.dll` must be
  bundled. A module gets the `python3X.dll` it imports only when it imports exactly one: no CPython has two.
- On Linux and macOS CPython provides symbols, not libraries: an extension module that links libpython or a
  Python.framework is wrong (manylinux forbids it; auditwheel's LIBPYTHON_RE), which `Host.forbidden` says.
- On Linux every host's process has its C library loaded (glibc's own sonames, or musl's), and Node's official
  builds the C++ runtime too (`Host.sonames`); the glibc version a plugin needs stays LG102's and LG106's job.
- Node.js on Windows is `node.exe` (node-gyp's delay-load hook maps that name to the running process) or
  `node.dll`; elsewhere an addon's N-API symbols come from the process too.

`Host.notes` says where the host needs a newer OS than the module would alone (CPython 3.12 needs Windows 8.1).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Dict, FrozenSet, List, Optional, Set, Tuple

from linkguard.model import ElfFacts, MachoFacts, PeFacts, host_from_entries, host_from_imports
from linkguard.packages.tags import GLIBC_LOADERS, MUSL_LIBC, MUSL_LOADERS, elf_libc, policy_arch
from linkguard.versions import numeric_prefix

# python312.dll, python313t.dll (free-threaded), python312_d.dll (debug); python3.dll (the stable ABI) has no minor
_VERSIONED_DLL = re.compile(r"python3(\d+)t?(?:_d)?\.dll")


@dataclass(frozen=True)
class Host:
    name: str  # "cpython" | "node"
    notes: Tuple[str, ...] = ()
    libraries: FrozenSet[str] = frozenset()  # lower-case names it provides beside itself (Windows DLLs)
    forbidden: Tuple[Tuple[str, str], ...] = ()  # (need, why): what a plugin of this host must not load
    entries: Tuple[str, ...] = ()  # the exported names it was recognised by
    sonames: FrozenSet[str] = frozenset()  # ELF sonames already loaded in the host's process (compared exactly)

    def provides(self, need: str) -> bool:
        """Whether this host provides the library `need` to the plugins it loads (a DLL compared as Windows does,
        an ELF soname exactly)."""
        return need.lower() in self.libraries or need in self.sonames


# The host that loads every library of a package of this kind (packages/detect.py kinds): a wheel's binaries are
# imported by CPython, an npm package's by Node.js, whatever each exports.
PACKAGE_HOSTS: Dict[str, str] = {"wheel": "cpython", "npm": "node"}


def host_of(facts: ElfFacts | PeFacts | MachoFacts) -> Optional[Host]:
    """The host that loads this artifact, recognised by what it exports (PyInit_*, napi_register_module_v1) or,
    for a Node addon that registers itself from a constructor, by what only Node defines: a PE's import of
    node.exe (node-gyp's delay-load hook), an ELF's or a Mach-O's undefined `napi_*` symbols."""
    program = facts.effective
    entries = program.host_entries
    name = host_from_entries(entries)
    if name is None:
        name = _host_from_imports(program)
    if name is None:
        return None
    return _host(name, program, entries)


def host_in_package(facts: ElfFacts | PeFacts | MachoFacts, kind: str) -> Optional[Host]:
    """The host of a binary inside a package of `kind`: the one its exports or imports name, else the package's
    (every library of a wheel is loaded into CPython's process, a bundled `<pkg>.libs/*.dll` too; every `.node`
    of an npm package and its DLLs into Node's). A program of the package (an executable) has no host."""
    own = host_of(facts)
    if own is not None or kind not in PACKAGE_HOSTS or not _loadable(facts):
        return own
    return _host(PACKAGE_HOSTS[kind], facts.effective, ())


def _loadable(facts: ElfFacts | PeFacts | MachoFacts) -> bool:
    """Whether the binary is a library a process loads (not a program that is its own process)."""
    program = facts.effective
    if isinstance(program, ElfFacts):
        return program.type == "DYN" and not program.pie and program.interpreter is None
    if isinstance(program, PeFacts):
        return program.type == "DLL"
    return all(piece.effective.type in ("DYLIB", "BUNDLE") for piece in program.slices)


def _host_from_imports(program: ElfFacts | PeFacts | MachoFacts) -> Optional[str]:
    if isinstance(program, PeFacts):
        imported = {dll.lower() for dll in program.needed}
        for name in ("cpython", "node"):
            if imported & set(_data()[name].get("windows", {}).get("recognised_by_import", [])):
                return name
        return None
    return host_from_imports(program.host_imports)


def _host(name: str, program: ElfFacts | PeFacts | MachoFacts, entries: Tuple[str, ...]) -> Host:
    if isinstance(program, PeFacts):
        return _windows_host(name, program, entries)
    sonames = _linux_sonames(name, program) if isinstance(program, ElfFacts) else frozenset()
    if name == "cpython":
        forbidden = _forbidden_libpython(program)
        notes = tuple(
            f"an extension module links {need}, which CPython provides itself ({why})" for need, why in forbidden
        )
        return Host(name, notes=notes, entries=entries, forbidden=forbidden, sonames=sonames)
    return Host(name, entries=entries, sonames=sonames)


def _linux_sonames(name: str, facts: ElfFacts) -> FrozenSet[str]:
    """The sonames already loaded in the host's process on the plugin's C library (data/hosts.json `linux`): the
    C library's own, the interpreter of the plugin's architecture, and what the host program itself links."""
    libc = elf_libc(facts)
    arch = policy_arch(facts)
    if libc is None or arch is None:
        return frozenset()
    data = _data()
    names = {str(n) for n in data["linux_process"][libc]["libraries"]}
    if libc == "glibc":
        names |= GLIBC_LOADERS.get(arch, frozenset())
    else:
        names |= {MUSL_LIBC[arch], MUSL_LOADERS[arch]} if arch in MUSL_LIBC else set()
    linux = data[name].get("linux", {}).get("libraries", {})
    names |= {str(n) for n in linux.get(libc, [])}
    return frozenset(names)


def _windows_host(name: str, facts: PeFacts, entries: Tuple[str, ...]) -> Host:
    data = _data()[name]["windows"]
    notes: List[str] = []
    python: Optional[str] = None  # the CPython version the module imports, when it imports one
    own: Set[str] = set()
    if name == "cpython":
        found = {m.group(1): dll.lower() for dll in facts.needed if (m := _VERSIONED_DLL.fullmatch(dll.lower()))}
        if len(found) == 1:
            ((minor, dll),) = found.items()
            python = f"3.{minor}"
            own.add(dll)
            notes.extend(_os_floor_note(python, facts))
        elif len(found) > 1:
            dlls = ", ".join(sorted(found.values()))
            notes.append(f"imports {dlls}: no one CPython provides more than its own python3X.dll")
    names = own | {str(entry["name"]).lower() for entry in data["libraries"] if _ships(entry, facts.machine, python)}
    return Host(name, notes=tuple(notes), libraries=frozenset(names), entries=entries)


def _ships(entry: Dict[str, Any], machine: str, python: Optional[str]) -> bool:
    """Whether the host ships this library for `machine` (and CPython `python`: None when the module is abi3,
    which only a supported CPython, 3.9 or newer, loads)."""
    if machine not in entry.get("machines", [machine]):
        return False
    since = entry.get("since")
    return since is None or python is None or numeric_prefix(python) >= numeric_prefix(since)


def _os_floor_note(python: str, facts: PeFacts) -> List[str]:
    """A note when CPython `python` needs a newer Windows than the module's own floor (its highest OsFloor)."""
    floor = _cpython_windows_floor(python)
    if floor is None:
        return []
    module = facts.floors[0].version if facts.floors else facts.subsystem_version
    if numeric_prefix(floor["windows"]) <= numeric_prefix(module):
        return []
    return [
        f"CPython {python}, which loads this module, needs {floor['name']} (NT {floor['windows']}) or newer; "
        f"the module alone needs NT {module} ({floor['source']})"
    ]


def _cpython_windows_floor(python: str) -> Optional[Dict[str, Any]]:
    wanted = numeric_prefix(python)
    for floor in _data()["cpython"]["windows"]["os_floors"]:
        upper = floor["to"]
        if numeric_prefix(floor["from"]) <= wanted and (upper is None or wanted <= numeric_prefix(upper)):
            return dict(floor)
    return None


def forbidden_needs(facts: ElfFacts | PeFacts | MachoFacts) -> Tuple[Tuple[str, str], ...]:
    """(need, why) for each library the artifact links that its own host forbids: the libpython of an ELF or
    Mach-O extension module recognised by its `PyInit_*` export. Wherever the module lives (a wheel, a release
    tarball, alone), the interpreter that imports it provides those symbols."""
    program = facts.effective
    if isinstance(program, PeFacts) or host_from_entries(program.host_entries) != "cpython":
        return ()
    return _forbidden_libpython(program)


def _forbidden_libpython(facts: ElfFacts | MachoFacts) -> Tuple[Tuple[str, str], ...]:
    """The libpython (Linux) or Python.framework/libpython (macOS) an extension module links, with why not."""
    data = _data()["cpython"]
    if isinstance(facts, ElfFacts):
        pattern = re.compile(data["linux"]["forbidden"])
        why = data["linux"]["forbidden_source"]
        return tuple((need, why) for need in facts.needed if pattern.fullmatch(need))
    markers = tuple(data["macos"]["forbidden"])
    why = data["macos"]["forbidden_source"]
    return tuple((need, why) for need in facts.needed if any(m in need for m in markers))


@cache
def _data() -> Dict[str, Any]:
    text = resources.files("linkguard").joinpath("data").joinpath("hosts.json").read_text(encoding="utf-8")
    data: Dict[str, Any] = json.loads(text)
    return data
