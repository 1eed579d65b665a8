"""Text for people at a terminal: one line per artifact, findings indented under it; colour only on a TTY."""

from __future__ import annotations

from typing import List

from linkguard.describe import linkage_line, packing_line, printable
from linkguard.model import ArtifactReport, Report, Severity
from linkguard.report import Rendered, RenderOptions

_COLOURS = {Severity.ERROR: "31", Severity.WARNING: "33", Severity.NOTE: "36", None: "32"}


class TextReporter:
    name = "text"
    description = "one line per artifact, findings indented (default)"

    def render(self, report: Report, options: RenderOptions) -> Rendered:
        lines: List[str] = []
        for artifact in report.artifacts:
            if options.quiet and not artifact.findings:
                continue  # a rendering choice: totals below still count every artifact
            lines.extend(self._artifact(artifact, options))
        if options.verbose:
            for skipped in report.skipped:
                lines.append(f"{printable(skipped.path)}  skipped ({printable(skipped.reason)})")
        totals = report.totals
        verdict = "FAILED" if totals.failed else "passed"
        line = (
            f"linkguard: {totals.artifacts} artifact{'s' if totals.artifacts != 1 else ''} checked, "
            f"{totals.skipped} skipped; {totals.errors} error{'s' if totals.errors != 1 else ''}, "
            f"{totals.warnings} warning{'s' if totals.warnings != 1 else ''}: {verdict}"
        )
        lines.append(self._paint(line, Severity.ERROR if totals.failed else None, options))
        return Rendered(text="\n".join(lines) + "\n")

    def _artifact(self, artifact: ArtifactReport, options: RenderOptions) -> List[str]:
        path = printable(artifact.path)
        facts = artifact.facts
        if facts is None:
            head = f"{path}  unreadable"
        elif facts.packing is not None:
            head = f"{path}  packed: {packing_line(facts.packing)}"
            if facts.packing.original is not None:
                head += f"; original: {linkage_line(facts.packing.original)}"
        else:
            head = f"{path}  {linkage_line(facts)}"
        if artifact.allowance:
            head += f"  [allowed: {artifact.allowance}]"
        out = [self._paint(printable(head) if facts else head, artifact.worst, options)]
        for finding in artifact.findings:
            mark = " (seen through packing)" if finding.through_packing else ""
            label = self._paint(f"{finding.severity.value} {finding.code}", finding.severity, options)
            out.append(f"  {label} {finding.rule}{mark}: {printable(finding.message)}")
            out.extend(f"      {printable(e)}" for e in finding.evidence)
            if finding.cause:
                out.append(f"      cause: {printable(finding.cause)}")
            if finding.fix:
                out.append(f"      fix: {printable(finding.fix)}")
        if facts is not None and options.verbose:
            out.extend(f"  note: {printable(w)}" for w in facts.warnings)
        return out

    @staticmethod
    def _paint(text: str, severity: object, options: RenderOptions) -> str:
        if not options.color:
            return text
        return f"\033[{_COLOURS.get(severity, '0')}m{text}\033[0m"  # type: ignore[call-overload]


REPORTER = TextReporter()
