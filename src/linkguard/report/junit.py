"""JUnit XML: one test case per artifact, for CI systems that read test reports natively.

Jenkins (junit / xunit), GitLab's merge-request test widget (`artifacts:reports:junit`), Azure Pipelines
(`PublishTestResults@2`), CircleCI (`store_test_results`) and Buildkite test analytics all read this shape:
`<testsuites><testsuite><testcase>` with `<failure>` for an artifact whose findings reach the fail level.
Findings below the fail level go to the case's `<system-out>`; files that were not inspected (not an executable,
excluded, ...) are `<skipped>` cases, never failures. Every human-readable string passes through `neutralize`,
so a file named `##vso[task.setvariable ...]` cannot become an Azure Pipelines command when a CI system echoes
the report, and control characters (invalid in XML 1.0) are shown escaped.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import List, Optional

from linkguard.model import ArtifactReport, Finding, Report, Severity
from linkguard.report import Rendered, RenderOptions
from linkguard.report.escape import neutralize, neutralize_property
from linkguard.report.locations import workspace_path

SUITE_NAME = "linkguard"
CLASSNAME = "linkguard"  # one class: a dotted path would be split into packages by Jenkins


def _reaches(finding: Finding, fail_on: Optional[Severity]) -> bool:
    return fail_on is not None and finding.severity.rank >= fail_on.rank


def finding_text(finding: Finding) -> str:
    """One finding as plain text: the rule and message, the evidence, the cause and the fix."""
    through = " (seen through packing)" if finding.through_packing else ""
    lines = [f"{finding.severity.value} {finding.code} {finding.rule}{through}: {finding.message}"]
    lines.extend(f"    {line}" for line in finding.evidence)
    if finding.cause:
        lines.append(f"    cause: {finding.cause}")
    if finding.fix:
        lines.append(f"    fix: {finding.fix}")
    return "\n".join(lines)


def _testcase(artifact: ArtifactReport, report: Report, options: RenderOptions) -> ET.Element:
    case = ET.Element(
        "testcase",
        {
            "classname": CLASSNAME,
            "name": neutralize_property(artifact.path),
            "file": neutralize_property(workspace_path(artifact.location, options.workspace)),
        },
    )
    failing = [f for f in artifact.findings if _reaches(f, report.fail_on)]
    other = [f for f in artifact.findings if not _reaches(f, report.fail_on)]
    if failing:
        rules = ", ".join(dict.fromkeys(f"{f.code} {f.rule}" for f in failing))
        failure = ET.SubElement(
            case,
            "failure",
            {"type": rules, "message": neutralize(f"{rules}: {failing[0].message}")},
        )
        failure.text = neutralize("\n".join(finding_text(f) for f in failing)) + "\n"
    lines: List[str] = []
    if artifact.allowance:
        lines.append(f"allowance: {artifact.allowance}")
    lines.extend(finding_text(f) for f in other)
    if lines:
        ET.SubElement(case, "system-out").text = neutralize("\n".join(lines)) + "\n"
    return case


def junit_element(report: Report, options: RenderOptions) -> ET.Element:
    cases = [_testcase(artifact, report, options) for artifact in report.artifacts]
    for skipped in report.skipped:
        case = ET.Element("testcase", {"classname": CLASSNAME, "name": neutralize_property(skipped.path)})
        ET.SubElement(case, "skipped", {"message": neutralize(f"not checked: {skipped.reason}")})
        cases.append(case)
    failures = sum(1 for case in cases if case.find("failure") is not None)
    counts = {
        "tests": str(len(cases)),
        "failures": str(failures),
        "errors": "0",
        "skipped": str(len(report.skipped)),
    }
    root = ET.Element("testsuites", {"name": SUITE_NAME, **{k: v for k, v in counts.items() if k != "skipped"}})
    suite = ET.SubElement(root, "testsuite", {"name": SUITE_NAME, **counts})
    properties = ET.SubElement(suite, "properties")
    fail_on = report.fail_on.value if report.fail_on is not None else "never"
    ET.SubElement(properties, "property", {"name": "linkguard.fail-on", "value": fail_on})
    if report.tool_version:
        ET.SubElement(properties, "property", {"name": "linkguard.version", "value": report.tool_version})
    suite.extend(cases)
    return root


class JunitReporter:
    name = "junit"
    description = "JUnit XML: one test case per artifact (Jenkins, GitLab, Azure Pipelines, CircleCI, Buildkite)"

    def render(self, report: Report, options: RenderOptions) -> Rendered:
        root = junit_element(report, options)
        ET.indent(root, space="  ")
        body = ET.tostring(root, encoding="unicode")
        return Rendered(text='<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n")


REPORTER = JunitReporter()
