"""``jobs.pool``: tasks on spawned processes give the serial results in task order, report
progress, and the first failure raises in the caller."""

from __future__ import annotations

import pytest

from jobs.pool import TaskPool, count_units, run_tasks


def test_a_pool_gives_the_serial_results_in_task_order() -> None:
    tasks = [(n, 7) for n in (100, 3, 57, 8, 21)]
    seen: list[tuple[int, int]] = []
    pooled = run_tasks(divmod, tasks, workers=2, progress=lambda d, t: seen.append((d, t)))
    assert pooled == [divmod(a, b) for a, b in tasks] == run_tasks(divmod, tasks, workers=1)
    assert seen == [(d, 5) for d in range(1, 6)]


def test_the_first_failure_raises_in_the_caller() -> None:
    with pytest.raises(ZeroDivisionError):
        run_tasks(divmod, [(1, 1), (1, 0), (4, 2)], workers=2)


def _units(n: int) -> int:
    """A task that reports n units of work one by one."""
    for _ in range(n):
        count_units(1)
    return n


@pytest.mark.parametrize("workers", [1, 2])
def test_progress_in_units_counts_what_the_tasks_report(workers: int) -> None:
    seen: list[tuple[int, int]] = []
    with TaskPool(workers) as pool:
        out = pool.run(_units, [(3,), (4,), (5,)], lambda d, t: seen.append((d, t)), units=12)
    assert out == [3, 4, 5]
    assert seen[-1] == (12, 12)
    assert all(t == 12 for _, t in seen)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    count_units(1)  # outside a run: nothing to count, nothing raised
