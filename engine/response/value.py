"""The value of a held service's response energy per MW: the 2022 study's method and the model.

**Study method** (the 2022 DR-High study quoted in issue 20): with DR-H held and no DR-L, the
energy taken in when frequency is above 50 Hz is free and is resold ``lag`` settlement periods
later (1 trading outside the BM, 3 = 90 minutes for a BM unit that must notify first)::

    profit [£/MW] = resale price(t + lag) × (−DR-H power [MW per MW]) × efficiency × 0.5 h

with an assumed efficiency of 92.5 % (import netted against scheduled export loses less than a
full cycle). In this package's sign convention −DR-H power × 0.5 h is the period's net import
per MW held, so profit = resale price(t + lag) × net import [MWh/MW] × efficiency.

**Model method** (the default): the same resale, generalised to both directions (energy
taken in is sold ``lag`` periods later at × efficiency; energy given out is bought back at
÷ efficiency), plus the response energy's settlement cash (0 with ABSVD, −net import × the
period's imbalance price without it; :mod:`engine.response.settlement`). It is not SoC-aware:
it assumes the store can always absorb and later resell the energy, which holds while the
response energy per MW (a few % of a MWh per period) is small against the headroom.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from engine.errors import ValidationError
from engine.response.settlement import Registration, response_cash_gbp
from engine.settlement import efa_date_block, settlement_date_period

DEFAULT_EFFICIENCY_FRAC = 0.925
METHODS: tuple[str, ...] = ("model", "study")
RESALE_MARKETS: tuple[str, ...] = ("imbalance", "apx")


def check_lag(lag_periods: object, field: str = "lag_periods") -> int:
    """A resale lag: a whole number of settlement periods ≥ 0.

    Raises:
        ValidationError: A fraction, a negative number or not a number.
    """
    try:
        number = float(lag_periods)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValidationError(
            f"{field}: expected a whole number ≥ 0, got {lag_periods!r}", field=field
        ) from None
    if not number.is_integer() or number < 0 or isinstance(lag_periods, bool):
        raise ValidationError(
            f"{field}: expected a whole number of settlement periods ≥ 0, got {lag_periods!r}",
            field=field,
        )
    return int(number)


def check_efficiency(efficiency_frac: object, field: str = "efficiency") -> float:
    """An efficiency in (0, 1].

    Raises:
        ValidationError: Outside (0, 1] or not a number.
    """
    try:
        value = float(efficiency_frac)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValidationError(
            f"{field}: expected a number in (0, 1], got {efficiency_frac!r}", field=field
        ) from None
    if not 0.0 < value <= 1.0:
        raise ValidationError(
            f"{field}: expected a number in (0, 1], got {efficiency_frac!r}", field=field
        )
    return value


def study_profit_gbp_per_mw(
    net_import_mwh_per_mw: pd.Series,
    resale_price_gbp_per_mwh: pd.Series,
    lag_periods: int = 3,
    efficiency_frac: float = DEFAULT_EFFICIENCY_FRAC,
) -> pd.Series:
    """The study's profit per MW held per period: resale(t + lag) × net import × efficiency.

    Args:
        net_import_mwh_per_mw: Response energy per period (+ import) [MWh per MW held].
        resale_price_gbp_per_mwh: Resale price on the same contiguous half-hourly index.
        lag_periods: Resale delay [settlement periods].
        efficiency_frac: Efficiency applied to the resold energy [0-1].

    Returns:
        £/MW per period; NaN where the energy or the price ``lag`` periods later is missing.
    """
    lag = check_lag(lag_periods)
    eff = check_efficiency(efficiency_frac)
    resale = resale_price_gbp_per_mwh.shift(-lag)
    return (resale * net_import_mwh_per_mw * eff).rename("value_gbp_per_mw")


def model_value_gbp_per_mw(
    net_import_mwh_per_mw: pd.Series,
    resale_price_gbp_per_mwh: pd.Series,
    imbalance_price_gbp_per_mwh: pd.Series,
    registration: Registration,
    lag_periods: int = 3,
    efficiency_frac: float = DEFAULT_EFFICIENCY_FRAC,
) -> pd.DataFrame:
    """The model's value per MW held per period: resale of the energy plus its settlement.

    Returns:
        Index ``interval_start``; columns ``resale_gbp_per_mw`` (energy taken in sold at
        × efficiency, energy given out bought back at ÷ efficiency, ``lag`` periods later),
        ``settlement_gbp_per_mw`` (0 with ABSVD, else −net import × imbalance price) and
        ``value_gbp_per_mw`` (their sum) [£/MW].
    """
    lag = check_lag(lag_periods)
    eff = check_efficiency(efficiency_frac)
    energy = net_import_mwh_per_mw
    resale = resale_price_gbp_per_mwh.shift(-lag)
    factor = np.where(energy.to_numpy() >= 0, eff, 1.0 / eff)
    resale_value = resale * energy * factor
    days = settlement_date_period(energy.index)["settlement_date"]
    cash = response_cash_gbp(
        energy.to_numpy(), imbalance_price_gbp_per_mwh.to_numpy(), days, registration
    )
    frame = pd.DataFrame(
        {"resale_gbp_per_mw": resale_value.to_numpy(), "settlement_gbp_per_mw": cash},
        index=energy.index,
    )
    frame["value_gbp_per_mw"] = frame["resale_gbp_per_mw"] + frame["settlement_gbp_per_mw"]
    return frame


def summarise_value(value_gbp_per_mw: pd.Series, interval_h: float = 0.5) -> dict[str, Any]:
    """Per MW held: mean £ per settlement period, per hour and per EFA block, by EFA block
    (1-6) and by calendar month (UK), over the periods that have a figure.

    Returns:
        ``{"periods", "periods_missing", "gbp_per_mw_per_period", "gbp_per_mw_per_h",
        "gbp_per_mw_per_efa_block", "by_efa_block": [...], "by_month": [...]}`` with None
        where there is no figure.
    """
    values = value_gbp_per_mw.astype(float)
    held = values.dropna()
    efa = efa_date_block(values.index)
    month = settlement_date_period(values.index)["settlement_date"].dt.strftime("%Y-%m")

    def figures(part: pd.Series) -> dict[str, Any]:
        part = part.dropna()
        if part.empty:
            return {
                "periods": 0,
                "gbp_per_mw_per_period": None,
                "gbp_per_mw_per_h": None,
                "gbp_per_mw_per_efa_block": None,
                "total_gbp_per_mw": None,
            }
        mean = float(part.mean())
        return {
            "periods": int(part.size),
            "gbp_per_mw_per_period": mean,
            "gbp_per_mw_per_h": mean / interval_h,
            "gbp_per_mw_per_efa_block": mean / interval_h * 4.0,
            "total_gbp_per_mw": float(part.sum()),
        }

    by_block = [
        {"efa_block": int(b), **figures(values[(efa["efa_block"] == b).to_numpy()])}
        for b in range(1, 7)
    ]
    months = sorted(set(month))
    by_month = [{"month": m, **figures(values[(month == m).to_numpy()])} for m in months]
    overall = figures(held)
    overall["periods_missing"] = int(values.isna().sum())
    overall["by_efa_block"] = by_block
    overall["by_month"] = by_month
    return overall
