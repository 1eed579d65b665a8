"""Markdown summary: verdict heading and totals, then one table row per artifact with its evidence and fix in a
`<details>` inside the row.

The same text is the GitHub job summary (report/github.py), which GitHub caps at 1 MiB per step: given a byte
budget, rows lose their details (least important first), then the least important rows go, and the summary says
so and lists each distinct cause and fix once instead. Everything taken from an artifact (names, messages,
evidence) is escaped so that GitHub's renderer (cmark-gfm with the table and autolink extensions) makes no markup
of it; only the code spans that remedies write in causes and fixes become `<code>`.
"""

from __future__ import annotations

import re
from typing import Dict, List, Optional, Sequence, Tuple

from linkguard import versions
from linkguard.describe import known_linkage, linkage_line, original_line, packing_line, printable
from linkguard.model import ArtifactReport, ElfFacts, Facts, PeFacts, Report, Severity
from linkguard.report import Rendered, RenderOptions
from linkguard.report.escape import neutralize

# What only the writer adds around the rows (heading, totals, the shortening note) must fit beside them.
_RESERVED_BYTES = 8 * 1024
# The distinct causes and fixes listed when rows lost their details; more is cut with a count.
_CAUSES_BYTES = 64 * 1024
_MAX_CELL_CHARS = 600

_VERDICT_MARK = {"fail": "❌ fail", "error": "🟥 error", "warning": "⚠️ warning", "note": "💬 note", "pass": "✅ pass"}
_NONE = "—"


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
            return float(spec.security_severity or 0.0)
    return 0.0


def escape_markdown(text: str) -> str:
    """Inline markdown for untrusted text: markup characters backslash-escaped, HTML metacharacters as entities,
    line breaks as <br>, autolinks broken. Safe inside table cells, list items and paragraphs."""
    out: List[str] = []
    for ch in printable_lines(text):
        if ch == "\n":
            out.append("<br>")
        elif ch in _HTML_ENTITIES:
            out.append(_HTML_ENTITIES[ch])
        elif ch in _MARKDOWN_PUNCTUATION:
            out.append("\\" + ch)
        elif ch == "@":
            # The email autolink is found after escapes are resolved; an empty comment splits the text node.
            out.append("<!-- -->@")
        else:
            out.append(ch)
    return _WWW.sub(r"\1\\.", "".join(out))


def markdown_with_code(text: str) -> str:
    """Our own prose (causes, fixes) as inline markdown: its `code spans` become <code>, the rest is escaped.
    Built as raw <code> with escaped content, because GitHub splits table cells at `|` even inside code spans."""
    out: List[str] = []
    last = 0
    for match in _CODE_SPAN.finditer(text):
        out.append(escape_markdown(text[last : match.start()]))
        out.append(f"<code>{escape_markdown(match.group(1))}</code>")
        last = match.end()
    out.append(escape_markdown(text[last:]))
    return "".join(out)


def printable_lines(text: str) -> str:
    """`printable()` per line, keeping the line breaks so they can become <br>."""
    return "\n".join(printable(line) for line in text.splitlines() or [""])


_HTML_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}
# CommonMark lets any ASCII punctuation be backslash-escaped; these start inline markup mid-line (GitHub adds
# `~` strikethrough, `$` maths, and `|` cell splits that apply even inside code spans; `:` ends the scheme of a
# URL autolink, http:// or mailto:). Line-start markup (`#`, `-`, `1.`) cannot occur: escaped text never starts
# a line of ours.
_MARKDOWN_PUNCTUATION = frozenset("\\`*_[]|~$:")
_WWW = re.compile(r"((?:^|(?<=[^A-Za-z0-9]))[Ww][Ww][Ww])\.")  # the `www.` autolink
_CODE_SPAN = re.compile(r"`([^`\n]+)`")


def _plural(count: int, word: str) -> str:
    if word.endswith("y") and count != 1:
        return f"{count} {word[:-1]}ies"
    return f"{count} {word}{'' if count == 1 else 's'}"


def _truncate(text: str, limit: int = _MAX_CELL_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _size(text: str) -> int:
    return len(text.encode("utf-8")) + 1


# ------------------------------------------------------------------------------------------- renderer

_TABLE_HEAD = (
    "| Artifact | Verdict | Linkage | Floor | Packing | Rules |",
    "| --- | --- | --- | --- | --- | --- |",
)


def _targets(report: Report) -> Tuple[str, ...]:
    """Every target some artifact was judged on (--target), in the order first met: one column each."""
    return tuple(dict.fromkeys(v.target for a in report.artifacts for v in a.targets))


def _table_head(targets: Sequence[str]) -> Tuple[str, str]:
    if not targets:
        return _TABLE_HEAD
    extra = "".join(f" Starts on {escape_markdown(_truncate(t, 40))} |" for t in targets)
    return _TABLE_HEAD[0] + extra, _TABLE_HEAD[1] + " --- |" * len(targets)


def summary_markdown(report: Report, max_bytes: Optional[int] = None) -> str:
    """The whole summary; with `max_bytes`, at most that many UTF-8 bytes (details and rows cut, and said so)."""
    ordered = ranked(report) + [a for a in report.artifacts if not a.findings]
    targets = _targets(report)
    table_head = _table_head(targets)
    head = [_heading(report), "", _totals_line(report), "", *_packages_section(report)]
    full = [_row(a, report.fail_on, details=True, targets=targets) for a in ordered]
    fixed = sum(_size(line) for line in (*head, *table_head))
    if max_bytes is None or fixed + sum(_size(row) for row in full) + _RESERVED_BYTES <= max_bytes:
        return _join(head, full, [], table_head)
    causes = _causes_section(report, _CAUSES_BYTES)
    budget = max_bytes - fixed - _RESERVED_BYTES - sum(_size(line) for line in causes)
    bare = [_row(a, report.fail_on, details=False, targets=targets) for a in ordered]
    rows: List[str] = []
    for row in bare:
        budget -= _size(row)
        if budget < 0:
            break
        rows.append(row)
    with_findings = sum(1 for a in ordered if a.findings)
    detailed = 0
    if len(rows) == len(bare):
        budget = max(budget, 0)
        for index in range(with_findings):
            extra = _size(full[index]) - _size(bare[index])
            if extra > budget:
                break
            rows[index] = full[index]
            budget -= extra
            detailed += 1
        note = (
            f"> **Shortened:** the full summary would exceed GitHub's 1 MiB step-summary limit, so the evidence and "
            f"fix are shown for the first {detailed} of {with_findings} artifacts with findings (most important "
            "first); each distinct cause and fix is listed below the table. The complete report is in the log and "
            "in the JSON report."
        )
    else:
        note = (
            f"> **Shortened:** the full summary would exceed GitHub's 1 MiB step-summary limit, so this shows the "
            f"first {len(rows)} of {len(ordered)} artifacts (most important first) without details; each distinct "
            "cause and fix is listed below the table. The complete report is in the log and in the JSON report."
        )
    return _join([*head, note, ""], rows, causes, table_head)


MAX_PACKAGES_LISTED = 50  # packages the summary lists one per line; the rest are counted


def _packages_section(report: Report) -> List[str]:
    """One line per package (wheel, npm package, bundle) the artifacts live in, with how many of its artifacts have
    findings; nothing when every artifact lives in the default package (the tree given)."""
    from linkguard.report.text import package_label

    counts: Dict[str, List[int]] = {}
    labels: Dict[str, str] = {}
    for artifact in report.artifacts:
        package = artifact.placement.package if artifact.placement is not None else None
        if package is None or package.kind == "tree":
            continue
        labels.setdefault(package.root, package_label(package))
        tally = counts.setdefault(package.root, [0, 0])
        tally[0] += 1
        tally[1] += 1 if artifact.findings else 0
    if not counts:
        return []
    lines = ["**Packages**", ""]
    for root in list(counts)[:MAX_PACKAGES_LISTED]:
        total, failing = counts[root]
        state = f"{failing} of {_plural(total, 'artifact')} with findings" if failing else _plural(total, "artifact")
        lines.append(f"- {escape_markdown(labels[root])}: {state}")
    if len(counts) > MAX_PACKAGES_LISTED:
        lines.append(f"- and {len(counts) - MAX_PACKAGES_LISTED} more packages")
    return [*lines, ""]


def _join(head: Sequence[str], rows: Sequence[str], tail: Sequence[str], table_head: Sequence[str]) -> str:
    parts = list(head)
    if rows:
        parts.extend(table_head)
        parts.extend(rows)
        parts.append("")
    parts.extend(tail)
    return neutralize("\n".join(parts).rstrip("\n")) + "\n"


def _heading(report: Report) -> str:
    totals = report.totals
    if totals.failed:
        return f"## ❌ linkguard: failed ({_plural(totals.errors, 'error')}, {_plural(totals.warnings, 'warning')})"
    if totals.errors or totals.warnings or totals.notes:
        return f"## ⚠️ linkguard: passed with findings ({_plural(totals.errors + totals.warnings, 'finding')})"
    return f"## ✅ linkguard: passed ({_plural(totals.artifacts, 'artifact')} checked, no findings)"


def _totals_line(report: Report) -> str:
    totals = report.totals
    fail_on = report.fail_on.value if report.fail_on is not None else "never"
    return (
        f"**Totals:** {_plural(totals.artifacts, 'artifact')} checked, {totals.skipped} skipped; "
        f"{_plural(totals.errors, 'error')}, {_plural(totals.warnings, 'warning')}, {_plural(totals.notes, 'note')}. "
        f"Fails on: {fail_on}. linkguard {escape_markdown(report.tool_version)}"
    ).rstrip()


def _row(artifact: ArtifactReport, fail_on: Optional[Severity], details: bool, targets: Sequence[str] = ()) -> str:
    """One artifact: path, verdict, linkage, highest glibc, packing, and its rules (with a <details> of the
    evidence, cause and fix when `details`)."""
    facts = artifact.facts
    linkage, floor, packing = "unreadable", _NONE, _NONE
    if facts is not None:
        linkage = known_linkage(facts) or "unknown"
        floor = floor_cell(facts)
        packing = packing_line(facts.packing) if facts.packing is not None else _NONE
    rules = ", ".join(dict.fromkeys(f"{f.code} {f.rule}" for f in artifact.findings))
    if not rules:
        rules_cell = _NONE
    elif details:
        rules_cell = f"<details><summary>{escape_markdown(rules)}</summary>{_details(artifact)}</details>"
    else:
        rules_cell = escape_markdown(rules)
    cells = (
        escape_markdown(_truncate(artifact.path)),
        _VERDICT_MARK[artifact_verdict(artifact, fail_on)],
        escape_markdown(linkage),
        escape_markdown(floor),
        escape_markdown(packing),
        rules_cell,
        *(_starts_cell(artifact, target) for target in targets),
    )
    return "| " + " | ".join(cells) + " |"


def _starts_cell(artifact: ArtifactReport, target: str) -> str:
    """✅ starts, ❌ would not (LG105 says why), — not judged there (not an ELF program)."""
    verdict = next((v for v in artifact.targets if v.target == target), None)
    if verdict is None:
        return _NONE
    return "✅" if verdict.starts else "❌"


def floor_cell(facts: Facts) -> str:
    """The oldest system the artifact runs on, as its format states it: the highest GLIBC_ version an ELF needs,
    the highest Windows (NT) version a PE's subsystem and imports imply, the highest minos across a Mach-O's slices
    (the floor that holds on every architecture); "—" when nothing sets one, "unknown" when packing hides it."""
    if isinstance(facts, ElfFacts):
        if facts.packing is not None and facts.packing.original is None:
            return "unknown"
        glibc = facts.effective.max_versions.get("GLIBC")
        return f"glibc {glibc}" if glibc else _NONE
    if isinstance(facts, PeFacts):
        windows = [f.version for f in facts.floors]
        return f"Windows NT {max(windows, key=versions.numeric_prefix)}" if windows else _NONE
    if any(s.packing is not None and s.original is None for s in facts.slices):
        return "unknown"
    by_platform: Dict[str, List[str]] = {}
    for piece in facts.slices:
        program = piece.effective
        if program.minos:
            by_platform.setdefault(program.platform or "macos", []).append(program.minos)
    parts = [
        f"{_PLATFORM_NAMES.get(p, p)} {max(found, key=versions.numeric_prefix)}" for p, found in by_platform.items()
    ]
    return ", ".join(parts) or _NONE


_PLATFORM_NAMES = {"macos": "macOS", "ios": "iOS", "maccatalyst": "Mac Catalyst", "tvos": "tvOS", "watchos": "watchOS"}


def _details(artifact: ArtifactReport) -> str:
    """The evidence, cause and fix of each finding, as lines joined by <br> (a table cell is one line)."""
    lines: List[str] = []
    facts = artifact.facts
    if facts is not None:
        lines.append(escape_markdown(_truncate(_describe(artifact))))
    for finding in artifact.findings:
        through = " (seen through packing)" if finding.through_packing else ""
        lines.append(
            f"**{finding.severity.value} {finding.code} {escape_markdown(finding.rule)}**{through}: "
            f"{escape_markdown(_truncate(finding.message))}"
        )
        lines.extend(escape_markdown(_truncate(line)) for line in finding.evidence)
        if finding.cause:
            lines.append(f"cause: {markdown_with_code(finding.cause)}")
        if finding.fix:
            lines.append(f"fix: {markdown_with_code(finding.fix)}")
    if artifact.allowance:
        lines.append(f"allowance: {escape_markdown(artifact.allowance)}")
    return "<br>".join(lines)


def _describe(artifact: ArtifactReport) -> str:
    facts = artifact.facts
    if facts is None:
        reason = artifact.problem.reason if artifact.problem is not None else "unreadable"
        return f"unreadable ({reason})"
    if facts.packing is not None:
        return f"packed: {packing_line(facts.packing)}{original_line(facts)}"
    return linkage_line(facts)


def _causes_section(report: Report, max_bytes: int) -> List[str]:
    """Each distinct cause and fix once, with how many artifacts it applies to (for a shortened summary)."""
    from linkguard.report.text import CauseGroups

    groups = CauseGroups()
    for artifact in report.artifacts:
        groups.add(artifact)
    if not groups.groups:
        return []
    lines = ["### Causes and fixes", ""]
    used = sum(_size(line) for line in lines)
    for index, group in enumerate(groups.groups):
        label = f" ({escape_markdown(group.remedy)})" if group.remedy else ""
        item = [f"- **{group.code} {escape_markdown(group.rule)}**{label}: {_plural(group.count, 'artifact')}"]
        if group.cause:
            example = f", as worded for {escape_markdown(group.first_path)}" if group.causes_differ else ""
            item.append(f"  - cause{example}: {markdown_with_code(group.cause)}")
        for fix, path in group.fixes:
            worded = f", as worded for {escape_markdown(path)}" if len(group.fixes) > 1 else ""
            item.append(f"  - fix{worded}: {markdown_with_code(fix)}")
        if group.more_fixes:
            item.append(f"  - … and {_plural(group.more_fixes, 'more artifact')} with the fix worded otherwise")
        size = sum(_size(line) for line in item)
        if used + size > max_bytes - 256:
            lines.append(f"- … and {len(groups.groups) - index} more (see the log)")
            break
        lines.extend(item)
        used += size
    lines.append("")
    return lines


class MarkdownReporter:
    name = "markdown"
    description = "the job-summary markdown (totals, one row per artifact with its details) for any viewer"

    def render(self, report: Report, options: RenderOptions) -> Rendered:
        return Rendered(text=summary_markdown(report))


REPORTER = MarkdownReporter()

__all__: Sequence[str] = (
    "REPORTER",
    "artifact_verdict",
    "escape_markdown",
    "markdown_with_code",
    "ranked",
    "summary_markdown",
)
