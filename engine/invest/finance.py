"""Discounted-cashflow arithmetic of a project: discount factors, NPV, IRR, payback and LCOS.

Every figure is **real** (constant money of the prices given) and discounted at a real rate;
a project year's flows fall at its end (end-year convention) and capex at year 0, as in the
annuity tables (annuity factor = (1 - (1 + r)^-n) / r). IRR is the root found by
numpy-financial (:func:`numpy_financial.irr`), a maintained library, not a home-made loop.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy_financial as npf  # type: ignore[import-untyped]  # ships no type information

from engine.errors import ValidationError

#: A discount rate at or beyond these is refused (the factors flip sign or are undefined).
RATE_LIMITS_FRAC = (-1.0, 1.0)


def check_discount_rate(rate_frac: float, field: str = "discount_rate_real_frac") -> float:
    """A real discount rate as a fraction in (-1, 1), refusing a percentage.

    Raises:
        ValidationError: Outside (-1, 1), naming ``field``; a rate written as a percentage
            (8 for 8 %) says "did you mean 0.08?".
    """
    try:
        rate = float(rate_frac)
    except (TypeError, ValueError):
        raise ValidationError(
            f"{field}: expected a fraction, got {rate_frac!r}", field=field
        ) from None
    if not math.isfinite(rate):
        raise ValidationError(f"{field}: expected a finite fraction, got {rate!r}", field=field)
    low, high = RATE_LIMITS_FRAC
    if 1.0 <= rate < 100.0:
        raise ValidationError(
            f"{field}: a discount rate is a fraction in (-1, 1); got {rate:g} — did you mean "
            f"{rate / 100:g}?",
            field=field,
        )
    if not low < rate < high:
        raise ValidationError(
            f"{field}: a discount rate is a fraction in (-1, 1), got {rate:g}", field=field
        )
    return rate


def discount_factors(rate_frac: float, years: int) -> np.ndarray:
    """``1 / (1 + r)^t`` for t = 0..years [-]."""
    return np.asarray((1.0 + rate_frac) ** -np.arange(years + 1, dtype=float), dtype=float)


def annuity_factor(rate_frac: float, years: int) -> float:
    """Present value of 1 a year at the end of each of ``years`` years [-]
    (8 % over 15 years: 8.55948)."""
    return float(discount_factors(rate_frac, years)[1:].sum())


def npv_gbp(rate_frac: float, cashflows_gbp: Sequence[float] | np.ndarray) -> float:
    """Net present value of flows at t = 0, 1, 2 ... [£] (year 0 undiscounted)."""
    return float(npf.npv(rate_frac, np.asarray(cashflows_gbp, dtype=float)))


def irr_frac(cashflows_gbp: Sequence[float] | np.ndarray) -> float | None:
    """Internal rate of return of flows at t = 0, 1, 2 ... [-]; None when it does not exist
    (no sign change, e.g. a project that never pays back anything)."""
    flows = np.asarray(cashflows_gbp, dtype=float)
    if not (flows > 0).any() or not (flows < 0).any():
        return None
    value = float(npf.irr(flows))
    return value if math.isfinite(value) else None


def payback_year(cashflows_gbp: Sequence[float] | np.ndarray) -> int | None:
    """First project year whose end sees the cumulative (undiscounted) cashflow ≥ 0 after
    capex; None if it never does within the life."""
    cumulative = np.cumsum(np.asarray(cashflows_gbp, dtype=float))
    for year in range(1, cumulative.size):
        if cumulative[year] >= 0.0 and cumulative[0] < 0.0:
            return year
    return None if cumulative.size == 0 or cumulative[0] < 0.0 else 0


def lcos_gbp_per_mwh(
    rate_frac: float,
    costs_gbp: Sequence[float] | np.ndarray,
    discharged_mwh: Sequence[float] | np.ndarray,
) -> float | None:
    """Levelised cost of storage: present value of costs ÷ present value of energy discharged
    [£/MWh] (both at t = 0, 1, 2 ...; costs positive). None when nothing is discharged."""
    energy = npv_gbp(rate_frac, discharged_mwh)
    if energy <= 0:
        return None
    return npv_gbp(rate_frac, costs_gbp) / energy
