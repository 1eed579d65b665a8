#!/usr/bin/env python3
"""Benchmark linkguard against `scanelf -R` (Debian package pax-utils) and `file`, plus scale and start-up cases.

    python bench/run.py                 # everything, printed as Markdown tables
    python bench/run.py --only tree     # one part: tree | bin | sparse | tarball | startup
    python bench/run.py --tree /usr/bin --tree /usr/sbin

Not a test: numbers depend on the machine and its load. Every tool runs once before it is measured (warm page
cache); wall time and peak RSS come from GNU time (`/usr/bin/time -v`), whose peak RSS is that of the largest
single process (for linkguard with workers: the parent or one worker, whichever peaked higher).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

TREE = ["/usr/bin", "/usr/lib", "/usr/libexec", "/usr/sbin"]
ARCHIVE_GLOBS = ["*.jar", "*.zip", "*.whl", "*.sym", "*.tar", "*.tar.*", "*.tgz", "*.deb", "*.gz", "*.xz", "*.bz2"]
HERE = Path(__file__).resolve().parent
STATIC_ELF = HERE.parent / "tests" / "data" / "archives" / "bin" / "spex-static"


def measure(cmd: Sequence[str], shell: bool = False) -> Tuple[float, int, int]:
    """(wall seconds, peak RSS in KiB, exit code) of one run under GNU time."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        full = ["/usr/bin/time", "-v", "-o", report.name]
        full += ["sh", "-c", cmd[0]] if shell else list(cmd)
        proc = subprocess.run(full, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        text = report.read()
    wall = _wall(re.search(r"Elapsed \(wall clock\) time.*: (\S+)", text).group(1))  # type: ignore[union-attr]
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1))  # type: ignore[union-attr]
    return wall, rss, proc.returncode


def _wall(text: str) -> float:
    parts = [float(p) for p in text.split(":")]
    seconds = 0.0
    for part in parts:
        seconds = seconds * 60 + part
    return seconds


def best_of(cmd: Sequence[str], runs: int, shell: bool = False) -> Tuple[float, int]:
    """Warm up once, then the fastest of `runs` (least disturbed by other load) and its peak RSS."""
    measure(cmd, shell)
    results = [measure(cmd, shell) for _ in range(runs)]
    wall, rss, _ = min(results)
    return wall, rss


def linkguard(*args: str) -> List[str]:
    return [sys.executable, "-m", "linkguard", "--no-config", "-f", "json", "-o", os.devnull, *args]


def table(rows: List[Tuple[str, ...]], head: Tuple[str, ...]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def count_files(tree: Sequence[str]) -> Tuple[int, int]:
    out = subprocess.run(["scanelf", "-RBF", "%F", *tree], capture_output=True, text=True, check=False)
    elf = len(out.stdout.splitlines())
    files = sum(len(files) for root in tree for _, _, files in os.walk(root))
    return files, elf


def bench_tree(tree: Sequence[str], runs: int) -> str:
    files, elf = count_files(tree)
    where = " ".join(tree)
    excludes = [x for glob in ARCHIVE_GLOBS for x in ("--exclude", glob)]
    cases: List[Tuple[str, Sequence[str], bool]] = [
        ("scanelf -R", ["scanelf", "-R", "-F", "%F %i %n", *tree], False),
        ("file (find | xargs file)", [f"find {where} -type f -print0 | xargs -0 -n 2000 file >/dev/null"], True),
        ("linkguard (default jobs)", linkguard(*tree), False),
        ("linkguard -j1", linkguard("-j1", *tree), False),
        ("linkguard, archives excluded by name", linkguard(*excludes, *tree), False),
    ]
    results: Dict[str, Tuple[float, int]] = {}
    for name, cmd, shell in cases:
        results[name] = best_of(cmd, runs, shell)
    base = results["scanelf -R"][0]
    rows = [(name, f"{wall:.2f}", f"{rss / 1024:.0f}", f"{wall / base:.1f}x") for name, (wall, rss) in results.items()]
    return (
        f"Tree: {where} ({files} files, {elf} ELF files per scanelf); best of {runs} warm runs, "
        f"{os.cpu_count()} CPUs.\n\n" + table(rows, ("tool", "wall s", "peak RSS MiB", "vs scanelf"))
    )


def bench_small_tree(tree: str, runs: int) -> str:
    """One directory of programs, start-up included: what a pre-commit run or a dist/ check costs."""
    rows = []
    results = {
        "scanelf -R": best_of(["scanelf", "-R", "-F", "%F %i %n", tree], runs),
        "linkguard (default jobs)": best_of(linkguard(tree), runs),
        "linkguard -j1": best_of(linkguard("-j1", tree), runs),
    }
    base = results["scanelf -R"][0]
    rows = [(name, f"{wall:.3f}", f"{rss / 1024:.0f}", f"{wall / base:.1f}x") for name, (wall, rss) in results.items()]
    return f"One directory: {tree}, start-up included\n\n" + table(
        rows, ("tool", "wall s", "peak RSS MiB", "vs scanelf")
    )


def bench_sparse(work: Path) -> str:
    """A 2 GiB ELF file: a small static binary extended with a hole (sparse on disk)."""
    big = work / "sparse-2g"
    shutil.copyfile(STATIC_ELF, big)
    os.truncate(big, 2 << 30)
    rows = []
    for name, cmd in (
        ("linkguard", linkguard(str(big))),
        ("scanelf", ["scanelf", str(big)]),
        ("file", ["file", str(big)]),
    ):
        wall, rss = best_of(cmd, 3)
        rows.append((name, f"{wall:.2f}", f"{rss / 1024:.0f}"))
    baseline = best_of([sys.executable, "-m", "linkguard", "--version"], 3)
    rows.append(("linkguard --version (baseline)", f"{baseline[0]:.2f}", f"{baseline[1] / 1024:.0f}"))
    title = "2 GiB sparse ELF (`truncate -s 2G` of a static binary)"
    return title + "\n\n" + table(rows, ("tool", "wall s", "peak RSS MiB"))


def bench_tarball(work: Path, sources: Sequence[str]) -> str:
    """A large plain tarball and the same gzipped: members read in place, memory flat."""
    plain = work / "big.tar"
    subprocess.run(["tar", "-cf", str(plain), *sources], check=False, stderr=subprocess.DEVNULL)
    packed = work / "big.tar.gz"
    with open(plain, "rb") as src, open(packed, "wb") as dst:
        subprocess.run(["gzip", "-1", "-c"], stdin=src, stdout=dst, check=True)
    rows = []
    for path, reader in ((plain, f"tar -xOf {plain} >/dev/null"), (packed, f"tar -xzOf {packed} >/dev/null")):
        size = path.stat().st_size
        tar_wall, _ = best_of([reader], 1, shell=True)
        wall, rss = best_of(linkguard(str(path)), 1)
        wall_1, rss_1 = best_of(linkguard("-j1", str(path)), 1)
        rows.append(
            (
                path.name,
                f"{size / (1 << 20):.0f}",
                f"{tar_wall:.2f}",
                f"{wall:.2f} ({wall / tar_wall:.1f}x)",
                f"{rss / 1024:.0f}",
                f"{wall_1:.2f} ({wall_1 / tar_wall:.1f}x)",
                f"{rss_1 / 1024:.0f}",
            )
        )
    return f"Tarball of {' '.join(sources)}\n\n" + table(
        rows, ("archive", "MiB", "tar -xO s", "linkguard s (vs tar)", "peak RSS MiB", "-j1 s (vs tar)", "-j1 RSS MiB")
    )


def bench_startup(work: Path, runs: int) -> str:
    empty = work / "no-elf"
    empty.mkdir(exist_ok=True)
    for i in range(20):
        (empty / f"file{i}.txt").write_text("not an ELF file\n")
    cases = [
        ("python -c pass", [sys.executable, "-c", "pass"]),
        ("linkguard --version", [sys.executable, "-m", "linkguard", "--version"]),
        ("linkguard on 20 non-ELF files", [sys.executable, "-m", "linkguard", "--no-config", str(empty)]),
    ]
    rows = []
    for name, cmd in cases:
        measure(cmd)
        walls = sorted(measure(cmd)[0] for _ in range(runs))
        rows.append((name, f"{statistics.median(walls) * 1000:.0f}", f"{walls[0] * 1000:.0f}"))
    return "Start-up\n\n" + table(rows, ("command", "median ms", "best ms"))


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", action="append", help="roots of the tree benchmark (default: /usr/...)")
    parser.add_argument("--only", choices=("tree", "bin", "sparse", "tarball", "startup"), action="append")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--tarball-source", action="append", help="what the large tarball holds")
    args = parser.parse_args(argv)
    for tool in ("scanelf", "file", "/usr/bin/time"):
        if shutil.which(tool) is None:
            print(f"bench: {tool} is needed (apt-get install pax-utils file time)", file=sys.stderr)
            return 2
    parts = args.only or ["startup", "bin", "tree", "sparse", "tarball"]
    with tempfile.TemporaryDirectory(prefix="linkguard-bench-") as tmp:
        work = Path(tmp)
        for part in parts:
            if part == "tree":
                print(bench_tree(args.tree or TREE, args.runs))
            elif part == "bin":
                print(bench_small_tree("/usr/bin", args.runs))
            elif part == "sparse":
                print(bench_sparse(work))
            elif part == "tarball":
                print(bench_tarball(work, args.tarball_source or ["/usr/lib/x86_64-linux-gnu"]))
            elif part == "startup":
                print(bench_startup(work, max(5, args.runs)))
            print(flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
