"""A parser-neutral view of one ELF image, handed by readers/elf.py to the evidence collectors.

gobuild.py, toolchain.py and friends read bytes through this view instead of parsing ELF themselves, so there is
one ELF reader and every read is charged to the artifact's budget.
"""

from __future__ import annotations

from typing import Iterator, NamedTuple, Optional, Protocol, Sequence, Tuple

from elftools.elf.constants import P_FLAGS
from elftools.elf.enums import ENUM_P_TYPE_BASE, ENUM_SH_TYPE_BASE

# The constants every ELF reader here shares, named by pyelftools.
PT_LOAD = ENUM_P_TYPE_BASE["PT_LOAD"]
PT_DYNAMIC = ENUM_P_TYPE_BASE["PT_DYNAMIC"]
PT_INTERP = ENUM_P_TYPE_BASE["PT_INTERP"]
PT_NOTE = ENUM_P_TYPE_BASE["PT_NOTE"]
PF_X = P_FLAGS.PF_X
PF_W = P_FLAGS.PF_W
PF_R = P_FLAGS.PF_R
SHT_SYMTAB = ENUM_SH_TYPE_BASE["SHT_SYMTAB"]
SHT_DYNSYM = ENUM_SH_TYPE_BASE["SHT_DYNSYM"]
SHT_NOBITS = ENUM_SH_TYPE_BASE["SHT_NOBITS"]


class Segment(NamedTuple):
    """One program header. (Named tuples: thousands are made per second, and a tuple is the cheapest record.)"""

    type: int  # p_type
    flags: int  # p_flags
    offset: int
    vaddr: int
    filesz: int
    memsz: int


class Section(NamedTuple):
    """One section header, with its name resolved."""

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
