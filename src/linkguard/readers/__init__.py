"""Inspection: artifact bytes -> facts. Never judges; turns every way a file can be bad into `Unreadable`."""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from typing import Any, Iterator, Optional

from linkguard.limits import Limits
from linkguard.model import Artifact, Inspection, Unreadable
from linkguard.readers.budget import Budget, BudgetExceeded

ELF_MAGIC = b"\x7fELF"


def sniff(head: bytes) -> Optional[str]:
    """The inspected format a file's first bytes announce, or None for anything we skip."""
    if head[:4] == ELF_MAGIC:
        return "elf"
    return None


def inspect_artifact(artifact: Artifact, limits: Limits) -> Optional[Inspection]:
    """Facts for one artifact; None when it is not a format we inspect (counted as skipped)."""
    from linkguard.readers import elf

    budget = Budget.for_limits(limits)
    try:
        with artifact.open() as stream:
            head = stream.read(4)
            if sniff(head) is None:
                return None
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
