"""Timing shared by the benchmarks: every figure is the best of several runs (the machine is
shared), with CPU time (``process_time`` plus that of finished child processes, and of the
:mod:`jobs.pool` workers, which are the fork server's children) beside wall time."""

from __future__ import annotations

import os
import resource
import statistics
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

#: Longest wait for the fork server to reap the pool's finished workers [s].
_REAPED_WITHIN_S = 2.0


def _cpu_s() -> float:
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime + _grandchildren_s()


def _children(pid: int) -> list[int]:
    """Live child processes of ``pid`` (those of each of its threads)."""
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out.extend(int(p) for p in (task / "children").read_text().split())
        except OSError:
            continue  # the thread ended
    return out


def _grandchildren_s() -> float:
    """CPU seconds of the processes reaped by this process's live children: the
    :mod:`jobs.pool` workers, forked and reaped by the fork server (``cutime`` +
    ``cstime`` of /proc/<child>/stat), once each child has reaped its exited ones."""
    total = 0.0
    for child in _children(os.getpid()):
        deadline = time.monotonic() + _REAPED_WITHIN_S
        while _children(child) and time.monotonic() < deadline:
            time.sleep(0.01)  # a worker still exiting or not yet reaped
        try:
            fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # After the ")" field 3 (state) is index 0, so cutime (16) and cstime (17) are 13, 14.
        total += (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")
    return total


def peak_worker_gb(fn: Callable[[], T]) -> tuple[T, float]:
    """``fn()``'s result and the largest peak resident memory (VmHWM) of any process the
    :mod:`jobs.pool` fork server forked meanwhile [GB], sampled every 50 ms while ``fn``
    runs (a high-water mark: only a worker that grew and exited between two samples could
    be missed, and workers idle before they exit)."""
    peak = [0.0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.05):
            for child in _children(os.getpid()):
                for worker in _children(child):
                    try:
                        status = Path(f"/proc/{worker}/status").read_text()
                    except OSError:
                        continue  # it exited
                    for line in status.splitlines():
                        if line.startswith("VmHWM:"):
                            peak[0] = max(peak[0], int(line.split()[1]) / 1024**2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        result = fn()
    finally:
        done.set()
        sampler.join()
    return result, peak[0]


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
