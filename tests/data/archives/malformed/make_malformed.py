#!/usr/bin/env python3
"""Write the minimized hostile archives in this directory and their manifest.

    python tests/data/archives/malformed/make_malformed.py

Each archive holds one good ELF member (`good/app`, a copy of tests/data/elf/bin/zig-x86_64-linux-gnu.2.17-libm,
whose readelf truth is in tests/data/elf/manifest.json) beside the defect it exercises, so that a test can check
both that the defect is one LG901 and that the good member still gets a full report. Zip files are written byte by
byte here (no zipfile), so every header field is what this script says, including the ones zipfile refuses to
write; tar headers come from tarfile's header encoder and are then cut or patched.

The manifest records, per file: sha256, what was broken (`defects`: member -> the class of defect), whether the good
member can still be reached (`good`), and the verdict of independent tools run on the file (`unzip -tq`,
`tar -tvf`, `gzip -t`/`xz -t`/`bzip2 -t`), each with its exit code, under a time limit: those tools, not linkguard,
say that the files are broken.
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
import io
import json
import lzma
import os
import re
import shutil
import struct
import subprocess
import tarfile
import zlib
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence

HERE = Path(__file__).resolve().parent
GOOD_SOURCE = HERE.parents[1] / "elf" / "bin" / "zig-x86_64-linux-gnu.2.17-libm"
GOOD_NAME = "good/app"
GOOD = GOOD_SOURCE.read_bytes()
EPOCH = 1704067200
DOS_TIME, DOS_DATE = 0, (2024 - 1980) << 9 | 1 << 5 | 1  # 2024-01-01 00:00
S_IFLNK = 0o120000
S_IFREG = 0o100000

# ------------------------------------------------------------------------------------------- zip writer


def zip_entry(
    name: bytes,
    content: bytes,
    method: int = 0,
    flags: int = 0,
    version: int = 20,
    mode: int = S_IFREG | 0o755,
    corrupt: Optional[Callable[[bytes], bytes]] = None,
) -> Dict[str, Any]:
    """One member: `content` compressed with `method` (0 stored, 8 deflate, 14 LZMA; others stored raw)."""
    if method == 8:
        packer = zlib.compressobj(9, zlib.DEFLATED, -15)
        data = packer.compress(content) + packer.flush()
    elif method == 14:
        props = lzma._encode_filter_properties({"id": lzma.FILTER_LZMA1})  # type: ignore[attr-defined]
        packer_lzma = lzma.LZMACompressor(lzma.FORMAT_RAW, filters=[{"id": lzma.FILTER_LZMA1}])
        # APPNOTE 5.8.8: LZMA SDK version (9.20), properties size, properties, then the raw LZMA stream.
        data = struct.pack("<BBH", 9, 20, len(props)) + props + packer_lzma.compress(content) + packer_lzma.flush()
        flags |= 0x2  # the stream carries an end-of-stream marker
    else:
        data = content
    if corrupt is not None:
        data = corrupt(data)
    if flags & 0x1:
        data = zip_crypto(data, zlib.crc32(content))
    return {
        "name": name,
        "data": data,
        "crc": zlib.crc32(content),
        "size": len(content),
        "method": method,
        "flags": flags,
        "version": version,
        "external": (mode << 16) & 0xFFFFFFFF,
    }


def zip_crypto(data: bytes, crc: int, password: bytes = b"secret") -> bytes:
    """Traditional PKWARE encryption (APPNOTE 6.1): a 12-byte header whose last byte checks the password."""
    keys = [0x12345678, 0x23456789, 0x34567890]

    def crc_byte(value: int, byte: int) -> int:
        return zlib.crc32(bytes([byte]), value ^ 0xFFFFFFFF) ^ 0xFFFFFFFF

    def update(byte: int) -> None:
        keys[0] = crc_byte(keys[0], byte)
        keys[1] = ((keys[1] + (keys[0] & 0xFF)) * 134775813 + 1) & 0xFFFFFFFF
        keys[2] = crc_byte(keys[2], keys[1] >> 24)

    for byte in password:
        update(byte)
    out = bytearray()
    for plain in bytes(range(11)) + bytes([crc >> 24]) + data:
        temp = (keys[2] | 2) & 0xFFFF
        out.append(plain ^ ((temp * (temp ^ 1)) >> 8) & 0xFF)
        update(plain)
    return bytes(out)


def zip_bytes(entries: Sequence[Dict[str, Any]]) -> bytes:
    """Local headers + data, central directory, end record (APPNOTE 4.3.7, 4.3.12, 4.3.16)."""
    out = io.BytesIO()
    central = io.BytesIO()
    for e in entries:
        offset = out.tell()
        out.write(
            struct.pack(
                "<4sHHHHHIIIHH",
                b"PK\x03\x04",
                e["version"],
                e["flags"],
                e["method"],
                DOS_TIME,
                DOS_DATE,
                e["crc"],
                len(e["data"]),
                e["size"],
                len(e["name"]),
                0,
            )
        )
        out.write(e["name"])
        out.write(e["data"])
        central.write(
            struct.pack(
                "<4sBBBBHHHHIIIHHHHHII",
                b"PK\x01\x02",
                20,
                3,  # made by: version 2.0, Unix (so the high half of the external attributes is a st_mode)
                e["version"] & 0xFF,
                e["version"] >> 8,
                e["flags"],
                e["method"],
                DOS_TIME,
                DOS_DATE,
                e["crc"],
                len(e["data"]),
                e["size"],
                len(e["name"]),
                0,
                0,
                0,
                0,
                e["external"],
                offset,
            )
        )
        central.write(e["name"])
    directory = central.getvalue()
    at = out.tell()
    out.write(directory)
    out.write(struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(entries), len(entries), len(directory), at, 0))
    return out.getvalue()


def good_zip_entry() -> Dict[str, Any]:
    return zip_entry(GOOD_NAME.encode(), GOOD, method=8)


# ------------------------------------------------------------------------------------------- tar writer


def tar_header(name: str, size: int, kind: bytes = tarfile.REGTYPE, linkname: str = "") -> bytes:
    """One 512-byte GNU header from tarfile's encoder (base-256 size fields where octal does not fit)."""
    info = tarfile.TarInfo(name)
    info.size = size
    info.type = kind
    info.linkname = linkname
    info.mtime = EPOCH
    info.mode = 0o755
    info.uname = info.gname = "root"
    raw = info.tobuf(tarfile.GNU_FORMAT, "utf-8", "surrogateescape")
    assert len(raw) == 512, name  # one header block: no long-name records added for these short names
    return raw


def padded(data: bytes) -> bytes:
    return data + b"\0" * (-len(data) % 512)


def good_tar_member() -> bytes:
    return tar_header(GOOD_NAME, len(GOOD)) + padded(GOOD)


END = b"\0" * 1024


def gzip_compress(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)  # reproducible: no time stamp in the gzip header


def odd_tar_header(name: bytes, size: int) -> bytes:
    """A header whose name field holds raw bytes tarfile's encoder would not write (empty, control characters)."""
    block = bytearray(tar_header("placeholder", size))
    block[0:100] = name.ljust(100, b"\0")
    block[148:156] = b"        "
    block[148:156] = b"%06o\0 " % sum(block)
    return bytes(block)


# ------------------------------------------------------------------------------------------- the corpus


def zip_files() -> Dict[str, Dict[str, Any]]:
    def first_byte(value: int) -> Callable[[bytes], bytes]:
        return lambda data: bytes([value]) + data[1:]

    def lzma_first_range_byte(data: bytes) -> bytes:
        at = 4 + 5  # after the 4-byte zip LZMA header and the 5 property bytes: the range coder's first byte is 0
        return data[:at] + b"\xff" + data[at + 1 :]

    elf = GOOD  # the bad members hold an ELF too, so that only the defect can stop them being checked
    files = {
        # BFINAL=1, BTYPE=11 (reserved): zlib: "invalid block type"
        "zip-corrupt-deflate.zip": ([zip_entry(b"bad/app", elf, 8, corrupt=first_byte(0xFF))], "corrupt-deflate"),
        "zip-corrupt-lzma.zip": ([zip_entry(b"bad/app", elf, 14, corrupt=lzma_first_range_byte)], "corrupt-lzma"),
        "zip-unsupported-method.zip": ([zip_entry(b"bad/app", elf, method=6)], "unsupported-method"),  # implode
        "zip-bad-version.zip": ([zip_entry(b"bad/app", elf, version=64)], "unsupported-version"),  # 6.4 > 6.3
        "zip-encrypted-classic.zip": ([zip_entry(b"bad/app", elf, flags=0x1)], "encrypted"),
        "zip-encrypted-strong.zip": ([zip_entry(b"bad/app", elf, flags=0x40)], "encrypted"),  # bit 6 alone
        "zip-symlink-out.zip": (
            [zip_entry(b"bad/link", b"../../../etc/passwd", mode=S_IFLNK | 0o777)],
            "link-outside",
        ),
        "zip-symlink-encrypted.zip": (
            [zip_entry(b"bad/link", b"\x8a\x13garbage", flags=0x1, mode=S_IFLNK | 0o777)],
            "encrypted",
        ),
        "zip-empty-name.zip": ([zip_entry(b"", elf)], "empty-name"),
        "zip-odd-names.zip": ([zip_entry(b"bad/\x1b[31mred\x07\nline", elf)], "odd-name"),
    }
    out: Dict[str, Dict[str, Any]] = {}
    for name, (bad, defect) in files.items():
        out[name] = {
            "bytes": zip_bytes([good_zip_entry(), *bad]),
            "defects": {entry["name"].decode("utf-8", "surrogateescape"): defect for entry in bad},
            "good": True,
        }
    # xz, not Python's lzma, judges the corrupt LZMA stream (unzip here has no LZMA support).
    raw_lzma = files["zip-corrupt-lzma.zip"][0][0]["data"][9:]
    out["zip-corrupt-lzma.zip"]["extra_check"] = (["xz", "--format=raw", "--lzma1=preset=6", "-t", "-"], raw_lzma)
    # A central directory cut short: the end record still points at it (archive-level; no member is reachable).
    whole = zip_bytes([good_zip_entry(), zip_entry(b"bad/app", elf)])
    eocd = whole.rfind(b"PK\x05\x06")
    out["zip-truncated-directory.zip"] = {
        "bytes": whole[: eocd - 30] + whole[eocd:],
        "defects": {"": "corrupt-directory"},
        "good": False,
    }
    out["magic-only.zip"] = {"bytes": b"PK\x03\x04", "defects": {"": "corrupt-directory"}, "good": False}
    out["magic-only-end.zip"] = {"bytes": b"PK\x05\x06\x00\x00", "defects": {"": "corrupt-directory"}, "good": False}
    return out


def tar_files() -> Dict[str, Dict[str, Any]]:
    out: Dict[str, Dict[str, Any]] = {}
    # Type "Z" is no type any tar knows: GNU tar extracts it as a regular file, so it is read (for its first bytes)
    # and ends early, as a regular member claiming 8 GiB does.
    huge = good_tar_member() + tar_header("bad/huge", 1 << 80, b"Z") + END
    huge_8g = good_tar_member() + tar_header("bad/huge", 8 << 30, b"Z") + END
    huge_regular = good_tar_member() + tar_header("bad/huge", 8 << 30) + END
    long_name = good_tar_member() + tar_header("././@LongLink", 4 << 30, tarfile.GNUTYPE_LONGNAME) + padded(b"x")
    pax = good_tar_member() + tar_header("bad/PaxHeader", 4 << 30, tarfile.XHDTYPE) + padded(b"30 path=x\n")
    links = (
        good_tar_member()
        + tar_header("bad/up", 0, tarfile.SYMTYPE, "../../../etc/passwd")
        + tar_header("bad/absolute", 0, tarfile.SYMTYPE, "/etc/shadow")
        + tar_header("good/inside", 0, tarfile.SYMTYPE, "app")
        + END
    )
    empty = good_tar_member() + odd_tar_header(b"", len(GOOD)) + padded(GOOD) + END
    odd = good_tar_member() + odd_tar_header(b"bad/\x1b[31mred\x07\nline", len(GOOD)) + padded(GOOD) + END
    header_only = tar_header("bad/app", 4096)

    # The unknown-type member is read as a regular file: it ends inside its data, so the LG901 is the member's.
    for codec, compress in (("gz", gzip_compress), ("xz", lzma.compress), ("bz2", bz2.compress)):
        out[f"huge-size.tar.{codec}"] = {"bytes": compress(huge), "defects": {"bad/huge": "truncated"}, "good": True}
    out["huge-size-8g.tar.gz"] = {"bytes": gzip_compress(huge_8g), "defects": {"bad/huge": "truncated"}, "good": True}
    out["huge-size-regular.tar.gz"] = {
        "bytes": gzip_compress(huge_regular),
        "defects": {"bad/huge": "truncated"},
        "good": True,
    }
    out["huge-size.tar"] = {"bytes": huge, "defects": {"bad/huge": "truncated"}, "good": True}
    out["huge-longname.tar"] = {"bytes": long_name, "defects": {"": "header-too-large"}, "good": True}
    out["huge-longname.tar.gz"] = {"bytes": gzip_compress(long_name), "defects": {"": "header-too-large"}, "good": True}
    out["huge-pax.tar.xz"] = {"bytes": lzma.compress(pax), "defects": {"": "header-too-large"}, "good": True}
    out["symlink-out.tar"] = {
        "bytes": links,
        "defects": {"bad/up": "link-outside", "bad/absolute": "link-outside"},
        "good": True,
    }
    out["empty-name.tar"] = {"bytes": empty, "defects": {"": "empty-name"}, "good": True}
    out["odd-names.tar.gz"] = {
        "bytes": gzip_compress(odd),
        "defects": {"bad/\x1b[31mred\x07\nline": "odd-name"},
        "good": True,
    }
    out["magic-only.tar"] = {"bytes": header_only, "defects": {"bad/app": "truncated"}, "good": False}
    out["truncated-header.tar"] = {"bytes": header_only[:300], "defects": {"": "truncated"}, "good": False}
    out["magic-only.tar.gz"] = {"bytes": gzip_compress(huge)[:10], "defects": {"": "truncated"}, "good": False}
    return out


def ar_files() -> Dict[str, Dict[str, Any]]:
    def ar_header(name: str, size: int) -> bytes:
        return f"{name:<16}{EPOCH:<12}{0:<6}{0:<6}{100644:<8}{size:<10}`\n".encode()

    debian = ar_header("debian-binary", 4) + b"2.0\n"
    return {
        "magic-only.ar": {"bytes": b"!<arch>\ngarbage", "defects": {"": "truncated"}, "good": False},
        "magic-only.deb": {
            "bytes": b"!<arch>\n" + debian + ar_header("control.tar.gz", 100)[:20],
            "defects": {"": "truncated"},
            "good": False,
        },
    }


# ------------------------------------------------------------------------------------------- truth


def verdict(cmd: List[str]) -> Dict[str, Any]:
    """An independent tool's opinion of a file: exit code and first lines of output (None when absent)."""
    if shutil.which(cmd[0]) is None:
        return {"command": " ".join(cmd[:-1]), "exit": None, "output": "not installed"}
    try:
        done = subprocess.run(
            cmd, capture_output=True, text=True, errors="replace", timeout=20, env={**os.environ, "LC_ALL": "C"}
        )
    except subprocess.TimeoutExpired:
        return {"command": " ".join(cmd[:-1]), "exit": "timeout after 20 s", "output": ""}
    lines = (done.stdout + done.stderr).replace(str(HERE) + "/", "").splitlines()
    return {"command": " ".join(cmd[:-1]), "exit": done.returncode, "output": lines[:6], "full": lines}


_ZIPINFO_FACTS = re.compile(
    r"^(There is no zipfile comment|Central directory entry|\s*(compression method"
    r"|minimum software version required to extract|file security status|Unix file attributes"
    r"|  offset of local header))"
)


def verdicts(name: str) -> List[Dict[str, Any]]:
    path = str(HERE / name)
    if name.endswith(".zip"):
        checks = [verdict(["unzip", "-tq", "-P", "wrong", path]), verdict(["unzip", "-Z", "-v", path])]
        for check in checks[1:]:  # keep zipinfo's per-member lines that state the method, version and encryption
            check["output"] = [line.strip() for line in check.pop("full", []) if _ZIPINFO_FACTS.search(line)]
        return checks
    if ".tar" in name:
        checks = [verdict(["tar", "-tvf", path])]
        for suffix, tool in ((".gz", "gzip"), (".xz", "xz"), (".bz2", "bzip2")):
            if name.endswith(suffix):
                checks.append(verdict([tool, "-t", path]))
        return checks
    return [verdict(["ar", "t", path]), verdict(["dpkg-deb", "-c", path])]


def checks(name: str, spec: Dict[str, Any]) -> List[Dict[str, Any]]:
    found = verdicts(name)
    if "extra_check" in spec:
        cmd, data = spec["extra_check"]
        done = subprocess.run(cmd, input=data, capture_output=True, timeout=20)
        text = (done.stdout + done.stderr).decode("utf-8", "replace").splitlines()
        command = " ".join(cmd) + " < the member's raw LZMA stream"
        found.append({"command": command, "exit": done.returncode, "output": text})
    return found


def main() -> None:
    corpus = {**zip_files(), **tar_files(), **ar_files()}
    records = []
    for name, spec in sorted(corpus.items()):
        (HERE / name).write_bytes(spec["bytes"])
    for name, spec in sorted(corpus.items()):
        records.append(
            {
                "file": name,
                "size": len(spec["bytes"]),
                "sha256": hashlib.sha256(spec["bytes"]).hexdigest(),
                "defects": spec["defects"],
                "good": GOOD_NAME if spec["good"] else None,
                "tools": [{k: v for k, v in check.items() if k != "full"} for check in checks(name, spec)],
            }
        )
    manifest = {
        "generated_by": "tests/data/archives/malformed/make_malformed.py",
        "good_member": {
            "name": GOOD_NAME,
            "source": "tests/data/elf/bin/zig-x86_64-linux-gnu.2.17-libm",
            "sha256": hashlib.sha256(GOOD).hexdigest(),
        },
        "defect_classes": {
            "corrupt-deflate": "deflate stream whose first block has the reserved type 11",
            "corrupt-lzma": "LZMA stream whose first range-coder byte is not 0",
            "unsupported-method": "compression method 6 (implode)",
            "unsupported-version": "version needed to extract 6.4 (zipfile reads up to 6.3)",
            "encrypted": "general-purpose flag bit 0 (classic) or bit 6 (strong encryption)",
            "link-outside": "link whose target is absolute or climbs out with .. (skipped, named, not a finding)",
            "empty-name": "member with an empty name",
            "odd-name": "member name with ESC, BEL and newline (checked like any member, name escaped)",
            "truncated": "data or header ends before the size its header claims (base-256 sizes up to 2**80)",
            "header-too-large": "GNU long-name or pax header claiming 4 GiB",
            "corrupt-directory": "zip central directory missing or cut short",
        },
        "archives": records,
    }
    (HERE / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=True) + "\n")


if __name__ == "__main__":
    main()
