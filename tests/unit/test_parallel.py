"""parallel.run_batches: input order, and one dead or stuck worker costs one item, not the run."""

from __future__ import annotations

import itertools
import os
import signal
import time
from typing import Any, Callable, Iterable, Iterator, List, Optional, Tuple

import pytest

from linkguard import parallel

BATCH = 64  # items per batch, as the scan's walk chunks hold


def run_ordered(
    work: Callable[[int], int], items: Iterable[int], jobs: int, deadline: Callable[[int], float], failed: Any
) -> Iterator[int]:
    """run_batches over single items, BATCH at a time, flattened."""
    source = iter(items)
    batches = iter(lambda: list(itertools.islice(source, BATCH)), [])
    for results in parallel.run_batches(work, batches, jobs, deadline, failed):
        yield from results


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
    results = list(run_ordered(square, range(200), 2, lambda n: 30.0, failed))
    assert results == [n * n for n in range(200)]


def test_a_worker_crash_fails_only_its_item() -> None:
    results = list(run_ordered(crash_on_13, range(40), 2, lambda n: 30.0, failed))
    assert results == [-1 if n == 13 else n * n for n in range(40)]
    [(item, reason)] = FAILURES
    assert item == 13 and "SIGKILL" in reason


def test_a_stuck_item_times_out_alone() -> None:
    started = time.monotonic()
    results = list(run_ordered(hang_on_5, range(10), 2, lambda n: 0.4, failed))
    assert results == [-1 if n == 5 else n for n in range(10)]
    [(item, reason)] = FAILURES
    assert item == 5 and "did not finish within" in reason
    # Catches a stuck item holding the run, not slowness: far above 0.4 s plus two workers' start-up, even when busy.
    assert time.monotonic() - started < 60


def test_exceptions_in_work_are_bugs_and_propagate() -> None:
    with pytest.raises(RuntimeError, match="a bug"):
        list(run_ordered(boom, range(10), 2, lambda n: 30.0, failed))


def test_workers_cap_their_address_space() -> None:
    resource = pytest.importorskip("resource")

    def limit(_: int) -> int:
        return int(resource.getrlimit(resource.RLIMIT_AS)[0])

    [soft] = list(run_ordered(limit, [0], 1, lambda n: 30.0, failed))
    assert soft != resource.RLIM_INFINITY
    assert soft >= parallel.MEMORY_CAP


def crash_on_100(n: int) -> int:
    if n == 100:
        os.kill(os.getpid(), signal.SIGKILL)
    return n * n


def hang_on_100(n: int) -> int:
    if n == 100:
        time.sleep(60)
    return n


def test_each_worker_holds_two_batches_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pipelining: a worker gets its second batch before it answers the first, so it never waits for the parent."""
    most: List[int] = []
    original = parallel._Worker.give

    def give(self: parallel._Worker[int], key: int, items: List[int], position: Optional[int] = None) -> None:
        original(self, key, items, position)
        most.append(len(self.batches))

    monkeypatch.setattr(parallel._Worker, "give", give)
    results = list(run_ordered(square, range(10 * BATCH), 1, lambda n: 30.0, failed))
    assert results == [n * n for n in range(10 * BATCH)]
    assert max(most) == parallel.DEPTH == 2


def test_a_crash_in_the_second_queued_batch_fails_only_its_item() -> None:
    # One worker: items 0-63 are its first batch, 64-127 its second, queued behind the first; 100 is in the second.
    results = list(run_ordered(crash_on_100, range(3 * BATCH), 1, lambda n: 30.0, failed))
    assert results == [-1 if n == 100 else n * n for n in range(3 * BATCH)]
    [(item, reason)] = FAILURES
    assert item == 100 and "SIGKILL" in reason


def test_an_overrun_in_the_second_queued_batch_is_pinned_on_its_item() -> None:
    started = time.monotonic()
    results = list(run_ordered(hang_on_100, range(3 * BATCH), 1, lambda n: 0.5, failed))
    assert results == [-1 if n == 100 else n for n in range(3 * BATCH)]
    [(item, reason)] = FAILURES
    assert item == 100 and "did not finish within 0.5 s" in reason
    assert time.monotonic() - started < 60


def test_an_overrun_in_the_second_batch_with_two_workers() -> None:
    results = list(run_ordered(hang_on_100, range(6 * BATCH), 2, lambda n: 0.5, failed))
    assert results == [-1 if n == 100 else n for n in range(6 * BATCH)]
    assert [item for item, _ in FAILURES] == [100]


def test_progress_names_the_batch_and_the_position() -> None:
    pool = parallel._Pool(hang_on_100, 1, lambda n: 30.0, failed)
    try:
        worker = pool.workers[0]
        worker.give(0, list(range(64, 96)))
        worker.give(1, list(range(96, 128)))
        for _ in range(200):  # until the worker reaches item 100, the fifth of the second batch
            if worker.current()[:2] == (1, 4):
                break
            time.sleep(0.05)
        assert worker.current()[:2] == (1, 4)
        results = worker.connection.recv()  # the first batch's answer came before
        assert results == list(range(64, 96))
        assert worker.answered().key == 0
        assert worker.current()[:2] == (0, 4)
    finally:
        pool.close()


def test_an_overrun_found_before_the_first_answer_is_read_fails_the_second_batchs_item() -> None:
    """The worker is on the second batch while the first one's answer still waits in the pipe: the culprit is
    named by (batch, position), the first batch's items are retried (their answer is lost with the worker)."""
    pool = parallel._Pool(hang_on_100, 1, lambda n: 30.0, failed)
    try:
        worker = pool.workers[0]
        worker.give(0, list(range(64, 96)))
        worker.give(1, list(range(96, 128)))
        for _ in range(200):
            if worker.current()[:2] == (1, 4):
                break
            time.sleep(0.05)
        retry: parallel.Deque[Tuple[int, int, int]] = parallel.deque()
        done: parallel._Results[int] = parallel._Results()
        pool._lost(0, worker, retry, done, "overran", culprit=worker.current()[:2])
        assert done.lists[1][4] == -1 and FAILURES == [(100, "overran")]
        assert done.missing == {0: 32, 1: 31}
        assert list(retry) == [(i // 32 - 2, i % 32, i) for i in range(64, 128) if i != 100]
    finally:
        pool.close()


def test_batches_come_back_whole_and_in_order_with_a_crash_pinned_on_its_item() -> None:
    """run_batches: one list per batch, in input order, whatever the sizes (empty ones too, answered without a
    worker); a worker killed on item 100 costs item 100 alone, its batch is completed by the items retried alone
    (the batch before it, queued at the same worker, is not lost either)."""
    sizes = [0, 64, 3, 0, 0, 40, 64, 1, 0]
    batches: List[List[int]] = []
    start = 0
    for size in sizes:
        batches.append(list(range(start, start + size)))
        start += size
    assert any(100 in batch and batch[0] != 100 for batch in batches)
    results = list(parallel.run_batches(crash_on_100, iter(batches), 1, lambda n: 30.0, failed))
    assert results == [[-1 if n == 100 else n * n for n in batch] for batch in batches]
    [(item, reason)] = FAILURES
    assert item == 100 and "SIGKILL" in reason


@pytest.mark.parametrize("batch", [[7], [1, 2, 3]])
def test_a_worker_dead_before_its_batch_reaches_it_costs_nothing(batch: List[int]) -> None:
    """A worker can die (killed from outside, or on an item) before the parent sees it and sends it one more
    batch: that send fails quietly, the batch is retried on a new worker, and no item is blamed for the death."""
    pool = parallel._Pool(square, 1, lambda n: 30.0, failed)
    try:
        victim = pool.workers[0].process
        victim.kill()
        victim.join()
        assert list(pool.run(iter([batch]))) == [[n * n for n in batch]]
        assert FAILURES == []
    finally:
        pool.close()
