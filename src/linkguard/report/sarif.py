"""SARIF 2.1.0 for code scanning: rules from the rule registry, one result per finding.

Locations are file-level (an ELF artifact has no source lines): the artifact's file relative to the repository
root under `%SRCROOT%`; for an archive member, the archive's file plus the member as a logical location.

What GitHub code scanning needs, and where that is said:
- `partialFingerprints.primaryLocationLineHash` is the one fingerprint code scanning uses (GitHub docs, "SARIF
  support for code scanning", result object: "Code scanning only uses the primaryLocationLineHash"). We set it
  ourselves from the rule, the display path and the evidence, so an alert survives rebuilds of the binary.
- A region with `startLine`: the docs' physicalLocation table marks the region as required, and a location
  without one is not shown (microsoft/binskim#509); the docs' region table lists `startLine` as required, and the
  SARIF multitool's GitHub rule GH1003 (microsoft/sarif-sdk, ProvideRequiredRegionProperties: "at minimum,
  'region.startLine' is required") rejects a region without it. A binary has no lines, so the region is line 1,
  the whole file, as binary scanners (BinSkim) write it. upload-sarif's fingerprinting (codeql-action
  src/fingerprints.ts) then also hashes the file's first line; our own primaryLocationLineHash is already set,
  so it only notes that its hash differs.
- `automationDetails.id` (a runAutomationDetails object) carries the category, so a per-target matrix can
  upload several reports for one commit; GitHub takes everything up to the last `/` as the category, and
  upload-sarif (src/upload-lib.ts, populateRunAutomationDetails) keeps an id the file already has.
- `security-severity` makes code scanning file a result as a security alert, so only rules whose spec sets one
  (see docs/integrations.md, "Which rules are security alerts") carry it.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Dict, List, Optional
from urllib.parse import quote

from linkguard.describe import printable
from linkguard.model import ArtifactReport, Finding, Report
from linkguard.report import Rendered, RenderOptions
from linkguard.report.escape import neutralize, neutralize_json
from linkguard.report.locations import member_of, workspace_path

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = "https://github.com/linkguard/linkguard"
FINGERPRINT_KEY = "linkguardFinding/v1"
LINE_HASH_KEY = "primaryLocationLineHash"
SRCROOT = "%SRCROOT%"


def rules_list() -> List[Dict[str, Any]]:
    from linkguard.rules import specs

    rules = []
    for spec in specs():
        properties: Dict[str, Any] = {
            "problem.severity": _PROBLEM_SEVERITY[spec.default_severity.value],
            "precision": "very-high",
            "tags": ["linkage", "release", spec.name],
        }
        if spec.security_severity is not None:
            properties["security-severity"] = spec.security_severity
            properties["tags"].insert(0, "security")
        rules.append(
            {
                "id": spec.code,
                "name": spec.name,
                "shortDescription": {"text": spec.summary},
                "fullDescription": {"text": spec.description},
                "help": {"text": _plain(spec.help_markdown), "markdown": spec.help_markdown},
                "helpUri": spec.help_uri,
                "defaultConfiguration": {"level": spec.default_severity.value},
                "properties": properties,
            }
        )
    return rules


# GitHub's problem.severity values are error, warning and recommendation (SARIF's level calls the last note).
_PROBLEM_SEVERITY = {"error": "error", "warning": "warning", "note": "recommendation"}


def _plain(markdown: str) -> str:
    return markdown.replace("`", "")


def fingerprint(finding: Finding, path: str) -> str:
    """Stable across runs and machines: rule, display path and evidence (the message when there is none)."""
    normalized = path[2:] if path.startswith("./") else path
    evidence = finding.evidence or (finding.message,)
    material = "\0".join((finding.code, normalized, *evidence))
    return hashlib.sha256(material.encode("utf-8", "surrogateescape")).hexdigest()


def line_hash(digest: str) -> str:
    """The primaryLocationLineHash value, in the `<hex>:<occurrence>` shape upload-sarif writes."""
    return f"{digest[:16]}:1"


# The whole file as line 1: GitHub requires startLine (see the module docstring).
FILE_REGION = {"startLine": 1}


def automation_id(category: str) -> str:
    """runAutomationDetails.id for a category: GitHub reads everything up to the last `/` as the category."""
    return category if category.endswith("/") else category + "/"


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
    physical = {"artifactLocation": _artifact_location(artifact, workspace), "region": dict(FILE_REGION)}
    location: Dict[str, Any] = {"physicalLocation": physical}
    member = member_of(artifact.path)
    if member is not None:
        location["logicalLocations"] = [{"fullyQualifiedName": printable(member.replace("!", "/")), "kind": "member"}]
    digest = fingerprint(finding, artifact.path)
    entry: Dict[str, Any] = {
        "ruleId": finding.code,
        "level": finding.severity.value,
        "message": {"text": neutralize(_message(finding))},
        "locations": [location],
        "partialFingerprints": {LINE_HASH_KEY: line_hash(digest), FINGERPRINT_KEY: digest},
        "properties": {
            "artifact": printable(artifact.path),
            "rule": finding.rule,
            "throughPacking": finding.through_packing,
        },
    }
    if finding.code in rule_index:
        entry["ruleIndex"] = rule_index[finding.code]
    return entry


def _notifications(report: Report) -> Dict[str, Any]:
    """Notices about the run (an allowance that matched nothing) as the invocation's tool notifications."""
    notices = report.notices
    if not notices:
        return {}
    return {"toolExecutionNotifications": [{"level": "warning", "message": {"text": n}} for n in notices]}


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
        "invocations": [{"executionSuccessful": True, **_notifications(report)}],
    }
    if options.sarif_category:
        run["automationDetails"] = {"id": automation_id(options.sarif_category)}
    if options.workspace:
        root = options.workspace.replace("\\", "/").rstrip("/") + "/"
        run["originalUriBaseIds"] = {SRCROOT: {"uri": "file://" + _uri(root if root.startswith("/") else "/" + root)}}
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


class SarifReporter:
    name = "sarif"
    description = "SARIF 2.1.0 for code scanning (github/codeql-action/upload-sarif)"

    def render(self, report: Report, options: RenderOptions) -> Rendered:
        return Rendered(
            text=neutralize_json(json.dumps(sarif_dict(report, options), indent=2, ensure_ascii=False)) + "\n"
        )


REPORTER = SarifReporter()
