"""magic.classify: the one-byte shortcut a file on disk goes through must answer as sniff() and sniff_archive() do."""

from __future__ import annotations

import io
import random
import tarfile
import zipfile

from linkguard.magic import classify, is_tar, sniff, sniff_archive


def _tar(format: int) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=format) as archive:
        info = tarfile.TarInfo("member")
        info.size = 1
        archive.addfile(info, io.BytesIO(b"x"))
    return out.getvalue()[:512]


def _zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("a", "b")
    return out.getvalue()[:512]


def _samples() -> list[bytes]:
    pe = bytearray(512)
    pe[:2] = b"MZ"
    pe[0x3C:0x40] = (0x80).to_bytes(4, "little")
    pe[0x80:0x84] = b"PE\0\0"
    fat = (0xCAFEBABE).to_bytes(4, "big") + (2).to_bytes(4, "big") + (7).to_bytes(4, "big") + bytes(500)
    v7 = bytearray(_tar(tarfile.GNU_FORMAT))
    v7[257:265] = bytes(8)  # no magic: a v7 header, accepted by its checksum
    v7[148:156] = b"%06o\0 " % (sum(v7[:148]) + 256 + sum(v7[156:512]))
    return [
        b"",
        b"\x7fELF\x02\x01\x01" + bytes(505),
        bytes(pe),
        b"MZ" + bytes(62),
        (0xFEEDFACF).to_bytes(4, "little") + bytes(508),
        (0xFEEDFACE).to_bytes(4, "big") + bytes(508),
        fat,
        (0xCAFEBABE).to_bytes(4, "big") + (0x0000003D).to_bytes(4, "big"),  # a Java class file
        b"\x1f\x8b\x08" + bytes(20),
        b"\xfd7zXZ\x00" + bytes(20),
        b"\x28\xb5\x2f\xfd" + bytes(20),
        (0x184D2A55).to_bytes(4, "little") + bytes(20),
        b"BZh9" + b"\x31\x41\x59\x26\x53\x59" + bytes(20),
        b"LZIP\x01" + bytes(20),
        b"\x89LZO\x00\r\n\x1a\n" + bytes(20),
        b"\x1f\x9d\x90" + bytes(20),
        _zip(),
        b"PK\x05\x06" + bytes(18),
        b"!<arch>\n" + bytes(60),
        _tar(tarfile.USTAR_FORMAT),
        bytes(v7),
        bytes(v7[:148]) + b"0000008\0" + bytes(v7[156:]),  # not octal: not a tar header (nor a crash)
        b"#!/bin/sh\necho hi\n",
        b"plain text " * 60,
    ]


def test_classify_answers_as_sniff_and_sniff_archive() -> None:
    samples = _samples()
    assert is_tar(samples[-5]) and is_tar(samples[-4]) and not is_tar(samples[-3])  # ustar, v7, not octal
    rng = random.Random(19)
    samples += [bytes(rng.randrange(256) for _ in range(rng.choice((1, 8, 300, 512)))) for _ in range(200)]
    named = set()
    for sample in samples:
        for first in range(256):  # every first byte, on every kind of rest
            head = bytes([first]) + sample[1:] if sample else b""
            executable = sniff(head)
            expected = (executable, None if executable is not None else sniff_archive(head))
            assert classify(head) == expected, (head[:16], first)
            named.add(expected)
    assert {e for e, _ in named} == {None, "elf", "pe", "macho"}
    assert {a for _, a in named} >= {
        None,
        "gzip",
        "xz",
        "zstd",
        "bzip2",
        "lzip",
        "lzop",
        "compress",
        "zip",
        "ar",
        "tar",
    }
