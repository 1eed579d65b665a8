"""Exit codes, usage errors and the one error boundary of the CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from linkguard import cli
from tests.conftest import run_cli, run_json


def test_no_path_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--no-config"]) == 2
    assert "no PATH given" in capsys.readouterr().err


def test_unknown_flag_is_a_usage_error() -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main(["--frobnicate", "x"])
    assert exc.value.code == 2


def test_bad_config_is_exit_2_with_hint(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    conf = tmp_path / "linkguard.toml"
    conf.write_text('fail_on = "warning"\n')
    assert cli.main(["--config", str(conf), str(tmp_path)]) == 2
    assert "did you mean 'fail-on'" in capsys.readouterr().err


def test_bad_severity_flag_is_exit_2(tmp_path: Path) -> None:
    assert cli.main(["--no-config", "--severity", "LG101", str(tmp_path)]) == 2
    assert cli.main(["--no-config", "--severity", "LG101=loud", str(tmp_path)]) == 2
    assert cli.main(["--no-config", "--max-glibc", "new", str(tmp_path)]) == 2


def test_internal_error_is_exit_3_without_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import linkguard.scan

    def boom(*args: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(linkguard.scan, "scan", boom)
    monkeypatch.setattr(linkguard.scan, "check", boom)
    monkeypatch.setattr(linkguard.scan, "check_chunks", boom)
    assert cli.main(["--no-config", str(tmp_path)]) == 3
    err = capsys.readouterr().err
    assert "internal error: RuntimeError: a bug" in err and "Traceback" not in err
    with pytest.raises(RuntimeError):
        cli.main(["--no-config", "--debug", str(tmp_path)])


def test_non_elf_files_are_counted_as_skipped(tmp_path: Path) -> None:
    (tmp_path / "README").write_text("hello")
    (tmp_path / "script.sh").write_text("#!/bin/sh\n")
    code, report = run_json(["--allow-empty", str(tmp_path)])
    assert code == 0
    assert report["summary"]["skipped"] == 2 and report["summary"]["artifacts"] == 0
    assert not report["summary"]["failed"]


def test_truncated_elf_is_lg901_and_the_run_goes_on(tmp_path: Path) -> None:
    (tmp_path / "a-truncated").write_bytes(b"\x7fELF\x02\x01\x01")
    (tmp_path / "b-text").write_text("not elf")
    code, report = run_json([str(tmp_path)])
    assert code == 1
    (artifact,) = report["artifacts"]
    assert artifact["findings"][0]["code"] == "LG901"
    assert "truncated" in artifact["findings"][0]["message"]
    assert report["summary"]["skipped"] == 1


def test_fail_on_never_reports_but_passes(tmp_path: Path) -> None:
    (tmp_path / "bad").write_bytes(b"\x7fELF" + b"\0" * 10)
    code, text = run_cli(["--fail-on", "never", str(tmp_path)])
    assert code == 0 and "LG901" in text


def test_severity_off_silences_a_rule(tmp_path: Path) -> None:
    (tmp_path / "bad").write_bytes(b"\x7fELF" + b"\0" * 10)
    code, _ = run_cli(["--severity", "unreadable=off", str(tmp_path)])
    assert code == 0


def test_list_rules_comes_from_the_registry(capsys: pytest.CaptureFixture[str]) -> None:
    from linkguard.rules import specs

    assert cli.main(["--list-rules"]) == 0
    out = capsys.readouterr().out
    for spec in specs():
        assert spec.code in out and spec.name in out


def test_version_and_module_entry_point() -> None:
    result = subprocess.run([sys.executable, "-m", "linkguard", "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.startswith("linkguard ")


def test_output_file(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    code, stdout = run_cli(["--format", "json", "--allow-empty", "--output", str(out), str(tmp_path)])
    assert code == 0 and stdout == "" and '"version": 1' in out.read_text()
