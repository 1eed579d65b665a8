"""Write the minimized malformed PE and Mach-O corpus: `python -m tests.data.malformed.make_native` from the repo root.

Each file starts from a valid synthetic image (tests/unit/_native_samples.py) and breaks exactly one thing; the
name says what. Every one must be reported as unreadable (LG901) with a precise reason, never crash or pass.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Callable, Dict

from tests.unit._native_samples import (
    CPU_ARM64,
    CPU_X86_64,
    FILE_ALIGN,
    LC_LOAD_DYLIB,
    SECTION_RVA,
    build_fat,
    build_macho,
    build_pe,
    dylib_command,
    lfanew_of,
    optional_header_at,
    section_table_at,
)

HERE = Path(__file__).parent


def _pe(mutate: Callable[[bytearray], None], cut: int = 0) -> bytes:
    data = bytearray(build_pe([("KERNEL32.dll", ["ExitProcess"]), ("libfoo.dll", ["foo"])]))
    mutate(data)
    return bytes(data[:cut] if cut else data)


def _set(fmt: str, where: Callable[[bytes], int], value: int) -> Callable[[bytearray], None]:
    def mutate(data: bytearray) -> None:
        struct.pack_into(fmt, data, where(bytes(data)), value)

    return mutate


def _nothing(data: bytearray) -> None:
    return None


def _unterminated_name(data: bytearray) -> None:
    at = data.index(b"libfoo.dll")
    data[at:] = b"L" * (len(data) - at)


def _delay_scan_quadratic() -> bytes:
    """A GNU-ld-shaped PE (linker 2.x, kernel32 LoadLibraryA + GetProcAddress, no delay directory) for the
    unlisted delay-import scan: 96 sections (the loader's limit) all map the same 300 KB of file data, which holds
    4096 "*.dll" strings and 64 Ki "01 00 00 00" words. Per section that is 4096 names and 64 Ki candidate
    descriptors; tried name by name (one alternation of every name run over every word) it took minutes, and
    read the same bytes 96 times. The scan must read each byte once and look each word up once."""
    small = build_pe([("KERNEL32.dll", ["GetProcAddress", "LoadLibraryA"])])
    body = bytearray(small[FILE_ALIGN:])  # the .idata section, built for RVA SECTION_RVA
    names = b"".join(b"d%05d.dll\0" % i for i in range(4096))
    body += bytes(-len(body) % 16) + names + bytes(-len(names) % 16) + b"\x01\0\0\0" * (1 << 16)
    body += bytes(-len(body) % FILE_ALIGN)
    sections, headers_size = 96, 0x2000
    headers = bytearray(small[: section_table_at(small)])
    struct.pack_into("<H", headers, lfanew_of(small) + 6, sections)
    opt = optional_header_at(small)
    struct.pack_into("<BB", headers, opt + 2, 2, 40)  # MajorLinkerVersion 2: binutils' ld
    struct.pack_into("<I", headers, opt + 56, SECTION_RVA + sections * 0x100000)  # SizeOfImage
    struct.pack_into("<I", headers, opt + 60, headers_size)  # SizeOfHeaders
    for index in range(sections):
        name = b".idata" if index == 0 else b".s%d" % index
        headers += struct.pack("<8sIIIIIIHHI", name, len(body), SECTION_RVA + index * 0x100000, len(body),
                               headers_size, 0, 0, 0, 0, 0x40000040)  # fmt: skip
    return bytes(headers) + bytes(headers_size - len(headers)) + bytes(body)


PE_CASES: Dict[str, bytes] = {
    "truncated-section-table.exe": _pe(_nothing, cut=0x40 + 24 + 240 + 20),
    "truncated-import-section.exe": _pe(_nothing, cut=0x200 + 30),
    "sections-zero.exe": _pe(_set("<H", lambda d: 0x40 + 6, 0)),
    "optional-magic-bad.exe": _pe(_set("<H", optional_header_at, 0x1234)),
    "import-rva-outside.exe": _pe(_set("<I", lambda d: optional_header_at(d) + 112 + 8, 0x7FFF0000)),
    "import-name-unterminated.exe": _pe(_unterminated_name),
    "section-raw-past-eof.exe": _pe(_set("<I", lambda d: section_table_at(d) + 20, 0x7FFFF000)),
}
# Not malformed, but hostile: valid PE that must be read within the time bound (fuzz find, issue 15 item 12).
SLOW_PE_CASES: Dict[str, bytes] = {"delay-scan-quadratic.exe": _delay_scan_quadratic()}


def _macho_header_field(offset: int, value: int) -> bytes:
    data = bytearray(build_macho(pad_to=0x200))
    struct.pack_into("<I", data, offset, value)
    return bytes(data)


def _dylib_name_offset_outside() -> bytes:
    command = bytearray(dylib_command(LC_LOAD_DYLIB, "/opt/homebrew/lib/libfoo.dylib"))
    struct.pack_into("<I", command, 8, 0x400)
    return build_macho([bytes(command)], pad_to=0x200)


MACHO_CASES: Dict[str, bytes] = {
    "truncated-load-commands": build_macho(pad_to=0)[:60],
    "ncmds-huge": _macho_header_field(16, 0x7FFFFFFF),
    "sizeofcmds-past-eof": _macho_header_field(20, 0x100000),
    "cmdsize-zero": _macho_header_field(32 + 4, 0),
    "dylib-name-outside-command": _dylib_name_offset_outside(),
    "fat-slice-past-eof": build_fat([(CPU_X86_64, build_macho(cputype=CPU_X86_64)), (CPU_ARM64, build_macho())])[
        :0x1800
    ],
}


def main() -> None:
    for name, data in {**PE_CASES, **SLOW_PE_CASES}.items():
        (HERE / "pe" / name).write_bytes(data)
    for name, data in MACHO_CASES.items():
        (HERE / "macho" / name).write_bytes(data)


if __name__ == "__main__":
    main()
