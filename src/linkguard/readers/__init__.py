"""Inspection: artifact bytes -> facts. Never judges; turns every way a file can be bad into `Unreadable`."""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from typing import IO, Any, Iterator, Optional

from linkguard.limits import Limits
from linkguard.model import Artifact, Inspection, Unreadable
from linkguard.readers.budget import Budget, BudgetExceeded

ELF_MAGIC = b"\x7fELF"


def sniff(head: bytes) -> Optional[str]:
    """The inspected format a file's first bytes announce, or None for anything we skip."""
    if head[:4] == ELF_MAGIC:
        return "elf"
    return _sniff_native(head)


def _sniff_native(head: bytes) -> Optional[str]:
    """PE ("MZ", and "PE\\0\\0" at e_lfanew when the head reaches it) or Mach-O (thin or fat, not Java)."""
    from linkguard.readers.macho import sniff_macho

    if head[:2] == b"MZ":
        if len(head) >= 0x40:
            lfanew = int.from_bytes(head[0x3C:0x40], "little")
            if lfanew + 4 <= len(head) and head[lfanew : lfanew + 4] != b"PE\0\0":
                return None
        return "pe"
    if sniff_macho(head):
        return "macho"
    return None


def inspect_artifact(artifact: Artifact, limits: Limits) -> Optional[Inspection]:
    """Facts for one artifact; None when it is not a format we inspect (counted as skipped)."""
    from linkguard.readers import elf

    budget = Budget.for_limits(limits)
    try:
        with artifact.open() as stream:
            head = stream.read(64)
            kind = sniff(head)
            if kind is None:
                return None
            if kind != "elf":
                return _inspect_native(kind, stream, artifact.size, budget, limits)
            if artifact.size < 52:
                return Unreadable(f"truncated: {artifact.size} bytes, shorter than any ELF header", "truncated")
            stream.seek(0)
            with _alarm(limits.seconds + 2.0):
                facts: Inspection = elf.inspect_stream(stream, artifact.size, budget)
    except BudgetExceeded as exc:
        return Unreadable(budget.exceeded or str(exc), "budget")
    except PermissionError:
        return Unreadable("permission denied", "permission")
    except MemoryError:
        facts = Unreadable("ran out of memory while parsing (hostile sizes?)", "budget")
    except elf.Corrupt as exc:
        text = str(exc)
        facts = Unreadable(text, "truncated" if text.startswith("truncated") else "corrupt")
    except elf.PARSE_ERRORS as exc:
        facts = Unreadable(f"corrupt ELF: {elf.describe(exc)}", "corrupt")
    except OSError as exc:
        facts = Unreadable(f"cannot read: {exc.strerror or exc}", "io")
    if budget.exceeded:  # a limit was hit inside a parser that wrapped or swallowed the exception
        return Unreadable(budget.exceeded, "budget")
    return facts


def _inspect_native(kind: str, stream: IO[bytes], size: int, budget: Budget, limits: Limits) -> Optional[Inspection]:
    """PE and Mach-O: readers/pe.py and readers/macho.py; a `Malformed` header becomes Unreadable (LG901)."""
    from linkguard.readers import macho, pe
    from linkguard.readers.native import Malformed

    if kind == "pe" and not pe.looks_like_pe(b"MZ", stream, size):
        return None  # a DOS program or other MZ file: not a PE image
    stream.seek(0)
    try:
        with _alarm(limits.seconds + 2.0):
            if kind == "pe":
                return pe.read_facts(stream, size, budget)
            return macho.read_facts(stream, size, budget)
    except Malformed as exc:
        return Unreadable(str(exc), exc.kind)
    except BudgetExceeded as exc:
        return Unreadable(budget.exceeded or str(exc), "budget")


@contextmanager
def _alarm(seconds: float) -> Iterator[None]:
    """A hard stop for parser loops that read nothing (the Budget catches the ones that do)."""
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable:
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
