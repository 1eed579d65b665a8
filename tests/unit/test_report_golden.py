"""Every registered reporter, rendered from in-memory Reports, against golden files in tests/data/golden/.

After an intended output change, regenerate with LINKGUARD_UPDATE_GOLDEN=1 and review the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Dict

import pytest

from linkguard.report import REPORTERS, Rendered, RenderOptions, get_reporter
from tests.unit._report_samples import SAMPLES, WORKSPACE

GOLDEN = Path(__file__).resolve().parents[1] / "data" / "golden"
UPDATE = os.environ.get("LINKGUARD_UPDATE_GOLDEN") == "1"
EXTENSIONS = {
    "text": "txt",
    "json": "json",
    "sarif": "sarif",
    "markdown": "md",
    "github": "log",
    "junit": "xml",
    "gitlab": "json",
}


def registry_independent(name: str, text: str) -> str:
    """SARIF without what the rule registry decides (rules[] and ruleIndex, checked in test_report_sarif.py),
    so adding or rewording a rule does not churn these files."""
    if name != "sarif":
        return text
    document = json.loads(text)
    for run in document["runs"]:
        run["tool"]["driver"]["rules"] = "<rules[] from the registry>"
        for result in run["results"]:
            result.pop("ruleIndex", None)
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def golden_files(name: str, sample: str, rendered: Rendered) -> Dict[Path, str]:
    base = GOLDEN / name
    files = {base / f"{sample}.{EXTENSIONS.get(name, 'out')}": registry_independent(name, rendered.text)}
    if rendered.step_summary is not None:
        files[base / f"{sample}.summary.md"] = rendered.step_summary
    if rendered.step_outputs:
        files[base / f"{sample}.outputs.json"] = json.dumps(dict(rendered.step_outputs), indent=2) + "\n"
    return files


def test_every_reporter_has_golden_files() -> None:
    assert set(REPORTERS) <= set(EXTENSIONS), "add the new reporter to EXTENSIONS and generate its golden files"


@pytest.mark.parametrize("sample", sorted(SAMPLES))
@pytest.mark.parametrize("name", sorted(REPORTERS))
def test_golden(name: str, sample: str) -> None:
    rendered = get_reporter(name).render(SAMPLES[sample], RenderOptions(workspace=WORKSPACE))
    for path, text in golden_files(name, sample, rendered).items():
        if UPDATE:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8", newline="\n")
        assert path.is_file(), f"missing golden file {path}; run with LINKGUARD_UPDATE_GOLDEN=1"
        assert text == path.read_text(encoding="utf-8"), f"{path} differs (LINKGUARD_UPDATE_GOLDEN=1 regenerates)"


@pytest.mark.parametrize("sample", sorted(SAMPLES))
@pytest.mark.parametrize("name", sorted(REPORTERS))
def test_rendering_is_deterministic(name: str, sample: str) -> None:
    options = RenderOptions(workspace=WORKSPACE)
    assert get_reporter(name).render(SAMPLES[sample], options) == get_reporter(name).render(SAMPLES[sample], options)
