"""Interleaved pairs: how the benchmark compares two commands without flattering either.

Two single runs on a shared machine can differ by 2x, so a ratio of two separate "best of N" figures measures the
machine's mood as much as the code. Here each comparison runs A, B, A, B, ... after one warm-up of each; every
pair's ratio is taken within the pair (the two runs are seconds apart and see the same load) and the reported
figure is the median of those per-pair ratios, with min and max beside it. Each run is its own child process,
reaped with `os.wait4`, so its CPU time (user + sys, its worker processes included) and peak RSS (the largest
single process of it: the child or one of its reaped children) belong to that run alone.

Imported by `bench/run.py`; the statistics are unit-tested in tests/unit/test_bench_pairs.py.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import time
from dataclasses import dataclass
from typing import Callable, List, Optional, Sequence, Tuple


@dataclass(frozen=True)
class Run:
    """One run of one command: wall seconds, CPU seconds (user + sys, children included), peak RSS in KiB."""

    wall: float
    cpu: float
    rss_kib: int
    status: int = 0
    rss_floor_kib: int = 0  # the benchmark's own peak RSS when it started the run: see run_child

    @property
    def rss_known(self) -> bool:
        """Whether rss_kib is the run's own peak, not the floor that the start of a child inherits."""
        return self.rss_kib > self.rss_floor_kib


@dataclass(frozen=True)
class Spread:
    """Min, median and max of a list of values (the median is what a README may quote)."""

    low: float
    median: float
    high: float

    def text(self, digits: int = 2) -> str:
        return f"{self.median:.{digits}f} ({self.low:.{digits}f}-{self.high:.{digits}f})"


def spread(values: Sequence[float]) -> Spread:
    if not values:
        raise ValueError("no values")
    return Spread(min(values), statistics.median(values), max(values))


@dataclass(frozen=True)
class Comparison:
    """The runs of A and B, pair by pair (a[i] and b[i] ran one after the other)."""

    a: Tuple[Run, ...]
    b: Tuple[Run, ...]

    def __post_init__(self) -> None:
        if len(self.a) != len(self.b) or not self.a:
            raise ValueError("a comparison needs the same positive number of runs on both sides")

    def ratios(self, field: str) -> List[float]:
        """A/B of `field` (wall, cpu or rss_kib) within each pair."""
        return [getattr(x, field) / max(getattr(y, field), 1e-9) for x, y in zip(self.a, self.b)]

    def ratio(self, field: str) -> Spread:
        """Min, median and max of the per-pair ratios: never a ratio of two medians."""
        return spread(self.ratios(field))

    def side(self, which: str, field: str) -> Spread:
        runs = self.a if which == "a" else self.b
        return spread([float(getattr(run, field)) for run in runs])

    def failures(self) -> int:
        """Runs that crashed or could not start (exit status other than 0, or linkguard's 1: findings)."""
        return sum(1 for run in (*self.a, *self.b) if run.status not in (0, 1))


def run_child(cmd: Sequence[str], stdout: Optional[str] = None) -> Run:
    """Run `cmd` as one child (stdout to /dev/null or the file `stdout`) and reap it with wait4 for its rusage.

    Linux counts the memory a child starts with (a copy of, or shared with, the benchmark's own until it execs) in
    its peak RSS, so a peak no higher than the benchmark's own peak RSS at that moment says only "at most that":
    `rss_floor_kib` records it, and the benchmark itself is kept small (bench/run.py reads reports in a child).
    """
    floor = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out = open(stdout or os.devnull, "wb")  # noqa: SIM115 - closed below, after the child has exited
    try:
        started = time.monotonic()
        proc = subprocess.Popen(list(cmd), stdout=out, stderr=subprocess.DEVNULL)
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.monotonic() - started
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: tell Popen so it does not wait again
    finally:
        out.close()
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, proc.returncode, floor)


def interleave(first: Callable[[], Run], second: Callable[[], Run], pairs: int, warmups: int = 1) -> Comparison:
    """`warmups` runs of each (page cache, .pyc files), then `pairs` pairs A, B, A, B, ..."""
    if pairs < 1:
        raise ValueError("at least one pair")
    for _ in range(warmups):
        first()
        second()
    a: List[Run] = []
    b: List[Run] = []
    for _ in range(pairs):
        a.append(first())
        b.append(second())
    return Comparison(tuple(a), tuple(b))
