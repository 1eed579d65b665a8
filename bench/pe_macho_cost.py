#!/usr/bin/env python3
"""Per-file inspection cost of PE and Mach-O next to ELF, on the committed fixtures.

    python bench/pe_macho_cost.py            # Markdown table: files, median/max time per file, bytes read
    python bench/pe_macho_cost.py --repeat 20
    python bench/pe_macho_cost.py --file big.exe --file big-darwin   # also one row per given file

Measures `linkguard.readers.read_artifact` in-process (no CLI start-up, no workers), each file `--repeat`
times after one warm-up run; "bytes read" is what the Budget was charged, i.e. what the reader actually read.
Not a test: numbers depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Dict, List, Tuple

HERE = Path(__file__).resolve().parent
DATA = HERE.parent / "tests" / "data"
SETS = {
    "ELF": [DATA / "elf" / "bin", DATA / "upx" / "bin"],
    "PE": [DATA / "pe" / "bin"],
    "Mach-O": [DATA / "macho" / "bin"],
}


class _File:
    def __init__(self, path: Path) -> None:
        self.path = self.location = str(path)
        self.size = path.stat().st_size

    def open(self):  # type: ignore[no-untyped-def]
        return open(self.path, "rb")


def measure(paths: List[Path], repeat: int) -> Tuple[int, List[float], List[int], int]:
    """(files inspected, seconds per file, bytes read per file, total file bytes)."""
    sys.path.insert(0, str(HERE.parent / "src"))
    from linkguard.limits import Limits
    from linkguard.readers import budget as budget_module
    from linkguard.readers import read_artifact

    charged: List[int] = []
    original = budget_module.Budget.charge_read

    def counting(self: budget_module.Budget, n: int) -> None:
        original(self, n)
        charged[-1] += n

    budget_module.Budget.charge_read = counting  # type: ignore[method-assign]
    times: List[float] = []
    reads: List[int] = []
    total = 0
    files = 0
    limits = Limits()
    try:
        for path in paths:
            artifact = _File(path)
            charged.append(0)
            if read_artifact(artifact, limits) is None:
                charged.pop()
                continue
            files += 1
            total += artifact.size
            samples = []
            for _ in range(repeat):
                charged.append(0)
                start = time.perf_counter()
                read_artifact(artifact, limits)
                samples.append(time.perf_counter() - start)
                reads.append(charged[-1])
            times.append(statistics.median(samples))
    finally:
        budget_module.Budget.charge_read = original  # type: ignore[method-assign]
    return files, times, reads, total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--file", action="append", default=[], help="also measure this file on its own row")
    args = parser.parse_args()
    rows: Dict[str, Tuple[int, List[float], List[int], int]] = {}
    for name, dirs in SETS.items():
        paths = sorted(p for d in dirs if d.is_dir() for p in d.iterdir() if p.is_file())
        rows[name] = measure(paths, args.repeat)
    for extra in args.file:
        rows[Path(extra).name] = measure([Path(extra)], args.repeat)
    print("| format | files | median ms/file | max ms/file | median bytes read | total file MB |")
    print("|---|---|---|---|---|---|")
    for name, (files, times, reads, total) in rows.items():
        if not files:
            continue
        print(
            f"| {name} | {files} | {statistics.median(times) * 1e3:.2f} | {max(times) * 1e3:.2f} | "
            f"{int(statistics.median(reads))} | {total / 1e6:.1f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
