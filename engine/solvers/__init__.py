"""Exact solvers the capabilities share: the dynamic-programming kernels over a piecewise-linear
value function of state of charge (two-piece and n-segment), compiled with numba; the two
share one value-function store and the polyline primitives (:mod:`engine.solvers.pwl`). Also
compiled: the revenue search's per-block service holdings (:mod:`engine.solvers.holdings`).

The HiGHS helpers live in :mod:`engine.solvers.highs`, imported by the models that need them
(highspy is not loaded for a dispatch that never builds an LP).
"""

from engine.solvers.dp import solve_dp, solve_rolling
from engine.solvers.holdings import block_holdings
from engine.solvers.segments import solve_segments

__all__ = ["block_holdings", "solve_dp", "solve_rolling", "solve_segments"]
