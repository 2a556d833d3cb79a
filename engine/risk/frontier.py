"""The mean-CVaR frontier of a decision taken before the scenario is known.

The decision splits the battery's MW, once for the year, between

* a **toll**: a share sold under a fixed-price tolling contract at ``toll_gbp_per_mw_per_year``
  (the buyer takes that share's trading and its risk; the owner is paid the fixed price), and
* **operating strategies** valued per scenario (e.g. ``stack`` = energy + DC/DM/DR,
  ``merchant`` = energy markets only); a strategy's revenue scales with the MW given to it.

For risk aversion ``λ ≥ 0`` the linear programme (Rockafellar and Uryasev, J. Banking &
Finance 26 (2002), the CVaR of the loss ``L = -R`` linearised with one auxiliary ``u_i`` per
scenario) is::

    max  (1/N) Σ_i R_i  −  λ · (ζ + Σ_i u_i / ((1 − α) N))
    s.t. R_i = x · F + Σ_s w_s R_si,   u_i ≥ −R_i − ζ,   u_i ≥ 0,
         x + Σ_s w_s = 1,   x, w ≥ 0,   x ≤ max toll share,

solved with HiGHS (:func:`engine.solvers.highs.solve_sparse`). At an optimum the bracket is
the CVaR of the loss, so each point maximises mean + λ · CVaR (revenue level); as ``λ`` grows
the expected revenue never rises and the CVaR never falls (the two optimality inequalities
of any λ₁ < λ₂ added together).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from engine.errors import InfeasibleDispatchError, ValidationError
from engine.risk.figures import check_confidence, check_threshold, var_cvar
from engine.solvers.highs import solve_sparse

FloatArray = npt.NDArray[np.float64]

DEFAULT_RISK_AVERSION = (0.0, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 10.0, 100.0)
_SCALE_GBP = 1000.0  # the LP works in £k (better conditioned)


@dataclass(frozen=True)
class FrontierPoint:
    """One point of the frontier.

    Attributes:
        risk_aversion: ``λ`` [-].
        mean_gbp: Expected annual revenue of the decision [£].
        cvar_gbp: CVaR at the frontier's confidence, as a revenue level [£].
        toll_share: Share of MW under the toll [0-1].
        strategy_share: Share of MW per operating strategy [0-1].
    """

    risk_aversion: float
    mean_gbp: float
    cvar_gbp: float
    toll_share: float
    strategy_share: dict[str, float]


def mean_cvar_frontier(
    outcomes_gbp: FloatArray,
    strategies: Sequence[str],
    toll_gbp: float | None,
    confidence: float = 0.95,
    risk_aversion: Sequence[float] = DEFAULT_RISK_AVERSION,
    max_toll_share: float = 1.0,
) -> list[FrontierPoint]:
    """Solve the LP for each risk aversion.

    Args:
        outcomes_gbp: ``(N, S)`` annual revenue of the whole battery per scenario and
            strategy [£].
        strategies: ``(S,)`` strategy names.
        toll_gbp: Fixed annual payment if the whole battery were tolled (price × MW), or
            None for no toll option [£].
        confidence: CVaR confidence ``α`` in (0, 1).
        risk_aversion: Values of ``λ`` ≥ 0, in increasing order.
        max_toll_share: Largest share that may be tolled [0-1].

    Raises:
        ValidationError: Bad shapes, a confidence outside (0, 1), a negative or non-finite
            toll, or risk aversions not finite, ≥ 0 and increasing.
        InfeasibleDispatchError: HiGHS found no optimum (never expected: the LP is bounded
            and feasible).
    """
    alpha = check_confidence(confidence, "frontier_confidence")
    values = np.asarray(outcomes_gbp, dtype=np.float64)
    if values.ndim != 2 or values.shape[1] != len(strategies) or values.shape[0] == 0:
        raise ValidationError(
            "strategies: one column of outcomes per strategy is needed", field="strategies"
        )
    if not np.isfinite(values).all():
        raise ValidationError("outcomes: every outcome must be finite", field="outcomes")
    lambdas = [float(x) for x in risk_aversion]
    if any(not (np.isfinite(x) and x >= 0) for x in lambdas) or lambdas != sorted(lambdas):
        raise ValidationError(
            "risk_aversion: values must be finite, ≥ 0 and increasing", field="risk_aversion"
        )
    toll = None if toll_gbp is None else check_threshold(toll_gbp, "toll_price_gbp_per_mw_per_year")
    if not 0.0 <= max_toll_share <= 1.0:
        raise ValidationError("max_toll_share: must lie in 0..1", field="max_toll_share")
    n, s = values.shape
    # Columns: w_0..w_{S-1}, x (toll), zeta, u_0..u_{N-1}.
    scaled = values / _SCALE_GBP
    fixed = 0.0 if toll is None else toll / _SCALE_GBP
    n_col = s + 2 + n
    x_col, z_col = s, s + 1
    rows_i, cols_i, vals = [], [], []
    # Row 0: x + Σ w = 1.
    for c in range(s + 1):
        rows_i.append(0)
        cols_i.append(c)
        vals.append(1.0)
    # Rows 1..N: u_i + Σ_s w_s R_si + x F + ζ ≥ 0.
    for i in range(n):
        r = i + 1
        for c in range(s):
            rows_i.append(r)
            cols_i.append(c)
            vals.append(float(scaled[i, c]))
        rows_i += [r, r, r]
        cols_i += [x_col, z_col, s + 2 + i]
        vals += [fixed, 1.0, 1.0]
    rows = np.asarray(rows_i, dtype=np.int64)
    cols = np.asarray(cols_i, dtype=np.int64)
    matrix = np.asarray(vals, dtype=np.float64)
    row_lower = np.r_[1.0, np.zeros(n)]
    row_upper = np.r_[1.0, np.full(n, np.inf)]
    col_lower = np.r_[np.zeros(s + 1), -np.inf, np.zeros(n)]
    col_upper = np.r_[
        np.full(s, np.inf), max_toll_share if toll is not None else 0.0, np.inf, np.full(n, np.inf)
    ]
    mean = scaled.mean(axis=0)
    points = []
    for lam in lambdas:
        cost = np.r_[mean, fixed, -lam, np.full(n, -lam / ((1.0 - alpha) * n))]
        result = solve_sparse(
            cost=cost,
            col_lower=col_lower,
            col_upper=col_upper,
            rows=rows,
            cols=cols,
            values=matrix,
            row_lower=row_lower,
            row_upper=row_upper,
            maximise=True,
        )
        if not result.optimal:
            raise InfeasibleDispatchError(f"frontier LP at λ={lam:g}: {result.status}")
        w = np.clip(result.x[:s], 0.0, None)
        x = float(np.clip(result.x[x_col], 0.0, None))
        revenue = values @ w + x * (toll or 0.0)
        _, cvar = var_cvar(revenue, alpha)
        points.append(
            FrontierPoint(
                lam,
                float(revenue.mean()),
                cvar,
                x,
                {name: float(w[c]) for c, name in enumerate(strategies)},
            )
        )
    assert n_col == cost.size
    return points
