"""UPX "unfilters": undo the call/branch-target rewriting UPX applies to code before compressing it.

Filters turn relative branch targets into absolute ones so that repeated calls compress better. Each function
here restores the original bytes of one whole block in place (addvalue is 0 for ELF blocks).
"""

from __future__ import annotations

import re
import sys
from array import array
from typing import Callable, Dict, Optional

from linkguard.readers.unpack.errors import UnpackError

Ticker = Optional[Callable[[], None]]
_TICK_WORDS = 1 << 18  # call the ticker every 1 MiB of words


def _unfilter_ctok32(buf: bytearray, cto8: int, jcc: bool, tick: Ticker) -> None:
    """0x46 / 0x49: x86 CALL/JMP rel32 (and 0x0F 0x8x Jcc rel32 for 0x49), stored big-endian with a cto8 tag."""
    n = len(buf)
    limit = n - 5
    tag = re.escape(bytes((cto8,)))
    if jcc:
        pattern = re.compile(b"(?:[\\xe8\\xe9]|(?<=\\x0f)[\\x80-\\x8f])" + tag)
    else:
        pattern = re.compile(b"[\\xe8\\xe9]" + tag)
    cto = cto8 << 24
    last = -1
    pos = 0
    search = pattern.search
    checkpoint = 1 << 20
    while True:
        match = search(buf, pos)
        if match is None:
            break
        i = match.start()
        if i >= limit:
            break
        if i >= checkpoint and tick is not None:
            tick()
            checkpoint = i + (1 << 20)
        if i == last and buf[i] < 0xE8:
            # a Jcc whose 0x0F prefix is the last byte of the operand just restored: not an instruction
            pos = i + 1
            continue
        value = int.from_bytes(buf[i + 1 : i + 5], "big")
        buf[i + 1 : i + 5] = ((value - (i + 1) - cto) & 0xFFFFFFFF).to_bytes(4, "little")
        last = i + 5
        pos = i + 5


def _words(buf: bytearray, big_endian: bool) -> array[int]:
    words = array("I")
    if words.itemsize != 4:  # pragma: no cover - every mainstream platform has a 4-byte unsigned int
        words = array("L")
    words.frombytes(bytes(buf[: len(buf) & ~3]))
    if big_endian != (sys.byteorder == "big"):
        words.byteswap()
    return words


def _store(buf: bytearray, words: array[int], big_endian: bool) -> None:
    if big_endian != (sys.byteorder == "big"):
        words.byteswap()
    buf[: len(words) * 4] = words.tobytes()


def _unfilter_arm_bl(buf: bytearray, big_endian: bool, tick: Ticker) -> None:
    """0x50 (LE) / 0x51 (BE): ARM BL imm24, stored as absolute word index."""
    words = _words(buf, big_endian)
    for base in range(0, len(words), _TICK_WORDS):
        for k in range(base, min(base + _TICK_WORDS, len(words))):
            w = words[k]
            if (w >> 24) & 0x0F == 0x0B:
                words[k] = (w & 0xFF000000) | (((w & 0x00FFFFFF) - k) & 0x00FFFFFF)
        if tick is not None:
            tick()
    _store(buf, words, big_endian)


def _unfilter_arm64(buf: bytearray, tick: Ticker) -> None:
    """0x52: AArch64 B/BL imm26, stored as absolute word index."""
    words = _words(buf, False)
    for base in range(0, len(words), _TICK_WORDS):
        for k in range(base, min(base + _TICK_WORDS, len(words))):
            w = words[k]
            if (w >> 24) & 0x7C == 0x14:
                words[k] = (w & 0xFC000000) | (((w & 0x03FFFFFF) - k) & 0x03FFFFFF)
        if tick is not None:
            tick()
    _store(buf, words, False)


def _unfilter_ppc32(buf: bytearray, cto8: int, tick: Ticker) -> None:
    """0xD0: PowerPC 32-bit `b`/`bl` (opcode 18) whose 4 top displacement bits equal cto8; first 4 MiB only."""
    words = _words(buf, True)
    last = min(len(buf) - 4, 0x400000) // 4
    for k in range(min(len(words), last + 1)):
        if tick is not None and k % _TICK_WORDS == 0:
            tick()
        w = words[k]
        if (w >> 26) == 18 and (w >> 22) & 0xF == cto8:
            words[k] = (w & 0xFC000003) | (((w & 0x003FFFFC) - 4 * k) & 0x03FFFFFC)
    _store(buf, words, True)


_UNFILTERS: Dict[int, Callable[[bytearray, int, Ticker], None]] = {
    0x46: lambda buf, cto8, tick: _unfilter_ctok32(buf, cto8, False, tick),
    0x49: lambda buf, cto8, tick: _unfilter_ctok32(buf, cto8, True, tick),
    0x50: lambda buf, cto8, tick: _unfilter_arm_bl(buf, False, tick),
    0x51: lambda buf, cto8, tick: _unfilter_arm_bl(buf, True, tick),
    0x52: lambda buf, cto8, tick: _unfilter_arm64(buf, tick),
    0xD0: _unfilter_ppc32,
}

SUPPORTED_FILTERS = frozenset(_UNFILTERS)


def unfilter(data: bytes, filter_id: int, cto8: int, tick: Ticker = None) -> bytes:
    """Undo filter `filter_id` over a whole decompressed block; filter 0 means none. `tick` is called
    periodically (the caller's time-budget check)."""
    if filter_id == 0:
        return data
    handler = _UNFILTERS.get(filter_id)
    if handler is None:
        raise UnpackError(f"unsupported UPX filter 0x{filter_id:02x}")
    buf = bytearray(data)
    handler(buf, cto8, tick)
    return bytes(buf)
