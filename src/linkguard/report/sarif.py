"""SARIF 2.1.0 for code scanning: rules from the rule registry, one result per finding.

Locations are file-level (an ELF artifact has no source lines): the artifact's file relative to the repository
root under `%SRCROOT%`; for an archive member, the archive's file plus the member as a logical location.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Dict, List, Optional
from urllib.parse import quote

from linkguard.model import ArtifactReport, Finding, Report
from linkguard.report import Rendered, RenderOptions
from linkguard.report.github import workspace_path

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = "https://github.com/linkguard/linkguard"
FINGERPRINT_KEY = "linkguardFinding/v1"
SRCROOT = "%SRCROOT%"


def rules_list() -> List[Dict[str, Any]]:
    from linkguard.rules import specs

    return [
        {
            "id": spec.code,
            "name": spec.name,
            "shortDescription": {"text": spec.summary},
            "fullDescription": {"text": spec.description},
            "help": {"text": _plain(spec.help_markdown), "markdown": spec.help_markdown},
            "helpUri": spec.help_uri,
            "defaultConfiguration": {"level": spec.default_severity.value},
            "properties": {
                "security-severity": spec.security_severity,
                "problem.severity": spec.default_severity.value,
                "precision": "very-high",
                "tags": ["linkage", "release", spec.name],
            },
        }
        for spec in specs()
    ]


def _plain(markdown: str) -> str:
    return markdown.replace("`", "")


def fingerprint(finding: Finding, path: str) -> str:
    """Stable across runs and machines: rule, display path and evidence (the message when there is none)."""
    normalized = path[2:] if path.startswith("./") else path
    evidence = finding.evidence or (finding.message,)
    material = "\0".join((finding.code, normalized, *evidence))
    return hashlib.sha256(material.encode("utf-8", "surrogateescape")).hexdigest()


def _message(finding: Finding) -> str:
    lines = [finding.message]
    lines.extend(finding.evidence)
    if finding.cause:
        lines.append(f"Cause: {finding.cause}")
    if finding.fix:
        lines.append(f"Fix: {finding.fix}")
    return "\n".join(lines)


def _uri(path: str) -> str:
    return quote(path.encode("utf-8", "surrogateescape"), safe="/")


def _artifact_location(artifact: ArtifactReport, workspace: Optional[str]) -> Dict[str, str]:
    """Relative to %SRCROOT% when the file lies in the workspace (code scanning needs that); else absolute."""
    path = workspace_path(artifact.location, workspace)
    if path.startswith("/") or (len(path) > 2 and path[1] == ":"):
        return {"uri": "file://" + _uri(path if path.startswith("/") else "/" + path)}
    return {"uri": _uri(path), "uriBaseId": SRCROOT}


def result(
    artifact: ArtifactReport, finding: Finding, rule_index: Dict[str, int], workspace: Optional[str]
) -> Dict[str, Any]:
    location: Dict[str, Any] = {"physicalLocation": {"artifactLocation": _artifact_location(artifact, workspace)}}
    if "!" in artifact.path:
        member = artifact.path.split("!", 1)[1]
        location["logicalLocations"] = [{"fullyQualifiedName": member.replace("!", "/"), "kind": "member"}]
    entry: Dict[str, Any] = {
        "ruleId": finding.code,
        "level": finding.severity.value,
        "message": {"text": _message(finding)},
        "locations": [location],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint(finding, artifact.path)},
        "properties": {"artifact": artifact.path, "rule": finding.rule, "throughPacking": finding.through_packing},
    }
    if finding.code in rule_index:
        entry["ruleIndex"] = rule_index[finding.code]
    return entry


def sarif_dict(report: Report, options: RenderOptions) -> Dict[str, Any]:
    rules = rules_list()
    rule_index = {rule["id"]: index for index, rule in enumerate(rules)}
    results = [
        result(artifact, finding, rule_index, options.workspace)
        for artifact in report.artifacts
        for finding in artifact.findings
    ]
    driver: Dict[str, Any] = {"name": "linkguard", "informationUri": INFORMATION_URI, "rules": rules}
    if report.tool_version:
        driver.update(version=report.tool_version, semanticVersion=report.tool_version)
    run: Dict[str, Any] = {
        "tool": {"driver": driver},
        "results": results,
        "invocations": [{"executionSuccessful": True}],
    }
    if options.workspace:
        root = options.workspace.replace("\\", "/").rstrip("/") + "/"
        run["originalUriBaseIds"] = {SRCROOT: {"uri": "file://" + _uri(root if root.startswith("/") else "/" + root)}}
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


class SarifReporter:
    name = "sarif"
    description = "SARIF 2.1.0 for code scanning (github/codeql-action/upload-sarif)"

    def render(self, report: Report, options: RenderOptions) -> Rendered:
        return Rendered(text=json.dumps(sarif_dict(report, options), indent=2, ensure_ascii=False) + "\n")


REPORTER = SarifReporter()
