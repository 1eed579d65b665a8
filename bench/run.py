#!/usr/bin/env python3
"""Benchmark linkguard against its peers as interleaved pairs: `scanelf -R` on a tree, `tar xzf -O` on a tarball.

    python bench/run.py                          # every case, 5 pairs each, printed as Markdown
    python bench/run.py --only tree --pairs 7    # the tree cases only
    python bench/run.py --only tarball
    python bench/run.py --tree /usr/bin          # another tree

linkguard's modules are byte-compiled first (as pip does on install). Not a test: numbers depend on the machine and
its load. Every comparison runs linkguard and the peer alternately (A, B, A, B, ...) after one warm-up of each, and
reports the median of the per-pair ratios with min and max beside it (bench/pairs.py says why), for wall time, CPU
time (user + sys, worker processes included) and next to them each side's wall, CPU and peak RSS (the largest single
process of a run). Cases on the tree: default options (text report to /dev/null, default jobs, archives opened),
archives kept closed (`--no-archives`: no archive is opened, none is looked for at a file's end), archives excluded
by name (`--exclude` globs: a zip under another name is still found and opened), `-j1`, and with `--json` the JSON
report. The tarball is a `.tar.gz` of /usr/lib/x86_64-linux-gnu made once with `gzip -1` in the temporary directory
(kept for later runs).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pairs import Comparison, Run, interleave, run_child

TREE = ["/usr/bin", "/usr/lib", "/usr/libexec", "/usr/sbin"]
ARCHIVE_GLOBS = ["*.jar", "*.zip", "*.whl", "*.sym", "*.tar", "*.tar.*", "*.tgz", "*.deb", "*.gz", "*.xz", "*.bz2"]
ARCHIVE_GLOBS += ["*.a"]  # static libraries: ar archives, opened like any other
TARBALL = Path(tempfile.gettempdir()) / "linkguard-bench" / "x86_64-linux-gnu.tar.gz"


def linkguard(*args: str) -> List[str]:
    return [sys.executable, "-m", "linkguard", "--no-config", *args]


def table(rows: List[Tuple[str, ...]], head: Tuple[str, ...]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def census(tree: Sequence[str], report_path: str) -> str:
    """Files and ELF files (per scanelf) of the tree; archives and their members (per linkguard's JSON report).

    Runs in a forked child (see in_child): the report's objects would otherwise raise the benchmark's own peak RSS,
    which every later child inherits as its floor.
    """
    with open(report_path, encoding="utf-8") as handle:
        report: Dict[str, Any] = json.load(handle)
    files = sum(len(names) for root in tree for _, _, names in os.walk(root))
    out = subprocess.run(["scanelf", "-RBF", "%F", *tree], capture_output=True, text=True, check=False)
    elf = len(out.stdout.splitlines())
    archives = set()
    members = 0
    for entry in report.get("artifacts", []):
        if "!" in entry["path"]:
            archives.add(entry["path"].split("!", 1)[0])
            members += 1
    for entry in report.get("skipped_files", []):
        match = re.match(r"archive: (\d+) members? (?:is|are) not", str(entry.get("reason", "")))
        if match:
            archives.add(entry["path"].split("!", 1)[0])
            members += int(match.group(1))
        elif "!" in entry["path"]:
            archives.add(entry["path"].split("!", 1)[0])
            members += 1
    artifacts = report.get("summary", {}).get("artifacts", len(report.get("artifacts", [])))
    return (
        f"{files:,} files, {elf:,} ELF files per scanelf; linkguard: {artifacts:,} artifacts, "
        f"{len(archives):,} archives opened with {members:,} members"
    )


def rss(runs: Sequence[Run]) -> str:
    """Median and max peak RSS in MiB; "<= N" where the runs did not rise above the floor a child starts with."""
    if not all(run.rss_known for run in runs):
        return f"<= {max(run.rss_kib for run in runs) / 1024:.0f}"
    values = sorted(run.rss_kib / 1024 for run in runs)
    return f"{values[len(values) // 2]:.0f} (max {values[-1]:.0f})"


def in_child(function: Callable[..., str], *args: Any) -> str:
    """`function(*args)` in a forked process, so that its memory never counts in the benchmark's own peak RSS."""
    context = multiprocessing.get_context("fork")
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=context) as pool:
        return pool.submit(function, *args).result()


def row(name: str, comparison: Comparison, peer: str) -> Tuple[str, ...]:
    wall, cpu = comparison.ratio("wall"), comparison.ratio("cpu")
    return (
        name,
        comparison.side("a", "wall").text(),
        comparison.side("a", "cpu").text(),
        rss(comparison.a),
        comparison.side("b", "wall").text(),
        comparison.side("b", "cpu").text(),
        rss(comparison.b),
        f"**{wall.median:.2f}x** ({wall.low:.2f}-{wall.high:.2f})",
        f"{cpu.median:.2f}x ({cpu.low:.2f}-{cpu.high:.2f})",
    ) + ((f"{comparison.failures()} failed runs",) if comparison.failures() else ())


HEAD = (
    "linkguard case",
    "wall s",
    "CPU s",
    "RSS MiB",
    "peer wall s",
    "peer CPU s",
    "peer RSS MiB",
    "ratio wall",
    "ratio CPU",
)


def bench_tree(tree: Sequence[str], pairs: int, with_json: bool = False) -> str:
    load = os.getloadavg()[0]
    scanelf = ["scanelf", "-R", "-F", "%F %i %n", *tree]
    excludes = [x for glob in ARCHIVE_GLOBS for x in ("--exclude", glob)]
    cases: List[Tuple[str, List[str]]] = [
        ("default (text report, default jobs)", linkguard(*tree)),
        ("archives kept closed (`--no-archives`)", linkguard("--no-archives", *tree)),
        ("archives excluded by name", linkguard(*excludes, *tree)),
        ("`-j1`", linkguard("-j1", *tree)),
    ]
    if with_json:
        cases.append(("JSON report (`-f json`)", linkguard("-f", "json", *tree)))
    with tempfile.NamedTemporaryFile("r", suffix=".json") as report:
        run_child(linkguard("-f", "json", "-o", report.name, *tree))
        counts = in_child(census, tree, report.name)
    rows = []
    results: Dict[str, Comparison] = {}
    for name, cmd in cases:
        results[name] = interleave(lambda cmd=cmd: run_child(cmd), lambda: run_child(scanelf), pairs)
        rows.append(row(name, results[name], "scanelf"))
        print(f"  measured: {name}", file=sys.stderr, flush=True)
    default, excluded = results[cases[0][0]], results[cases[1][0]]
    archive_share = default.side("a", "wall").median - excluded.side("a", "wall").median
    archive_cpu = default.side("a", "cpu").median - excluded.side("a", "cpu").median
    return (
        f"Tree: {' '.join(tree)}: {counts}. Peer: `{' '.join(scanelf)}`. {pairs} interleaved pairs per case after "
        f"one warm-up each, {os.cpu_count()} CPUs, load before: {load:.2f}. Each cell: median "
        f"(min-max); ratios are medians of per-pair ratios; RSS is the largest single process.\n\n"
        + table(rows, (*HEAD,))
        + f"\n\nArchives' share of the default run (median default minus median with `--no-archives`): "
        f"{archive_share:.2f} s wall, {archive_cpu:.2f} s CPU."
    )


def make_tarball(sources: Sequence[str], path: Path) -> Path:
    """A `.tar.gz` of `sources` through `gzip -1`, made once and kept for later runs."""
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    with open(partial, "wb") as sink:
        tar = subprocess.Popen(["tar", "-cf", "-", *sources], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        subprocess.run(["gzip", "-1", "-c"], stdin=tar.stdout, stdout=sink, check=True)
        tar.wait()
    partial.rename(path)
    return path


def bench_tarball(sources: Sequence[str], pairs: int, path: Path) -> str:
    load = os.getloadavg()[0]
    archive = make_tarball(sources, path)
    untar = ["tar", "xzf", str(archive), "-O"]
    rows = []
    for name, cmd in (("default", linkguard(str(archive))), ("`-j1`", linkguard("-j1", str(archive)))):
        rows.append(row(name, interleave(lambda cmd=cmd: run_child(cmd), lambda: run_child(untar), pairs), "tar"))
        print(f"  measured: tarball {name}", file=sys.stderr, flush=True)
    size = archive.stat().st_size / (1 << 20)
    return (
        f"Tarball: {archive} ({size:.0f} MiB, `tar -cf - {' '.join(sources)} | gzip -1`). Peer: `{' '.join(untar)}` "
        f"to /dev/null. {pairs} interleaved pairs after one warm-up each, load before: {load:.2f}.\n\n"
        + table(rows, (*HEAD,))
    )


def bench_versus(tree: Sequence[str], pairs: int, other: str) -> str:
    """This linkguard against another version of it (its `src` directory) on the tree, `-j1`, archives excluded:
    what a change to per-file costs bought, measured as the peers are."""
    excludes = [x for glob in ARCHIVE_GLOBS for x in ("--exclude", glob)]
    cmd = linkguard("-j1", *excludes, *tree)
    env = [f"PYTHONPATH={os.path.abspath(other)}"]
    comparison = interleave(lambda: run_child(cmd), lambda: run_child(["env", *env, *cmd]), pairs)
    return (
        f"This linkguard against the one in {other} on {' '.join(tree)}, `-j1`, archives excluded by name; "
        f"{pairs} interleaved pairs, load {os.getloadavg()[0]:.2f}\n\n"
        + table([row("`-j1`, archives excluded", comparison, "other")], (*HEAD,))
    )


def bench_startup(pairs: int) -> str:
    """linkguard --version against a bare interpreter: what every run pays before its first file."""
    bare = [sys.executable, "-c", "pass"]
    comparison = interleave(lambda: run_child(linkguard("--version")), lambda: run_child(bare), pairs)
    return "Start-up: `linkguard --version` against `python -c pass`\n\n" + table(
        [row("--version", comparison, "python")], (*HEAD,)
    )


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--tree", action="append", help="roots of the tree benchmark (default: /usr/...)")
    parser.add_argument("--only", choices=("tree", "tarball", "startup", "versus"), action="append")
    parser.add_argument("--versus", metavar="SRC", help="versus: the src/ directory of the linkguard to compare with")
    parser.add_argument("--pairs", type=int, default=5, help="interleaved pairs per comparison (at least 5)")
    parser.add_argument("--json", action="store_true", help="tree: also the JSON report (`-f json`) as a case")
    parser.add_argument("--tarball-source", action="append", help="what the tarball holds")
    parser.add_argument("--tarball", type=Path, default=TARBALL, help=f"where it is kept (default {TARBALL})")
    args = parser.parse_args(argv)
    if args.pairs < 5:
        parser.error("--pairs: at least 5, or the median says little")
    for tool in ("scanelf", "tar", "gzip"):
        if shutil.which(tool) is None:
            print(f"bench: {tool} is needed (apt-get install pax-utils tar gzip)", file=sys.stderr)
            return 2
    # As installed (pip byte-compiles on install): an environment with PYTHONDONTWRITEBYTECODE=1 would otherwise
    # recompile every module on every run, which an installed linkguard never does.
    src = os.environ.get("PYTHONPATH", "").split(os.pathsep)[0]
    if src and Path(src, "linkguard").is_dir():
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(src, "linkguard"))], check=True)
    print(f"load average (uptime): {' '.join(f'{x:.2f}' for x in os.getloadavg())}\n")
    for part in args.only or ["startup", "tree", "tarball"]:
        if part == "tree":
            print(bench_tree(args.tree or TREE, args.pairs, args.json))
        elif part == "tarball":
            print(bench_tarball(args.tarball_source or ["/usr/lib/x86_64-linux-gnu"], args.pairs, args.tarball))
        elif part == "startup":
            print(bench_startup(args.pairs))
        elif part == "versus":
            if not args.versus:
                parser.error("--only versus needs --versus SRC")
            print(bench_versus(args.tree or TREE, args.pairs, args.versus))
        print(flush=True)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
