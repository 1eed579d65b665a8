"""The rule registry: every rule is declared once here; CLI choices, SARIF rules[] and docs derive from it."""

from __future__ import annotations

from dataclasses import replace
from typing import List, Tuple

from linkguard.model import Finding, Inspection
from linkguard.policy import PathPolicy
from linkguard.rules.base import Rule, RuleSpec
from linkguard.rules.dynamic_link import DynamicLink
from linkguard.rules.glibc_too_new import GlibcTooNew
from linkguard.rules.library_not_allowed import LibraryNotAllowed
from linkguard.rules.no_artifacts import NoArtifacts
from linkguard.rules.os_too_new import OsTooNew
from linkguard.rules.static_glibc_nss import StaticGlibcNss
from linkguard.rules.unreadable import CannotRead
from linkguard.rules.upx_packed import UpxPacked

RULES: Tuple[Rule, ...] = (
    DynamicLink(),
    GlibcTooNew(),
    LibraryNotAllowed(),
    OsTooNew(),
    UpxPacked(),
    StaticGlibcNss(),
    CannotRead(),
    NoArtifacts(),
)


def specs() -> Tuple[RuleSpec, ...]:
    return tuple(rule.spec for rule in RULES)


def evaluate(inspection: Inspection, policy: PathPolicy) -> Tuple[Finding, ...]:
    """All findings for one artifact under its path policy, in registry order.

    Where an allowance matched but has expired, every finding says so: the date in its message, the
    allowance first in its evidence.
    """
    findings: List[Finding] = []
    for rule in RULES:
        severity = policy.severity(rule.spec.code, rule.spec.name, rule.spec.default_severity)
        if severity is not None:
            findings.extend(rule.check(inspection, policy, severity))
    notes = policy.expiry_notes()
    if notes:
        suffix = policy.expiry_suffix()
        findings = [replace(f, message=f.message + suffix, evidence=(*notes, *f.evidence)) for f in findings]
    return tuple(findings)
