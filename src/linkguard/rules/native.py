"""LG101 and LG201 for PE and Mach-O: the same rules as for ELF, judged against the target OS's own libraries.

For Windows and macOS, "dynamic" means "needs a library outside the OS": importing kernel32 or libSystem is not a
finding (macOS has no static option at all, Apple QA1118). dynamic_link.py and upx_packed.py call in here.
"""

from __future__ import annotations

import fnmatch
from typing import TYPE_CHECKING, Iterator, List, Optional, Sequence, Tuple, Union

from linkguard.describe import MAX_NAMES_SHOWN, dylib_names, import_names, packing_line
from linkguard.model import (
    ClrFacts,
    Finding,
    MachoDylib,
    MachoFacts,
    MachoSlice,
    PeFacts,
    PeImport,
    Placement,
    Severity,
)
from linkguard.remedies.native import explain_native
from linkguard.rules.placement import looked_evidence, unprovided

if TYPE_CHECKING:
    from linkguard.policy import PathPolicy
    from linkguard.rules.base import RuleSpec

MAX_FUNCTIONS_SHOWN = 3
NativeFacts = Union[PeFacts, MachoFacts]


def dynamic_link(
    spec: RuleSpec, facts: NativeFacts, policy: PathPolicy, severity: Severity, placement: Optional[Placement] = None
) -> Iterator[Finding]:
    """A library outside the OS that nothing where the artifact lives (its package, its host) provides."""
    if policy.allowance is not None and policy.allowance.dynamic:
        return
    if isinstance(facts, PeFacts):
        yield from _pe_dynamic(spec, facts, severity, placement)
    else:
        yield from _macho_dynamic(spec, facts, severity, placement)


def _pe_dynamic(
    spec: RuleSpec, facts: PeFacts, severity: Severity, placement: Optional[Placement]
) -> Iterator[Finding]:
    missing = set(unprovided(placement, [i.dll for i in facts.foreign]))
    foreign = tuple(i for i in facts.foreign if i.dll in missing)
    if not foreign and facts.clr is None:
        return
    parts: List[str] = []
    if facts.clr is not None:
        mixed = "" if facts.clr.il_only else "; mixed mode: native code too"
        version = facts.clr.version or "version unknown"
        parts.append(f"managed .NET assembly: needs the .NET runtime (CLR {version}{mixed})")
    if foreign:
        names = list(dict.fromkeys(i.dll for i in foreign))
        count = len(names)
        lacks = _named_with_providers(foreign)
        parts.append(f"needs {count} DLL{'s' if count != 1 else ''} a bare Windows lacks: {lacks}")
    message = "; it also ".join(parts) if facts.clr is not None else parts[0]
    packed = facts.packing is not None
    if packed:
        message = "behind the packing (UPX keeps one import per original DLL), the original " + message
    evidence = [_pe_evidence(i) for i in foreign] + looked_evidence(placement, [i.dll for i in foreign])
    if facts.clr is not None:
        evidence.insert(0, f"CLR runtime header (data directory 14): {clr_text(facts.clr)}")
    yield spec.finding(
        severity,
        message,
        evidence=tuple(evidence),
        explanation=explain_native(spec.code, facts),
        through_packing=packed,
    )


def clr_text(clr: ClrFacts) -> str:
    """`CLR v4.0.30319; CLI header 2.5, flags ILONLY, 32BITREQUIRED`."""
    text = f"CLR {clr.version or 'version unknown'}; CLI header {clr.runtime}"
    if clr.flags:
        text += ", flags " + ", ".join(clr.flags)
    return text


def _named_with_providers(foreign: Sequence[PeImport]) -> str:
    """`VCRUNTIME140.dll (from the Microsoft Visual C++ 2015-2022 Redistributable), foo.dll (delay-loaded)`: each
    DLL with its own provider, none where none is known."""
    labels: List[str] = []
    for item in foreign:
        notes = [] if item.kind == "import" else ["delay-loaded"]
        if item.provider:
            notes.append(f"from {item.provider}")
        label = item.dll + (f" ({'; '.join(notes)})" if notes else "")
        if label not in labels:
            labels.append(label)
    shown = ", ".join(labels[:MAX_NAMES_SHOWN])
    more = len(labels) - MAX_NAMES_SHOWN
    return shown + (f" (+{more} more)" if more > 0 else "")


def _pe_evidence(item: PeImport) -> str:
    kind = {"import": "", "delay": " (delay-loaded)", "delay-unlisted": " (delay-loaded; found by its descriptor)"}
    shown = ", ".join(item.functions[:MAX_FUNCTIONS_SHOWN])
    more = len(item.functions) - MAX_FUNCTIONS_SHOWN
    text = f"{item.dll}{kind.get(item.kind, '')}"
    if shown:
        text += f" <- {shown}" + (f", +{more} more" if more > 0 else "")
    if item.provider:
        text += f" [{item.provider}]"
    return text


def _macho_dynamic(
    spec: RuleSpec, facts: MachoFacts, severity: Severity, placement: Optional[Placement]
) -> Iterator[Finding]:
    def foreign(piece: MachoSlice) -> Tuple[MachoDylib, ...]:
        missing = set(unprovided(placement, [d.path for d in piece.effective.foreign]))
        return tuple(d for d in piece.effective.foreign if d.path in missing)

    needing = [s for s in facts.slices if foreign(s) or s.effective.foreign_omitted]
    if not needing:
        return
    parts: List[str] = []
    for piece in needing:
        label = f"{piece.machine} slice" if facts.fat else "it"
        more = piece.effective.foreign_omitted
        parts.append(f"{label} needs {dylib_names(foreign(piece))}" + (f" and {more} more" if more else ""))
    clean = [s.machine for s in facts.slices if not (foreign(s) or s.effective.foreign_omitted)]
    message = "; ".join(parts) + " (not part of macOS)"
    if clean:
        plural = len(clean) > 1
        message += f"; the {', '.join(clean)} slice{'s need' if plural else ' needs'} only macOS libraries"
    through = any(s.original is not None for s in needing)
    if through:
        message = "behind the packing, " + message
    evidence: List[str] = []
    for piece in needing:
        for dylib in foreign(piece):
            note = dylib.note
            kind = "" if dylib.kind == "load" else f" ({_kind_text(dylib.kind)})"
            where = f" (resolves to {dylib.resolved})" if dylib.resolved else ""
            evidence.append(f"{piece.machine}: {dylib.path}{where}{kind}" + (f" [{note}]" if note else ""))
        if piece.effective.foreign_omitted:
            evidence.append(f"{piece.machine}: and {piece.effective.foreign_omitted} more dylibs not part of macOS")
        if piece.effective.rpaths:
            more = piece.effective.rpaths_omitted
            evidence.append(
                f"{piece.machine}: LC_RPATH " + ":".join(piece.effective.rpaths) + (f" and {more} more" if more else "")
            )
    evidence += looked_evidence(placement, [d.path for s in needing for d in foreign(s)])
    yield spec.finding(
        severity,
        message,
        evidence=tuple(evidence),
        explanation=explain_native(spec.code, facts),
        through_packing=through,
    )


def _kind_text(kind: str) -> str:
    return {
        "weak": "weak: the program starts without it, but loses what it provides",
        "reexport": "re-exported",
        "lazy": "lazily loaded",
        "upward": "upward",
    }.get(kind, kind)


def upx_packed(spec: RuleSpec, facts: NativeFacts, policy: PathPolicy, severity: Severity) -> Iterator[Finding]:
    if policy.allowance is not None and policy.allowance.packed:
        return
    if isinstance(facts, PeFacts):
        if facts.packing is None:
            return
        message = f"packed by {packing_line(facts.packing)}; the DLLs behind the packing: {import_names(facts.imports)}"
        yield spec.finding(
            severity,
            message,
            evidence=tuple(facts.packing.evidence),
            explanation=explain_native(spec.code, facts),
        )
        return
    for piece in facts.slices:
        if piece.packing is None:
            continue
        yield spec.finding(
            severity,
            _macho_packed_message(piece, facts.fat),
            evidence=tuple(piece.packing.evidence),
            explanation=explain_native(spec.code, facts),
        )


def _macho_packed_message(piece: MachoSlice, fat: bool) -> str:
    assert piece.packing is not None
    head = f"{piece.machine} slice " if fat else ""
    message = f"{head}packed by {packing_line(piece.packing)}"
    message += f"; code signature of the packed file: {piece.signature}"
    original = piece.original
    if original is None:
        hidden = "its dylibs, rpaths and minimum macOS are hidden"
        return f"{message}; could not see through ({piece.packing.see_through_error or 'unknown layout'}): {hidden}"
    libraries = dylib_names(original.dylibs) or "no dylibs"
    message += f"; the original links {libraries}"
    if original.minos:
        message += f" (minimum {original.platform or 'OS'} {original.minos})"
    return message


def library_not_allowed(
    spec: RuleSpec, facts: NativeFacts, policy: PathPolicy, severity: Severity, placement: Optional[Placement] = None
) -> Iterator[Finding]:
    """LG103 where dynamic linking is allowed: non-OS libraries outside the allowance's `libraries` globs (DLL
    names match case-insensitively, as Windows resolves them)."""
    allowance = policy.allowance
    if allowance is None or allowance.libraries is None or not allowance.dynamic:
        return
    if isinstance(facts, PeFacts):
        patterns = [p.lower() for p in allowance.libraries]
        names = unprovided(placement, list(dict.fromkeys(i.dll for i in facts.foreign)))
        extra = [n for n in names if not any(fnmatch.fnmatchcase(n.lower(), p) for p in patterns)]
    else:
        dylibs = [d for s in facts.slices for d in s.effective.foreign]
        kept = set(unprovided(placement, [d.path for d in dylibs]))
        paths = list(dict.fromkeys(d.location for d in dylibs if d.path in kept))
        extra = [n for n in paths if not any(fnmatch.fnmatchcase(n, p) for p in allowance.libraries)]
    if not extra:
        return
    yield spec.finding(
        severity,
        f"needs {', '.join(extra)}, not in the allowed libraries ({', '.join(allowance.libraries)})",
        evidence=(f"allowance: {allowance.reason}",),
    )
