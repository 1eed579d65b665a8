"""Text that no CI system reads as a command, for every human-readable output.

File and archive-member names are attacker-controlled: a committed file named `::error title=x::y` printed at the
start of a line is a GitHub Actions workflow command (the runner trims leading white space before it looks for
`::`), and `##vso[task.setvariable ...]` anywhere in a line is an Azure Pipelines logging command (`##[` is its
formatting prefix). Terminal escapes and other control characters are shown as `\\xNN` by `printable`.
The result stays recognisable: only the characters that make a command are altered, each visibly.
"""

from __future__ import annotations

from linkguard.describe import printable

_AZURE_PREFIXES = ("##vso[", "##[")


def neutralize(text: str) -> str:
    """`text` (one or more lines) with control characters escaped and CI command prefixes broken."""
    lines = [_line(printable(line)) for line in text.split("\n")]
    return "\n".join(lines)


def _line(line: str) -> str:
    for prefix in _AZURE_PREFIXES:
        if prefix in line:
            line = line.replace(prefix, prefix[:-1] + "\\[")
    stripped = line.lstrip()
    if stripped.startswith("::"):
        indent = line[: len(line) - len(stripped)]
        line = f"{indent}\\:{stripped[1:]}"
    return line
