"""Sparse LP/MILP models handed to HiGHS (highspy) in column-wise form: the one place for it.

Callers build their constraint matrix as (row, column, value) triplets; this module sorts
them into HiGHS's compressed-column layout, sets the options, solves, and reports the status
without deciding what a non-optimal status means for the caller's domain.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import highspy
import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class HighsResult:
    """Outcome of one solve.

    Attributes:
        optimal: HiGHS proved an optimum (to the gaps set in the options).
        infeasible: HiGHS proved there is no feasible point.
        status: HiGHS's own words for the model status.
        x: Column values (empty unless ``optimal``).
        objective: Objective value (NaN unless ``optimal``).
    """

    optimal: bool
    infeasible: bool
    status: str
    x: FloatArray
    objective: float


def solve_sparse(
    *,
    cost: FloatArray,
    col_lower: FloatArray,
    col_upper: FloatArray,
    rows: npt.NDArray[np.integer],
    cols: npt.NDArray[np.integer],
    values: FloatArray,
    row_lower: FloatArray,
    row_upper: FloatArray,
    maximise: bool,
    integer: npt.NDArray[np.bool_] | None = None,
    options: Mapping[str, bool | int | float] | None = None,
) -> HighsResult:
    """Solve ``max|min cost·x`` s.t. ``row_lower ≤ A x ≤ row_upper``, bounds, integrality.

    Args:
        cost: Objective coefficient of each column.
        col_lower: Lower bound of each column.
        col_upper: Upper bound of each column.
        rows: Row index of each matrix entry.
        cols: Column index of each matrix entry.
        values: Value of each matrix entry.
        row_lower: Lower bound of each row.
        row_upper: Upper bound of each row.
        maximise: Maximise (else minimise) the objective.
        integer: Which columns are integer (None: a pure LP).
        options: HiGHS options on top of ``output_flag=False``.

    Returns:
        The :class:`HighsResult`.
    """
    n_col = cost.shape[0]
    order = np.lexsort((rows, cols))
    lp = highspy.HighsLp()
    lp.num_col_ = n_col
    lp.num_row_ = row_lower.shape[0]
    if maximise:
        lp.sense_ = highspy.ObjSense.kMaximize
    lp.col_cost_ = cost
    lp.col_lower_ = col_lower
    lp.col_upper_ = col_upper
    lp.row_lower_ = row_lower
    lp.row_upper_ = row_upper
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.searchsorted(cols[order], np.arange(n_col + 1)).astype(np.int32)
    lp.a_matrix_.index_ = rows[order].astype(np.int32)
    lp.a_matrix_.value_ = values[order]
    if integer is not None and integer.any():
        kinds = (highspy.HighsVarType.kContinuous, highspy.HighsVarType.kInteger)
        lp.integrality_ = [kinds[int(flag)] for flag in integer]
    solver = highspy.Highs()  # type: ignore[no-untyped-call]  # highspy ships no annotations
    solver.setOptionValue("output_flag", False)
    for name, value in (options or {}).items():
        solver.setOptionValue(name, value)
    solver.passModel(lp)
    solver.run()
    status = solver.getModelStatus()
    optimal = status == highspy.HighsModelStatus.kOptimal
    return HighsResult(
        optimal=optimal,
        infeasible=status == highspy.HighsModelStatus.kInfeasible,
        status=str(solver.modelStatusToString(status)),
        x=np.asarray(solver.getSolution().col_value, dtype=np.float64) if optimal else np.empty(0),
        objective=float(solver.getInfo().objective_function_value) if optimal else float("nan"),
    )
