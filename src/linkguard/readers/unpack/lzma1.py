"""UPX's LZMA blocks (method 14), decoded with the standard library's LZMA1 ("alone") decoder.

A UPX LZMA block is two header bytes, b0 = ((lc + lp) << 3) | pb and b1 = (lp << 4) | lc, followed by raw LZMA1
data without the usual 13-byte header; we rebuild that header so `lzma.LZMADecompressor` can read it.
"""

from __future__ import annotations

import struct

from linkguard.readers.unpack.errors import UnpackError

_CHUNK = 256 * 1024


def lzma_block(src: bytes, sz_unc: int, tick: object = None) -> bytes:
    """Decompress one UPX LZMA block to exactly `sz_unc` bytes; every input byte must be used."""
    try:
        import lzma
    except ImportError:  # Python built without liblzma
        raise UnpackError("lzma: this Python has no lzma module") from None
    if len(src) < 3:
        raise UnpackError("lzma: block shorter than its header")
    b0, b1 = src[0], src[1]
    pb, lc, lp = b0 & 7, b1 & 15, b1 >> 4
    if (b0 >> 3) != lc + lp or lc > 8 or lp > 4 or pb > 4:
        raise UnpackError(f"lzma: bad block header {b0:02x} {b1:02x}")
    dict_size = 1 << 16
    while dict_size < sz_unc:
        dict_size <<= 1
    header = struct.pack("<BIQ", (pb * 5 + lp) * 9 + lc, dict_size, sz_unc)
    decoder = lzma.LZMADecompressor(format=lzma.FORMAT_ALONE)
    parts = []
    produced = 0
    pending = header + src[2:]
    try:
        while produced < sz_unc:
            chunk = decoder.decompress(pending, max_length=min(_CHUNK, sz_unc - produced))
            pending = b""
            if not chunk:
                break
            parts.append(chunk)
            produced += len(chunk)
            if callable(tick):
                tick()
    except lzma.LZMAError as exc:
        raise UnpackError(f"lzma: {exc}") from None
    out = b"".join(parts)
    if len(out) != sz_unc:
        raise UnpackError(f"lzma: produced {len(out)} bytes, expected {sz_unc}")
    if decoder.unused_data:
        raise UnpackError(f"lzma: {len(decoder.unused_data)} compressed bytes left over")
    return out
