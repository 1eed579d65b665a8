#!/usr/bin/env python3
"""linkguard on a `.tar.gz` against `tar xzf -O` on the same file (or against another linkguard), interleaved pairs.

    tar czf /tmp/usrlib.tar.gz -C /usr/lib x86_64-linux-gnu      # once
    python bench/tarball.py                                      # /tmp/usrlib.tar.gz, 5 pairs, default workers
    python bench/tarball.py --pairs 7 --jobs 1 /tmp/usrlib.tar.gz
    python bench/tarball.py --against /tmp/main/src /usr/lib/jvm   # B: linkguard from another checkout's src/

Not a test: numbers depend on the machine and its load. Each side runs once to warm up, then A, B, A, B, ... so that
both sides of a pair see the same load; the figures are the min/median/max of the per-pair ratios (wall and CPU)
and of each side's wall, CPU (user + sys, children included: tar's gzip) and peak RSS (the largest single process,
as the kernel reports it to wait4). linkguard reads every member's head and every ELF member's dynamic data; tar only
decompresses and writes to /dev/null.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

SRC = Path(__file__).resolve().parent.parent / "src"
Run = Tuple[float, float, int]  # wall s, CPU s, peak RSS KiB


def run(cmd: Sequence[str], env: Dict[str, str]) -> Run:
    """One run of `cmd` (output to /dev/null): wall and CPU seconds, peak RSS in KiB."""
    start = time.perf_counter()
    with open(os.devnull, "wb") as sink:
        proc = subprocess.Popen(cmd, stdout=sink, stderr=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    proc.returncode = code
    if code not in (0, 1):  # linkguard exits 1 when it finds something
        raise SystemExit(f"{cmd[0]} ... exited {code}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def spread(values: List[float], unit: str = "", digits: int = 2) -> str:
    return " / ".join(f"{v:.{digits}f}{unit}" for v in (min(values), statistics.median(values), max(values)))


def counts(tarball: str, env: Dict[str, str], jobs: List[str]) -> str:
    """The tarball's member count (tarfile) and what linkguard reports of it."""
    with tarfile.open(tarball, "r|gz") as archive:
        members = sum(1 for info in archive if info.isreg())
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        cmd = [sys.executable, "-m", "linkguard", "--no-config", *jobs, "-f", "json", "-o", out.name, tarball]
        subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        summary = json.load(out)["summary"]
    return f"{members} regular members; linkguard: {summary['artifacts']} artifacts, {summary['skipped']} skipped"


def main(argv: Sequence[str] = ()) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("tarball", nargs="?", default="/tmp/usrlib.tar.gz")
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--jobs", default=None, help="linkguard's -j (default: its own default)")
    parser.add_argument("--against", metavar="SRC", help="B is linkguard with PYTHONPATH=SRC (before/after), not tar")
    args = parser.parse_args(list(argv) or None)
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    jobs = [] if args.jobs is None else ["-j", args.jobs]
    linkguard = [sys.executable, "-m", "linkguard", "--no-config", *jobs, "-f", "json", "-o", os.devnull, args.tarball]
    if args.against:
        other, other_env, b_name = linkguard, {**os.environ, "PYTHONPATH": args.against}, "before"
        print(f"{args.tarball}: linkguard with PYTHONPATH={SRC} (after) against {args.against} (before)")
    else:
        other, other_env, b_name = ["tar", "xzf", args.tarball, "-O"], env, "tar"
        print(f"{args.tarball}: {os.path.getsize(args.tarball) >> 20} MiB; {counts(args.tarball, env, jobs)}")
    run(linkguard, env)
    run(other, other_env)
    sides: Dict[str, List[Run]] = {"linkguard": [], b_name: []}
    for _ in range(args.pairs):
        sides["linkguard"].append(run(linkguard, env))
        sides[b_name].append(run(other, other_env))
    print(f"linkguard: {' '.join(linkguard[1:])}\n{b_name}: {' '.join(other)}")
    print(f"{args.pairs} interleaved pairs, min / median / max:")
    for name, runs in sides.items():
        walls, cpus, rss = zip(*runs)
        print(
            f"  {name:9} wall {spread(list(walls), ' s')}   CPU {spread(list(cpus), ' s')}   "
            f"peak RSS {spread([r / 1024 for r in rss], ' MiB', 0)}"
        )
    pairs = list(zip(sides["linkguard"], sides[b_name]))
    walls = [a[0] / b[0] for a, b in pairs]
    print(f"  ratio     wall {spread(walls, 'x')}   CPU {spread([a[1] / b[1] for a, b in pairs], 'x')}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
