"""docs/rules.md and the README rule table, rendered from the registry (`python -m linkguard.rules.docs`)."""

from __future__ import annotations

import sys
from typing import List

from linkguard.rules import specs


def rule_table() -> str:
    lines = ["| code | rule | default | what it catches |", "|---|---|---|---|"]
    for spec in specs():
        lines.append(f"| {spec.code} | `{spec.name}` | {spec.default_severity.value} | {spec.summary} |")
    return "\n".join(lines) + "\n"


def rules_markdown() -> str:
    parts: List[str] = [
        "# linkguard rules\n\n",
        "Generated from the rule registry by `python -m linkguard.rules.docs`; do not edit by hand.\n\n",
        rule_table(),
    ]
    for spec in specs():
        parts.append(f"\n## {spec.code} {spec.name}\n\n")
        parts.append(f"Default severity: **{spec.default_severity.value}**. {spec.summary}\n")
        parts.append(f"\n{spec.description}\n")
        parts.append(f"\n**How to fix.** {spec.help_markdown}\n")
    return "".join(parts)


if __name__ == "__main__":
    sys.stdout.write(rules_markdown())
