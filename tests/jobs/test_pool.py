"""``jobs.pool``: tasks on spawned processes give the serial results in task order, report
progress, and the first failure raises in the caller."""

from __future__ import annotations

import pytest

from jobs.pool import run_tasks


def test_a_pool_gives_the_serial_results_in_task_order() -> None:
    tasks = [(n, 7) for n in (100, 3, 57, 8, 21)]
    seen: list[tuple[int, int]] = []
    pooled = run_tasks(divmod, tasks, workers=2, progress=lambda d, t: seen.append((d, t)))
    assert pooled == [divmod(a, b) for a, b in tasks] == run_tasks(divmod, tasks, workers=1)
    assert seen == [(d, 5) for d in range(1, 6)]


def test_the_first_failure_raises_in_the_caller() -> None:
    with pytest.raises(ZeroDivisionError):
        run_tasks(divmod, [(1, 1), (1, 0), (4, 2)], workers=2)
