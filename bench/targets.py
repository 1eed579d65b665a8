#!/usr/bin/env python3
"""What a target costs: the same tree checked with and without `--target`, as interleaved pairs.

    python bench/targets.py                       # /usr/bin against the running system's root, 5 pairs
    python bench/targets.py --tree /usr/lib --target debian-12 --pairs 7

Each pair runs A (no target) then B (with the target), after one warm-up run of each; the figure is the median of
the per-pair ratios B/A (wall time and CPU time, user+sys of the process and its workers), with min and max
beside it, so that one noisy run on a shared machine cannot flatter or spoil the result. Not a test.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from typing import List, Sequence, Tuple


def run(cmd: Sequence[str]) -> Tuple[float, float]:
    """(wall seconds, CPU seconds of the command and its children) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    subprocess.run(list(cmd), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def spread(values: List[float]) -> str:
    return f"{statistics.median(values):.2f} (min {min(values):.2f}, max {max(values):.2f})"


def main(argv: Sequence[str] = ()) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", action="append", help="directories to check (default /usr/bin)")
    parser.add_argument("--target", default="/", help="the target (default: this system's root)")
    parser.add_argument("--pairs", type=int, default=5)
    args = parser.parse_args(list(argv) or None)
    tree = args.tree or ["/usr/bin"]
    base = [sys.executable, "-m", "linkguard", "--no-config", "-q", "--format", "json", *tree]
    with_target = [*base, "--target", args.target]
    run(base), run(with_target)  # warm-up: page cache, .pyc
    walls: List[float] = []
    cpus: List[float] = []
    rows = []
    for _ in range(args.pairs):
        a_wall, a_cpu = run(base)
        b_wall, b_cpu = run(with_target)
        walls.append(b_wall / a_wall)
        cpus.append(b_cpu / a_cpu)
        rows.append((a_wall, b_wall, a_cpu, b_cpu))
    print(f"tree: {' '.join(tree)}; target: {args.target}; {args.pairs} interleaved pairs on {os.cpu_count()} CPUs")
    print(f"without target: wall {spread([r[0] for r in rows])} s, CPU {spread([r[2] for r in rows])} s")
    print(f"with target:    wall {spread([r[1] for r in rows])} s, CPU {spread([r[3] for r in rows])} s")
    print(f"ratio (with / without): wall {spread(walls)}, CPU {spread(cpus)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
