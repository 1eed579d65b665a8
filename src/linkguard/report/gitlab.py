"""GitLab Code Quality: a Code Climate issue array for `artifacts:reports:codequality`.

GitLab reads `description`, `check_name`, `fingerprint`, `severity`, `location.path` and `location.lines.begin`
(its Code Quality documentation) and shows the issues in the merge request widget and the diff. An artifact has
no lines, so every issue is placed on line 1 of the artifact's file (for an archive member: of the archive, with
the member named in the description). The fingerprint is the SARIF one (rule, display path, evidence), so an
issue keeps its identity across pipelines until its evidence changes. Descriptions pass through `neutralize`.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List

from linkguard.describe import printable
from linkguard.model import ArtifactReport, Finding, Report, Severity
from linkguard.report import Rendered, RenderOptions
from linkguard.report.escape import neutralize, neutralize_json
from linkguard.report.locations import member_of, workspace_path
from linkguard.report.sarif import fingerprint

# Code Climate severities are info, minor, major, critical and blocker.
SEVERITY = {Severity.ERROR: "major", Severity.WARNING: "minor", Severity.NOTE: "info"}


def _categories(finding: Finding) -> List[str]:
    from linkguard.rules import specs

    security = any(spec.code == finding.code and spec.security_severity is not None for spec in specs())
    return ["Security", "Compatibility"] if security else ["Compatibility"]


def _body(finding: Finding) -> str:
    """Markdown for the issue's details: message, evidence as a list, cause, fix."""
    paragraphs = [finding.message]
    if finding.evidence:
        paragraphs.append("\n".join(f"- {line}" for line in finding.evidence))
    if finding.cause:
        paragraphs.append(f"Cause: {finding.cause}")
    if finding.fix:
        paragraphs.append(f"Fix: {finding.fix}")
    return "\n\n".join(paragraphs)


def issue(artifact: ArtifactReport, finding: Finding, options: RenderOptions) -> Dict[str, Any]:
    """One Code Climate issue for one finding."""
    member = member_of(artifact.path)
    where = f"archive member {member}: " if member is not None else ""
    through = " (seen through packing)" if finding.through_packing else ""
    return {
        "type": "issue",
        "check_name": f"{finding.code} {finding.rule}",
        "description": neutralize(f"{finding.code} {finding.rule}{through}: {where}{finding.message}"),
        "content": {"body": neutralize(_body(finding))},
        "categories": _categories(finding),
        "severity": SEVERITY[finding.severity],
        "fingerprint": fingerprint(finding, artifact.path),
        "location": {"path": printable(workspace_path(artifact.location, options.workspace)), "lines": {"begin": 1}},
    }


class GitlabReporter:
    name = "gitlab"
    description = "GitLab Code Quality (Code Climate JSON) for artifacts:reports:codequality"

    def render(self, report: Report, options: RenderOptions) -> Rendered:
        issues = [issue(a, f, options) for a in report.artifacts for f in a.findings]
        return Rendered(text=neutralize_json(json.dumps(issues, indent=2, ensure_ascii=False)) + "\n")


REPORTER = GitlabReporter()
