"""Independent CPU-bound tasks across the machine's cores: one pool for the use cases whose
work splits into independent revenue stacks (the monthly backtest's months, the investment
case's price-year x usable-energy nodes).

Processes are *spawned* (a fresh interpreter each: no forked DuckDB or numba state) and
each task's arguments are pickled, so a task is a module-level function of picklable
arguments. Results come back in task order whatever the finishing order, so a pooled run
gives exactly what a serial one does. On Cloud Run the pool uses the instance's CPUs; past
one machine the work belongs on Cloud Run Jobs (as the risk use case shards it,
docs/risk.md), not on a home-made cluster.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any, TypeVar

from jobs.background import ProgressFn

T = TypeVar("T")

#: Worker processes: the machine's cores (2 here).
POOL_WORKERS = max(1, os.cpu_count() or 1)


def run_tasks(
    fn: Callable[..., T],
    tasks: Sequence[tuple[Any, ...]],
    workers: int = POOL_WORKERS,
    progress: ProgressFn | None = None,
) -> list[T]:
    """``[fn(*task) for task in tasks]``, on up to ``workers`` spawned processes.

    Args:
        fn: A module-level function (pickled by name).
        tasks: Each task's positional arguments (picklable).
        workers: Processes; 1 (or a single task) runs in this process, starting no pool.
        progress: Called with (tasks done, tasks) as tasks finish.

    Returns:
        The results in task order. The first task to raise raises here (the others are
        cancelled or finish and are dropped).
    """
    total = len(tasks)
    if workers <= 1 or total <= 1:
        results = []
        for task in tasks:
            results.append(fn(*task))
            if progress is not None:
                progress(len(results), total)
        return results
    context = multiprocessing.get_context("spawn")
    out: list[Any] = [None] * total
    with ProcessPoolExecutor(max_workers=min(workers, total), mp_context=context) as pool:
        futures = {pool.submit(fn, *task): i for i, task in enumerate(tasks)}
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
