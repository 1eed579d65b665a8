"""Text that no CI system reads as a command, for every human-readable output.

File and archive-member names are attacker-controlled: a committed file named `::error title=x::y` printed at the
start of a line is a GitHub Actions workflow command (the runner trims leading white space, then looks for `::`:
actions/runner ActionCommand.TryParseV2); `##[` anywhere in a line is the runner's older command form
(ActionCommand.TryParse, `IndexOf("##[")`) and Azure Pipelines' formatting prefix; `##vso[` anywhere in a line is an
Azure Pipelines logging command (the agent's `IndexOf("##vso[", Ordinal)`); TeamCity reads `##teamcity[`.
Terminal escapes and other control characters are shown as `\\xNN` by `printable`, which also leaves ASCII space
as the only white space, so `lstrip` here trims what the runner's `TrimStart` would.
The result stays recognisable: only the characters that make a command are altered, each with a backslash, which
markdown also renders as the original character (so the same text is safe in the job summary).
"""

from __future__ import annotations

import re

from linkguard.describe import printable

# `##` then an optional word then `[`: ##[, ##vso[, ##teamcity[, in any case (the agent's own scrubber ignores case).
_HASH_COMMAND = re.compile(r"(##[A-Za-z]*)\[")


def neutralize(text: str) -> str:
    """`text` (one or more lines) with control characters escaped and CI command prefixes broken."""
    return "\n".join(neutralize_line(printable(line)) for line in text.split("\n"))


def neutralize_property(text: str) -> str:
    """`text` as one line (line breaks and every control character escaped, as `printable` shows them) with CI
    command prefixes broken: for a value that sits inside a command or a key of a structured output (a workflow
    command's `file=` property, an XML attribute), where a line break would mean something else."""
    return neutralize_line(printable(text))


def neutralize_line(line: str) -> str:
    """One line already passed through `printable`, with CI command prefixes broken."""
    line = _HASH_COMMAND.sub(r"\1\\[", line)
    stripped = line.lstrip()
    if stripped.startswith("::"):
        indent = line[: len(line) - len(stripped)]
        line = f"{indent}\\:{stripped[1:]}"
    return line


# In machine-readable JSON printed to a log, names cannot be altered visibly: instead the bracket that completes
# an Azure Pipelines prefix (`##vso[` in any case, and the `##[` formatting prefix) is written as the JSON escape
# \u005b, which decodes to the same value.
_JSON_CI_PREFIX = re.compile(r"(##(?:vso)?)\[", re.IGNORECASE)


def neutralize_json(text: str) -> str:
    """JSON text with no Azure Pipelines command prefix in it; `json.loads` gives the same value back.

    The values themselves must already be `printable` (no undecodable bytes, no C1 controls such as U+009B, which
    `json.dumps(ensure_ascii=False)` leaves raw): the reporters apply it to every name they put in."""
    return _JSON_CI_PREFIX.sub(r"\1\\u005b", text) if "##" in text else text
