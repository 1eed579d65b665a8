"""Derive a disguised UPX-packed PE: rename the UPX0/UPX1/UPX2 section headers and zero every `UPX!` magic.

Usage: python make_tampered.py PACKED OUT.  This is how packed malware commonly hides from naive detectors;
the file still runs (the PE stub never reads the pack header).  Offsets follow the PE/COFF spec: e_lfanew at
0x3c, then "PE\\0\\0", the 20-byte COFF header (NumberOfSections at +2, SizeOfOptionalHeader at +16), the
optional header, then 40-byte section headers whose first 8 bytes are the name.
"""

from __future__ import annotations

import struct
import sys

RENAMES = {b"UPX0": b".text", b"UPX1": b".data", b"UPX2": b".idata"}


def tamper(data: bytearray) -> int:
    """Rename the UPX sections in place and zero each b'UPX!'; returns how many magics were zeroed."""
    (pe,) = struct.unpack_from("<I", data, 0x3C)
    if data[pe : pe + 4] != b"PE\0\0":
        raise SystemExit("not a PE file")
    nsect, opt_size = struct.unpack_from("<H", data, pe + 6)[0], struct.unpack_from("<H", data, pe + 20)[0]
    table = pe + 24 + opt_size
    for i in range(nsect):
        off = table + 40 * i
        name = bytes(data[off : off + 8]).rstrip(b"\0")
        if name in RENAMES:
            data[off : off + 8] = RENAMES[name].ljust(8, b"\0")
    count = 0
    at = data.find(b"UPX!")
    while at != -1:
        data[at : at + 4] = b"\0\0\0\0"
        count += 1
        at = data.find(b"UPX!", at + 4)
    return count


def main() -> None:
    src, out = sys.argv[1], sys.argv[2]
    with open(src, "rb") as fh:
        data = bytearray(fh.read())
    zeroed = tamper(data)
    with open(out, "wb") as fh:
        fh.write(data)
    print(f"{out}: zeroed {zeroed} UPX! magic(s)")


if __name__ == "__main__":
    main()
