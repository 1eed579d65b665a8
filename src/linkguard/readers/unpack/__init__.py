"""Pure-Python decoders for UPX compressed blocks: NRV2B/2D/2E (LE32, LE16, 8-bit), LZMA, and the unfilters."""

from __future__ import annotations

from typing import Callable, Dict, Optional, Tuple

from linkguard.readers.unpack.errors import UnpackError
from linkguard.readers.unpack.filters import SUPPORTED_FILTERS, unfilter
from linkguard.readers.unpack.lzma1 import lzma_block
from linkguard.readers.unpack.nrv import nrv2b, nrv2d, nrv2e

__all__ = [
    "METHODS",
    "SUPPORTED_FILTERS",
    "UnpackError",
    "decode_block",
    "decompress",
    "method_family",
    "unfilter",
]

# UPX method byte -> (algorithm family, bit-reader word size); word 0 for LZMA.
METHODS: Dict[int, Tuple[str, int]] = {
    2: ("NRV2B", 4),
    3: ("NRV2B", 1),
    4: ("NRV2B", 2),
    5: ("NRV2D", 4),
    6: ("NRV2D", 1),
    7: ("NRV2D", 2),
    8: ("NRV2E", 4),
    9: ("NRV2E", 1),
    10: ("NRV2E", 2),
    14: ("LZMA", 0),
}

_NRV: Dict[str, Callable[[bytes, int, int, Optional[Callable[[], None]]], bytes]] = {
    "NRV2B": nrv2b,
    "NRV2D": nrv2d,
    "NRV2E": nrv2e,
}


def method_family(method: int) -> Optional[str]:
    """ "NRV2B" | "NRV2D" | "NRV2E" | "LZMA" for a UPX method byte, None when unknown."""
    entry = METHODS.get(method)
    return entry[0] if entry else None


def decompress(src: bytes, method: int, sz_unc: int, tick: Optional[Callable[[], None]] = None) -> bytes:
    """Decompress one block with UPX method `method`; the output must be exactly `sz_unc` bytes."""
    entry = METHODS.get(method)
    if entry is None:
        raise UnpackError(f"unsupported UPX compression method {method}")
    family, word = entry
    if family == "LZMA":
        return lzma_block(src, sz_unc, tick)
    return _NRV[family](src, sz_unc, word, tick)


def decode_block(
    src: bytes, sz_unc: int, method: int, filter_id: int, cto8: int, tick: Optional[Callable[[], None]] = None
) -> bytes:
    """Turn one b_info block back into original bytes: stored blocks as-is, else decompress then unfilter."""
    if len(src) == sz_unc:
        return bytes(src)
    return unfilter(decompress(src, method, sz_unc, tick), filter_id, cto8, tick)
