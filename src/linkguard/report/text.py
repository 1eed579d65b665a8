"""Text for people at a terminal: one line per artifact, one per finding, then each distinct cause and fix once.

A release of hundreds of binaries usually has one or two causes; printing them under every artifact buried the
list. So a finding's line names its remedy (`dynamic-link [c-musl-static]: ...`) and the closing section prints
each cause and fix once with the artifacts it applies to. `--verbose` puts the full evidence, cause and fix back
under each artifact.

The output is streamed (`stream`, used by the CLI): `artifact_lines` needs one ArtifactReport, `CauseGroups`
aggregates what the closing section needs (bounded per group), and `closing_lines` renders it; `render` gives the
same text for a collected Report (verbose: its skipped files come last instead of where the walk met them).
Every line goes through `neutralize`, so no file name reaches a terminal raw or reads as a CI command.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from linkguard.describe import linkage_line, original_line, packing_line
from linkguard.model import EMPTY_RUN, ArtifactReport, Finding, PackageInfo, Report, Severity, Skipped, Totals
from linkguard.report import Rendered, RenderOptions, RunInfo
from linkguard.report.escape import neutralize

_COLOURS = {Severity.ERROR: "31", Severity.WARNING: "33", Severity.NOTE: "36", None: "32"}
# Paths named under a cause before the rest are only counted.
PATHS_SHOWN = 5

# Distinct wordings of one remedy's fix (one per architecture, say) shown under it before the rest are counted.
FIXES_SHOWN = 4

GroupKey = Tuple[str, str, Optional[str], Optional[str], Optional[str]]


@dataclass
class CauseGroup:
    """One distinct cause: a remedy of a rule (or, without a remedy, one cause and fix text), the first cause
    worded for it, whether others differ, each distinct wording of its fix, and its artifacts."""

    code: str
    rule: str
    remedy: Optional[str]
    fix: Optional[str]
    cause: Optional[str]
    first_path: str
    causes_differ: bool = False
    paths: List[str] = field(default_factory=list)  # the first PATHS_SHOWN
    count: int = 0
    fixes: List[Tuple[str, str]] = field(default_factory=list)  # (fix, first path it is worded for), FIXES_SHOWN
    more_fixes: int = 0  # artifacts whose fix is worded otherwise than the FIXES_SHOWN kept

    def add_fix(self, fix: Optional[str], path: str) -> None:
        if fix is None or any(fix == known for known, _ in self.fixes):
            return
        if len(self.fixes) < FIXES_SHOWN:
            self.fixes.append((fix, path))
        else:
            self.more_fixes += 1


class CauseGroups:
    """Each distinct cause and fix with the artifacts it applies to, in first-seen order; memory per group is
    bounded (PATHS_SHOWN paths and a count), so it can follow a stream of any length."""

    def __init__(self) -> None:
        self._groups: Dict[GroupKey, CauseGroup] = {}

    def add(self, artifact: ArtifactReport) -> None:
        seen = set()
        for finding in artifact.findings:
            if finding.cause is None and finding.fix is None:
                continue
            key = group_key(finding)
            if key in seen:
                continue
            seen.add(key)
            group = self._groups.get(key)
            if group is None:
                group = CauseGroup(
                    code=finding.code,
                    rule=finding.rule,
                    remedy=finding.remedy,
                    fix=finding.fix,
                    cause=finding.cause,
                    first_path=artifact.path,
                )
                self._groups[key] = group
            elif finding.cause != group.cause:
                group.causes_differ = True
            group.add_fix(finding.fix, artifact.path)
            group.count += 1
            if len(group.paths) < PATHS_SHOWN:
                group.paths.append(artifact.path)

    @property
    def groups(self) -> Sequence[CauseGroup]:
        return tuple(self._groups.values())


def group_key(finding: Finding) -> GroupKey:
    """A remedy's cause and fix are templates filled with each artifact's facts (its libraries, its architecture's
    target triple), so the remedy alone groups its findings, listed once with each distinct fix; without a remedy
    the cause and fix texts themselves must match."""
    if finding.remedy is not None:
        return (finding.code, finding.rule, finding.remedy, None, None)
    return (finding.code, finding.rule, None, finding.fix, finding.cause)


class TextReporter:
    name = "text"
    description = "one line per artifact and per finding, then each distinct cause and fix once (default)"

    def render(self, report: Report, options: RenderOptions) -> Rendered:
        causes = CauseGroups()
        lines: List[str] = []
        previous: Optional[str] = None
        for artifact in report.artifacts:
            body = self.artifact_lines(artifact, options)
            heading, previous = package_heading(artifact, previous)
            lines.extend(([heading] if heading and body else []) + body)
            causes.add(artifact)
        lines.extend(self.closing_lines(causes, report.totals, report.skipped, options))
        return Rendered(text="\n".join(lines) + "\n")

    def artifact_lines(self, artifact: ArtifactReport, options: RenderOptions) -> List[str]:
        """The lines for one artifact: its facts, then one line per finding (with evidence when verbose)."""
        if options.quiet and not artifact.findings:
            return []  # a rendering choice: the totals still count every artifact
        facts = artifact.facts
        if facts is None:
            empty = artifact.problem is not None and artifact.problem.kind == EMPTY_RUN
            head = f"{artifact.path}  {'nothing to check' if empty else 'unreadable'}"
        elif facts.packing is not None:
            head = f"{artifact.path}  packed: {packing_line(facts.packing)}{original_line(facts)}"
        else:
            head = f"{artifact.path}  {linkage_line(facts)}"
        if artifact.allowance:
            head += f"  [allowed: {artifact.allowance}]"
        starts_on = [v.target for v in artifact.targets if v.starts]
        if starts_on:
            head += f"  [starts on {', '.join(starts_on)}]"
        out = [self._paint(_one_line(head), artifact.worst, options)]
        for finding in artifact.findings:
            mark = " (seen through packing)" if finding.through_packing else ""
            label = self._paint(f"{finding.severity.value} {finding.code}", finding.severity, options)
            tag = f" [{finding.remedy}]" if finding.remedy and not options.verbose else ""
            out.append(f"  {label} {_one_line(f'{finding.rule}{mark}{tag}: {finding.message}')}")
            if options.verbose:
                out.extend(f"      {_one_line(line)}" for line in finding.evidence)
                if finding.cause:
                    out.append(f"      cause: {_one_line(finding.cause)}")
                if finding.fix:
                    out.append(f"      fix: {_one_line(finding.fix)}")
                if finding.remedy:
                    why = "; ".join(finding.remedy_evidence)
                    out.append(f"      remedy: {_one_line(finding.remedy + (f' (selected by {why})' if why else ''))}")
        if facts is not None and options.verbose:
            out.extend(f"  note: {_one_line(warning)}" for warning in facts.warnings)
        return out

    def stream(self, info: RunInfo, options: RenderOptions, write: Callable[[str], object]) -> TextStream:
        """Write each artifact's lines as it arrives and the closing section at the end; memory stays flat."""
        return TextStream(self, options, write)

    @staticmethod
    def skipped_line(item: Skipped) -> str:
        return _one_line(f"{item.path}  skipped ({item.reason})")

    def closing_lines(
        self, causes: CauseGroups, totals: Totals, skipped: Sequence[Skipped], options: RenderOptions
    ) -> List[str]:
        """Skipped files (verbose), each distinct cause and fix once (unless verbose showed them inline), totals."""
        lines: List[str] = []
        if options.verbose:
            lines.extend(self.skipped_line(item) for item in skipped)
        elif causes.groups:
            lines.append("")
            lines.append("Causes and fixes (--verbose shows each artifact's evidence, cause and fix):")
            for group in causes.groups:
                lines.extend(self._group_lines(group))
        lines.extend(_one_line(f"note: {notice}") for notice in totals.notices)
        verdict = "FAILED" if totals.failed else "passed"
        line = (
            f"linkguard: {_plural(totals.artifacts, 'artifact')} checked, {totals.skipped} skipped; "
            f"{_plural(totals.errors, 'error')}, {_plural(totals.warnings, 'warning')}: {verdict}"
        )
        lines.append(self._paint(line, Severity.ERROR if totals.failed else None, options))
        return lines

    @staticmethod
    def _group_lines(group: CauseGroup) -> List[str]:
        label = f"[{group.remedy}] " if group.remedy else ""
        named = ", ".join(group.paths)
        if group.count > len(group.paths):
            named += f" and {group.count - len(group.paths)} more"
        lines = [_one_line(f"{label}{group.code} {group.rule}, {_plural(group.count, 'artifact')}: {named}")]
        if group.cause:
            intro = f"cause, as worded for {group.first_path}" if group.causes_differ else "cause"
            lines.append("  " + _one_line(f"{intro}: {group.cause}"))
        for fix, path in group.fixes:
            intro = f"fix, as worded for {path}" if len(group.fixes) > 1 else "fix"
            lines.append("  " + _one_line(f"{intro}: {fix}"))
        if group.more_fixes:
            more = _plural(group.more_fixes, "more artifact")
            lines.append("  " + _one_line(f"... and {more} with the fix worded otherwise (--verbose shows each)"))
        return lines

    @staticmethod
    def _paint(text: str, severity: Optional[Severity], options: RenderOptions) -> str:
        if not options.color:
            return text
        return f"\033[{_COLOURS.get(severity, '0')}m{text}\033[0m"


class TextStream:
    """The text report written as the run goes: artifacts (and, verbose, skipped files) as they arrive; the causes
    and totals at the end, from CauseGroups' bounded aggregate."""

    def __init__(self, reporter: TextReporter, options: RenderOptions, write: Callable[[str], object]) -> None:
        self._reporter = reporter
        self._options = options
        self._write = write
        self._causes = CauseGroups()
        self._package: Optional[str] = None  # root of the package the last artifact lives in

    def artifact(self, artifact: ArtifactReport) -> None:
        lines = self._reporter.artifact_lines(artifact, self._options)
        heading, self._package = package_heading(artifact, self._package)
        if lines:
            self._write("\n".join(([heading] if heading else []) + lines) + "\n")
        self._causes.add(artifact)

    def skipped(self, skipped: Skipped) -> None:
        if self._options.verbose:
            self._write(self._reporter.skipped_line(skipped) + "\n")

    def finish(self, totals: Totals) -> None:
        self._write("\n".join(self._reporter.closing_lines(self._causes, totals, (), self._options)) + "\n")


def package_heading(artifact: ArtifactReport, previous: Optional[str]) -> Tuple[Optional[str], Optional[str]]:
    """(`package wheel foo 1.0 at dist/foo.whl (cp311-cp311-linux_x86_64)` when the artifact opens a package other
    than the previous artifact's, the package root now current). The default package (the tree given) has none."""
    package = artifact.placement.package if artifact.placement is not None else None
    if package is None or package.kind == "tree":
        return None, None
    if package.root == previous:
        return None, previous
    return _one_line(package_label(package)), package.root


def package_label(package: PackageInfo) -> str:
    """`wheel foo 1.0 at dist/foo.whl (cp311-cp311-linux_x86_64)`: what a reader needs to tell packages apart."""
    label = " ".join(p for p in ("package", package.kind, package.name, package.version) if p) + f" at {package.root}"
    declared = list(package.tags[:3]) + [f"{k}={','.join(v)}" for k, v in _npm_fields(package) if v]
    return label + (f" ({'; '.join(declared)})" if declared else "")


def _npm_fields(package: PackageInfo) -> Tuple[Tuple[str, Tuple[str, ...]], ...]:
    return (("os", package.os), ("cpu", package.cpu), ("libc", package.libc))


def _one_line(text: str) -> str:
    """`text` as one output line: line breaks and control characters escaped, CI command prefixes broken."""
    return neutralize(text.replace("\r", "\\r").replace("\n", "\\n"))


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


REPORTER = TextReporter()
