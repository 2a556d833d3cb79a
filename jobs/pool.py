"""Independent CPU-bound tasks across the machine's cores: one pool for the use cases whose
work splits into independent revenue stacks (the monthly backtest's months, the investment
case's price-year x usable-energy nodes, its scenario paths).

Processes are forked from a *fork server*: a fresh interpreter started once per process
that imports the task modules and loads their compiled kernels (:mod:`jobs.pool_preload`)
and never opens a warehouse, so a worker inherits no DuckDB connection or thread, and starts
warm in milliseconds rather than the ~1.2 s an interpreter takes to import and load them.
Each task's arguments are pickled, so a task is a module-level function of picklable
arguments. Results come back in task order whatever the finishing order, so a pooled run
gives exactly what a serial one does. A :class:`TaskPool` starts its processes at once (the
first pool of a process also starts the fork server), so they are ready while the caller
reads its data. On Cloud Run the pool uses the instance's
CPUs; past one machine the work belongs on Cloud Run Jobs (as the risk use case shards it,
docs/risk.md), not on a home-made cluster.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ProcessPoolExecutor, as_completed, wait
from types import TracebackType
from typing import Any, TypeVar

from jobs.background import ProgressFn

T = TypeVar("T")

#: Worker processes: the machine's cores (2 here).
POOL_WORKERS = max(1, os.cpu_count() or 1)
#: How often a run counting units reads the shared counter [s].
_POLL_S = 0.5
#: What the fork server imports before forking any worker.
_PRELOAD = ["jobs.pool_preload"]

# Where count_units adds: in a pool process, the pool's shared counter; in this process,
# the running serial run's reporter.
_counter: Any = None
_report: Callable[[int], None] | None = None


def _init_worker(counter: Any) -> None:
    global _counter
    _counter = counter


def count_units(done: int = 1) -> None:
    """Called inside a task: ``done`` more units of work finished (e.g. scenarios valued),
    for a :meth:`TaskPool.run` that reports progress in units rather than in tasks; a no-op
    otherwise."""
    if _counter is not None:
        with _counter.get_lock():
            _counter.value += done
    elif _report is not None:
        _report(done)


def _started() -> None:
    """A worker's first task: makes the pool fork its processes at once."""


class TaskPool:
    """Up to ``workers`` processes forked from the warm fork server, started at once; with
    ``workers`` ≤ 1 tasks run in this process.

    Use as a context manager; :meth:`run` may be called many times.
    """

    def __init__(self, workers: int = POOL_WORKERS):
        self.workers = workers
        self._executor: ProcessPoolExecutor | None = None
        self._counter: Any = None
        self._starting: threading.Thread | None = None
        if workers > 1:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(_PRELOAD)  # read when the server starts
            self._counter = context.Value("q", 0)
            self._executor = ProcessPoolExecutor(
                max_workers=workers,
                mp_context=context,
                initializer=_init_worker,
                initargs=(self._counter,),
            )
            # Forking the first worker waits for the fork server's imports: a thread waits,
            # so the caller reads its data meanwhile (a task submitted waits its turn).
            self._starting = threading.Thread(target=self._start, daemon=True)
            self._starting.start()

    def _start(self) -> None:
        assert self._executor is not None
        for _ in range(self.workers):
            self._executor.submit(_started)

    def __enter__(self) -> TaskPool:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._starting is not None:
            self._starting.join()
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)

    def run(
        self,
        fn: Callable[..., T],
        tasks: Sequence[tuple[Any, ...]],
        progress: ProgressFn | None = None,
        units: int | None = None,
    ) -> list[T]:
        """``[fn(*task) for task in tasks]`` on the pool (in this process for one task).

        Args:
            fn: A module-level function (pickled by name).
            tasks: Each task's positional arguments (picklable).
            progress: Called with (tasks done, tasks) as tasks finish; or, with ``units``,
                with (units done, units) as the tasks call :func:`count_units`.
            units: Units of work in all the tasks, when progress is counted in units.

        Returns:
            The results in task order. The first task to raise raises here (the others are
            cancelled, or finish and are dropped).
        """
        if self._executor is None or len(tasks) <= 1:
            return self._serial(fn, tasks, progress, units)
        self._counter.value = 0
        futures = {self._executor.submit(fn, *task): i for i, task in enumerate(tasks)}
        out: list[Any] = [None] * len(tasks)
        try:
            if units is None:
                for done, future in enumerate(as_completed(futures), start=1):
                    out[futures[future]] = future.result()
                    if progress is not None:
                        progress(done, len(tasks))
                return out
            pending: set[Future[T]] = set(futures)
            reported = -1
            while pending:
                finished, pending = wait(pending, timeout=_POLL_S, return_when=FIRST_EXCEPTION)
                for future in finished:
                    out[futures[future]] = future.result()
                done = int(self._counter.value)
                if progress is not None and done != reported:
                    progress(done, units)
                    reported = done
            return out
        except BaseException:
            for future in futures:
                future.cancel()
            raise

    @staticmethod
    def _serial(
        fn: Callable[..., T],
        tasks: Sequence[tuple[Any, ...]],
        progress: ProgressFn | None,
        units: int | None,
    ) -> list[T]:
        global _report
        done = [0]

        def add(count: int) -> None:
            done[0] += count
            if progress is not None and units is not None:
                progress(done[0], units)

        _report = add
        try:
            results = []
            for task in tasks:
                results.append(fn(*task))
                if progress is not None and units is None:
                    progress(len(results), len(tasks))
            return results
        finally:
            _report = None


def run_tasks(
    fn: Callable[..., T],
    tasks: Sequence[tuple[Any, ...]],
    workers: int = POOL_WORKERS,
    progress: ProgressFn | None = None,
) -> list[T]:
    """``[fn(*task) for task in tasks]`` on a :class:`TaskPool` of up to ``workers``
    processes, started for these tasks only (none for one task)."""
    with TaskPool(min(workers, len(tasks))) as pool:
        return pool.run(fn, tasks, progress)
