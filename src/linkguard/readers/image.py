"""A parser-neutral view of one ELF image, handed by readers/elf.py to the evidence collectors.

gobuild.py, toolchain.py and friends read bytes through this view instead of touching pyelftools, so there is
one door to the ELF parser and every read is charged to the artifact's budget.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Optional, Protocol, Sequence, Tuple

PT_LOAD = 1
PT_DYNAMIC = 2
PT_INTERP = 3
PT_NOTE = 4
PF_X = 1
PF_W = 2
PF_R = 4


@dataclass(frozen=True)
class Segment:
    type: int  # p_type
    flags: int  # p_flags
    offset: int
    vaddr: int
    filesz: int
    memsz: int


@dataclass(frozen=True)
class Section:
    name: str
    type: int  # sh_type
    offset: int
    addr: int
    size: int


class ImageView(Protocol):
    """Read access to one ELF image (a file on disk, or an original rebuilt from a packed file)."""

    @property
    def bits(self) -> int: ...

    @property
    def endian(self) -> str: ...  # "little" | "big"

    @property
    def machine(self) -> str: ...

    @property
    def size(self) -> int: ...

    @property
    def segments(self) -> Sequence[Segment]: ...

    @property
    def sections(self) -> Sequence[Section]: ...  # empty when the file has no section headers

    def section(self, name: str) -> Optional[Section]: ...

    def read(self, offset: int, size: int) -> bytes:
        """Bytes at a file offset; short at EOF; charged to the budget."""
        ...

    def read_vaddr(self, vaddr: int, size: int) -> Optional[bytes]:
        """Bytes at a virtual address through PT_LOAD, or None when unmapped or not in the file."""
        ...

    def defined_symbols(self) -> Iterator[Tuple[str, str]]:
        """(name, table) for defined symbols of .symtab/.dynsym where present; bounded by the budget."""
        ...

    def check_time(self) -> None:
        """Raise BudgetExceeded when the artifact's time is up; call it in long loops."""
        ...
