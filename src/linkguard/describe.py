"""Short human descriptions of facts, shared by rule messages and reporters so their wording cannot drift."""

from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Union

from linkguard import versions
from linkguard.model import (
    DYNAMIC,
    OS_ONLY,
    ElfFacts,
    Facts,
    MachoDylib,
    MachoFacts,
    MachoSlice,
    Packing,
    PeFacts,
    PeImport,
    VersionNeed,
)


def linkage_line(facts: Facts) -> str:
    """`dynamic (interpreter /lib64/ld-linux-x86-64.so.2; needs libm.so.6, libc.so.6)`."""
    if not isinstance(facts, ElfFacts):
        return native_line(facts)
    details: List[str] = []
    if facts.interpreter:
        details.append(f"interpreter {facts.interpreter}")
    if facts.needed:
        details.append("needs " + ", ".join(facts.needed))
    elif facts.interpreter and facts.linkage == "dynamic":
        details.append("no DT_NEEDED: interpreter-only")
    if facts.soname:
        details.append(f"soname {facts.soname}")
    if facts.runpath:
        details.append("runpath " + ":".join(facts.runpath))
    if facts.rpath:
        details.append("rpath " + ":".join(facts.rpath))
    head = f"{facts.linkage} {facts.machine}/{facts.bits}{'be' if facts.endian == 'big' else ''}"
    return f"{head} ({'; '.join(details)})" if details else head


def known_linkage(facts: Facts) -> Optional[str]:
    """The linkage that decides run time, seen through packing; None when packing hides it.

    ELF: the original's, when it was rebuilt. PE: UPX keeps one import per original DLL, so a packed PE's own
    imports are the original's needs. Mach-O: per slice, the original's load commands when they were seen; a
    packed slice seen through by nobody hides its dylibs, unless another slice already needs a foreign one."""
    if isinstance(facts, ElfFacts):
        return None if facts.packing is not None and facts.packing.original is None else facts.effective.linkage
    if isinstance(facts, PeFacts):
        return facts.linkage
    hidden = [s.packing is not None and s.original is None for s in facts.slices]
    seen = [s.effective for s, unseen in zip(facts.slices, hidden) if not unseen]
    if any(s.linkage == DYNAMIC for s in seen):
        return DYNAMIC
    return None if any(hidden) else OS_ONLY


def original_line(facts: Facts) -> str:
    """`; original: <linkage line>` for a packed artifact whose original program is known, else ""."""
    if isinstance(facts, ElfFacts):
        original = facts.packing.original if facts.packing is not None else None
        return f"; original: {linkage_line(original)}" if original is not None else ""
    return f"; original: {linkage_line(facts)}" if known_linkage(facts) is not None else ""


def packing_line(packing: Packing) -> str:
    """`UPX 3.94 (NRV2E, level 8, linux/amd64), tampered`."""
    parts = [
        p
        for p in (packing.method, f"level {packing.level}" if packing.level is not None else None, packing.format)
        if p
    ]
    text = f"{packing.packer.upper()} {packing.version or '(version unknown)'}"
    if parts:
        text += f" ({', '.join(parts)})"
    if packing.tampered:
        text += ", tampered"
    if packing.confidence != "certain":
        text += f", confidence {packing.confidence}"
    return text


def version_evidence(needs: Sequence[VersionNeed], floor_only: bool = True) -> List[str]:
    """Per library, its highest floor versions and the symbols that pull them in.

    `libm.so.6: GLIBC_2.29 <- exp, log, pow`; when floor_only, only each library's highest version per family.
    """
    lines: List[str] = []
    by_library: Dict[str, List[VersionNeed]] = {}  # one pass, in first-seen library order
    for need in needs:
        by_library.setdefault(need.library, []).append(need)
    for library, own in by_library.items():
        chosen: List[VersionNeed] = []
        if floor_only:
            best = versions.max_versions(n.version for n in own)
            for family, version in best.items():
                chosen.extend(n for n in own if n.version == f"{family}_{version}")
        else:
            chosen = own
        if not chosen:
            continue
        lines.append(f"{library}: " + "; ".join(_need_text(n) for n in chosen))
    return lines


def _need_text(need: VersionNeed) -> str:
    return versions.need_text(need.version, need.symbols)


def highest_glibc(facts: ElfFacts) -> str:
    version = facts.max_versions.get("GLIBC")
    return f"GLIBC_{version}" if version else ""


def printable(text: str) -> str:
    """`text` safe for a terminal or a UTF-8 document: undecodable bytes and control characters escaped.

    File names may hold any byte but "/" and NUL; os.walk hands undecodable ones back as surrogates.
    """
    raw = text.encode("utf-8", "surrogateescape")
    decoded = raw.decode("utf-8", "backslashreplace")
    if decoded.isprintable():
        return decoded
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in decoded)


# ---------------------------------------------------------------------------------- PE and Mach-O

MAX_NAMES_SHOWN = 6


def native_line(facts: Union[PeFacts, MachoFacts]) -> str:
    if isinstance(facts, PeFacts):
        return pe_line(facts)
    return macho_line(facts)


def pe_line(facts: PeFacts) -> str:
    """`dynamic x86_64 PE32+ EXE (console, subsystem 6.0; needs libstdc++-6.dll; OS: KERNEL32.dll)`."""
    details = [f"{facts.subsystem}, subsystem {facts.subsystem_version}"]
    if facts.clr is not None:
        details.append(f".NET assembly, CLR {facts.clr.version or 'version unknown'}")
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
