"""GitHub Actions: workflow-command annotations, the job summary and step outputs.

Annotations are formatted by actions-toolkit (the `linkguard[github]` extra) when it is installed, else by the
same escaping written here, so the pre-commit hook running inside a workflow gets identical output. The
human-readable log is wrapped in `::stop-commands::` so a file name such as `::error::x` printed at the start of
a line cannot issue a command. actions-toolkit has no job-summary API and its output-file helper raises on a
delimiter collision instead of choosing another: `output_file_text` here does both jobs; cli.py writes them.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from typing import Callable, Dict, List, Mapping, Optional, Tuple

from linkguard.model import ArtifactReport, Report, Severity
from linkguard.report import Rendered, RenderOptions
from linkguard.report.escape import neutralize, neutralize_property
from linkguard.report.locations import workspace_path
from linkguard.report.markdown import artifact_verdict, ranked, summary_markdown

# GitHub shows at most this many annotations of each level per step.
MAX_ANNOTATIONS_PER_LEVEL = 10
# The step-summary upload limit is 1 MiB; keep a margin for what other tools append in the same step.
SUMMARY_MAX_BYTES = 1024 * 1024 - 64 * 1024

_COMMAND_FOR = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "notice"}
_OUTPUT_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


# --------------------------------------------------------------------------------------------- escaping


def escape_data(text: str) -> str:
    """Workflow-command message escaping, as actions/toolkit's escapeData."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Workflow-command property escaping, as actions/toolkit's escapeProperty (also `:` and `,`)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _own_command(command: str, properties: Mapping[str, str], message: str) -> str:
    props = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items())
    return f"::{command}{' ' + props if props else ''}::{escape_data(message)}"


def _toolkit_command(command: str, properties: Mapping[str, str], message: str) -> str:
    from actions_toolkit.command import Command

    return str(Command(command, dict(properties), message))


def command_formatter() -> Callable[[str, Mapping[str, str], str], str]:
    """actions-toolkit's Command when the `github` extra is installed, else the identical local escaping."""
    try:
        import actions_toolkit.command  # noqa: F401
    except ImportError:
        return _own_command
    return _toolkit_command


# ------------------------------------------------------------------------------------------ annotations


def annotation_parts(artifact: ArtifactReport, fail_on: Optional[Severity]) -> Tuple[Severity, str, str]:
    """(level, title, message) for one artifact's findings, the message with its evidence and fix."""
    worst = artifact.worst or Severity.NOTE
    verdict = artifact_verdict(artifact, fail_on)
    rules = ", ".join(dict.fromkeys(f"{f.code} {f.rule}" for f in artifact.findings))
    title = f"linkguard {verdict}: {rules}"
    lines: List[str] = []
    member = artifact.path.split("!", 1)[1] if "!" in artifact.path else None
    if member is not None:
        lines.append(f"archive member {member}")
    for finding in artifact.findings:
        through = " (seen through packing)" if finding.through_packing else ""
        lines.append(f"{finding.code} {finding.rule}{through}: {finding.message}")
        lines.extend(f"  {e}" for e in finding.evidence)
        if finding.fix:
            lines.append(f"Fix: {finding.fix}")
    # The visible text: control characters escaped and no CI command prefix (escape_data guards the command).
    return worst, neutralize(title), neutralize("\n".join(lines))


def annotation_lines(report: Report, options: RenderOptions) -> List[str]:
    """At most MAX_ANNOTATIONS_PER_LEVEL per level, most important first; the last one counts the rest."""
    fmt = command_formatter()
    by_level: Dict[Severity, List[Tuple[ArtifactReport, str, str]]] = {s: [] for s in Severity}
    for artifact in ranked(report):
        level, title, message = annotation_parts(artifact, report.fail_on)
        by_level[level].append((artifact, title, message))
    where = "the job summary" if options.summary else "the log"
    lines: List[str] = []
    for level in (Severity.ERROR, Severity.WARNING, Severity.NOTE):
        entries = by_level[level]
        shown = entries[:MAX_ANNOTATIONS_PER_LEVEL]
        hidden = len(entries) - len(shown)
        for index, (artifact, title, message) in enumerate(shown):
            if hidden and index == len(shown) - 1:
                message += (
                    f"\n{hidden} more artifact{'s' if hidden != 1 else ''} with {level.value}s "
                    f"{'are' if hidden != 1 else 'is'} listed in {where}."
                )
            # The file name as the log shows it: one line, no control bytes, no CI command prefix (`%`, `:` and
            # `,` are escaped next by escape_property, which GitHub decodes).
            file = neutralize_property(workspace_path(artifact.location, options.workspace))
            properties = {"file": file, "title": title}
            lines.append(fmt(_COMMAND_FOR[level], properties, message))
    return lines


# ----------------------------------------------------------------------------------------- env files


def step_outputs(report: Report) -> Dict[str, str]:
    totals = report.totals
    return {
        "errors": str(totals.errors),
        "warnings": str(totals.warnings),
        "notes": str(totals.notes),
        "artifacts": str(totals.artifacts),
        "failed": "true" if totals.failed else "false",
    }


def output_file_text(outputs: Mapping[str, str], token: Callable[[], str] = secrets.token_hex) -> str:
    """`name<<DELIM ... DELIM` blocks for $GITHUB_OUTPUT; the delimiter is random and appears in no value."""
    blocks: List[str] = []
    for name, value in outputs.items():
        if not _OUTPUT_NAME.match(name):
            raise ValueError(f"invalid step output name {name!r}")
        delimiter = f"LINKGUARD_{token()}"
        while delimiter in value:
            delimiter = f"LINKGUARD_{token()}"
        blocks.append(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")
    return "".join(blocks)


def stop_commands(text: str, token: Optional[str] = None) -> str:
    """`text` with workflow commands disabled. By default the token is derived from the text itself, so it cannot
    occur in it; output written as it is produced passes a fresh `secrets.token_hex(32)` instead, which no file
    name can predict."""
    if token is None:
        token = hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()
    return f"{stop_line(token)}{text}{resume_line(token)}"


def stop_line(token: str) -> str:
    """The workflow command that stops command processing until `resume_line(token)`."""
    return f"::stop-commands::{token}\n"


def resume_line(token: str) -> str:
    return f"::{token}::\n"


class GithubReporter:
    name = "github"
    description = "GitHub Actions: annotations, job summary ($GITHUB_STEP_SUMMARY) and step outputs"

    def render(self, report: Report, options: RenderOptions) -> Rendered:
        from linkguard.report.text import REPORTER as TEXT

        log = TEXT.render(report, RenderOptions(color=False, verbose=options.verbose)).text
        parts = [stop_commands(log)]
        if options.annotations:
            parts.extend(line + "\n" for line in annotation_lines(report, options))
        summary = summary_markdown(report, max_bytes=SUMMARY_MAX_BYTES) if options.summary else None
        return Rendered(text="".join(parts), step_summary=summary, step_outputs=step_outputs(report))


REPORTER = GithubReporter()
