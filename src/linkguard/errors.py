"""The one way an exception becomes text in a finding: short, one line, never a traceback."""

from __future__ import annotations

MAX_REASON = 200


def describe(exc: BaseException) -> str:
    """`str(exc)` (or the class name when it says nothing), cut to MAX_REASON characters."""
    text = " ".join(str(exc).split()) or exc.__class__.__name__
    return text if len(text) < MAX_REASON else text[: MAX_REASON - 3] + "..."


def describe_bug(exc: BaseException) -> str:
    """An exception that is linkguard's own bug: its class and message, for an `internal` finding."""
    return f"{exc.__class__.__name__}: {describe(exc)}"
