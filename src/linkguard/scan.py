"""The pipeline: inputs -> inspect -> rules -> Report. No printing here."""

from __future__ import annotations

from typing import List, Sequence, Union

from linkguard import __version__
from linkguard.config import Policy
from linkguard.inputs.files import Candidate, FileArtifact, Problem, walk
from linkguard.inspect import inspect_artifact
from linkguard.model import ArtifactReport, ElfFacts, Inspection, Report, Skipped
from linkguard.rules import evaluate

Outcome = Union[ArtifactReport, Skipped]


def judge(path: str, location: str, inspection: Inspection, policy: Policy) -> ArtifactReport:
    """Findings for one inspected artifact under the policy for its path."""
    path_policy = policy.for_path(path)
    findings = evaluate(inspection, path_policy)
    if isinstance(inspection, ElfFacts):
        return ArtifactReport(
            path=path,
            location=location,
            format="elf",
            facts=inspection,
            findings=findings,
            allowance=path_policy.allowance.reason if path_policy.allowance else None,
        )
    return ArtifactReport(path=path, location=location, format="unreadable", problem=inspection, findings=findings)


def check_candidate(candidate: Candidate, policy: Policy) -> List[Outcome]:
    """Everything one walked path yields (an archive yields one outcome per member)."""
    if isinstance(candidate, Skipped):
        return [candidate]
    if policy.excluded(candidate.path):
        return [Skipped(candidate.path, "excluded by configuration")]
    if isinstance(candidate, Problem):
        return [judge(candidate.path, candidate.location, candidate.unreadable, policy)]
    return check_artifact(candidate, policy)


def check_artifact(artifact: FileArtifact, policy: Policy) -> List[Outcome]:
    inspection = inspect_artifact(artifact, policy.limits)
    if inspection is None:
        return [Skipped(artifact.path, "not an ELF file")]
    return [judge(artifact.path, artifact.location, inspection, policy)]


def scan(arguments: Sequence[str], policy: Policy) -> Report:
    artifacts: List[ArtifactReport] = []
    skipped: List[Skipped] = []
    for candidate in walk(arguments):
        for outcome in check_candidate(candidate, policy):
            if isinstance(outcome, Skipped):
                skipped.append(outcome)
            else:
                artifacts.append(outcome)
    return Report(
        artifacts=tuple(artifacts), skipped=tuple(skipped), fail_on=policy.fail_on, tool_version=__version__
    )
