"""--baseline and --update-baseline through the CLI, and allowance expiry with an injected date."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest

from linkguard.baseline import KNOWN_PREFIX
from tests.conftest import run_cli, run_json

DIST = Path(__file__).parents[2] / "examples" / "dist"
DYNAMIC = str(DIST / "spex-glibc")
PACKED = str(DIST / "spex-glibc-upx")


def _keys(report: Dict[str, Any]) -> List[Tuple[str, str]]:
    return sorted((a["path"], f["code"]) for a in report["artifacts"] for f in a["findings"])


def _write_report(tmp_path: Path, *paths: str) -> Path:
    code, text = run_cli(["--format", "json", *paths])
    assert code == 1, "the example binaries must have findings for these tests to mean anything"
    path = tmp_path / "baseline.json"
    path.write_text(text)
    return path


def test_a_previous_report_makes_its_findings_known_and_not_failing(tmp_path: Path) -> None:
    baseline = _write_report(tmp_path, str(DIST))
    before = json.loads(baseline.read_text())
    code, report = run_json(["--baseline", str(baseline), str(DIST)])
    assert code == 0
    assert _keys(report) == _keys(before)
    findings = [f for a in report["artifacts"] for f in a["findings"]]
    assert findings and all(f["severity"] == "note" and f["message"].startswith(KNOWN_PREFIX) for f in findings)


def test_a_finding_the_baseline_lacks_still_fails(tmp_path: Path) -> None:
    baseline = _write_report(tmp_path, DYNAMIC)
    code, report = run_json(["--baseline", str(baseline), DYNAMIC, PACKED])
    assert code == 1
    by_path = {a["path"]: a for a in report["artifacts"]}
    assert {f["severity"] for f in by_path[DYNAMIC]["findings"]} == {"note"}
    assert {f["severity"] for f in by_path[PACKED]["findings"]} == {"error"}


def test_update_only_removes_entries(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    baseline = _write_report(tmp_path, DYNAMIC)
    document = json.loads(baseline.read_text())
    gone = {"path": "dist/fixed-long-ago", "findings": [{"code": "LG101"}]}
    document["artifacts"].append(gone)
    baseline.write_text(json.dumps(document))
    code, _ = run_cli(["--format", "json", "--baseline", str(baseline), "--update-baseline", DYNAMIC, PACKED])
    assert code == 1  # the packed binary is new: it fails, and is not added
    assert "1 entries removed" in capsys.readouterr().err
    updated = json.loads(baseline.read_text())
    assert updated["linkguard-baseline"] == 1
    kept = sorted((e["path"], e["code"]) for e in updated["findings"])
    original = sorted((a["path"], f["code"]) for a in document["artifacts"][:-1] for f in a["findings"])
    assert kept == original
    # The rewritten baseline is itself a baseline: the same run under it passes for DYNAMIC alone.
    assert run_cli(["--baseline", str(baseline), DYNAMIC])[0] == 0


def test_baseline_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(["--update-baseline", DYNAMIC])[0] == 2
    assert "--update-baseline needs --baseline" in capsys.readouterr().err
    assert run_cli(["--baseline", str(tmp_path / "none.json"), DYNAMIC])[0] == 2
    assert "not found" in capsys.readouterr().err
    bad = tmp_path / "bad.json"
    bad.write_text('{"something": "else"}')
    assert run_cli(["--baseline", str(bad), DYNAMIC])[0] == 2
    assert "neither a linkguard JSON report nor a baseline file" in capsys.readouterr().err


def _expiring(tmp_path: Path) -> str:
    conf = tmp_path / "linkguard.toml"
    conf.write_text('[[allow]]\npaths = ["spex-glibc"]\nreason = "legacy build"\nexpires = "2027-03-31"\n')
    return str(conf)


def test_an_allowance_applies_through_its_expiry_date(tmp_path: Path) -> None:
    code, report = run_json(["--config", _expiring(tmp_path), "--today", "2027-03-31", DYNAMIC])
    (artifact,) = report["artifacts"]
    assert (code, artifact["allowance"], artifact["findings"]) == (0, "legacy build", [])


def test_after_its_date_the_allowance_is_gone_and_the_finding_says_so(tmp_path: Path) -> None:
    code, report = run_json(["--config", _expiring(tmp_path), "--today", "2027-04-01", DYNAMIC])
    (artifact,) = report["artifacts"]
    assert code == 1 and artifact["allowance"] is None
    (finding,) = artifact["findings"]
    assert finding["code"] == "LG101"
    assert finding["message"].endswith(" (allowance expired 2027-03-31)")
    assert finding["evidence"][0] == (
        "allowance expired on 2027-03-31 and no longer applies (spex-glibc; reason: legacy build)"
    )


def test_today_must_be_a_date(tmp_path: Path) -> None:
    assert run_cli(["--today", "tomorrow", DYNAMIC])[0] == 2


def test_collected_formats_apply_the_baseline_too(tmp_path: Path) -> None:
    """Markdown renders a whole Report (not streamed): the same findings are known there."""
    baseline = _write_report(tmp_path, DYNAMIC, PACKED)
    code, text = run_cli(["--format", "markdown", "--baseline", str(baseline), DYNAMIC, PACKED])
    assert code == 0
    assert KNOWN_PREFIX.rstrip(": ") in text  # markdown escapes the colon
    side = tmp_path / "side.json"
    code, _ = run_cli(["--format", "markdown", "--output-json", str(side), "--baseline", str(baseline), PACKED])
    report = json.loads(side.read_text())
    assert code == 0 and {f["severity"] for a in report["artifacts"] for f in a["findings"]} == {"note"}


# ------------------------------------------------------------------------ a ratchet that survives a release


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("app-1.0-linux", "app-1.1-linux"),
        ("app-v1.2.3-linux-amd64", "app-v1.3.0-rc1-linux-amd64"),
        ("tool_0.9.1_linux_amd64", "tool_1.0.0_linux_amd64"),
    ],
)
def test_a_version_bump_in_the_file_name_keeps_the_finding_known(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, old: str, new: str
) -> None:
    import shutil

    monkeypatch.chdir(tmp_path)
    (tmp_path / "dist").mkdir()
    shutil.copy(DYNAMIC, tmp_path / "dist" / old)
    baseline = _write_report(tmp_path, f"dist/{old}")
    (tmp_path / "dist" / old).rename(tmp_path / "dist" / new)
    code, report = run_json(["--baseline", str(baseline), f"dist/{new}"])
    assert code == 0
    assert {f["severity"] for a in report["artifacts"] for f in a["findings"]} == {"note"}
    # the ratchet keeps the entry, now under the release's own name
    assert run_cli(["--baseline", str(baseline), "--update-baseline", f"dist/{new}"])[0] == 0
    updated = json.loads(baseline.read_text())
    assert {e["path"] for e in updated["findings"]} == {f"dist/{new}"}


@pytest.mark.parametrize(
    ("old", "new"),
    [("app-1.0-linux-amd64", "app-1.0-linux-arm64"), ("app-1.0", "other-1.0"), ("app-2-linux", "app-3-linux")],
)
def test_names_that_differ_beyond_versions_are_new(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, old: str, new: str
) -> None:
    import shutil

    monkeypatch.chdir(tmp_path)
    (tmp_path / "dist").mkdir()
    shutil.copy(DYNAMIC, tmp_path / "dist" / old)
    baseline = _write_report(tmp_path, f"dist/{old}")
    (tmp_path / "dist" / old).rename(tmp_path / "dist" / new)
    code, _ = run_json(["--baseline", str(baseline), f"dist/{new}"])
    assert code == 1


@pytest.mark.parametrize(
    ("path", "normal"),
    [
        ("dist/app-1.0-linux.tar.gz", "dist/app-{version}-linux.tar.gz"),
        ("dist/app-v1.2.3-rc1.tar.gz!app-1.2.3/bin/app", "dist/app-{version}.tar.gz!app-{version}/bin/app"),
        ("spex-1.0-py3-none-manylinux_2_17_x86_64.whl", "spex-{version}-py3-none-manylinux_2_17_x86_64.whl"),
        ("dist/x86_64/arm64/i686/aarch64", "dist/x86_64/arm64/i686/aarch64"),
        ("lib/libfoo.so.1.2.3", "lib/libfoo.so.{version}"),
        ("app-2-linux", "app-2-linux"),
    ],
)
def test_release_path(path: str, normal: str) -> None:
    from linkguard.baseline import release_path

    assert release_path(path) == normal
