"""Markdown summary: a verdict heading, one table row per finding, details per artifact, totals.

The same text is the GitHub job summary (report/github.py), which GitHub caps at 1 MiB per step: given a byte
budget, the summary degrades to counts plus the most important rows and says so.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Tuple

from linkguard.describe import linkage_line, packing_line, printable
from linkguard.model import ArtifactReport, Finding, Report, Severity
from linkguard.report import Rendered, RenderOptions

# Text that only the markdown writer adds (headings, notes) plus the widest row must fit beside the rows kept.
_RESERVED_BYTES = 16 * 1024
_MAX_EVIDENCE_IN_CELL = 3
_MAX_CELL_CHARS = 600

_VERDICT_MARK = {"fail": "❌ fail", "error": "🟥 error", "warning": "⚠️ warning", "note": "💬 note", "pass": "✅ pass"}


# ------------------------------------------------------------------------------------- shared helpers


def artifact_verdict(artifact: ArtifactReport, fail_on: Optional[Severity]) -> str:
    """`fail` when a finding reaches the fail level, else the worst severity, else `pass`."""
    worst = artifact.worst
    if worst is None:
        return "pass"
    if fail_on is not None and worst.rank >= fail_on.rank:
        return "fail"
    return worst.value


def importance(artifact: ArtifactReport, fail_on: Optional[Severity]) -> Tuple[int, int, float, str]:
    """Sort key, most important first: failing, then worst severity, then the rules' security severity."""
    worst = artifact.worst
    failing = artifact_verdict(artifact, fail_on) == "fail"
    return (
        0 if failing else 1,
        -(worst.rank if worst is not None else -1),
        -max((_security_severity(f.code) for f in artifact.findings), default=0.0),
        artifact.path,
    )


def ranked(report: Report) -> List[ArtifactReport]:
    """Artifacts with findings, most important first."""
    return sorted((a for a in report.artifacts if a.findings), key=lambda a: importance(a, report.fail_on))


def _security_severity(code: str) -> float:
    from linkguard.rules import specs

    for spec in specs():
        if spec.code == code:
            return float(spec.security_severity)
    return 0.0


def escape_markdown(text: str) -> str:
    """Inline markdown for untrusted text: markup characters backslash-escaped, HTML metacharacters as entities,
    line breaks as <br>. Safe inside table cells, list items and paragraphs."""
    out: List[str] = []
    for ch in printable_lines(text):
        if ch == "\n":
            out.append("<br>")
        elif ch in _HTML_ENTITIES:
            out.append(_HTML_ENTITIES[ch])
        elif ch in _MARKDOWN_PUNCTUATION:
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


def escape_html(text: str) -> str:
    """Text inside a raw HTML block (e.g. <summary>), where markdown escapes would show literally."""
    return "".join(_HTML_ENTITIES.get(ch, ch) for ch in printable(text))


def printable_lines(text: str) -> str:
    """`printable()` per line, keeping the line breaks so they can become <br>."""
    return "\n".join(printable(line) for line in text.splitlines() or [""])


_HTML_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}
# CommonMark lets any ASCII punctuation be backslash-escaped; these start inline markup mid-line (GitHub adds
# `~` strikethrough, `$` maths, and `|` cell splits that apply even inside code spans). Line-start markup
# (`#`, `-`, `1.`) cannot occur: escaped text never starts a line of ours.
_MARKDOWN_PUNCTUATION = frozenset("\\`*_[]|~$")


def _plural(count: int, word: str) -> str:
    if word.endswith("y") and count != 1:
        return f"{count} {word[:-1]}ies"
    return f"{count} {word}{'' if count == 1 else 's'}"


def _truncate(text: str, limit: int = _MAX_CELL_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ------------------------------------------------------------------------------------------- renderer


def summary_markdown(report: Report, max_bytes: Optional[int] = None) -> str:
    """The whole summary; with `max_bytes`, at most that many UTF-8 bytes (rows and details cut, and said so)."""
    parts: List[str] = [_heading(report), ""]
    rows = [_row(a, f, report.fail_on) for a in ranked(report) for f in a.findings]
    budget = None if max_bytes is None else max_bytes - _RESERVED_BYTES
    details = _details(report)
    clean = _clean_list(report)
    body_size = sum(_size(r) for r in rows) + _size(details) + _size(clean)
    if budget is None or body_size <= budget:
        if rows:
            parts.extend(_TABLE_HEAD)
            parts.extend(rows)
            parts.append("")
        parts.extend(x for x in (details, clean) if x)
    else:
        parts.extend(_counts_by_rule(report))
        kept: List[str] = []
        used = sum(_size(line) for line in parts)
        for row in rows:
            used += _size(row)
            if used > budget:
                break
            kept.append(row)
        parts.append(
            f"> **Shortened:** the full summary would exceed GitHub's 1 MiB step-summary limit, so this shows the "
            f"first {len(kept)} of {len(rows)} findings (most important first) and no per-artifact details. "
            "The complete list is in the log and in the JSON report."
        )
        parts.append("")
        if kept:
            parts.extend(_TABLE_HEAD)
            parts.extend(kept)
            parts.append("")
    parts.append(_totals_line(report))
    return "\n".join(parts) + "\n"


def _size(text: str) -> int:
    return len(text.encode("utf-8")) + 1


def _heading(report: Report) -> str:
    totals = report.totals
    if totals.failed:
        head = f"## ❌ linkguard: failed ({_plural(totals.errors, 'error')}, {_plural(totals.warnings, 'warning')})"
    elif totals.errors or totals.warnings or totals.notes:
        head = f"## ⚠️ linkguard: passed with findings ({_plural(totals.errors + totals.warnings, 'finding')})"
    else:
        head = f"## ✅ linkguard: passed ({_plural(totals.artifacts, 'artifact')} checked, no findings)"
    return head


_TABLE_HEAD = ("| Artifact | Verdict | Rule | Evidence | Fix |", "| --- | --- | --- | --- | --- |")


def _row(artifact: ArtifactReport, finding: Finding, fail_on: Optional[Severity]) -> str:
    evidence = [finding.message, *finding.evidence[:_MAX_EVIDENCE_IN_CELL]]
    hidden = len(finding.evidence) - _MAX_EVIDENCE_IN_CELL
    if hidden > 0:
        evidence.append(f"+{hidden} more")
    verdict = _finding_verdict(finding, fail_on)
    cells = (
        escape_markdown(_truncate(artifact.path)),
        _VERDICT_MARK[verdict],
        f"{finding.code} {escape_markdown(finding.rule)}",
        escape_markdown(_truncate("\n".join(evidence))),
        escape_markdown(_truncate(finding.fix)) if finding.fix else "—",
    )
    return "| " + " | ".join(cells) + " |"


def _finding_verdict(finding: Finding, fail_on: Optional[Severity]) -> str:
    if fail_on is not None and finding.severity.rank >= fail_on.rank:
        return "fail"
    return finding.severity.value


def _details(report: Report) -> str:
    blocks: List[str] = []
    for artifact in ranked(report):
        blocks.append(f"<details><summary>{escape_html(artifact.path)}: {escape_html(_describe(artifact))}</summary>\n")
        for finding in artifact.findings:
            through = " (seen through packing)" if finding.through_packing else ""
            blocks.append(
                f"- **{finding.severity.value} {finding.code} {escape_markdown(finding.rule)}**{through}: "
                f"{escape_markdown(finding.message)}"
            )
            blocks.extend(f"  - {escape_markdown(line)}" for line in finding.evidence)
            if finding.cause:
                blocks.append(f"  - cause: {escape_markdown(finding.cause)}")
            if finding.fix:
                blocks.append(f"  - fix: {escape_markdown(finding.fix)}")
        if artifact.allowance:
            blocks.append(f"- allowance: {escape_markdown(artifact.allowance)}")
        blocks.append("\n</details>\n")
    return "\n".join(blocks)


def _describe(artifact: ArtifactReport) -> str:
    facts = artifact.facts
    if facts is None:
        reason = artifact.problem.reason if artifact.problem is not None else "unreadable"
        return f"unreadable ({reason})"
    if facts.packing is not None:
        text = f"packed: {packing_line(facts.packing)}"
        if facts.packing.original is not None:
            text += f"; original: {linkage_line(facts.packing.original)}"
        return text
    return linkage_line(facts)


def _clean_list(report: Report) -> str:
    clean = [a for a in report.artifacts if not a.findings]
    if not clean:
        return ""
    lines = [f"<details><summary>{_plural(len(clean), 'artifact')} passed</summary>\n"]
    lines.extend(f"- {escape_markdown(a.path)}: {escape_markdown(_describe(a))}" for a in clean)
    lines.append("\n</details>\n")
    return "\n".join(lines)


def _counts_by_rule(report: Report) -> List[str]:
    counts: Dict[Tuple[str, str, str], int] = {}
    for artifact in report.artifacts:
        for finding in artifact.findings:
            key = (finding.code, finding.rule, finding.severity.value)
            counts[key] = counts.get(key, 0) + 1
    lines = ["| Rule | Severity | Findings |", "| --- | --- | --- |"]
    lines.extend(f"| {code} {escape_markdown(rule)} | {level} | {n} |" for (code, rule, level), n in counts.items())
    lines.append("")
    return lines


def _totals_line(report: Report) -> str:
    totals = report.totals
    fail_on = report.fail_on.value if report.fail_on is not None else "never"
    return (
        f"**Totals:** {_plural(totals.artifacts, 'artifact')} checked, {totals.skipped} skipped; "
        f"{_plural(totals.errors, 'error')}, {_plural(totals.warnings, 'warning')}, {_plural(totals.notes, 'note')}. "
        f"Fails on: {fail_on}. linkguard {escape_markdown(report.tool_version)}"
    ).rstrip()


class MarkdownReporter:
    name = "markdown"
    description = "the job-summary markdown (verdict, findings table, details per artifact) for any viewer"

    def render(self, report: Report, options: RenderOptions) -> Rendered:
        return Rendered(text=summary_markdown(report))


REPORTER = MarkdownReporter()

__all__: Sequence[str] = ("REPORTER", "artifact_verdict", "escape_markdown", "ranked", "summary_markdown")
