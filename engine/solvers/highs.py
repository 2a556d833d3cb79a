"""Sparse LP/MILP models handed to HiGHS (highspy) in column-wise form: the one place for it.

Callers build their constraint matrix as (row, column, value) triplets; this module sorts
them into HiGHS's compressed-column layout, sets the options, solves, and reports the status
without deciding what a non-optimal status means for the caller's domain.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
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
    model = ColumnModel(
        cost, col_lower, col_upper, start, index, value, row_lower, row_upper, maximise
    )
    return solve_columns(model, integer, options)


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


@dataclass(frozen=True)
class ColumnModel:
    """``max|min cost·x`` s.t. ``row_lower ≤ A x ≤ row_upper`` and ``col_lower ≤ x ≤
    col_upper``, with ``A`` in HiGHS's column form (``start``, ``index``, ``value``:
    :func:`column_form`), for a caller that solves many models sharing one matrix."""

    cost: FloatArray
    col_lower: FloatArray
    col_upper: FloatArray
    start: npt.NDArray[np.int32]
    index: npt.NDArray[np.int32]
    value: FloatArray
    row_lower: FloatArray
    row_upper: FloatArray
    maximise: bool


def solve_columns(
    model: ColumnModel,
    integer: npt.NDArray[np.bool_] | None = None,
    options: Mapping[str, bool | int | float] | None = None,
) -> HighsResult:
    """:func:`solve_sparse` of a model already in column form."""
    solver = _solver(model, integer)
    if solver is None:  # never for the models built here
        return _REJECTED
    for name, setting in (options or {}).items():
        solver.setOptionValue(name, setting)
    solver.run()
    return _result(solver)


class WarmStarts:
    """LPs solved in sequence, each from the optimal basis of the last one that shared its
    constraint matrix: one HiGHS instance per matrix ``key``, whose costs and bounds are
    replaced before each solve (the forecast mode's ~420 D-1 relaxations a year run in about
    half the time of cold solves).

    Where an LP has several optimal vertices, the one returned depends on the basis it
    started from, so a caller keeps one :class:`WarmStarts` per deterministic sequence of
    solves (one period's run), never one shared across runs or threads. A warm solve that
    does not prove an optimum is repeated cold.
    """

    def __init__(self, kept: int = 32) -> None:
        self._kept = kept
        self._solvers: dict[Hashable, highspy.Highs] = {}

    def solve(self, key: Hashable, model: ColumnModel) -> HighsResult:
        """:func:`solve_columns` of an LP whose matrix is the same whenever ``key`` is."""
        solver = self._solvers.get(key)
        if solver is not None:
            n_col, n_row = model.cost.shape[0], model.row_lower.shape[0]
            cols, rows = np.arange(n_col, dtype=np.int32), np.arange(n_row, dtype=np.int32)
            solver.changeColsCost(n_col, cols, _f64(model.cost))
            solver.changeColsBounds(n_col, cols, _f64(model.col_lower), _f64(model.col_upper))
            solver.changeRowsBounds(  # type: ignore[attr-defined]  # bound, not in the stubs
                n_row, rows, _f64(model.row_lower), _f64(model.row_upper)
            )
            solver.run()
            result = _result(solver)
            if result.optimal:
                return result
        solver = _solver(model, None)
        if solver is None:  # never for the models built here
            return _REJECTED
        solver.run()
        self._solvers.pop(key, None)
        self._solvers[key] = solver
        while len(self._solvers) > self._kept:  # the least recently rebuilt first
            self._solvers.pop(next(iter(self._solvers)))
        return _result(solver)


_REJECTED = HighsResult(False, False, "model rejected by HiGHS", np.empty(0), float("nan"))


def _f64(array: FloatArray) -> FloatArray:
    return np.ascontiguousarray(array, dtype=np.float64)


def _solver(model: ColumnModel, integer: npt.NDArray[np.bool_] | None) -> highspy.Highs | None:
    """A silent HiGHS instance holding the model, or None if HiGHS rejects it."""
    n_col = model.cost.shape[0]
    kinds = np.zeros(n_col, dtype=np.int32)  # all continuous: HiGHS solves it as an LP
    if integer is not None:
        kinds[np.asarray(integer, dtype=bool)] = int(highspy.HighsVarType.kInteger)
    solver = highspy.Highs()  # type: ignore[no-untyped-call]  # highspy ships no annotations
    solver.setOptionValue("output_flag", False)
    # The model passed as arrays (HiGHS copies them once): filling a HighsLp's fields instead
    # converts every element through Python, ~0.3 ms a model, the revenue search's 423 a year.
    passed = solver.passModel(
        n_col,
        int(model.row_lower.shape[0]),
        int(model.value.shape[0]),
        int(highspy.MatrixFormat.kColwise),
        int(highspy.ObjSense.kMaximize if model.maximise else highspy.ObjSense.kMinimize),
        0.0,
        _f64(model.cost),
        _f64(model.col_lower),
        _f64(model.col_upper),
        _f64(model.row_lower),
        _f64(model.row_upper),
        model.start,
        model.index,
        model.value,
        kinds,
    )
    return None if passed == highspy.HighsStatus.kError else solver


def _result(solver: highspy.Highs) -> HighsResult:
    status = solver.getModelStatus()
    optimal = status == highspy.HighsModelStatus.kOptimal
    return HighsResult(
        optimal=optimal,
        infeasible=status == highspy.HighsModelStatus.kInfeasible,
        status=str(solver.modelStatusToString(status)),
        x=np.asarray(solver.getSolution().col_value, dtype=np.float64) if optimal else np.empty(0),
        objective=float(solver.getInfo().objective_function_value) if optimal else float("nan"),
    )
