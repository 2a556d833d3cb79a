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
    start, index, value = column_form(rows, cols, values, cost.shape[0])
    return solve_columns(
        cost=cost,
        col_lower=col_lower,
        col_upper=col_upper,
        start=start,
        index=index,
        value=value,
        row_lower=row_lower,
        row_upper=row_upper,
        maximise=maximise,
        integer=integer,
        options=options,
    )


def column_form(
    rows: npt.NDArray[np.integer],
    cols: npt.NDArray[np.integer],
    values: FloatArray,
    n_col: int,
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int32], FloatArray]:
    """Triplets sorted into HiGHS's compressed-column layout (by column, then row).

    Returns:
        (start of each column then the entry count, row of each entry, value of each entry).
    """
    order = np.lexsort((rows, cols))
    start = np.searchsorted(cols[order], np.arange(n_col + 1)).astype(np.int32)
    return start, rows[order].astype(np.int32), np.ascontiguousarray(values[order], np.float64)


def solve_columns(
    *,
    cost: FloatArray,
    col_lower: FloatArray,
    col_upper: FloatArray,
    start: npt.NDArray[np.int32],
    index: npt.NDArray[np.int32],
    value: FloatArray,
    row_lower: FloatArray,
    row_upper: FloatArray,
    maximise: bool,
    integer: npt.NDArray[np.bool_] | None = None,
    options: Mapping[str, bool | int | float] | None = None,
) -> HighsResult:
    """:func:`solve_sparse` on a matrix already in column form (:func:`column_form`), for a
    caller that solves many models sharing one matrix."""
    n_col = cost.shape[0]
    kinds = np.zeros(n_col, dtype=np.int32)  # all continuous: HiGHS solves it as an LP
    if integer is not None:
        kinds[np.asarray(integer, dtype=bool)] = int(highspy.HighsVarType.kInteger)
    solver = highspy.Highs()  # type: ignore[no-untyped-call]  # highspy ships no annotations
    solver.setOptionValue("output_flag", False)
    for name, setting in (options or {}).items():
        solver.setOptionValue(name, setting)
    # The model passed as arrays (HiGHS copies them once): filling a HighsLp's fields instead
    # converts every element through Python, ~0.3 ms a model, the revenue search's 423 a year.
    passed = solver.passModel(
        n_col,
        int(row_lower.shape[0]),
        int(value.shape[0]),
        int(highspy.MatrixFormat.kColwise),
        int(highspy.ObjSense.kMaximize if maximise else highspy.ObjSense.kMinimize),
        0.0,
        np.ascontiguousarray(cost, dtype=np.float64),
        np.ascontiguousarray(col_lower, dtype=np.float64),
        np.ascontiguousarray(col_upper, dtype=np.float64),
        np.ascontiguousarray(row_lower, dtype=np.float64),
        np.ascontiguousarray(row_upper, dtype=np.float64),
        start,
        index,
        value,
        kinds,
    )
    if passed == highspy.HighsStatus.kError:  # never for the models built here
        return HighsResult(False, False, "model rejected by HiGHS", np.empty(0), float("nan"))
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
