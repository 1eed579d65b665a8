"""Issue 15 item 19: goos/goarch/targets allowances match PE and Mach-O files from their headers, as they do ELF
files, so the goreleaser post-build hook (one binary at a time) and `--goreleaser dist/` judge a binary the same.

Truth: tests/data/dist-multi (goreleaser-style dist built with GOOS/GOARCH; manifest.json records the goos/goarch
of each binary and `file`/objdump/llvm-objdump facts) and tests/data/macho (llvm-objdump's universal headers).
A universal Mach-O file matches a target allowance only when every slice does.
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import pytest

from linkguard.cli import main
from tests.conftest import DATA, load_manifest, validate_report

MULTI = DATA / "dist-multi"
BINARIES = [f for f in json.loads((MULTI / "manifest.json").read_text())["files"] if f.get("goos")]
MACHO = {f["name"]: f for f in load_manifest(DATA / "macho" / "manifest.json")}
REASON = "target allowance under test"


def _run(tmp_path: Path, allowance: str, args: Sequence[str]) -> Tuple[int, Dict[str, Any], str]:
    config = tmp_path / "linkguard.toml"
    config.write_text(f'[[allow]]\n{allowance}\nreason = "{REASON}"\npacked = true\n')
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["--format", "json", "-j", "1", "-c", str(config), *args])
    report = json.loads(out.getvalue())
    validate_report(report)
    return code, report, err.getvalue()


def _allowance_of(report: Dict[str, Any], suffix: str) -> Optional[str]:
    (artifact,) = [a for a in report["artifacts"] if a["path"].endswith(suffix)]
    return artifact["allowance"]  # type: ignore[no-any-return]


@pytest.mark.parametrize("binary", BINARIES, ids=[b["file"] for b in BINARIES])
def test_direct_path_and_goreleaser_agree(tmp_path: Path, binary: Dict[str, Any]) -> None:
    goos, goarch = binary["goos"], binary["goarch"]
    selector = f'goos = "{goos}"\ngoarch = "{goarch}"'
    _, direct, _ = _run(tmp_path, selector, [str(MULTI / binary["file"])])
    _, listed, _ = _run(tmp_path, selector, ["--goreleaser", str(MULTI / "dist")])
    assert _allowance_of(direct, binary["file"]) == REASON
    assert _allowance_of(listed, binary["file"]) == REASON
    other = "riscv64"
    _, direct, _ = _run(tmp_path, f'goos = "{goos}"\ngoarch = "{other}"', [str(MULTI / binary["file"])])
    assert _allowance_of(direct, binary["file"]) is None


@pytest.mark.parametrize(
    ("selector", "name"),
    [
        ('targets = ["windows/amd64"]', "gohello_windows_amd64_v1/gohello.exe"),
        ('targets = ["x86_64-pc-windows*"]', "gohello_windows_amd64_v1/gohello.exe"),
        ('targets = ["aarch64-pc-windows*"]', "gohello_windows_arm64_v8.0/gohello.exe"),
        ('targets = ["aarch64-apple-darwin"]', "gohello_darwin_arm64_v8.0/gohello"),
        ('targets = ["x86_64-apple-darwin"]', "gohello_darwin_amd64_v1/gohello"),
        ('targets = ["darwin/arm64"]', "gohello_darwin_arm64_v8.0/gohello"),
    ],
)
def test_target_names_of_pe_and_macho(tmp_path: Path, selector: str, name: str) -> None:
    (binary,) = [b for b in BINARIES if b["file"].endswith(name)]
    assert binary["truth"]["format"] in ("pe", "macho")
    _, report, _ = _run(tmp_path, selector, [str(MULTI / binary["file"])])
    assert _allowance_of(report, name) == REASON


UNIVERSAL = MACHO["universal-clean"]


@pytest.mark.parametrize(
    ("selector", "applies"),
    [
        ('goos = "darwin"', True),
        ('goarch = "arm64"', False),  # the x86_64 slice is not arm64: one verdict covers the whole file
        ('goarch = "amd64"', False),
        ('goarch = ["arm64", "amd64"]', True),
        ('targets = ["*-apple-darwin"]', True),
        ('goos = "windows"', False),
    ],
)
def test_universal_file_matches_only_as_every_slice_does(tmp_path: Path, selector: str, applies: bool) -> None:
    cpus: List[str] = [s["cputype"] for s in UNIVERSAL["truth"]["slices"]]
    assert cpus == ["X86_64", "ARM64"]
    _, report, _ = _run(tmp_path, selector, [str(DATA / "macho" / UNIVERSAL["file"])])
    assert (_allowance_of(report, "universal-clean") == REASON) is applies


def test_allowance_that_matched_nothing_is_reported(tmp_path: Path) -> None:
    binary = next(b for b in BINARIES if b["goos"] == "windows")
    _, report, stderr = _run(tmp_path, 'goarch = "riscv64"', [str(MULTI / binary["file"])])
    line = f"allow[0] (goarch riscv64; reason: {REASON}) matched no artifact in this run"
    assert report["notices"] == [line]
    assert f"linkguard: note: {line}" in stderr
    config = tmp_path / "linkguard.toml"
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        main(["--format", "text", "--color", "never", "-j", "1", "-c", str(config), str(MULTI / binary["file"])])
    assert f"note: {line}" in out.getvalue()
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        main(["--format", "sarif", "-j", "1", "-c", str(config), str(MULTI / binary["file"])])
    (run,) = json.loads(out.getvalue())["runs"]
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert [n["message"]["text"] for n in notes] == [line]


def test_allowance_that_matched_is_not_reported(tmp_path: Path) -> None:
    binary = next(b for b in BINARIES if b["goos"] == "windows")
    _, report, stderr = _run(tmp_path, f'goos = "{binary["goos"]}"', [str(MULTI / binary["file"])])
    assert "notices" not in report
    assert "matched no artifact" not in stderr
