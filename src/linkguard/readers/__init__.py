"""Readers: artifact bytes -> facts. They never judge; every way a file can be bad becomes `Unreadable`.

`read_artifact` is the one entry point. It picks the format by magic and runs the orchestration for it: for ELF
(`read_elf`) the ELF reader (elf.py), then UPX (upx/) on the same bytes, then the ELF reader again on the
original rebuilt behind the packing, then toolchain evidence (toolchain.py, gobuild.py) for unpacked images; for
PE (`read_pe`) the PE headers (pe.py), then UPX (upx/pe.py), then the import tables; Mach-O is macho.py's.
Every reader raises the one `Corrupt` (corrupt.py) for a structure it cannot read.
"""

from __future__ import annotations

import os
import signal
import struct
import threading
from contextlib import contextmanager
from dataclasses import replace
from typing import IO, Any, Callable, Iterator, Optional

from linkguard.errors import describe
from linkguard.limits import Limits
from linkguard.magic import sniff
from linkguard.model import (
    OBJECT,
    Artifact,
    ElfFacts,
    Inspection,
    LibraryFacts,
    Packing,
    PeFacts,
    Toolchain,
    Unreadable,
)
from linkguard.readers.budget import Budget, BudgetExceeded
from linkguard.readers.corrupt import Corrupt
from linkguard.readers.source import BytesSource, MappedSource, source_for
from linkguard.seekable import Source

MIN_ELF = 52  # the smallest ELF header (32-bit)

# What struct-level parsing raises on hostile input besides our own Corrupt: bad input, not bugs.
PARSE_ERRORS = (struct.error, IndexError, ValueError, OverflowError, UnicodeDecodeError)


def read_artifact(artifact: Artifact, limits: Limits) -> Optional[Inspection]:
    """Facts for one artifact; None when it is not a format we read (counted as skipped)."""
    budget = Budget.for_limits(limits)
    try:
        with artifact.open() as stream:
            head = stream.read(64)
            kind = sniff(head, _read_at(stream, artifact.size))
            if kind is None:
                return None
            if kind != "elf":
                return _inspect_native(kind, stream, artifact.size, budget, limits)
            if artifact.size < MIN_ELF:
                return Unreadable(f"truncated: {artifact.size} bytes, shorter than any ELF header", "truncated")
            source = source_for(stream, artifact.size)
            try:
                with deadline(limits.seconds):
                    facts: Inspection = read_elf(source, budget)
            finally:
                if isinstance(source, MappedSource):
                    source.close()
    except BudgetExceeded as exc:
        return Unreadable(budget.exceeded or str(exc), "budget")
    except PermissionError:
        return Unreadable("permission denied", "permission")
    except MemoryError:
        facts = Unreadable("ran out of memory while parsing (hostile sizes?)", "budget")
    except Corrupt as exc:
        facts = Unreadable(str(exc), exc.kind)
    except PARSE_ERRORS as exc:
        facts = Unreadable(f"corrupt ELF: {describe(exc)}", "corrupt")
    except OSError as exc:
        facts = Unreadable(f"cannot read: {exc.strerror or exc}", "io")
    if budget.exceeded:  # a limit was hit inside code that wrapped or swallowed the exception
        return Unreadable(budget.exceeded, "budget")
    return facts


def _read_at(stream: IO[bytes], size: int) -> Callable[[int, int], bytes]:
    """A positioned read of `stream`, for the one small read `magic.sniff` may need past the head (e_lfanew)."""

    def read_at(offset: int, length: int) -> bytes:
        if offset >= size:
            return b""
        stream.seek(offset)
        return stream.read(length)

    return read_at


def _inspect_native(kind: str, stream: IO[bytes], size: int, budget: Budget, limits: Limits) -> Optional[Inspection]:
    """PE and Mach-O: read_pe and readers/macho.py; a `Corrupt` header becomes Unreadable (LG901)."""
    from linkguard.readers import macho

    stream.seek(0)
    try:
        with deadline(limits.seconds):
            if kind == "pe":
                return read_pe(stream, size, budget)
            return macho.read_facts(stream, size, budget)
    except Corrupt as exc:
        return Unreadable(str(exc), exc.kind)
    except PARSE_ERRORS as exc:
        return Unreadable(f"corrupt {'PE' if kind == 'pe' else 'Mach-O'}: {describe(exc)}", "corrupt")
    except BudgetExceeded as exc:
        return Unreadable(budget.exceeded or str(exc), "budget")


def read_pe(stream: IO[bytes], size: int, budget: Budget) -> PeFacts:
    """All facts about one PE file: the PE reader's headers (pe.py), then UPX on them (upx/pe.py), looked for
    before any import table is read, then the tables and the rest of the facts (pe.py).

    Raises Corrupt (or one of PARSE_ERRORS, BudgetExceeded) when a structure the facts depend on is unreadable.
    """
    from linkguard.readers import pe
    from linkguard.readers.native import StructReader
    from linkguard.readers.upx.pe import read_pe_packing

    image = pe.PeImage(StructReader(stream, 0, size, budget))
    return pe.read_facts(image, read_pe_packing(image))


def read_elf(source: Source, budget: Budget, *, see_through: bool = True) -> ElfFacts:
    """All facts about one ELF image: linkage, packing (and the original behind it), toolchain evidence.

    Raises Corrupt (or one of PARSE_ERRORS, BudgetExceeded) when the linkage cannot be established.
    """
    from linkguard.readers.elf import ElfImage, linkage_facts

    image = ElfImage(source, budget)
    try:
        facts = linkage_facts(image)
    except PARSE_ERRORS as exc:
        raise Corrupt(f"dynamic segment unreadable: {describe(exc)}") from exc
    if facts.linkage == OBJECT and facts.type in ("EXEC", "DYN"):  # no code in the file (elf.holds_no_code)
        return replace(facts, warnings=tuple(image.warnings))
    packing = _packing(image, budget) if see_through else None
    if packing is not None:
        # The wrapper's own toolchain evidence is the packer's stub; the original carries the real evidence.
        return replace(facts, packing=packing, warnings=tuple(image.warnings))
    entries = _elf_host_entries(image) if facts.type == "DYN" else ()
    imports = _elf_host_entries(image, imports=True) if facts.type == "DYN" and not entries else ()
    return replace(
        facts,
        toolchain=_toolchain(image, facts),
        warnings=tuple(image.warnings),
        host_entries=entries,
        host_imports=imports,
    )


def _elf_host_entries(image: Any, imports: bool = False) -> tuple[str, ...]:
    """Exported host entry points of a shared object (readers/exports.py), or with `imports` the undefined symbols
    only a host defines; a table that cannot be read leaves a warning and nothing, since the linkage facts stand
    without them."""
    from linkguard.readers.exports import elf_host_entries, elf_host_imports

    info = image.dynamic_info()
    if info is None or info.strtab is None:
        return ()
    strings: Optional[bytes] = info.string_reader(image).whole()  # read once for DT_NEEDED: shared

    def read_at(offset: int, size: int) -> bytes:
        if strings is not None and (offset, size) == info.strtab:
            return strings
        return bytes(image.read(offset, size))

    try:
        scan = elf_host_imports if imports else elf_host_entries
        return scan(read_at, image.header.order, image.bits, info.strtab, info.symtab_offset, info.symbol_count)
    except PARSE_ERRORS as exc:
        image.warnings.append(f"exported symbols unreadable: {describe(exc)}")
        return ()


def read_library(host_path: str, limits: Limits) -> LibraryFacts | Unreadable:
    """What a loader reads of the ELF object at `host_path` (a target's library): names, needs, versions.

    A file that is not ELF, or not readable, is Unreadable: the loader skips such a file and searches on.
    """
    from linkguard.readers.elf import ElfImage, library_facts

    budget = Budget.for_limits(limits)
    try:
        with open(host_path, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            source = source_for(handle, size)
            try:
                if source.read(0, 4) != b"\x7fELF":
                    return Unreadable("not an ELF file", "corrupt")
                return library_facts(ElfImage(source, budget))
            finally:
                if isinstance(source, MappedSource):
                    source.close()
    except OSError as exc:
        return Unreadable(f"cannot read: {exc.strerror}", "io")
    except (Corrupt, BudgetExceeded, *PARSE_ERRORS) as exc:
        return Unreadable(describe(exc), "corrupt")


def library_from_bytes(data: bytes, limits: Limits) -> LibraryFacts | None:
    """read_library() for a file already in memory (a member of an image layer); None when it is no ELF object."""
    from linkguard.readers.elf import ElfImage, library_facts

    if data[:4] != b"\x7fELF":
        return None
    try:
        return library_facts(ElfImage(BytesSource(data), Budget.for_limits(limits)))
    except (Corrupt, BudgetExceeded, *PARSE_ERRORS):
        return None


def _packing(image: Any, budget: Budget) -> Optional[Packing]:
    from linkguard.readers import upx

    result = upx.read_packing(image, budget)
    if result is None:
        return None
    packing: Packing = result.packing
    if result.original_image is None:
        return packing
    try:
        original = read_elf(BytesSource(result.original_image), budget, see_through=False)
    except (Corrupt, *PARSE_ERRORS) as exc:
        return replace(packing, see_through_error=f"original program unreadable: {describe(exc)}")
    return replace(packing, original=original)


def _toolchain(image: Any, facts: ElfFacts) -> Optional[Toolchain]:
    from linkguard.readers.toolchain import read_toolchain

    try:
        return read_toolchain(image, facts.linkage, facts.interpreter)
    except PARSE_ERRORS as exc:
        image.warnings.append(f"toolchain evidence unreadable: {describe(exc)}")
        return None


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """A hard stop (SIGALRM) for loops that read nothing, where the Budget's clock is never consulted.

    Only in the main thread of a process with setitimer; elsewhere the Budget's own checks are the bound. An
    outer deadline already running is left alone (the shorter one wins).
    """
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable or signal.getitimer(signal.ITIMER_REAL)[0] > 0:
        yield
        return

    def fire(signum: int, frame: Any) -> None:
        raise BudgetExceeded(f"inspection took longer than {seconds:g} s (limit: time per artifact)")

    previous = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
