"""NRV2B / NRV2D / NRV2E decompressors (the UCL algorithms UPX uses), in pure Python.

One function per algorithm; the bit-reader word size (4 = LE32, 2 = LE16, 1 = `_8`) is a parameter. Bits are
consumed MSB first from little-endian words that are refilled from the byte stream when empty; literal bytes and
offset low bytes are taken from the same stream at the current position. The bit reader is written out inline in
each hot loop because a function call per bit would halve the speed.
"""

from __future__ import annotations

from typing import Callable, Optional

from linkguard.readers.unpack.errors import UnpackError

# Called every CHECK_EVERY bytes of output so a hostile stream cannot run past the time budget.
CHECK_EVERY = 16 * 1024

Ticker = Optional[Callable[[], None]]


def _copy_match(out: bytearray, off: int, length: int) -> None:
    """Append `length` bytes copied from `off` bytes back; overlapping copies repeat the pattern."""
    start = len(out) - off
    if off >= length:
        out += out[start : start + length]
    elif off == 1:
        out += bytes((out[-1],)) * length
    else:
        pattern = out[start:]
        reps = length // off + 1
        out += (pattern * reps)[:length]


def _finish(out: bytearray, ip: int, src_len: int, sz_unc: int, name: str) -> bytes:
    if ip != src_len:
        raise UnpackError(f"{name}: stream ended after {ip} of {src_len} compressed bytes")
    if len(out) != sz_unc:
        raise UnpackError(f"{name}: produced {len(out)} bytes, expected {sz_unc}")
    return bytes(out)


def nrv2b(src: bytes, sz_unc: int, word: int = 4, tick: Ticker = None) -> bytes:
    """Decompress one NRV2B stream that must expand to exactly `sz_unc` bytes."""
    nbits = word * 8
    n = len(src)
    out = bytearray()
    ip = 0
    bb = 0
    bc = 0
    last_off = 1
    checkpoint = CHECK_EVERY
    from_bytes = int.from_bytes
    try:
        while True:
            # A run of literals is a run of 1 bits ended by a 0 bit: count the ones left in the word at once.
            while True:
                if bc == 0:
                    bb = from_bytes(src[ip : ip + word], "little")
                    ip += word
                    bc = nbits
                mask = (1 << bc) - 1
                zeros = (bb & mask) ^ mask
                if zeros == 0:
                    out += src[ip : ip + bc]
                    ip += bc
                    bc = 0
                    continue
                run = bc - zeros.bit_length()
                if run:
                    out += src[ip : ip + run]
                    ip += run
                bc -= run + 1
                break
            # offset: gamma code, one data bit then one continuation bit per step
            off = 1
            while True:
                if bc >= 2:
                    bc -= 2
                    pair = (bb >> bc) & 3
                    off = off * 2 + (pair >> 1)
                    if pair & 1:
                        break
                else:
                    if bc == 0:
                        bb = from_bytes(src[ip : ip + word], "little")
                        ip += word
                        bc = nbits
                    bc -= 1
                    off = off * 2 + ((bb >> bc) & 1)
                    if bc == 0:
                        bb = from_bytes(src[ip : ip + word], "little")
                        ip += word
                        bc = nbits
                    bc -= 1
                    if (bb >> bc) & 1:
                        break
                if off > 0x1000000:
                    raise UnpackError("nrv2b: offset code too long")
            if off == 2:
                off = last_off
            else:
                off = (((off - 3) << 8) + src[ip]) & 0xFFFFFFFF
                ip += 1
                if off == 0xFFFFFFFF:
                    break
                off += 1
                last_off = off
            # length: two bits, or a gamma code when both are 0
            if bc >= 2:
                bc -= 2
                length = (bb >> bc) & 3
            else:
                if bc == 0:
                    bb = from_bytes(src[ip : ip + word], "little")
                    ip += word
                    bc = nbits
                bc -= 1
                length = (bb >> bc) & 1
                if bc == 0:
                    bb = from_bytes(src[ip : ip + word], "little")
                    ip += word
                    bc = nbits
                bc -= 1
                length = length * 2 + ((bb >> bc) & 1)
            if length == 0:
                length, ip, bb, bc = _gamma(src, ip, bb, bc, word, nbits, sz_unc)
                length += 2
            length += 1 + (off > 0xD00)
            olen = len(out)
            if off > olen or olen + length > sz_unc:
                raise UnpackError(f"nrv2b: match ({off}, {length}) outside the output at {olen}")
            start = olen - off
            if off >= length:
                out += out[start : start + length]
            else:
                _copy_match(out, off, length)
            if olen >= checkpoint:
                checkpoint = olen + CHECK_EVERY
                if tick is not None:
                    tick()
    except IndexError:
        raise UnpackError(f"nrv2b: compressed stream ends early (after {len(out)} output bytes)") from None
    return _finish(out, ip, n, sz_unc, "nrv2b")


def nrv2d(src: bytes, sz_unc: int, word: int = 4, tick: Ticker = None) -> bytes:
    """Decompress one NRV2D stream that must expand to exactly `sz_unc` bytes."""
    return _nrv2de(src, sz_unc, word, tick, e_variant=False)


def nrv2e(src: bytes, sz_unc: int, word: int = 4, tick: Ticker = None) -> bytes:
    """Decompress one NRV2E stream that must expand to exactly `sz_unc` bytes."""
    return _nrv2de(src, sz_unc, word, tick, e_variant=True)


def _nrv2de(src: bytes, sz_unc: int, word: int, tick: Ticker, e_variant: bool) -> bytes:
    """NRV2D and NRV2E share the offset code; they differ only in how the match length is coded."""
    name = "nrv2e" if e_variant else "nrv2d"
    nbits = word * 8
    n = len(src)
    out = bytearray()
    ip = 0
    bb = 0
    bc = 0
    last_off = 1
    checkpoint = CHECK_EVERY
    from_bytes = int.from_bytes
    try:
        while True:
            while True:
                if bc == 0:
                    bb = from_bytes(src[ip : ip + word], "little")
                    ip += word
                    bc = nbits
                mask = (1 << bc) - 1
                zeros = (bb & mask) ^ mask
                if zeros == 0:
                    out += src[ip : ip + bc]
                    ip += bc
                    bc = 0
                    continue
                run = bc - zeros.bit_length()
                if run:
                    out += src[ip : ip + run]
                    ip += run
                bc -= run + 1
                break
            off = 1
            while True:
                if bc >= 2:
                    bc -= 2
                    pair = (bb >> bc) & 3
                    off = off * 2 + (pair >> 1)
                    if pair & 1:
                        break
                else:
                    if bc == 0:
                        bb = from_bytes(src[ip : ip + word], "little")
                        ip += word
                        bc = nbits
                    bc -= 1
                    off = off * 2 + ((bb >> bc) & 1)
                    if bc == 0:
                        bb = from_bytes(src[ip : ip + word], "little")
                        ip += word
                        bc = nbits
                    bc -= 1
                    if (bb >> bc) & 1:
                        break
                if bc == 0:
                    bb = from_bytes(src[ip : ip + word], "little")
                    ip += word
                    bc = nbits
                bc -= 1
                off = (off - 1) * 2 + ((bb >> bc) & 1)
                if off > 0x1000000:
                    raise UnpackError(f"{name}: offset code too long")
            if off == 2:
                off = last_off
                if bc == 0:
                    bb = from_bytes(src[ip : ip + word], "little")
                    ip += word
                    bc = nbits
                bc -= 1
                lenbit = (bb >> bc) & 1
            else:
                off = (((off - 3) << 8) + src[ip]) & 0xFFFFFFFF
                ip += 1
                if off == 0xFFFFFFFF:
                    break
                lenbit = (off & 1) ^ 1
                off = (off >> 1) + 1
                last_off = off
            if bc == 0:
                bb = from_bytes(src[ip : ip + word], "little")
                ip += word
                bc = nbits
            bc -= 1
            bit = (bb >> bc) & 1
            if e_variant:
                if lenbit:
                    length = 1 + bit
                elif bit:
                    if bc == 0:
                        bb = from_bytes(src[ip : ip + word], "little")
                        ip += word
                        bc = nbits
                    bc -= 1
                    length = 3 + ((bb >> bc) & 1)
                else:
                    length, ip, bb, bc = _gamma(src, ip, bb, bc, word, nbits, sz_unc)
                    length += 3
            else:
                length = lenbit * 2 + bit
                if length == 0:
                    length, ip, bb, bc = _gamma(src, ip, bb, bc, word, nbits, sz_unc)
                    length += 2
            length += 1 + (off > 0x500)
            olen = len(out)
            if off > olen or olen + length > sz_unc:
                raise UnpackError(f"{name}: match ({off}, {length}) outside the output at {olen}")
            start = olen - off
            if off >= length:
                out += out[start : start + length]
            else:
                _copy_match(out, off, length)
            if olen >= checkpoint:
                checkpoint = olen + CHECK_EVERY
                if tick is not None:
                    tick()
    except IndexError:
        raise UnpackError(f"{name}: compressed stream ends early (after {len(out)} output bytes)") from None
    return _finish(out, ip, n, sz_unc, name)


def _gamma(src: bytes, ip: int, bb: int, bc: int, word: int, nbits: int, limit: int) -> tuple[int, int, int, int]:
    """Read an Elias-gamma-like number (n = 1; n = 2n + bit until a 1 continuation bit); long matches only."""
    value = 1
    while True:
        if bc >= 2:
            bc -= 2
            pair = (bb >> bc) & 3
            value = value * 2 + (pair >> 1)
            if pair & 1:
                return value, ip, bb, bc
            if value > limit:
                raise UnpackError("match length too long")
            continue
        if bc == 0:
            bb = int.from_bytes(src[ip : ip + word], "little")
            ip += word
            bc = nbits
        bc -= 1
        value = value * 2 + ((bb >> bc) & 1)
        if bc == 0:
            bb = int.from_bytes(src[ip : ip + word], "little")
            ip += word
            bc = nbits
        bc -= 1
        if (bb >> bc) & 1:
            return value, ip, bb, bc
        if value > limit:
            raise UnpackError("match length too long")
