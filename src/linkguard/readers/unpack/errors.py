"""The one exception the unpackers raise for a stream they cannot decode."""

from __future__ import annotations


class UnpackError(ValueError):
    """A compressed block is malformed, truncated, or uses a method or filter we do not implement."""
