"""parallel.run_ordered: input order, and one dead or stuck worker costs one item, not the run."""

from __future__ import annotations

import os
import signal
import time
from typing import List, Tuple

import pytest

from linkguard import parallel


def square(n: int) -> int:
    return n * n


def crash_on_13(n: int) -> int:
    if n == 13:
        os.kill(os.getpid(), signal.SIGKILL)
    return n * n


def hang_on_5(n: int) -> int:
    if n == 5:
        time.sleep(60)
    return n


def boom(n: int) -> int:
    if n == 3:
        raise RuntimeError("a bug")
    return n


def failed(n: int, reason: str) -> int:
    FAILURES.append((n, reason))
    return -1


FAILURES: List[Tuple[int, str]] = []


@pytest.fixture(autouse=True)
def _clear() -> None:
    FAILURES.clear()


def test_results_come_back_in_input_order() -> None:
    results = list(parallel.run_ordered(square, range(200), 2, lambda n: 30.0, failed))
    assert results == [n * n for n in range(200)]


def test_a_worker_crash_fails_only_its_item() -> None:
    results = list(parallel.run_ordered(crash_on_13, range(40), 2, lambda n: 30.0, failed))
    assert results == [-1 if n == 13 else n * n for n in range(40)]
    [(item, reason)] = FAILURES
    assert item == 13 and "SIGKILL" in reason


def test_a_stuck_item_times_out_alone() -> None:
    started = time.monotonic()
    results = list(parallel.run_ordered(hang_on_5, range(10), 2, lambda n: 0.4, failed))
    assert results == [-1 if n == 5 else n for n in range(10)]
    [(item, reason)] = FAILURES
    assert item == 5 and "did not finish within" in reason
    # Catches a stuck item holding the run, not slowness: far above 0.4 s plus two workers' start-up, even when busy.
    assert time.monotonic() - started < 60


def test_exceptions_in_work_are_bugs_and_propagate() -> None:
    with pytest.raises(RuntimeError, match="a bug"):
        list(parallel.run_ordered(boom, range(10), 2, lambda n: 30.0, failed))


def test_workers_cap_their_address_space() -> None:
    resource = pytest.importorskip("resource")

    def limit(_: int) -> int:
        return int(resource.getrlimit(resource.RLIMIT_AS)[0])

    [soft] = list(parallel.run_ordered(limit, [0], 1, lambda n: 30.0, failed))
    assert soft != resource.RLIM_INFINITY
    assert soft >= parallel.MEMORY_CAP
