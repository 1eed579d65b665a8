"""Derive tampered UPX 4.x fixtures (bin/tampered/) from a few packed fixtures in bin/.

Reuses the byte edits of tests/data/upx/make_tampered.py (imported by path): zeroed PackHeader magic,
every "UPX!" replaced, PackHeader + l_info zeroed, bytes appended after EOF.  The shared-library source
only gets the edits that do not assume l_info right after the program headers (its l_info sits at
xct_off).  Writes tampered-log.jsonl for make_manifest.py; needs no UPX.
"""

from __future__ import annotations

import importlib.util
import json
import struct
from pathlib import Path
from types import ModuleType
from typing import Callable, Dict, List, Tuple

HERE = Path(__file__).resolve().parent
BIN = HERE / "bin"
OUT = BIN / "tampered"

MAIN_PROGRAM_VARIANTS = ("zero-packheader-magic", "replace-every-magic", "zero-packheader-and-linfo", "append-30-bytes")
SHLIB_VARIANTS = ("zero-packheader-magic", "replace-every-magic", "zero-packheader-and-xct-linfo", "append-30-bytes")
SOURCES: Tuple[Tuple[str, Tuple[str, ...]], ...] = (
    ("amd64-glibc-dyn-nopie-nrv2d-1", MAIN_PROGRAM_VARIANTS),
    ("amd64-glibc-dyn-pie-lzma", MAIN_PROGRAM_VARIANTS),
    ("amd64-glibc-shared-lib-nrv2b-9", SHLIB_VARIANTS),
)


def _upx3_tamper() -> ModuleType:
    spec = importlib.util.spec_from_file_location("lg_upx3_make_tampered", HERE.parent / "upx" / "make_tampered.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def zero_packheader_and_xct_linfo(buf: bytes) -> Tuple[bytes, str]:
    """Shared-library form of zero-packheader-and-linfo: l_info sits at xct_off = overlay offset - 12, and the
    overlay offset is the little-endian word after the PackHeader (read before it is zeroed)."""
    b = bytearray(buf)
    ph = len(buf) - 36
    if buf[ph : ph + 4] != b"UPX!":
        raise ValueError("no PackHeader at EOF-36")
    overlay = struct.unpack_from("<I", buf, len(buf) - 4)[0]
    li = overlay - 12
    b[ph : ph + 32] = b"\0" * 32
    b[li : li + 12] = b"\0" * 12
    return bytes(b), f"zeroed the 32-byte PackHeader (offset {ph}) and the 12-byte l_info at xct_off (offset {li})"


def main() -> None:
    edits: Dict[str, Callable[[bytes], Tuple[bytes, str]]] = dict(_upx3_tamper().VARIANTS)
    edits["zero-packheader-and-xct-linfo"] = zero_packheader_and_xct_linfo
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.iterdir():
        old.unlink()
    records: List[Dict[str, str]] = []
    for src, variants in SOURCES:
        data = (BIN / src).read_bytes()
        for variant in variants:
            new, what = edits[variant](data)
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
                    "build": f"python3 make_tampered.py  # {variant} (edit from tests/data/upx/make_tampered.py)",
                }
            )
    with open(HERE / "tampered-log.jsonl", "w") as fh:
        for rec in records:
            fh.write(json.dumps(rec, sort_keys=True) + "\n")
    print(f"wrote {len(records)} tampered fixtures")


if __name__ == "__main__":
    main()
