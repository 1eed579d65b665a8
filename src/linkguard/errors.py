"""The one way an exception becomes text in a finding or a message: one line, bounded, never a traceback."""

from __future__ import annotations

MAX_REASON = 200


def describe(exc: BaseException) -> str:
    """`str(exc)` on one line (or the class name when it says nothing), cut to about MAX_REASON characters."""
    text = " ".join(str(exc).split()) or exc.__class__.__name__
    return text if len(text) < MAX_REASON else text[: MAX_REASON - 3] + "..."


def describe_with_class(exc: BaseException) -> str:
    """`module.Class: message` (builtins and linkguard's own without a module), for errors that are bugs or whose
    class says what went wrong (`lzma.LZMAError: Corrupt input data`)."""
    cls = type(exc)
    plain = cls.__module__ in ("builtins", "__main__") or cls.__module__.startswith("linkguard.")
    name = cls.__qualname__ if plain else f"{cls.__module__.lstrip('_')}.{cls.__qualname__}"  # _lzma -> lzma
    text = " ".join(str(exc).split())
    if len(text) > MAX_REASON:
        text = text[: MAX_REASON - 3] + "..."
    return f"{name}: {text}" if text else name
