"""Replay the fuzzing regression corpus (tests/data/malformed/fuzz/<harness>/) under the bounds the CLI promises.

Every file there is an input a fuzzing campaign (fuzz/README.md) found to crash, hang or blow up memory. Each one
is replayed twice, each time in a child process with a cap on its address space (RLIMIT_AS) and a wall-clock bound:

- through the same entry point as its harness (fuzz/targets.py, which needs no fuzzer installed): it must return;
- through the CLI (`linkguard.cli.main([..., '-f', 'json', '-o', report])`): exit 0 or 1, never 3 (an internal
  error), and the input appears in the report (as an artifact, one of its members, or a skipped file). A config
  input is given with `-c` and may also be refused as a configuration error (exit 2).

Time bound: the per-artifact limit (Limits.seconds) plus a generous margin for interpreter start-up on a busy
machine; it is a bound on hangs, not a benchmark.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest

from linkguard.limits import Limits

ROOT = Path(__file__).parents[2]
CORPUS = ROOT / "tests" / "data" / "malformed" / "fuzz"
FUZZ = ROOT / "fuzz"
SRC = ROOT / "src"
STATIC_ELF = ROOT / "tests" / "data" / "elf" / "bin" / "musl-gcc-static"

TIME_BOUND = Limits().seconds + 25.0
MEMORY_BOUND = 2 << 30  # address space of the child: ample for CPython and the parsers, far below a blow-up
RSS_BOUND_KB = 1 << 20  # peak resident memory of the child, 1 GiB

_CHILD = r"""
import json, os, resource, sys, time
sys.path[:0] = [sys.argv[1], sys.argv[2]]
mode, harness, corpus_file = sys.argv[3:6]
data = open(corpus_file, "rb").read()
started = time.monotonic()
if mode == "target":
    import targets
    targets.TARGETS[harness](data)
    code = None
else:
    from linkguard.cli import main
    code = main(sys.argv[6:])
print(json.dumps({
    "code": code,
    "seconds": time.monotonic() - started,
    "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
}))
"""


def _corpus() -> List[Tuple[str, Path]]:
    if not CORPUS.is_dir():
        return []
    return [
        (harness.name, path)
        for harness in sorted(CORPUS.iterdir())
        if harness.is_dir()
        for path in sorted(harness.iterdir())
        if path.is_file() and not path.name.startswith(".")
    ]


CASES = _corpus()
IDS = [f"{harness}/{path.name}" for harness, path in CASES]


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BOUND, MEMORY_BOUND))


def _replay(mode: str, harness: str, corpus_file: Path, argv: List[str]) -> Dict[str, Any]:
    command = [sys.executable, "-c", _CHILD, str(SRC), str(FUZZ), mode, harness, str(corpus_file), *argv]
    try:
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=TIME_BOUND,
            preexec_fn=_limit_memory,
            cwd=str(corpus_file.parent),
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"{mode} replay of {harness}/{corpus_file.name} ran over {TIME_BOUND:g} s")
    assert done.returncode == 0, f"{mode} replay failed (exit {done.returncode}):\n{done.stderr[-4000:]}"
    result: Dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["maxrss_kb"] < RSS_BOUND_KB, f"peak RSS {result['maxrss_kb']} KiB"
    return result


def test_corpus_has_a_directory_per_harness() -> None:
    sys.path.insert(0, str(FUZZ))
    try:
        import targets  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(FUZZ))
    assert CASES, f"no regression inputs under {CORPUS}"
    unknown = {harness for harness, _ in CASES} - set(targets.TARGETS)
    assert not unknown, f"corpus directories without a harness: {sorted(unknown)}"


@pytest.mark.parametrize(("harness", "corpus_file"), CASES, ids=IDS)
def test_replay_through_harness_entry_point(harness: str, corpus_file: Path) -> None:
    _replay("target", harness, corpus_file, [])


def _cli_input(harness: str, corpus_file: Path, tmp_path: Path) -> Path:
    """The file the CLI is given: the input itself, except for harnesses whose input carries a parameter prefix."""
    data = corpus_file.read_bytes()
    if harness == "toolchain":
        data = data[1:]  # the first byte picks the facts handed to examine_toolchain
    artifact = tmp_path / "artifact"
    artifact.write_bytes(data)
    return artifact


@pytest.mark.parametrize(("harness", "corpus_file"), CASES, ids=IDS)
def test_replay_through_cli(harness: str, corpus_file: Path, tmp_path: Path) -> None:
    report_path = tmp_path / "report.json"
    if harness == "config":
        config = tmp_path / "linkguard.toml"
        config.write_bytes(corpus_file.read_bytes())
        target = STATIC_ELF
        argv = ["-c", str(config), "-f", "json", "-o", str(report_path), str(target)]
        allowed: Tuple[int, ...] = (0, 1, 2)
    else:
        target = _cli_input(harness, corpus_file, tmp_path)
        argv = ["--no-config", "-f", "json", "-o", str(report_path), str(target)]
        allowed = (0, 1)
    result = _replay("cli", harness, corpus_file, argv)
    assert result["code"] in allowed, f"exit {result['code']}"
    if result["code"] == 2:
        return  # the configuration was refused with a message: nothing was checked
    report = json.loads(report_path.read_text())
    paths = [a["path"] for a in report["artifacts"]]
    skipped = [s["path"] if isinstance(s, dict) else s for s in report.get("skipped_files", [])]
    shown = [p for p in paths + skipped if p == str(target) or p.startswith(f"{target}!")]
    assert shown or report["summary"]["skipped"] >= 1, f"{target} missing from the report: {report['summary']}"


# ------------------------------------------------------------------------ fixes the campaign led to, at their source


class _CountingDict(Dict[int, bytes]):
    lookups = 0

    def get(self, key: int, default: Any = None) -> Any:  # type: ignore[override]
        _CountingDict.lookups += 1
        return super().get(key, default)


def test_string_table_past_eof_is_not_walked_block_by_block() -> None:
    """toolchain/strtab-past-eof: a string table claimed larger than 4 MiB and lying past the end of the file.

    Each name lookup walked every cached (empty) 4 KiB block after its own, so the cost grew with the square of
    the symbol count (1 s for a 26 KB input, the whole time limit for a large one). A lookup that lands on a block
    past the end of the file must stop there.
    """
    from linkguard.readers import elf
    from linkguard.readers.budget import Budget
    from linkguard.readers.source import BytesSource

    data = STATIC_ELF.read_bytes()
    image = elf.ElfImage(BytesSource(data), Budget())
    names = elf._StringReader(image, len(data) + 4096, 1 << 30)
    names._blocks = _CountingDict()
    _CountingDict.lookups = 0
    for block in range(1, 2001):
        assert names.get(block * 4096) == ""
    for _ in range(2000):
        assert names.get(0) == ""
    assert _CountingDict.lookups <= 2 * 4000, f"{_CountingDict.lookups} block lookups for 4000 names"
