"""The one malformed-input error of every reader (ELF, UPX, PE, Mach-O).

A reader raises `Corrupt` when the file announces a format but a structure the facts depend on cannot be read;
`readers.read_artifact` turns it into an `Unreadable` (LG901) of its `kind`.
"""

from __future__ import annotations

from typing import Optional


class Corrupt(Exception):
    """A precise reason why the facts cannot be established: which structure, at which offset.

    `kind` is "truncated" when the file ends before the structure does, else "corrupt"; by default it follows
    the message ("truncated: ..." reads as truncated).
    """

    def __init__(self, reason: str, kind: Optional[str] = None) -> None:
        super().__init__(reason)
        self.kind = kind or ("truncated" if reason.startswith("truncated") else "corrupt")
