"""What placing artifacts (issue 18: package, host, provisions) costs in a run, measured in-process.

    python bench/placement_cost.py /usr/bin /usr/lib/x86_64-linux-gnu

Runs the scan once with one job and times every call of `resolve.package.on_disk` (the placement of a file found
in a directory) with the process CPU clock: the share it takes of the run's CPU time is printed. A benchmark, not a
test: its numbers depend on the machine and on what else runs on it.
"""

from __future__ import annotations

import sys
import time
from dataclasses import replace
from typing import Any, List

import linkguard.resolve.package as placing
from linkguard.config import policy_from_table
from linkguard.scan import scan


def main(arguments: List[str]) -> None:
    spent = [0.0, 0]
    real = placing.on_disk

    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.process_time()
        result = real(*args, **kwargs)
        spent[0] += time.process_time() - started
        spent[1] += 1
        return result

    placing.on_disk = timed  # type: ignore[assignment]
    policy = replace(policy_from_table({}), jobs=1)
    started = time.process_time()
    report = scan(arguments, policy)
    total = time.process_time() - started
    share = 100 * spent[0] / total if total else 0.0
    print(
        f"{len(report.artifacts)} artifacts; run {total:.2f} s CPU; placement {spent[0]:.3f} s CPU "
        f"for {int(spent[1])} placed ({share:.1f}%)"
    )


if __name__ == "__main__":
    main(sys.argv[1:] or ["/usr/bin"])
