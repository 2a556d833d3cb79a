"""Timing shared by the benchmarks: every figure is the best of several runs (the machine is
shared), with CPU time (``process_time``) beside wall time."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def timed(fn: Callable[[], T]) -> tuple[T, float, float]:
    """``fn()``'s result with the wall and CPU seconds of that one call (CPU of this process:
    a child process's work shows in wall time only)."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return result, time.perf_counter() - wall, time.process_time() - cpu


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
