"""Independent CPU-bound tasks across the machine's cores: one pool for the use cases whose
work splits into independent revenue stacks (the monthly backtest's months, the investment
case's price-year x usable-energy nodes, its scenario paths).

Processes are *spawned* (a fresh interpreter each: no forked DuckDB or numba state) and
each task's arguments are pickled, so a task is a module-level function of picklable
arguments. Results come back in task order whatever the finishing order, so a pooled run
gives exactly what a serial one does. A :class:`TaskPool` starts its processes at once, so
they import while the caller reads its data. On Cloud Run the pool uses the instance's
CPUs; past one machine the work belongs on Cloud Run Jobs (as the risk use case shards it,
docs/risk.md), not on a home-made cluster.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from types import TracebackType
from typing import Any, TypeVar

from jobs.background import ProgressFn

T = TypeVar("T")

#: Worker processes: the machine's cores (2 here).
POOL_WORKERS = max(1, os.cpu_count() or 1)


class TaskPool:
    """Up to ``workers`` spawned processes, started at once (each running ``warm``, e.g. to
    import and load compiled kernels); with ``workers`` ≤ 1 tasks run in this process.

    Use as a context manager; :meth:`run` may be called many times.
    """

    def __init__(self, workers: int = POOL_WORKERS, warm: Callable[[], object] | None = None):
        self.workers = workers
        self._executor: ProcessPoolExecutor | None = None
        self._warming: list[Future[object]] = []
        if workers > 1:
            context = multiprocessing.get_context("spawn")
            self._executor = ProcessPoolExecutor(max_workers=workers, mp_context=context)
            if warm is not None:
                self._warming = [self._executor.submit(warm) for _ in range(workers)]

    def __enter__(self) -> TaskPool:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)

    def run(
        self,
        fn: Callable[..., T],
        tasks: Sequence[tuple[Any, ...]],
        progress: ProgressFn | None = None,
    ) -> list[T]:
        """``[fn(*task) for task in tasks]`` on the pool (in this process for one task).

        Args:
            fn: A module-level function (pickled by name).
            tasks: Each task's positional arguments (picklable).
            progress: Called with (tasks done, tasks) as tasks finish.

        Returns:
            The results in task order. The first task to raise raises here (the others are
            cancelled, or finish and are dropped).
        """
        total = len(tasks)
        if self._executor is None or total <= 1:
            results = []
            for task in tasks:
                results.append(fn(*task))
                if progress is not None:
                    progress(len(results), total)
            return results
        out: list[Any] = [None] * total
        futures = {self._executor.submit(fn, *task): i for i, task in enumerate(tasks)}
        try:
            for done, future in enumerate(as_completed(futures), start=1):
                out[futures[future]] = future.result()
                if progress is not None:
                    progress(done, total)
        except BaseException:
            for future in futures:
                future.cancel()
            raise
        return out


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
