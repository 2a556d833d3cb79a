"""Timing shared by the benchmarks: every figure is the best of several runs (the machine is
shared), with CPU time (``process_time`` plus that of finished child processes, e.g. a
:mod:`jobs.pool`) beside wall time."""

from __future__ import annotations

import resource
import statistics
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def _cpu_s() -> float:
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def timed(fn: Callable[[], T]) -> tuple[T, float, float]:
    """``fn()``'s result with the wall and CPU seconds of that one call (CPU of this process
    and of the child processes it started and waited for)."""
    wall, cpu = time.perf_counter(), _cpu_s()
    result = fn()
    return result, time.perf_counter() - wall, _cpu_s() - cpu


def runs(fn: Callable[[], object], repeat: int) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds of each of ``repeat`` calls of ``fn``."""
    walls, cpus = [], []
    for _ in range(repeat):
        _, wall, cpu = timed(fn)
        walls.append(wall)
        cpus.append(cpu)
    return walls, cpus


def best_of(fn: Callable[[], object], repeat: int) -> tuple[float, float, float]:
    """(best wall, median wall, best CPU) seconds over ``repeat`` calls of ``fn``."""
    walls, cpus = runs(fn, repeat)
    return min(walls), statistics.median(walls), min(cpus)
