"""readers/elf.py's fast paths answer exactly what the plain computation answers.

- `ElfImage.section(name)` finds a section through the bytes of its name, without building every Section: it must
  equal the first match in the full `sections` list, and leave that list unbuilt.
- The symbols bound to each version need (`_version_users`) are found with one comprehension over a small
  DT_VERSYM or with `bytes.split` per needed index over a large one; both must equal a plain loop over every
  dynamic symbol (struct-unpacked DT_VERSYM and symbol table, names read one by one).
"""

from __future__ import annotations

import io
import struct
from pathlib import Path
from typing import Dict, List, Set, Tuple

import pytest

from linkguard.readers import elf as elf_module
from linkguard.readers.budget import Budget
from linkguard.readers.elf import DT_VERSYM, ElfImage
from linkguard.readers.source import BytesSource

DATA = Path(__file__).resolve().parents[1] / "data"
FILES = sorted(
    p
    for d in ("elf/bin", "bigendian/bin", "upx/bin")
    if (DATA / d).is_dir()
    for p in (DATA / d).iterdir()
    if p.is_file() and p.read_bytes()[:4] == b"\x7fELF"
)
NAMES = (".comment", ".go.buildinfo", ".rodata", ".note.ABI-tag", ".dynstr", ".text", ".nosuch")


def _image(path: Path) -> ElfImage:
    return ElfImage(BytesSource(path.read_bytes()), Budget())


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_section_by_name_equals_the_full_list(path: Path) -> None:
    image = _image(path)
    found = {name: image.section(name) for name in NAMES}
    length = len(image.sections)
    assert image._sections is None  # looked up and counted without naming every section
    every = list(image.sections)
    assert length == len(every)
    names = {sec.name for sec in every} | set(NAMES) | {""}
    assert any(found.values()) or not every
    fresh = _image(path)
    for name in sorted(names):
        expected = next((sec for sec in every if sec.name == name), None)
        assert fresh.section(name) == expected, name
        if name in found:
            assert found[name] == expected, name


def _plain_users(image: ElfImage) -> Dict[Tuple[str, str], Set[str]]:
    """The users of each needed version: every dynamic symbol, one at a time."""
    info = image.dynamic_info()
    assert info is not None and info.symtab_offset is not None
    order = image.header.order
    versym_at = image.vaddr_to_offset(info.first(DT_VERSYM) or 0)
    assert versym_at is not None
    raw = image.read(versym_at, info.symbol_count * 2)
    versions = [v & 0x7FFF for (v,) in struct.iter_unpack(order + "H", raw[: len(raw) // 2 * 2])]
    fmt = order + ("IBBHQQ" if image.bits == 64 else "IIIBBH")
    shndx_at = 3 if image.bits == 64 else 5
    table = image.read(info.symtab_offset, len(versions) * struct.calcsize(fmt))
    rows = list(struct.iter_unpack(fmt, table[: len(table) // struct.calcsize(fmt) * struct.calcsize(fmt)]))
    by_index = _need_indices(image)
    users: Dict[Tuple[str, str], Set[str]] = {}
    for i, version in enumerate(versions[: len(rows)]):
        if version in by_index and rows[i][shndx_at] == 0:
            name = info.string_reader(image).get(rows[i][0])
            if name:
                users.setdefault(by_index[version], set()).add(name)
    return users


def _need_indices(image: ElfImage) -> Dict[int, Tuple[str, str]]:
    """vna_other -> (library, version), walked independently of version_needs."""
    info = image.dynamic_info()
    assert info is not None
    offset = image.vaddr_to_offset(info.first(elf_module.DT_VERNEED) or 0)
    order = image.header.order
    out: Dict[int, Tuple[str, str]] = {}
    while offset is not None:
        _v, count, file_at, aux_rel, next_rel = struct.unpack(order + "HHIII", image.read(offset, 16))
        library = image.dynamic_string(info, file_at, "file")
        aux = offset + aux_rel
        for _ in range(count):
            _h, _f, other, name_at, aux_next = struct.unpack(order + "IHHII", image.read(aux, 16))
            out[other & 0x7FFF] = (library, image.dynamic_string(info, name_at, "name"))
            if not aux_next:
                break
            aux += aux_next
        offset = offset + next_rel if next_rel else None
    return out


VERSIONED = [
    p for p in FILES if (info := _image(p).dynamic_info()) is not None and info.first(elf_module.DT_VERNEED) is not None
]


@pytest.mark.parametrize("small", [0, 1 << 30], ids=["split-per-index", "one-comprehension"])
@pytest.mark.parametrize("path", VERSIONED, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_version_users_equal_a_plain_loop(path: Path, small: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(elf_module, "_SMALL_VERSYM", small)
    image = _image(path)
    info = image.dynamic_info()
    assert info is not None
    expected = _plain_users(image)
    got = {key: names for key, names in image._version_users(info, _entries(image)).items() if names}
    assert got == expected
    assert any(expected.values())


def _entries(image: ElfImage) -> Dict[int, Tuple[str, str, bool]]:
    return {ndx: (lib, ver, False) for ndx, (lib, ver) in _need_indices(image).items()}


def test_string_reader_names_equal_get() -> None:
    """names() (the ASCII table sliced as text) equals get() one by one, past the end and mid-string too."""
    table = b"\0libc.so.6\0GLIBC_2.34\0xfree\0" + b"A" * 5000 + b"\0tail-without-nul"
    reader = elf_module._StringReader(ElfImage.__new__(ElfImage), 0, len(table))
    reader._whole = table
    indices: List[int] = [0, 1, 11, 22, 23, 27, 28, 4000, len(table) - 16, len(table) - 3, len(table), 1 << 20]
    assert reader.names(indices) == [reader.get(i) for i in indices]
    assert reader.names(indices)[4] == "free"  # a pointer into the middle of "xfree"


def _crafted(names: bytes, headers: List[Tuple[int, int]]) -> bytes:
    """A 64-bit ELF with no program headers: its section-name table `names` and sections (sh_name, sh_size)."""
    shstrtab_at = 64
    shoff = (shstrtab_at + len(names) + 7) // 8 * 8
    rows = [(0, 0, 0, 0, 0, 0, 0, 0, 0, 0)]
    rows += [(name_at, 1, 0, 0, 0, size, 0, 0, 1, 0) for name_at, size in headers]
    rows.append((names.index(b".shstrtab\0"), 3, 0, 0, shstrtab_at, len(names), 0, 0, 1, 0))
    ident = b"\x7fELF" + bytes((2, 1, 1)) + bytes(9)
    ehdr = ident + struct.pack("<HHIQQQIHHHHHH", 3, 62, 1, 0, 0, shoff, 0, 64, 56, 0, 64, len(rows), len(rows) - 1)
    body = ehdr + names + bytes(shoff - shstrtab_at - len(names))
    return body + b"".join(struct.pack("<IIQQQQIIQQ", *row) for row in rows)


def test_section_by_name_takes_the_first_exact_name() -> None:
    """A longer name that starts with it, a name sharing its suffix, a later duplicate: the first exact one wins."""
    names = b"\0.comment.extra\0x.comment\0.comment\0.shstrtab\0"
    suffix = names.index(b"x.comment") + 1
    data = _crafted(names, [(1, 11), (suffix, 22), (names.index(b"\0.comment\0") + 1, 33), (suffix, 44)])
    image = ElfImage(BytesSource(data), Budget())
    found = image.section(".comment")
    assert image._sections is None
    assert found is not None and found.size == 22
    assert found == next(sec for sec in image.sections if sec.name == ".comment")
    longer = image.section(".comment.extra")
    assert longer is not None and longer.size == 11
    assert image.section("x.comment") is None and image.section(".commen") is None


# ------------------------------------------------------------------------------------------ PE thunk runs

PE_FILES = sorted(
    p for p in (DATA / "pe" / "bin").glob("*") if p.is_file() and p.suffix in (".exe", ".dll", ".pyd", ".node")
)


def _pe_image(path: Path, sections: object = None) -> object:
    from linkguard.readers import pe
    from linkguard.readers.native import StructReader

    image = pe.PeImage(StructReader(io.BytesIO(path.read_bytes()), 0, path.stat().st_size, Budget()))
    if sections is not None:
        image.sections = sections  # type: ignore[assignment]
    return image


@pytest.mark.parametrize("path", PE_FILES, ids=lambda p: p.name)
def test_pe_linear_run_maps_byte_by_byte(path: Path) -> None:
    """Every byte of a run maps through rva_to_offset to the byte after the previous one, and the byte after a
    run cut short of its limit does not (so no entry the per-entry read would have found is skipped)."""
    from linkguard.readers.pe import PeImage

    image = _pe_image(path)
    assert isinstance(image, PeImage)
    starts = [0, 0x40, image.header.size_of_headers - 2] + [s.rva + k for s in image.sections for k in (0, 3, 0x100)]
    for rva in starts:
        run = image.linear_at_rva(rva, 0x400)
        if run is None:
            assert image.rva_to_offset(rva) is None
            continue
        offset, n = run
        assert [image.rva_to_offset(rva + k) for k in range(n)] == [offset + k for k in range(n)]
        if n < 0x400:
            assert image.rva_to_offset(rva + n) != offset + n


def test_pe_linear_run_stops_where_an_earlier_section_begins() -> None:
    """Overlapping sections: rva_to_offset takes the first listed that contains an address, so a run inside a
    later section ends where an earlier one begins; thunk names read through runs equal one read per entry."""
    from linkguard.readers import pe

    path = next(p for p in PE_FILES if p.name.endswith(".exe"))
    real = _pe_image(path)
    assert isinstance(real, pe.PeImage)
    first = real.sections[0]
    overlap = pe.Section("early", 0x10, first.rva + 0x40, 0x10, first.raw_offset, 0)
    image = _pe_image(path, [overlap, *real.sections])
    assert isinstance(image, pe.PeImage)
    offset, n = image.linear_at_rva(first.rva, 0x400) or (0, 0)
    assert (offset, n) == (first.raw_offset, 0x40)


@pytest.mark.parametrize("path", PE_FILES, ids=lambda p: p.name)
def test_pe_thunk_runs_equal_single_entries(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from linkguard.readers import pe

    image = _pe_image(path)
    assert isinstance(image, pe.PeImage)
    runs = pe.read_imports(image, pe._Counter())
    monkeypatch.setattr(pe, "_THUNK_RUN", 1)
    assert pe.read_imports(_pe_image(path), pe._Counter()) == runs  # type: ignore[arg-type]
    monkeypatch.setattr(pe.PeImage, "linear_at_rva", lambda self, rva, limit: None)
    assert pe.read_imports(_pe_image(path), pe._Counter()) == runs  # type: ignore[arg-type]
