"""Issue 15 item 17: a run that checks nothing fails (LG902 no-artifacts) unless --allow-empty says it may pass.

Each output a CI reads must show it: text, JSON (valid against the schema), the GitHub annotations and job
summary, and SARIF (valid 2.1.0 with the rule in rules[]).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict

import pytest

from linkguard.cli import main
from tests.conftest import DATA, run_cli, run_json, validate_report


def _empty_tree(tmp_path: Path) -> Path:
    tree = tmp_path / "dist"
    tree.mkdir()
    (tree / "README.md").write_text("release notes\n")
    (tree / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    return tree


def test_empty_directory_fails_with_lg902(tmp_path: Path) -> None:
    tree = _empty_tree(tmp_path)
    code, report = run_json([str(tree)])
    validate_report(report)
    assert code == 1
    assert report["summary"]["artifacts"] == 0 and report["summary"]["skipped"] == 2
    assert report["summary"]["failed"] is True and report["summary"]["errors"] == 1
    (outcome,) = report["artifacts"]
    assert outcome["problem"]["kind"] == "empty"
    (finding,) = outcome["findings"]
    assert (finding["code"], finding["rule"]) == ("LG902", "no-artifacts")
    assert finding["message"] == f"no executable artifacts found in: {tree}"
    assert f"looked at: {tree}" in finding["evidence"]
    assert any(line.startswith("2 skipped:") for line in finding["evidence"])


def test_directory_with_no_file_at_all(tmp_path: Path) -> None:
    code, report = run_json([str(tmp_path)])
    assert code == 1
    (finding,) = report["artifacts"][0]["findings"]
    assert "no file at all under these paths" in finding["evidence"]


def test_every_path_is_named(tmp_path: Path) -> None:
    first, second = _empty_tree(tmp_path), tmp_path / "build"
    second.mkdir()
    code, report = run_json([str(first), str(second)])
    assert code == 1
    (finding,) = report["artifacts"][0]["findings"]
    assert finding["message"] == f"no executable artifacts found in: {first}, {second}"


@pytest.mark.parametrize("how", ["flag", "config", "severity"])
def test_allow_empty_opts_out(tmp_path: Path, how: str) -> None:
    tree = _empty_tree(tmp_path)
    args = [str(tree)]
    if how == "flag":
        args = ["--allow-empty", *args]
    elif how == "config":
        config = tmp_path / "linkguard.toml"
        config.write_text("allow-empty = true\n")
        args = ["-c", str(config), *args]
    else:
        args = ["--severity", "no-artifacts=off", *args]
    code, report = run_json(args)
    assert code == 0
    assert report["summary"]["failed"] is False and report["summary"]["errors"] == 0
    assert report["artifacts"] == []


def test_allow_empty_config_must_be_boolean(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "linkguard.toml"
    config.write_text('allow-empty = "yes"\n')
    assert main(["-c", str(config), str(tmp_path)]) == 2
    assert "allow-empty must be true or false" in capsys.readouterr().err


def test_a_run_with_an_artifact_is_not_empty() -> None:
    code, report = run_json([str(DATA / "macho" / "installnames" / "usefoo-dot-in-usr-lib")])
    assert code == 0 and report["summary"]["artifacts"] == 1
    assert all(f["code"] != "LG902" for a in report["artifacts"] for f in a["findings"])


def test_text_says_nothing_was_checked(tmp_path: Path) -> None:
    tree = _empty_tree(tmp_path)
    code, text = run_cli(["--format", "text", "--color", "never", str(tree)])
    assert code == 1
    assert f"{tree}  nothing to check" in text
    assert f"error LG902 no-artifacts: no executable artifacts found in: {tree}" in text
    assert text.rstrip().endswith("linkguard: 0 artifacts checked, 2 skipped; 1 error, 0 warnings: FAILED")


def test_github_annotation_and_summary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree = _empty_tree(tmp_path)
    summary, outputs = tmp_path / "summary.md", tmp_path / "outputs.txt"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.setenv("GITHUB_OUTPUT", str(outputs))
    code, text = run_cli(["--format", "github", str(tree)])
    assert code == 1
    assert any(line.startswith("::error ") and "LG902 no-artifacts" in line for line in text.splitlines())
    body = summary.read_text()
    assert "failed" in body.splitlines()[0] and "LG902 no-artifacts" in body
    assert "failed<<" in outputs.read_text()


def test_sarif_result_and_rule(tmp_path: Path) -> None:
    import jsonschema

    tree = _empty_tree(tmp_path)
    code, text = run_cli(["--format", "sarif", str(tree)])
    assert code == 1
    sarif: Dict[str, Any] = json.loads(text)
    schema = json.loads((DATA / "sarif" / "sarif-schema-2.1.0.json").read_text())
    jsonschema.validate(sarif, schema)
    (run,) = sarif["runs"]
    (result,) = run["results"]
    assert result["ruleId"] == "LG902" and result["level"] == "error"
    assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == "LG902"
