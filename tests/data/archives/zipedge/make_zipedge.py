#!/usr/bin/env python3
"""Write the zip files that `unzip` and Python's zipfile open although their first bytes are not a zip's, and the
zips those tools read differently from a naive reader, with their manifest.

    python tests/data/archives/zipedge/make_zipedge.py

Members are the committed ELF files of tests/data/archives/bin (their readelf truth is in ../manifest.json) and, as
the executable part of a self-extracting zip, tests/data/pe/bin/mingw-c.exe (its truth is in the PE manifest).
Base zips are written by Info-ZIP `zip` (`-A` adjusts the offsets of a self-extracting one, as its manual says);
only what `zip` cannot write (a member whose local header disagrees with the central directory, a symbolic-link
mode on data that is not a path, headers planted at the raw offsets) is written or patched here.

The manifest records, per file, sha256 and the verdict of the independent tools run on it: `unzip -l`, `zipinfo`
and `python -m zipfile -l` (exit code and output, as literal lines), and what `unzip -p` and zipfile's extraction
produce for the members that matter (sha256, named by the committed file it equals): those tools, not linkguard,
say what is inside.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import stat
import struct
import subprocess
import sys
import tempfile
import zipfile
import zlib
from pathlib import Path
from typing import Any, Dict, List, Optional

HERE = Path(__file__).resolve().parent
ARCHIVES = HERE.parent
BIN = ARCHIVES / "bin"
PE_STUB = ARCHIVES.parent / "pe" / "bin" / "mingw-c.exe"
EPOCH = 1704067200  # 2024-01-01 00:00:00 UTC
DATE = (2024, 1, 1, 0, 0, 0)
ENV = {**os.environ, "LC_ALL": "C", "TZ": "UTC"}
SHELL_STUB = b'#!/bin/sh\nexec java -jar "$0" "$@"\n'
WHEEL = b"Wheel-Version: 1.0\nGenerator: make_zipedge.py\nRoot-Is-Purelib: false\nTag: py3-none-manylinux_2_17_x86_64\n"
KNOWN = {
    "bin/spex-dynamic": BIN / "spex-dynamic",
    "bin/spex-static": BIN / "spex-static",
    "../pe/bin/mingw-c.exe": PE_STUB,
}


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def run(cmd: List[str], cwd: Optional[Path] = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(cmd, cwd=cwd, capture_output=True, env=ENV, check=False, timeout=60)


def info_zip(files: Dict[str, bytes], work: Path, name: str, *options: str) -> bytes:
    """A zip of `files` (name -> content, mode 755 for executables) written by Info-ZIP zip, in the given order."""
    root = work / f"{name}.d"
    shutil.rmtree(root, ignore_errors=True)
    for member, data in files.items():
        path = root / member
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        path.chmod(0o755 if data[:4] == b"\x7fELF" else 0o644)
        os.utime(path, (EPOCH, EPOCH))
    out = work / f"{name}.zip"
    out.unlink(missing_ok=True)
    result = run(["zip", "-q", "-X", "-D", *options, str(out), *files], cwd=root)
    assert result.returncode == 0, result.stderr
    return out.read_bytes()


def local_header(name: bytes, data: bytes) -> bytes:
    """A stored member's local header and data, as zip writes them (version 2.0, no flags, DOS date 2024-01-01)."""
    crc, size = zlib.crc32(data), len(data)
    return struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 0, 0, 0x5821, crc, size, size, len(name), 0) + name + data


def central_offsets(data: bytes) -> List[int]:
    """The local-header offsets the central directory records, as written (before any correction)."""
    offsets = []
    at = data.find(b"PK\x01\x02")
    while data[at : at + 4] == b"PK\x01\x02":
        offsets.append(struct.unpack_from("<L", data, at + 42)[0])
        name_len, extra_len, comment_len = struct.unpack_from("<HHH", data, at + 28)
        at += 46 + name_len + extra_len + comment_len
    return offsets


# ------------------------------------------------------------------------------------------- the files


def build(work: Path) -> Dict[str, Dict[str, Any]]:
    dynamic = (BIN / "spex-dynamic").read_bytes()
    static = (BIN / "spex-static").read_bytes()
    readme = b"spex 1.0\n"
    release = {"bin/app": dynamic, "README": readme}
    plain = info_zip(release, work, "release")
    files: Dict[str, Dict[str, Any]] = {}

    files["shell-prefixed.jar"] = {
        "data": SHELL_STUB + plain,
        "notes": "a shell script followed by a zip (cat, offsets not adjusted): unzip corrects the offsets",
        "prefix": {"bytes": len(SHELL_STUB), "is": "shell script"},
    }

    adjusted = work / "junk-prefixed.zip"
    junk = b"not a zip: some text before the archive\n" * 8
    adjusted.write_bytes(junk + plain)
    assert run(["zip", "-q", "-A", str(adjusted)]).returncode == 0
    files["junk-prefixed.zip"] = {
        "data": adjusted.read_bytes(),
        "notes": "text followed by a zip whose offsets `zip -A` adjusted to the whole file",
        "prefix": {"bytes": len(junk), "is": "text"},
    }

    sfx = work / "sfx-elf"
    sfx.write_bytes(static + plain)
    assert run(["zip", "-q", "-A", str(sfx)]).returncode == 0
    files["sfx-elf"] = {
        "data": sfx.read_bytes(),
        "notes": "self-extracting zip: a static ELF program followed by a zip (`zip -A` adjusted)",
        "prefix": {"bytes": len(static), "is": "bin/spex-static"},
    }

    stub = PE_STUB.read_bytes()
    files["sfx-pe.exe"] = {
        "data": stub + plain,
        "notes": "self-extracting zip: a PE program followed by a zip (cat, offsets not adjusted)",
        "prefix": {"bytes": len(stub), "is": "../pe/bin/mingw-c.exe"},
    }

    # Offsets relative to a prefix whose own bytes, at those raw offsets, are local headers of text members: a
    # reader that does not correct the offsets (as unzip and zipfile do) reads text where the program is.
    inner = info_zip({"README": readme, "bin/app": dynamic}, work, "inner", "-0")
    raw = central_offsets(inner)
    assert raw[0] == 0 and 0 < raw[1] < 200, raw
    prefix = bytearray(b"\n" * 256)
    first = local_header(b"README", b"decoy\n")
    second = local_header(b"bin/app", b"decoy text, not the program\n")
    assert len(first) <= raw[1] and raw[1] + len(second) <= len(prefix)
    prefix[0 : len(first)] = first
    prefix[raw[1] : raw[1] + len(second)] = second
    files["decoy-offsets.zip"] = {
        "data": bytes(prefix) + inner,
        "notes": "central directory offsets relative to the zip after a 256-byte prefix that holds decoy local "
        "headers at the raw offsets; unzip and zipfile correct the offsets and read the program",
        "prefix": {"bytes": len(prefix), "is": "decoy local headers of text"},
    }

    # The member's local header says deflate (as written), the central directory says stored (patched).
    mismatch = bytearray(info_zip(release, work, "mismatch"))
    central = mismatch.find(b"PK\x01\x02")
    assert mismatch[central + 46 : central + 46 + 7] == b"bin/app"
    assert struct.unpack_from("<H", mismatch, central + 10)[0] == zipfile.ZIP_DEFLATED
    struct.pack_into("<H", mismatch, central + 10, zipfile.ZIP_STORED)
    files["method-mismatch.zip"] = {
        "data": bytes(mismatch),
        "notes": "bin/app: local header method 8 (deflate), central directory method 0 (stored)",
    }

    # A member with the symbolic-link mode whose data is a program, in a wheel and in a plain zip.
    for name, wheel in (("symlink-member.whl", True), ("symlink-member.zip", False)):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            info = zipfile.ZipInfo("spex/bin/spex", DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, dynamic)
            if wheel:
                for member, data in (
                    ("spex-1.0.dist-info/WHEEL", WHEEL),
                    ("spex-1.0.dist-info/METADATA", b"Metadata-Version: 2.1\nName: spex\nVersion: 1.0\n"),
                    ("spex-1.0.dist-info/RECORD", b""),
                ):
                    archive.writestr(zipfile.ZipInfo(member, DATE), data)
        files[name] = {
            "data": buffer.getvalue(),
            "notes": "spex/bin/spex: mode lrwxrwxrwx (external attributes), data a dynamic ELF program"
            + ("; a wheel (spex-1.0.dist-info/WHEEL)" if wheel else ""),
        }
    return files


# ------------------------------------------------------------------------------------------- truth


def lines(result: subprocess.CompletedProcess[bytes], path: Path) -> Dict[str, Any]:
    text = (result.stdout + result.stderr).decode("utf-8", "replace").replace(str(path), path.name)
    return {"exit": result.returncode, "output": text.splitlines()}


def named(data: bytes) -> str:
    for name, path in KNOWN.items():
        if path.read_bytes() == data:
            return name
    return "other"


def extracted(path: Path, members: List[str], work: Path) -> Dict[str, Any]:
    """What `unzip -p` and zipfile's extraction (`python -m zipfile -e`, what pip uses) write for each member."""
    out: Dict[str, Any] = {"unzip -p": {}, "python -m zipfile -e": {}}
    for member in members:
        result = run(["unzip", "-p", str(path), member])
        data = result.stdout
        out["unzip -p"][member] = {"exit": result.returncode, "sha256": sha256(data), "is": named(data)}
    target = work / f"{path.name}.zipfile"
    shutil.rmtree(target, ignore_errors=True)
    result = run([sys.executable, "-m", "zipfile", "-e", str(path), str(target)])
    for member in members:
        file = target / member
        if file.is_symlink() or not file.is_file():
            out["python -m zipfile -e"][member] = {"exit": result.returncode, "written": False}
            continue
        data = file.read_bytes()
        out["python -m zipfile -e"][member] = {"exit": result.returncode, "sha256": sha256(data), "is": named(data)}
    return out


def unzip_writes(path: Path, member: str, work: Path) -> Dict[str, Any]:
    """What `unzip` (extracting, not piping) creates for `member`: a link and its target, or a regular file."""
    target = work / f"{path.name}.unzip"
    shutil.rmtree(target, ignore_errors=True)
    result = run(["unzip", "-q", str(path), "-d", str(target)])
    file = target / member
    if file.is_symlink():
        return {"exit": result.returncode, "creates": "symbolic link", "target": os.fsencode(os.readlink(file)).hex()}
    return {"exit": result.returncode, "creates": "regular file", "sha256": sha256(file.read_bytes())}


def main() -> int:
    records = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for name, spec in build(work).items():
            path = HERE / name
            data: bytes = spec["data"]
            path.write_bytes(data)
            listing = run([sys.executable, "-m", "zipfile", "-l", str(path)])
            members = [
                line.split()[0]
                for line in listing.stdout.decode().splitlines()[1:]
                if line.split() and not line.split()[0].endswith("/") and "dist-info" not in line
            ]
            record: Dict[str, Any] = {
                "file": name,
                "size": len(data),
                "sha256": sha256(data),
                "notes": spec["notes"],
                "prefix": spec.get("prefix"),
                "tools": [
                    {"command": "unzip -l", **lines(run(["unzip", "-l", str(path)]), path)},
                    {"command": "zipinfo", **lines(run(["zipinfo", str(path)]), path)},
                    {"command": "python -m zipfile -l", **lines(listing, path)},
                ],
                "extracted": extracted(path, members, work),
            }
            if name.startswith("symlink"):
                record["unzip_writes"] = {"spex/bin/spex": unzip_writes(path, "spex/bin/spex", work)}
            records.append(record)
    manifest = {
        "generated_by": "tests/data/archives/zipedge/make_zipedge.py",
        "tools": {
            "unzip": run(["unzip", "-v"]).stdout.decode().splitlines()[0],
            "zip": run(["zip", "-v"]).stdout.decode().splitlines()[1].strip(),
            "python": sys.version.split()[0],
        },
        "sources": {name: sha256(path.read_bytes()) for name, path in KNOWN.items()},
        "archives": records,
    }
    (HERE / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
