"""Risk figures of a set of equally likely scenario outcomes.

Definitions (revenue ``R``, higher is better; the *shortfall* or loss is ``L = -R``):

* ``P10 / P50 / P90``: the 10th, 50th and 90th percentiles of ``R`` (linear interpolation
  between order statistics, numpy's default). P10 is the bad year: 90 % of scenarios earn more.
* **VaR and CVaR at confidence α** follow Rockafellar and Uryasev ("Conditional value-at-risk
  for general loss distributions", J. Banking & Finance 26 (2002) 1443-1471) on the loss
  ``L``: ``VaR_α(L) = min {ζ : P(L ≤ ζ) ≥ α}`` and
  ``CVaR_α(L) = ζ + E[max(L - ζ, 0)] / (1 - α)`` at ``ζ = VaR_α(L)`` (equivalently the minimum
  over ζ of that expression). Both are reported back as *revenue levels*:
  ``VaR_α = -VaR_α(L)`` is the revenue that only ``1 - α`` of scenarios fall below, and
  ``CVaR_α = -CVaR_α(L)`` is the mean revenue of the worst ``1 - α`` of scenarios (with the
  boundary scenario weighted in part when ``(1 - α) N`` is not whole). Example: twenty equally
  likely revenues £20k, £25k, …, £115k give ``CVaR_90 %`` = the mean of the two worst = £22.5k.
* **Probability below a threshold**: the share of scenarios with ``R < threshold``.
* **Maximum drawdown** of a daily P&L series: the largest fall of cumulative P&L from its
  running peak (the peak starts at 0, before the first day). P&L +10, −4, −3, +8, −9:
  cumulative 10, 6, 3, 11, 2 → drawdown 9.
* **Tail attribution**: the mean of each stream (and each month) over the worst
  ``tail_frac`` of scenarios minus its mean over all scenarios: which streams and months
  make the bad years bad.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from engine.errors import ValidationError

FloatArray = npt.NDArray[np.float64]
#: Outcomes as a sequence or any float array.
Outcomes = Sequence[float] | npt.NDArray[np.floating[Any]]

DEFAULT_CONFIDENCE = (0.90, 0.95, 0.99)


def check_confidence(alpha: float, field: str = "confidence") -> float:
    """A confidence level strictly inside (0, 1).

    Raises:
        ValidationError: Otherwise, naming ``field``.
    """
    value = float(alpha)
    if not (np.isfinite(value) and 0.0 < value < 1.0):
        raise ValidationError(
            f"{field}: a confidence level must lie strictly between 0 and 1, got {alpha!r}",
            field=field,
        )
    return value


def _outcomes(revenue_gbp: Outcomes, field: str) -> FloatArray:
    values = np.asarray(revenue_gbp, dtype=np.float64).ravel()
    if values.size == 0 or not np.isfinite(values).all():
        raise ValidationError(f"{field}: needs at least one finite outcome", field=field)
    return values


def var_cvar(revenue_gbp: Outcomes, alpha: float) -> tuple[float, float]:
    """Rockafellar-Uryasev VaR and CVaR at confidence ``alpha``, as revenue levels [£].

    Args:
        revenue_gbp: Equally likely outcomes [£].
        alpha: Confidence level in (0, 1).

    Returns:
        ``(VaR, CVaR)``: the revenue only ``1 - alpha`` of scenarios fall below, and the
        mean revenue of that worst ``1 - alpha`` tail [£].
    """
    alpha = check_confidence(alpha)
    loss = -_outcomes(revenue_gbp, "revenue")
    ordered = np.sort(loss)
    n = ordered.size
    # VaR_α(L): the smallest ζ with P(L ≤ ζ) ≥ α (k-th smallest loss, k = ceil(α n)).
    k = int(np.ceil(alpha * n - 1e-9))
    zeta = float(ordered[max(k, 1) - 1])
    cvar = zeta + float(np.maximum(loss - zeta, 0.0).sum()) / ((1.0 - alpha) * n)
    return -zeta, -cvar


def max_drawdown(daily_pnl_gbp: Outcomes) -> float:
    """Largest fall of cumulative P&L from its running peak (peak starts at 0) [£]."""
    pnl = np.asarray(daily_pnl_gbp, dtype=np.float64)
    if pnl.size == 0:
        return 0.0
    cumulative = np.cumsum(pnl)
    peak = np.maximum.accumulate(np.maximum(cumulative, 0.0))
    return float(np.max(peak - cumulative, initial=0.0))


def risk_figures(
    revenue_gbp: Outcomes,
    confidence: Sequence[float] = DEFAULT_CONFIDENCE,
    threshold_gbp: float | None = None,
) -> dict[str, object]:
    """Mean, P10/P50/P90, VaR/CVaR per confidence and the probability below a threshold.

    Raises:
        ValidationError: No outcome, a confidence outside (0, 1), or a threshold that is
            negative or not finite.
    """
    values = _outcomes(revenue_gbp, "revenue")
    levels = [check_confidence(a) for a in confidence]
    out: dict[str, object] = {
        "scenarios": int(values.size),
        "mean_gbp": float(values.mean()),
        "p10_gbp": float(np.percentile(values, 10)),
        "p50_gbp": float(np.percentile(values, 50)),
        "p90_gbp": float(np.percentile(values, 90)),
        "min_gbp": float(values.min()),
        "max_gbp": float(values.max()),
    }
    tail = []
    for alpha in levels:
        var, cvar = var_cvar(values, alpha)
        tail.append({"confidence": alpha, "var_gbp": var, "cvar_gbp": cvar})
    out["var_cvar"] = tail
    if threshold_gbp is not None:
        threshold = check_threshold(threshold_gbp, "threshold_gbp")
        out["threshold_gbp"] = threshold
        out["probability_below_threshold"] = float((values < threshold).mean())
    return out


def check_threshold(value: float, field: str) -> float:
    """A finite, non-negative amount [£ or £/MW/yr].

    Raises:
        ValidationError: Otherwise, naming ``field``.
    """
    number = float(value)
    if not (np.isfinite(number) and number >= 0):
        raise ValidationError(f"{field}: must be a finite amount ≥ 0, got {value!r}", field=field)
    return number


def tail_attribution(
    revenue_gbp: FloatArray,
    parts_gbp: FloatArray,
    names: Sequence[str],
    tail_frac: float = 0.10,
) -> list[dict[str, object]]:
    """How each part (stream or month) of the worst scenarios differs from the average.

    Args:
        revenue_gbp: ``(N,)`` annual revenue per scenario [£].
        parts_gbp: ``(N, P)`` the same revenue split into parts (they sum to it) [£].
        names: ``(P,)`` part names.
        tail_frac: Share of scenarios counted as the tail (worst first), in (0, 1).

    Returns:
        One row per part, most negative gap first: ``name``, ``tail_mean_gbp``,
        ``mean_gbp``, ``gap_gbp`` (tail − all) and ``share_of_gap`` (of the total gap).
    """
    tail_frac = check_confidence(tail_frac, "tail_frac")
    values = _outcomes(revenue_gbp, "revenue")
    parts = np.asarray(parts_gbp, dtype=np.float64).reshape(values.size, -1)
    count = max(int(np.floor(tail_frac * values.size)), 1)
    worst = np.argsort(values, kind="stable")[:count]
    tail = parts[worst].mean(axis=0)
    mean = parts.mean(axis=0)
    gap = tail - mean
    total = float(gap.sum())
    rows = [
        {
            "name": str(name),
            "tail_mean_gbp": float(tail[p]),
            "mean_gbp": float(mean[p]),
            "gap_gbp": float(gap[p]),
            "share_of_gap": float(gap[p] / total) if total != 0 else None,
        }
        for p, name in enumerate(names)
    ]
    return sorted(rows, key=lambda row: float(row["gap_gbp"]))  # type: ignore[arg-type]
