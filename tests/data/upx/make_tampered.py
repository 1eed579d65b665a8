"""Derive tampered UPX fixtures (bin/tampered/) from a few packed fixtures in bin/.

Each variant damages what `upx -d` relies on the way malware authors and "protectors" do:
zeroed PackHeader magic, every "UPX!" replaced, ident strings wiped, p_info sizes zeroed,
PackHeader + l_info zeroed, bytes appended after EOF.  The byte offsets come from the ELF
header (e_phoff, e_phnum, e_phentsize) and the PackHeader's fixed place at EOF-36, so this
script does not need UPX.  Writes tampered-log.jsonl for make_manifest.py.
"""

from __future__ import annotations

import json
import random
import re
import struct
from pathlib import Path
from typing import Callable, Dict, List, Tuple

HERE = Path(__file__).resolve().parent
BIN = HERE / "bin"
OUT = BIN / "tampered"

# Source fixtures: one NRV2B amd64 glibc-dynamic, one LZMA amd64, one ARM 32 LE (all little-endian).
SOURCES = (
    "amd64-glibc-dyn-nopie-nrv2b-1",
    "amd64-glibc-dyn-pie-lzma",
    "arm-musl-static-nrv2b-9",
)


def overlay_offset(buf: bytes) -> int:
    """End of the packed program headers + 12 (l_info): where p_info starts."""
    if buf[4] == 2:  # ELFCLASS64
        phoff = struct.unpack_from("<Q", buf, 0x20)[0]
        phentsize, phnum = struct.unpack_from("<HH", buf, 0x36)
    else:
        phoff = struct.unpack_from("<I", buf, 0x1C)[0]
        phentsize, phnum = struct.unpack_from("<HH", buf, 0x2A)
    return int(phoff) + phnum * phentsize + 12


def packheader_offset(buf: bytes) -> int:
    """PackHeader sits 36 bytes before EOF in an untouched packed file."""
    off = len(buf) - 36
    if buf[off : off + 4] != b"UPX!":
        raise ValueError("no PackHeader at EOF-36")
    return off


def zero_packheader_magic(buf: bytes) -> Tuple[bytes, str]:
    b = bytearray(buf)
    off = packheader_offset(buf)
    b[off : off + 4] = b"\0\0\0\0"
    return bytes(b), f"zeroed the 4-byte 'UPX!' magic of the PackHeader at EOF-36 (offset {off})"


def replace_every_magic(buf: bytes) -> Tuple[bytes, str]:
    n = buf.count(b"UPX!")
    return buf.replace(b"UPX!", b"LGZ?"), f"replaced all {n} occurrences of 'UPX!' with 'LGZ?'"


def wipe_ident_strings(buf: bytes) -> Tuple[bytes, str]:
    b = bytearray(buf)
    hits = []
    for m in re.finditer(rb"\$(Info|Id): [^$]*\$", buf):
        b[m.start() : m.end()] = b"\0" * (m.end() - m.start())
        hits.append(m.group(1).decode())
    if not hits:
        raise ValueError("no ident strings")
    return bytes(b), "zeroed the ident strings " + ", ".join("$" + h for h in hits)


def zero_pinfo_sizes(buf: bytes) -> Tuple[bytes, str]:
    b = bytearray(buf)
    off = overlay_offset(buf)
    b[off + 4 : off + 12] = b"\0" * 8
    return bytes(b), f"zeroed p_info.p_filesize and p_info.p_blocksize at offset {off + 4}"


def alter_pinfo_size(buf: bytes) -> Tuple[bytes, str]:
    b = bytearray(buf)
    off = overlay_offset(buf)
    size = struct.unpack_from("<I", buf, off + 4)[0]
    struct.pack_into("<I", b, off + 4, size + 4096)
    return bytes(b), f"p_info.p_filesize {size} -> {size + 4096} at offset {off + 4}"


def zero_packheader_and_linfo(buf: bytes) -> Tuple[bytes, str]:
    b = bytearray(buf)
    ph = packheader_offset(buf)
    b[ph : ph + 32] = b"\0" * 32
    li = overlay_offset(buf) - 12
    b[li : li + 12] = b"\0" * 12
    return bytes(b), f"zeroed the 32-byte PackHeader (offset {ph}) and the 12-byte l_info (offset {li})"


def append_garbage(buf: bytes) -> Tuple[bytes, str]:
    rnd = random.Random(0x5EED)  # fixed seed: the fixture is reproducible
    tail = bytes(rnd.randrange(256) for _ in range(30))
    return buf + tail, "appended 30 pseudo-random bytes (seed 0x5EED) after the end of file"


VARIANTS: Dict[str, Callable[[bytes], Tuple[bytes, str]]] = {
    "zero-packheader-magic": zero_packheader_magic,
    "replace-every-magic": replace_every_magic,
    "wipe-ident-strings": wipe_ident_strings,
    "zero-pinfo-sizes": zero_pinfo_sizes,
    "alter-pinfo-size": alter_pinfo_size,
    "zero-packheader-and-linfo": zero_packheader_and_linfo,
    "append-30-bytes": append_garbage,
}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.iterdir():
        old.unlink()
    records: List[Dict[str, str]] = []
    for src in SOURCES:
        data = (BIN / src).read_bytes()
        for variant, fn in VARIANTS.items():
            new, what = fn(data)
            name = f"{src}--{variant}"
            path = OUT / name
            path.write_bytes(new)
            path.chmod(0o755)
            records.append(
                {
                    "name": name,
                    "file": f"bin/tampered/{name}",
                    "tampered_from": f"bin/{src}",
                    "variant": variant,
                    "edit": what,
                    "build": f"python3 make_tampered.py  # {variant}",
                }
            )
    with open(HERE / "tampered-log.jsonl", "w") as fh:
        for rec in records:
            fh.write(json.dumps(rec, sort_keys=True) + "\n")
    print(f"wrote {len(records)} tampered fixtures")


if __name__ == "__main__":
    main()
