"""Reporters: one module per format, registered here by name and imported only when chosen."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Callable, Dict, Mapping, Optional, Protocol

from linkguard.model import ArtifactReport, Report, Severity, Skipped, Totals


@dataclass(frozen=True)
class RenderOptions:
    color: bool = False
    verbose: bool = False
    workspace: Optional[str] = None  # paths in annotations/SARIF are made relative to this
    annotations: bool = True  # github: write workflow-command annotations
    summary: bool = True  # github: write the job summary
    quiet: bool = False  # text: leave out artifacts without findings (the report itself is unchanged)
    sarif_category: Optional[str] = None  # sarif: runAutomationDetails.id, one per uploaded report


@dataclass(frozen=True)
class Rendered:
    """What a reporter produced; only the CLI writes it to stdout, files or the GitHub env files."""

    text: str
    step_summary: Optional[str] = None  # markdown for $GITHUB_STEP_SUMMARY
    step_outputs: Mapping[str, str] = field(default_factory=dict)  # for $GITHUB_OUTPUT


class Reporter(Protocol):
    name: str
    description: str

    def render(self, report: Report, options: RenderOptions) -> Rendered: ...


@dataclass(frozen=True)
class RunInfo:
    """What a streaming reporter knows before the first artifact."""

    tool_version: str
    fail_on: Optional[Severity]


class ReportStream(Protocol):
    """A report written as the run goes: memory stays flat however many artifacts there are."""

    def artifact(self, artifact: ArtifactReport) -> None: ...

    def skipped(self, skipped: Skipped) -> None: ...

    def finish(self, totals: Totals) -> None:
        """Write what is left; the stream's `write` is not called after this."""
        ...


class StreamingReporter(Reporter, Protocol):
    def stream(self, info: RunInfo, options: RenderOptions, write: Callable[[str], object]) -> ReportStream: ...


def streaming(reporter: Reporter) -> Optional[StreamingReporter]:
    """`reporter` when it can write as the run goes, else None (it then renders a collected Report)."""
    return reporter if callable(getattr(reporter, "stream", None)) else None  # type: ignore[return-value]


# name -> (module, one-line description); the module defines REPORTER.
REPORTERS: Dict[str, tuple] = {
    "text": ("linkguard.report.text", "one line per artifact, findings indented (default)"),
    "json": ("linkguard.report.json", "versioned machine-readable report (schemas/report-v1.schema.json)"),
    "github": ("linkguard.report.github", "GitHub Actions annotations, job summary and step outputs"),
    "markdown": ("linkguard.report.markdown", "summary table and per-artifact details in markdown"),
    "sarif": ("linkguard.report.sarif", "SARIF 2.1.0 for code scanning"),
    "junit": ("linkguard.report.junit", "JUnit XML, one test case per artifact (Jenkins, GitLab, Azure, CircleCI)"),
    "gitlab": ("linkguard.report.gitlab", "GitLab Code Quality (Code Climate JSON)"),
}


def get_reporter(name: str) -> Reporter:
    module = importlib.import_module(REPORTERS[name][0])
    reporter: Reporter = module.REPORTER
    return reporter
