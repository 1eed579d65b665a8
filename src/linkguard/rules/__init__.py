"""The rule registry: every rule is declared once here; CLI choices, SARIF rules[] and docs derive from it."""

from __future__ import annotations

from dataclasses import replace
from typing import List, Optional, Sequence, Tuple

from linkguard.limits import MAX_EVIDENCE_LINES, MAX_FINDINGS, MAX_MESSAGE_CHARS
from linkguard.model import Finding, Inspection, Placement, TargetVerdict
from linkguard.policy import PathPolicy
from linkguard.rules.base import Rule, RuleSpec
from linkguard.rules.dynamic_link import DynamicLink
from linkguard.rules.glibc_too_new import GlibcTooNew
from linkguard.rules.library_not_allowed import LibraryNotAllowed
from linkguard.rules.no_artifacts import NoArtifacts
from linkguard.rules.os_too_new import OsTooNew
from linkguard.rules.platform_tag import PlatformTag
from linkguard.rules.static_glibc_nss import StaticGlibcNss
from linkguard.rules.unreadable import CannotRead
from linkguard.rules.upx_packed import UpxPacked
from linkguard.rules.wont_start import WontStart

RULES: Tuple[Rule, ...] = (
    DynamicLink(),
    GlibcTooNew(),
    LibraryNotAllowed(),
    OsTooNew(),
    WontStart(),
    PlatformTag(),
    UpxPacked(),
    StaticGlibcNss(),
    CannotRead(),
    NoArtifacts(),
)


def specs() -> Tuple[RuleSpec, ...]:
    return tuple(rule.spec for rule in RULES)


def evaluate(
    inspection: Inspection,
    policy: PathPolicy,
    verdicts: Sequence[TargetVerdict] = (),
    placement: Optional[Placement] = None,
) -> Tuple[Finding, ...]:
    """All findings for one artifact under its path policy, in registry order.

    `placement` (the artifact's package, host and provisions) feeds the rules that declare `placed = True`: they
    are asked through `check_placed` instead of `check`. `verdicts` (one per target) feed LG105; when there are
    targets and the artifact starts on every one, LG101 is not raised (the user said where it runs) unless the
    policy says `require-static`.

    Where an allowance matched but has expired, every finding says so: the date in its message, the
    allowance first in its evidence.
    """
    findings: List[Finding] = []
    starts_everywhere = bool(verdicts) and all(v.starts for v in verdicts) and not policy.require_static
    for rule in RULES:
        severity = policy.severity(rule.spec.code, rule.spec.name, rule.spec.default_severity)
        if severity is None:
            continue
        if isinstance(rule, WontStart):
            findings.extend(rule.check_verdicts(verdicts, severity))
        elif starts_everywhere and isinstance(rule, DynamicLink):
            continue
        elif getattr(rule, "placed", False):
            findings.extend(rule.check_placed(inspection, policy, severity, placement))  # type: ignore[attr-defined]
        else:
            findings.extend(rule.check(inspection, policy, severity))
    notes = policy.expiry_notes()
    if notes:
        suffix = policy.expiry_suffix()
        findings = [replace(f, message=f.message + suffix, evidence=(*notes, *f.evidence)) for f in findings]
    return bounded(findings)


def bounded(findings: List[Finding]) -> Tuple[Finding, ...]:
    """What one artifact may put in the report: at most MAX_FINDINGS findings, MAX_EVIDENCE_LINES evidence lines
    each, MAX_MESSAGE_CHARS per text; what is left out is counted in the last line kept."""
    kept = [_bounded_finding(f) for f in findings[:MAX_FINDINGS]]
    if len(findings) > MAX_FINDINGS:
        last = kept[-1]
        more = f"and {len(findings) - MAX_FINDINGS} more findings not listed (at most {MAX_FINDINGS} per artifact)"
        kept[-1] = replace(last, evidence=(*last.evidence, more))
    return tuple(kept)


def _bounded_finding(finding: Finding) -> Finding:
    evidence = finding.evidence
    if len(evidence) > MAX_EVIDENCE_LINES:
        hidden = len(evidence) - MAX_EVIDENCE_LINES + 1
        evidence = (*evidence[: MAX_EVIDENCE_LINES - 1], f"and {hidden} more lines")
    if len(finding.message) <= MAX_MESSAGE_CHARS and all(len(line) <= MAX_MESSAGE_CHARS for line in evidence):
        return finding if evidence is finding.evidence else replace(finding, evidence=evidence)
    return replace(finding, message=_clip(finding.message), evidence=tuple(_clip(line) for line in evidence))


def _clip(text: str) -> str:
    return text if len(text) <= MAX_MESSAGE_CHARS else text[: MAX_MESSAGE_CHARS - 30] + f" ... ({len(text)} characters)"
