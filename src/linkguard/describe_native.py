"""One-line descriptions of PE and Mach-O facts for reporters and rule messages (describe.py covers ELF)."""

from __future__ import annotations

from typing import List, Sequence, Union

from linkguard.model import MachoDylib, MachoFacts, MachoSlice, PeFacts, PeImport

MAX_NAMES_SHOWN = 6


def native_line(facts: Union[PeFacts, MachoFacts]) -> str:
    if isinstance(facts, PeFacts):
        return pe_line(facts)
    return macho_line(facts)


def pe_line(facts: PeFacts) -> str:
    """`dynamic x86_64 PE32+ EXE (console, subsystem 6.0; needs libstdc++-6.dll; OS: KERNEL32.dll)`."""
    details = [f"{facts.subsystem}, subsystem {facts.subsystem_version}"]
    if facts.foreign:
        details.append("needs " + import_names(facts.foreign))
    system = [i for i in facts.imports if i.platform]
    if system:
        details.append("OS: " + import_names(system))
    if facts.signed:
        details.append("signed")
    return f"{facts.linkage} {facts.machine} {facts.pe_format} {facts.type} ({'; '.join(details)})"


def import_names(imports: Sequence[PeImport]) -> str:
    names: List[str] = []
    for item in imports:
        label = item.dll
        if item.kind != "import":
            label += " (delay-loaded)"
        if label not in names:
            names.append(label)
    return _shorten(names)


def macho_line(facts: MachoFacts) -> str:
    """`dynamic universal x86_64+arm64 (x86_64: EXECUTE, macos 13.0; arm64: needs /opt/homebrew/...)`."""
    head = f"{facts.linkage} {'universal ' if facts.fat else ''}{facts.machine}"
    parts = [slice_line(s, with_machine=facts.fat) for s in facts.slices]
    return f"{head} ({'; '.join(parts)})"


def slice_line(piece: MachoSlice, with_machine: bool = True) -> str:
    program = piece.effective
    details = [program.type]
    if program.minos:
        details.append(f"{program.platform or 'minos'} {program.minos}")
    if program.foreign:
        details.append("needs " + dylib_names(program.foreign))
    if program.rpaths:
        details.append("rpath " + ":".join(program.rpaths))
    if piece.original is not None:
        details.append("seen through UPX")
    text = ", ".join(details)
    return f"{piece.machine}: {text}" if with_machine else text


def dylib_names(dylibs: Sequence[MachoDylib]) -> str:
    return _shorten([d.path + ("" if d.kind == "load" else f" ({d.kind})") for d in dylibs])


def _shorten(names: Sequence[str]) -> str:
    shown = ", ".join(names[:MAX_NAMES_SHOWN])
    more = len(names) - MAX_NAMES_SHOWN
    return shown + (f" (+{more} more)" if more > 0 else "")
