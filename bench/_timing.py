"""Timing shared by the benchmarks: every figure is the best of several runs (the machine is
shared), with CPU time (``process_time``) beside wall time."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def runs(fn: Callable[[], object], repeat: int) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds of each of ``repeat`` calls of ``fn``."""
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return walls, cpus


def best_of(fn: Callable[[], object], repeat: int) -> tuple[float, float, float]:
    """(best wall, median wall, best CPU) seconds over ``repeat`` calls of ``fn``."""
    walls, cpus = runs(fn, repeat)
    return min(walls), statistics.median(walls), min(cpus)
