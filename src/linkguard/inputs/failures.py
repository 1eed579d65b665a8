"""Any exception raised while reading one archive member or container, as an `Unreadable` result.

The walker catches every exception at the member and container boundaries (not a list of types that grows with
each hostile file) and asks `unreadable()` what it means. Exceptions that hostile input makes the standard
library's readers raise map to kinds that describe the input ("corrupt", "truncated", "unsupported", ...);
anything else is a bug in linkguard and becomes kind "internal", with its class and message and a request to
report it, so that bugs stay countable in the JSON report.
"""

from __future__ import annotations

import struct
import tarfile
import zipfile
import zlib

from linkguard.errors import describe_with_class as describe
from linkguard.model import Unreadable

INTERNAL = "internal"
_REPORT = "this is a bug in linkguard: please report it with the file"


class OversizedHeader(tarfile.TarError):
    """A tar long-name or pax header claims more bytes than any real one needs; it is not read into memory."""


class TruncatedTar(tarfile.TarError):
    """A tar header or member ends before the bytes it announces."""


def unreadable(exc: Exception, what: str) -> Unreadable:
    """The result for `exc`, raised while reading `what` ("zip member", "tar archive", ...)."""
    import lzma

    from linkguard.inputs.inflate import errors as inflate_errors

    inflating = inflate_errors()
    if isinstance(exc, inflating) and not isinstance(exc, zlib.error):
        exc = zlib.error(*exc.args)  # zlib-ng's error, told as zlib's: a report never depends on the backend
    text = describe(exc)
    if isinstance(exc, MemoryError):
        return Unreadable(f"{what}: ran out of memory while reading it (hostile sizes?): {text}", "budget")
    if isinstance(exc, OversizedHeader):
        return Unreadable(f"{what}: {exc}", "too-large")
    if isinstance(exc, (EOFError, TruncatedTar)) or (
        isinstance(exc, tarfile.ReadError) and "unexpected end of data" in str(exc)
    ):
        return Unreadable(f"truncated {what}: {text}", "truncated")
    if isinstance(exc, NotImplementedError):  # zipfile: compression method, zip version, strong encryption
        return Unreadable(f"{what} uses a feature that cannot be read: {text}", "unsupported")
    if isinstance(exc, RuntimeError) and "encrypted" in str(exc):  # zipfile: "password required"
        return Unreadable(f"encrypted {what}: its content cannot be checked ({text})", "encrypted")
    if isinstance(exc, PermissionError):
        return Unreadable(f"{what}: permission denied", "permission")
    if isinstance(exc, OSError) and exc.errno is not None:
        return Unreadable(f"{what}: cannot read: {exc.strerror or text}", "io")
    corrupt = (
        tarfile.TarError,
        zipfile.BadZipFile,
        zlib.error,
        lzma.LZMAError,
        OSError,  # bz2 and gzip report bad data as an OSError without errno
        struct.error,
        ValueError,
        OverflowError,
        UnicodeError,
        RecursionError,
    )
    if isinstance(exc, corrupt) or type(exc).__module__.startswith("zstandard"):
        return Unreadable(f"corrupt {what}: {text}", "corrupt")
    return Unreadable(f"internal error while reading this {what}: {text} ({_REPORT})", INTERNAL)
