"""Tiny synthetic PE and Mach-O files for hostile-input tests: valid by construction, then broken on purpose.

Layouts from the PE/COFF specification and <mach-o/loader.h>; the builders are deliberately independent of
linkguard's readers (no shared constants) so a reader bug cannot hide in both.
"""

from __future__ import annotations

import struct
from typing import List, Sequence, Tuple

FILE_ALIGN = 0x200
SECTION_RVA = 0x1000


def build_pe(
    imports: Sequence[Tuple[str, Sequence[str]]] = (("KERNEL32.dll", ("ExitProcess",)),),
    *,
    pe32_plus: bool = True,
    dll: bool = False,
    subsystem_version: Tuple[int, int] = (6, 0),
    sections: int = 1,
) -> bytes:
    """A minimal PE image: DOS header, PE header, one .idata section holding an import directory."""
    width = 8 if pe32_plus else 4
    # .idata layout: descriptors, then per DLL an INT, then names
    descriptors = 20 * (len(imports) + 1)
    body = bytearray(descriptors)
    records: List[Tuple[int, int]] = []
    for dll_name, functions in imports:
        int_offset = len(body)
        body += bytes(width * (len(functions) + 1))
        name_offset = len(body)
        body += dll_name.encode() + b"\0"
        if len(body) % 2:
            body += b"\0"
        for index, function in enumerate(functions):
            hint_offset = len(body)
            body += struct.pack("<H", 0) + function.encode() + b"\0"
            if len(body) % 2:
                body += b"\0"
            struct.pack_into("<Q" if pe32_plus else "<I", body, int_offset + width * index, SECTION_RVA + hint_offset)
        records.append((int_offset, name_offset))
    for index, (int_offset, name_offset) in enumerate(records):
        struct.pack_into(
            "<IIIII",
            body,
            20 * index,
            SECTION_RVA + int_offset,
            0,
            0,
            SECTION_RVA + name_offset,
            SECTION_RVA + int_offset,
        )
    raw_size = (len(body) + FILE_ALIGN - 1) // FILE_ALIGN * FILE_ALIGN
    body += bytes(raw_size - len(body))

    lfanew = 0x40
    opt_size = 240 if pe32_plus else 224
    dos = bytearray(0x40)
    dos[:2] = b"MZ"
    struct.pack_into("<I", dos, 0x3C, lfanew)
    coff = struct.pack("<4sHHIIIHH", b"PE\0\0", 0x8664 if pe32_plus else 0x14C, sections, 0, 0, 0, opt_size,
                       0x2022 if dll else 0x22)  # fmt: skip
    opt = bytearray(opt_size)
    struct.pack_into("<H", opt, 0, 0x20B if pe32_plus else 0x10B)
    struct.pack_into("<I", opt, 16, SECTION_RVA)  # entry point
    if pe32_plus:
        struct.pack_into("<Q", opt, 24, 0x140000000)
    else:
        struct.pack_into("<I", opt, 28, 0x400000)
    struct.pack_into("<II", opt, 32, 0x1000, FILE_ALIGN)
    struct.pack_into("<HHHHHH", opt, 40, 6, 0, 0, 0, *subsystem_version)
    struct.pack_into("<II", opt, 56, SECTION_RVA + 0x1000, FILE_ALIGN)  # SizeOfImage, SizeOfHeaders
    struct.pack_into("<H", opt, 68, 3)  # console
    count_at = 108 if pe32_plus else 92
    struct.pack_into("<I", opt, count_at, 16)
    struct.pack_into("<II", opt, count_at + 4 + 8 * 1, SECTION_RVA, descriptors)  # import directory
    table = b""
    for index in range(sections):
        name = b".idata" if index == 0 else b".extra%d" % index
        table += struct.pack("<8sIIIIIIHHI", name, 0x1000, SECTION_RVA + 0x1000 * index, raw_size if index == 0 else 0,
                             FILE_ALIGN if index == 0 else 0, 0, 0, 0, 0, 0xC0000040)  # fmt: skip
    headers = bytes(dos) + coff + bytes(opt) + table
    headers += bytes(FILE_ALIGN - len(headers))
    return headers + bytes(body)


def lfanew_of(data: bytes) -> int:
    return int(struct.unpack_from("<I", data, 0x3C)[0])


def optional_header_at(data: bytes) -> int:
    return lfanew_of(data) + 24


def section_table_at(data: bytes) -> int:
    opt_size = struct.unpack_from("<H", data, lfanew_of(data) + 20)[0]
    return lfanew_of(data) + 24 + int(opt_size)


# ---------------------------------------------------------------------------------------------- Mach-O

LC_LOAD_DYLIB, LC_ID_DYLIB, LC_LOAD_WEAK_DYLIB, LC_RPATH, LC_BUILD_VERSION = 0xC, 0xD, 0x80000018, 0x8000001C, 0x32
CPU_X86_64, CPU_ARM64 = 0x01000007, 0x0100000C


def dylib_command(cmd: int, path: str) -> bytes:
    name = path.encode() + b"\0"
    size = (24 + len(name) + 7) // 8 * 8
    return struct.pack("<IIIIII", cmd, size, 24, 2, 0x10000, 0x10000) + name + bytes(size - 24 - len(name))


def rpath_command(path: str) -> bytes:
    name = path.encode() + b"\0"
    size = (12 + len(name) + 7) // 8 * 8
    return struct.pack("<III", LC_RPATH, size, 12) + name + bytes(size - 12 - len(name))


def build_version(minos: Tuple[int, int], sdk: Tuple[int, int] = (14, 0)) -> bytes:
    return struct.pack(
        "<IIIIII", LC_BUILD_VERSION, 24, 1, minos[0] << 16 | minos[1] << 8, sdk[0] << 16 | sdk[1] << 8, 0
    )


def build_macho(
    commands: Sequence[bytes] = (),
    *,
    cputype: int = CPU_ARM64,
    filetype: int = 2,
    big_endian: bool = False,
    pad_to: int = 0x1000,
) -> bytes:
    """A 64-bit thin Mach-O header followed by `commands` (already encoded little-endian)."""
    if not commands:
        commands = (dylib_command(LC_LOAD_DYLIB, "/usr/lib/libSystem.B.dylib"), build_version((11, 0)))
    cmds = b"".join(commands)
    order = ">" if big_endian else "<"
    if big_endian:
        cmds = _swap_commands(commands)
    header = struct.pack(order + "IiiIIIII", 0xFEEDFACF, cputype, 0, filetype, len(commands), len(cmds), 0x85, 0)
    data = header + cmds
    return data + bytes(max(0, pad_to - len(data)))


def _swap_commands(commands: Sequence[bytes]) -> bytes:
    """Byte-swap the fixed 32-bit fields of the commands this module builds (strings stay as they are)."""
    out = b""
    for command in commands:
        cmd, _size = struct.unpack_from("<II", command)
        fixed = {LC_LOAD_DYLIB: 6, LC_ID_DYLIB: 6, LC_LOAD_WEAK_DYLIB: 6, LC_RPATH: 3, LC_BUILD_VERSION: 6}[cmd]
        words = struct.unpack_from(f"<{fixed}I", command)
        out += struct.pack(f">{fixed}I", *words) + command[4 * fixed :]
    return out


def build_fat(slices: Sequence[Tuple[int, bytes]], align: int = 0x1000) -> bytes:
    """A universal file: (cputype, thin image) per slice."""
    header = struct.pack(">II", 0xCAFEBABE, len(slices))
    offset = align
    table = b""
    body = b""
    for cputype, image in slices:
        table += struct.pack(">iiIII", cputype, 0, offset, len(image), 12)
        padded = image + bytes((-len(image)) % align)
        body += padded
        offset += len(padded)
    head = header + table
    return head + bytes(align - len(head)) + body
