"""Deflate and gzip decoding: zlib-ng (the `zlib-ng` package) when it is installed, else the standard library.

Inflating is most of the time spent on a `.tar.gz` and much of it on a jar's members. zlib-ng's Python bindings are a
drop-in for `zlib` and `gzip` (same wbits, `decompressobj` with `max_length`, `unconsumed_tail`, `unused_data` and
`eof`, the same exception types and messages) and about twice as fast; its gzip reader does the CRC and the
buffering in C, where the standard library's does them in Python. Both give the same bytes and the same errors; the
one message they word differently (a CRC mismatch: zlib-ng prints decimal, the standard library hex) is reworded
here to the standard library's, so a report never depends on which backend ran (tests/unit/test_inflate.py runs both).

The backend is chosen once at import; `use()` switches it (the tests run every path with each).
"""

from __future__ import annotations

import re
import zlib
from typing import IO, Any, Optional, Tuple, Type, cast

STDLIB = "stdlib"
ZLIB_NG = "zlib-ng"
_zlib: Any = zlib  # the module that provides decompressobj(): `zlib` or `zlib_ng.zlib_ng`
_gzip_file: Any = None  # the GzipFile class: gzip's or zlib-ng's gzip_ng
backend = STDLIB


def use(name: str) -> str:
    """Decode with backend `name` (STDLIB or ZLIB_NG) from now on; the backend in use before. ImportError when
    zlib-ng is asked for and not installed."""
    global _zlib, _gzip_file, backend
    before = backend
    if name == ZLIB_NG:
        from zlib_ng import gzip_ng, zlib_ng

        _zlib, _gzip_file = zlib_ng, gzip_ng.GzipNGFile
    elif name == STDLIB:
        import gzip

        _zlib, _gzip_file = zlib, gzip.GzipFile
    else:
        raise ValueError(f"unknown inflate backend {name!r}")
    backend = name
    return before


def available() -> Tuple[str, ...]:
    """The backends that can run here, the standard library first."""
    try:
        import zlib_ng  # noqa: F401  (only asked whether it imports)
    except ImportError:
        return (STDLIB,)
    return (STDLIB, ZLIB_NG)


def decompressobj(wbits: int) -> Any:
    """A decompressor as `zlib.decompressobj(wbits)` makes one (-15: raw deflate, as in a zip member)."""
    return _zlib.decompressobj(wbits)


def errors() -> Tuple[Type[BaseException], ...]:
    """The exception types a decompressor of the current backend raises on bad data."""
    return (zlib.error, _zlib.error)


def gzip_file(raw: IO[bytes]) -> IO[bytes]:
    """The decompressed bytes of the gzip stream (members one after another, zero padding allowed) read from `raw`.

    What `gzip.GzipFile(fileobj=raw)` reads and raises, but for the wording of one error (see `message`). zlib-ng's
    reader takes the compressed bytes in larger reads (512 KiB; the standard library's 8 or 128 KiB, by version).
    """
    return cast(IO[bytes], _gzip_file(fileobj=raw, mode="rb"))


_CRC = re.compile(r"CRC check failed (\d+) != (\d+)")


def message(exc: BaseException) -> Optional[str]:
    """The standard library's wording of a gzip error that zlib-ng words differently; None when they agree."""
    found = _CRC.fullmatch(str(exc))
    if found is None:
        return None
    return f"CRC check failed {hex(int(found.group(1)))} != {hex(int(found.group(2)))}"


def _initial() -> None:
    try:
        use(ZLIB_NG)
    except ImportError:
        use(STDLIB)


_initial()
