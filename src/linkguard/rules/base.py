"""The rule interface: each rule declares its id once (RuleSpec) and judges one artifact's facts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterator, Optional, Protocol, Tuple

from linkguard.model import Finding, Inspection, Severity

if TYPE_CHECKING:
    from linkguard.policy import PathPolicy
    from linkguard.remedies import Explanation


@dataclass(frozen=True)
class RuleSpec:
    """Everything said about a rule outside its code: CLI choices, SARIF rules[], docs derive from this."""

    code: str  # "LG101"
    name: str  # "dynamic-link"
    default_severity: Severity
    summary: str  # one line
    description: str  # a paragraph: what it checks and why it matters
    help_markdown: str  # how to fix, for SARIF help and docs
    # SARIF security-severity ("0.1".."10.0"). Only for security rules: GitHub files every result of a rule
    # that has one as a security alert. None for rules about portability (docs/integrations.md says which).
    security_severity: Optional[str] = None

    @property
    def help_uri(self) -> str:
        return f"https://github.com/linkguard/linkguard/blob/main/docs/rules.md#{self.code.lower()}-{self.name}"

    def finding(
        self,
        severity: Severity,
        message: str,
        *,
        evidence: Tuple[str, ...] = (),
        explanation: Optional[Explanation] = None,
        through_packing: bool = False,
    ) -> Finding:
        """A finding of this rule; cause and fix come from the remedies table's `explanation`."""
        return Finding(
            code=self.code,
            rule=self.name,
            severity=severity,
            message=message,
            evidence=evidence,
            cause=explanation.cause if explanation else None,
            fix=explanation.fix if explanation else None,
            remedy=explanation.remedy if explanation else None,
            remedy_evidence=explanation.evidence if explanation else (),
            through_packing=through_packing,
        )


class Rule(Protocol):
    spec: RuleSpec

    def check(self, inspection: Inspection, policy: PathPolicy, severity: Severity) -> Iterator[Finding]:
        """Findings for one artifact; `severity` is the level the policy set for this rule here."""
        ...
