"""Run a function over many items in worker processes, yielding results in input order.

Why not multiprocessing.Pool or ProcessPoolExecutor: a worker that dies (a crash in a C decompressor, the kernel's
OOM killer, the address-space cap below) loses its task in Pool and breaks every pending future in the executor.
Here each worker has its own pipe, so the batches it held are known (DEPTH of them are queued at a worker at once,
so that it never waits for the parent between two): they are retried item by item, and the item that kills a
worker (or runs past its deadline) alone becomes `failed(item, reason)`, while the run goes on. Deadlines are per
item, not per batch: each worker writes the number of the batch it is on, the position in it and the start time of
the item into a small shared array, and the parent stops a worker whose current item has run past its own deadline.

The caller hands over its items in batches (one message to a worker per batch, and one answer, a plain list of
results, per batch) and gets each batch's results back as one list, so that the parent's cost per item is that of a
list element.

Workers are forked where the platform allows (start-up is then free: they inherit the imported modules), and
each caps its own address space (RLIMIT_AS) so one hostile artifact cannot take the machine's memory.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections import deque
from typing import Any, Callable, Deque, Dict, Generic, Iterable, Iterator, List, Optional, Tuple, TypeVar

T = TypeVar("T")
R = TypeVar("R")

MEMORY_CAP = 4 << 30  # address space a worker may add to what it inherited
DEPTH = 2  # batches queued at a worker at once: it starts the next while the parent reads the last one's answer


def run_batches(
    work: Callable[[T], R],
    batches: Iterable[List[T]],
    jobs: int,
    deadline: Callable[[T], float],
    failed: Callable[[T, str], R],
) -> Iterator[List[R]]:
    """`[work(item) for item in batch]` for every batch, in order, on `jobs` worker processes; an empty batch is
    answered at once, without a worker.

    `deadline(item)` is the seconds an item may take; `failed(item, reason)` is its result when its worker died or
    overran. Exceptions raised by `work` are re-raised here (they are bugs, not bad input).
    """
    pool = _Pool(work, jobs, deadline, failed)
    try:
        yield from pool.run(batches)
    finally:
        pool.close()


# --------------------------------------------------------------------------------------------- workers


def _serve(connection: Any, work: Callable[[Any], Any], progress: Any) -> None:
    """A worker's loop: receive (number, items), send the list of results (or the exception `work` raised).

    Batches are numbered by the parent and queued in the pipe (DEPTH of them at a time), so the worker goes from one
    to the next without waiting for the parent, and answers them in the order they came. `progress` is [number of
    the batch being worked on, position of the current item in it, monotonic time that item started], read by the
    parent.
    """
    _cap_memory()
    clock = time.monotonic
    while True:
        try:
            message = connection.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        number, items = message
        results = []
        try:
            for position, item in enumerate(items):
                progress[2] = clock()  # the start first, the batch's number last: whatever mix of old and new the
                progress[1] = position  # parent reads, the start is this item's, so it never sees an overrun early,
                progress[0] = number  # and a new number always comes with its own position
                results.append(work(item))
        except Exception as exc:  # a bug in `work`: hand it to the parent to report
            connection.send(_Raised(exc))
            continue
        connection.send(results)


class _Raised:
    def __init__(self, exc: Exception) -> None:
        self.exc = exc


def _cap_memory() -> None:
    try:
        import resource
    except ImportError:  # pragma: no cover - not on POSIX
        return
    try:
        with open("/proc/self/statm") as handle:
            inherited = int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        inherited = 1 << 30
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = inherited + MEMORY_CAP
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    if soft == resource.RLIM_INFINITY or soft > cap:
        with contextlib.suppress(ValueError, OSError):  # a stricter limit is already in force
            resource.setrlimit(resource.RLIMIT_AS, (cap, hard))


class _Sent(Generic[T]):
    """A message a worker holds: the items of input batch `key` (all of them, or the one item at `position`: an
    item retried alone)."""

    __slots__ = ("items", "key", "number", "position")

    def __init__(self, number: int, key: int, position: Optional[int], items: List[T]) -> None:
        self.number = number
        self.key = key
        self.position = position
        self.items = items


class _Worker(Generic[T]):
    def __init__(self, context: Any, work: Callable[[T], Any]) -> None:
        self.connection, child = context.Pipe(duplex=True)
        self.progress = context.RawArray("d", 3)
        self.process = context.Process(target=_serve, args=(child, work, self.progress), daemon=True)
        self.process.start()
        child.close()
        # Messages sent and not yet answered, oldest first; the worker answers in that order.
        self.batches: Deque[_Sent[T]] = deque()
        self.sent = 0  # messages ever sent: the next one's number is sent + 1 (0 in `progress` means none started)
        self.head_since = 0.0  # when the oldest message became the oldest (sent to an idle worker, or answered)
        self.alone = False  # holding a retried item, which must be the only thing it holds
        self.refused = 0  # number of the first message the worker could not receive (dead already), else 0

    def give(self, key: int, items: List[T], position: Optional[int] = None) -> None:
        """Send the items of input batch `key`: all of them, or (`position` given) the one item retried alone."""
        self.sent += 1
        if not self.batches:
            self.head_since = time.monotonic()
        self.batches.append(_Sent(self.sent, key, position, items))
        self.alone = position is not None
        try:
            self.connection.send((self.sent, items))
        except OSError:  # dead already (its sentinel tells the pool): what it holds is retried, this never reached it
            self.refused = self.refused or self.sent

    def answered(self) -> _Sent[T]:
        """The oldest message, now answered."""
        sent = self.batches.popleft()
        self.head_since = time.monotonic()
        self.alone = False
        return sent

    def current(self) -> Tuple[int, int, float]:
        """(index in `batches`, position in that batch, start time) of the item being worked on."""
        progress = self.progress
        while True:
            number, position, started = progress[0], progress[1], progress[2]
            if (number, position, started) == (progress[0], progress[1], progress[2]):
                break
        head = self.batches[0].number
        index = int(number) - head
        if index < 0:  # the worker has not started the oldest batch yet: count its first item from when it was due
            return 0, 0, self.head_since
        index = min(index, len(self.batches) - 1)
        position = min(int(position), len(self.batches[index].items) - 1)
        return index, position, float(started)

    def stop(self, force: bool = False) -> None:
        if force:
            self.process.kill()
        else:
            with contextlib.suppress(OSError):
                self.connection.send(None)
        self.process.join(timeout=None if force else 5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.connection.close()

    def death(self) -> str:
        self.process.join(timeout=1)
        code = self.process.exitcode
        if code is not None and code < 0:
            import signal

            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = f"signal {-code}"
            hint = " (out of memory?)" if name == "SIGKILL" else ""
            return f"the worker process inspecting it was killed by {name}{hint}"
        return f"the worker process inspecting it exited unexpectedly (exit code {code})"


class _Results(Generic[R]):
    """The results of the input batches not yet yielded: a batch's list is complete once none of its items is
    out being retried (`missing`)."""

    def __init__(self) -> None:
        self.lists: Dict[int, List[Any]] = {}
        self.missing: Dict[int, int] = {}  # key -> items of that batch whose result is still to come
        self.next_out = 0

    def fill(self, key: int, position: int, result: R) -> None:
        self.lists[key][position] = result
        self.missing[key] -= 1
        if not self.missing[key]:
            del self.missing[key]

    def ready(self) -> Iterator[List[R]]:
        lists, missing = self.lists, self.missing
        while self.next_out in lists and self.next_out not in missing:
            yield lists.pop(self.next_out)
            self.next_out += 1


class _Pool(Generic[T, R]):
    def __init__(
        self,
        work: Callable[[T], R],
        jobs: int,
        deadline: Callable[[T], float],
        failed: Callable[[T, str], R],
    ) -> None:
        import multiprocessing

        methods = multiprocessing.get_all_start_methods()
        self.context = multiprocessing.get_context("fork" if "fork" in methods else None)
        self.work = work
        self.deadline = deadline
        self.failed = failed
        self.workers: List[_Worker[T]] = [_Worker(self.context, work) for _ in range(max(1, jobs))]

    def run(self, batches: Iterable[List[T]]) -> Iterator[List[R]]:
        from multiprocessing.connection import wait

        source = enumerate(batches)
        retry: Deque[Tuple[int, int, T]] = deque()  # (batch key, position, item), each sent alone
        done: _Results[R] = _Results()
        exhausted = False
        while True:
            for worker in self.workers:
                # Keep DEPTH batches queued at each worker, so that it never waits for the parent; a retried item
                # goes alone to an idle worker, so that a crash on it is pinned on it.
                while len(worker.batches) < DEPTH and not worker.alone:
                    if retry:
                        if worker.batches:
                            break
                        key, position, item = retry.popleft()
                        worker.give(key, [item], position)
                        break
                    if exhausted:
                        break
                    taken = next(source, None)
                    if taken is None:
                        exhausted = True
                        break
                    key, batch = taken
                    if batch:
                        worker.give(key, batch)
                    else:
                        done.lists[key] = []
            yield from done.ready()
            busy = [w for w in self.workers if w.batches]
            if not busy:
                break
            timeout = max(0.0, min(self._due(w) for w in busy) - time.monotonic())
            handles = [w.connection for w in busy] + [w.process.sentinel for w in busy]
            ready = wait(handles, timeout=timeout)
            now = time.monotonic()
            for index, worker in enumerate(self.workers):
                if not worker.batches:
                    continue
                if worker.connection in ready:
                    while True:  # every answer waiting: a worker can be one batch ahead of the parent
                        try:
                            results = worker.connection.recv()
                        except (EOFError, OSError):
                            self._lost(index, worker, retry, done, worker.death())
                            break
                        if isinstance(results, _Raised):
                            raise results.exc
                        sent = worker.answered()
                        if sent.position is None:
                            done.lists[sent.key] = results
                        else:
                            done.fill(sent.key, sent.position, results[0])
                        if not worker.batches or not worker.connection.poll():
                            break
                elif worker.process.sentinel in ready:
                    self._lost(index, worker, retry, done, worker.death())
                elif now >= self._due(worker):
                    which, position, _ = worker.current()
                    limit = self.deadline(worker.batches[which].items[position])
                    self._lost(
                        index,
                        worker,
                        retry,
                        done,
                        f"inspection did not finish within {limit:g} s; the worker process was stopped",
                        culprit=(which, position),
                    )

    def _due(self, worker: _Worker[T]) -> float:
        """When the item `worker` is on must be done."""
        batch, position, started = worker.current()
        return started + self.deadline(worker.batches[batch].items[position])

    def _lost(
        self,
        index: int,
        worker: _Worker[T],
        retry: Deque[Tuple[int, int, T]],
        done: _Results[R],
        reason: str,
        culprit: Optional[Tuple[int, int]] = None,
    ) -> None:
        """A worker died or overran: the item that overran (or a lone item) becomes a failure; the rest of the
        batches it held is retried item by item, so a crash is pinned on the one item that causes it."""
        held = list(worker.batches)
        worker.batches.clear()
        if worker.process.is_alive():
            worker.stop(force=True)
        else:
            worker.connection.close()
        self.workers[index] = _Worker(self.context, self.work)
        if culprit is None and len(held) == 1 and len(held[0].items) == 1 and not worker.refused:
            culprit = (0, 0)  # the one item it held killed it (unless it was dead before that item reached it)
        again: List[Tuple[int, int, T]] = []
        for which, sent in enumerate(held):
            if sent.position is None:  # a whole batch: from now on its results come one by one
                done.lists[sent.key] = [None] * len(sent.items)
                done.missing[sent.key] = len(sent.items)
                positions: Iterable[int] = range(len(sent.items))
            else:
                positions = (sent.position,)
            for at, (position, item) in enumerate(zip(positions, sent.items)):
                if (which, at) == culprit:
                    done.fill(sent.key, position, self.failed(item, reason))
                else:
                    again.append((sent.key, position, item))
        retry.extendleft(reversed(again))

    def close(self) -> None:
        for worker in self.workers:
            if worker.batches:
                worker.stop(force=True)
            else:
                worker.stop()
