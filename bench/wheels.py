#!/usr/bin/env python3
"""Checking a wheel: linkguard against `auditwheel show` on the same wheel, as interleaved pairs (issue 18's bar:
linkguard at least 10x faster).

    python bench/wheels.py                 # the corpus' Linux wheels and numpy's, 5 pairs each
    python bench/wheels.py --pairs 7 --cache /tmp/wheels

Wheels: three from tests/data/packages (slimmed: dist-info, binaries and __init__.py files) and numpy 2.1.3's
manylinux2014 x86_64 wheel as published (16 MB, 4 bundled libraries in numpy.libs/), fetched by this script with
`pip download` and checked against its pinned sha256. For each wheel: one warm-up run of each command, then pairs
A (auditwheel show), B (linkguard), A, B, ...; the figures are the medians of the per-pair ratios A/B of wall time
and of CPU time (user + sys, children included: less sensitive to a busy machine), i.e. how many times faster
linkguard is, with min and max. Commands run as subprocesses, start-up included, the way a CI step runs them.
Both run on this interpreter as installed tools run: auditwheel as `python -m auditwheel` (its console script,
without a version manager's shell shim in front, which costs a shell and a lookup per run), linkguard from src/
with its modules byte-compiled beforehand (compileall: src/linkguard/**/__pycache__, ignored by git), as pip does on
install: without that, an environment with PYTHONDONTWRITEBYTECODE=1 recompiles every module on every run.
Then the floor any Python tool pays: `python -S -c pass`, `python -c pass` and both tools' `--version`.
Not a test: the numbers depend on the machine and on what else runs on it.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "data" / "packages"
CORPUS_WHEELS = (
    CORPUS / "wheels" / "bcrypt-4.3.0-cp39-abi3-manylinux_2_34_x86_64.whl",
    CORPUS / "wheels" / "cffi-1.17.1-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
    CORPUS / "wheels" / "pyzmq-26.2.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
)
BIG = "numpy-2.1.3-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
BIG_SHA256 = "2312b2aa89e1f43ecea6da6ea9a810d06aae08321609d8dc0d0eda6d946a541b"


def fetch_big(cache: Path) -> Path:
    path = cache / BIG
    if not path.exists():
        cache.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "-q",
                "--no-deps",
                "--only-binary=:all:",
                "--platform",
                "manylinux_2_17_x86_64",
                "--python-version",
                "3.12",
                "-d",
                str(cache),
                "numpy==2.1.3",
            ],
            check=True,
        )
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != BIG_SHA256:
        raise SystemExit(f"{path}: sha256 {digest}, pinned {BIG_SHA256}")
    return path


def measure(cmd: Sequence[str], env: Dict[str, str]) -> Tuple[float, float]:
    """(wall seconds, CPU seconds: user + sys of the command and its children) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    proc = subprocess.run(list(cmd), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False)
    elapsed = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 1):  # linkguard exits 1 on findings; anything else is a failed run
        raise SystemExit(f"{' '.join(cmd)} exited {proc.returncode}")
    return elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def spread(values: List[float], unit: str = "") -> str:
    return f"{statistics.median(values):.2f}{unit} (min {min(values):.2f}, max {max(values):.2f})"


def main(argv: Sequence[str] = ()) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/linkguard-bench-wheels"))
    args = parser.parse_args(list(argv) or None)
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    wheels = [*CORPUS_WHEELS, fetch_big(args.cache)]
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "src" / "linkguard")], env=env, check=True)
    auditwheel = [sys.executable, "-m", "auditwheel", "show"]
    linkguard = [sys.executable, "-m", "linkguard", "--no-config", "-q", "--format", "json", "-o", "/dev/null"]
    print(f"A: {' '.join(auditwheel)} WHEEL")
    print(f"B: PYTHONPATH=src {' '.join(linkguard)} WHEEL (byte-compiled)")
    print(f"{args.pairs} interleaved pairs per wheel after one warm-up of each, on {os.cpu_count()} CPUs")
    for wheel in wheels:
        a_cmd, b_cmd = [*auditwheel, str(wheel)], [*linkguard, str(wheel)]
        measure(a_cmd, env), measure(b_cmd, env)
        a_runs: List[Tuple[float, float]] = []
        b_runs: List[Tuple[float, float]] = []
        for _ in range(args.pairs):
            a_runs.append(measure(a_cmd, env))
            b_runs.append(measure(b_cmd, env))
        size = wheel.stat().st_size / 1e6
        print(f"{wheel.name} ({size:.1f} MB)")
        for index, what in ((0, "wall"), (1, "CPU")):
            a_values = [run[index] for run in a_runs]
            b_values = [run[index] for run in b_runs]
            ratios = [a / b for a, b in zip(a_values, b_values)]
            print(f"  {what}: auditwheel show {spread(a_values, ' s')}; linkguard {spread(b_values, ' s')}")
            print(f"  {what}: linkguard is {spread(ratios, 'x')} faster (median of per-pair ratios)")
    floor = {
        "python -S -c pass": [sys.executable, "-S", "-c", "pass"],
        "python -c pass": [sys.executable, "-c", "pass"],
        "auditwheel --version": [sys.executable, "-m", "auditwheel", "--version"],
        "linkguard --version": [sys.executable, "-m", "linkguard", "--version"],
    }
    runs: Dict[str, List[float]] = {name: [] for name in floor}
    for _ in range(args.pairs):
        for name, cmd in floor.items():
            runs[name].append(measure(cmd, env)[1])
    print(f"floor, CPU s ({args.pairs} interleaved rounds):")
    for name, values in runs.items():
        print(f"  {name}: {spread(values, ' s')}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
