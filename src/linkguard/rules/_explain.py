"""Attach cause and fix from the remedies table to a finding's keyword arguments."""

from __future__ import annotations

from typing import Dict, Optional

from linkguard import remedies
from linkguard.model import ElfFacts


def cause_and_fix(code: str, facts: ElfFacts) -> Dict[str, Optional[str]]:
    explanation = remedies.explain(code, facts)
    if explanation is None:
        return {}
    return {"cause": explanation.cause, "fix": explanation.fix, "remedy": explanation.remedy}
