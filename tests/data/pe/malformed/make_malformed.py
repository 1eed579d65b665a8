"""Derive corrupt PE files from built fixtures and record what objdump, llvm-readobj and file make of them.

Usage: python make_malformed.py  (run by ../build.sh after the fixtures exist; writes the files here and
manifest.json).  Each case is one targeted corruption of a real file, at offsets from the PE/COFF spec:
e_lfanew at 0x3c; "PE\\0\\0"; the 20-byte COFF header (NumberOfSections +2, SizeOfOptionalHeader +16); the
optional header (Magic 0x10b/0x20b; data directories at +96 for PE32, +112 for PE32+, 8 bytes each, import = 1,
delay import = 13); 40-byte section headers (VirtualSize +8, VirtualAddress +12, SizeOfRawData +16,
PointerToRawData +20); 20-byte import descriptors (Name RVA at +12).  What linkguard must do with every one
of them: report LG901 (unreadable / partial), never a clean verdict and never an empty import list, except
where `file` says "MS-DOS executable" (no PE signature at e_lfanew): that is not a PE, and is skipped.
"""

from __future__ import annotations

import importlib.util
import json
import struct
from pathlib import Path
from types import ModuleType
from typing import Callable, Dict, List, Tuple

HERE = Path(__file__).resolve().parent


def _load_pefacts() -> ModuleType:
    spec = importlib.util.spec_from_file_location("lg_pefacts", HERE.parent / "pefacts.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


pf = _load_pefacts()


class Layout:
    """Offsets of one PE file's headers, read with struct only as far as the corruptions need."""

    def __init__(self, data: bytes) -> None:
        self.pe = struct.unpack_from("<I", data, 0x3C)[0]
        self.coff = self.pe + 4
        self.nsections = struct.unpack_from("<H", data, self.coff + 2)[0]
        self.opt_size = struct.unpack_from("<H", data, self.coff + 16)[0]
        self.opt = self.coff + 20
        magic = struct.unpack_from("<H", data, self.opt)[0]
        self.dirs = self.opt + (112 if magic == 0x20B else 96)
        self.sections = self.opt + self.opt_size

    def directory(self, index: int) -> int:
        return self.dirs + 8 * index

    def rva_to_offset(self, data: bytes, rva: int) -> int:
        for i in range(self.nsections):
            sh = self.sections + 40 * i
            vsize, vaddr, rawsize, rawptr = struct.unpack_from("<IIII", data, sh + 8)
            if vaddr <= rva < vaddr + max(vsize, rawsize):
                return rawptr + (rva - vaddr)
        raise ValueError(f"rva {rva:#x} not in any section")


def put32(data: bytearray, offset: int, value: int) -> bytearray:
    struct.pack_into("<I", data, offset, value)
    return data


def put16(data: bytearray, offset: int, value: int) -> bytearray:
    struct.pack_into("<H", data, offset, value)
    return data


def first_import_descriptor(data: bytearray) -> int:
    lay = Layout(bytes(data))
    rva = struct.unpack_from("<I", data, lay.directory(1))[0]
    return lay.rva_to_offset(bytes(data), rva)


def truncate_in_idata(data: bytearray) -> bytearray:
    return data[: first_import_descriptor(data) + 30]


Corruption = Callable[[bytearray], bytearray]
DYN = "../bin/mingw-cxx-thread-dynamic.exe"
CASES: List[Tuple[str, str, str, Corruption]] = [
    ("empty", DYN, "zero bytes", lambda d: bytearray()),
    ("mz-only", DYN, "first 64 bytes: the DOS header, e_lfanew pointing past EOF", lambda d: d[:64]),
    ("trunc-coff", DYN, "cut inside the COFF file header", lambda d: d[: Layout(bytes(d)).coff + 10]),
    ("trunc-optional", DYN, "cut inside the optional header", lambda d: d[: Layout(bytes(d)).opt + 40]),
    ("lfanew-past-eof", DYN, "e_lfanew = 0x7ffffff0", lambda d: put32(d, 0x3C, 0x7FFFFFF0)),
    (
        "bad-pe-signature",
        DYN,
        "PE\\0\\0 signature changed to PX\\0\\0",
        lambda d: put16(d, Layout(bytes(d)).pe, 0x5850),
    ),
    ("nsections-huge", DYN, "NumberOfSections = 0xffff", lambda d: put16(d, Layout(bytes(d)).coff + 2, 0xFFFF)),
    (
        "optional-size-huge",
        DYN,
        "SizeOfOptionalHeader = 0xfff0: section table past EOF",
        lambda d: put16(d, Layout(bytes(d)).coff + 16, 0xFFF0),
    ),
    (
        "import-dir-outside-image",
        DYN,
        "import directory RVA = 0x7fff0000 (no section maps it)",
        lambda d: put32(d, Layout(bytes(d)).directory(1), 0x7FFF0000),
    ),
    (
        "import-name-rva-bad",
        DYN,
        "first import descriptor's Name RVA = 0x7fff0000",
        lambda d: put32(d, first_import_descriptor(d) + 12, 0x7FFF0000),
    ),
    ("trunc-in-idata", DYN, "cut 30 bytes into the import directory", truncate_in_idata),
    (
        "delay-dir-outside-image",
        "../bin/lld-delayload.exe",
        "delay import directory RVA = 0x7fff0000",
        lambda d: put32(d, Layout(bytes(d)).directory(13), 0x7FFF0000),
    ),
]


def tool_reaction(cmd: List[str], path: str) -> Dict[str, object]:
    """Exit code, first stderr lines (path and tool directory dropped) and the DLL names the tool printed."""
    proc = pf.run([*cmd, path])
    tool = cmd[0].rsplit("/", 1)[-1]
    err = [ln.replace(path, "FILE").replace(cmd[0], tool) for ln in proc.stderr.splitlines() if ln.strip()]
    names = []
    for line in proc.stdout.splitlines():
        s = line.strip()
        if s.startswith(("DLL Name:", "Name:")):
            names.append(s.split(":", 1)[1].strip())
    return {
        "args": " ".join([tool, *cmd[1:]]),
        "exit_code": proc.returncode,
        "stderr_first": err[:3],
        "names_printed": names,
    }


def _expected(size: int, file_b: str) -> str:
    """What linkguard must do, from `file`'s verdict: an MZ file with no PE signature at e_lfanew is a DOS file."""
    if size == 0 or file_b.startswith("MS-DOS executable"):
        return "skipped: not a PE (`file` finds no PE signature at e_lfanew, or no DOS header)"
    return "LG901 (unreadable or partial), no crash, never an empty import list"


def main() -> None:
    readobj = pf.which("llvm-readobj")
    entries = []
    for name, source, description, corrupt in CASES:
        data = corrupt(bytearray((HERE / source).read_bytes()))
        out = HERE / name
        out.write_bytes(bytes(data))
        entries.append(
            {
                "file": name,
                "derived_from": source,
                "description": description,
                "size": len(data),
                "sha256": pf.sha256(str(out)),
                "file_b": pf.file_b(str(out)),
                "objdump": tool_reaction(["objdump", "-p"], str(out)),
                "llvm_readobj": tool_reaction([readobj, "--coff-imports"], str(out)),
                "expected_linkguard": _expected(len(data), pf.file_b(str(out))),
            }
        )
    manifest = {
        "generated_by": "tests/data/pe/malformed/make_malformed.py (run by tests/data/pe/build.sh)",
        "tools": {
            "objdump": pf.tool_version("objdump"),
            "llvm-readobj": pf.tool_version("llvm-readobj"),
            "file": pf.tool_version("file"),
        },
        "fixtures": entries,
    }
    (HERE / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    print(f"malformed/manifest.json: {len(entries)} files")


if __name__ == "__main__":
    main()
