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
period's imbalance price without it; :mod:`engine.response.settlement`). Given a
:class:`StoreBounds` it is **SoC-aware** for a holding of one service alone
(:func:`soc_limited_energy`): the energy received or given moves the store, and stays in it
until it is resold or replaced ``lag`` periods later; in each period the store takes only what
fits between its bounds. **Energy that does not fit is not free**: it is not received or given
(the unit cannot follow its envelope), so it earns no resale and no settlement cash, and it is
reported as ``undelivered_mwh_per_mw`` — a breach of the service whose availability payment is
at risk (not priced here). A period without an energy figure (NaN) does not move the store.
"""

from __future__ import annotations

from dataclasses import dataclass
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


@dataclass(frozen=True)
class StoreBounds:
    """The store behind one MW held of a single service, for the SoC-aware model.

    Attributes:
        energy_h: Usable energy per MW held [MWh/MW] (a 1 MW / 2 MWh battery: 2.0).
        soc_min_frac: Lowest state of charge [fraction of ``energy_h``].
        soc_max_frac: Highest state of charge [fraction of ``energy_h``].
        soc_start_frac: State of charge the schedule holds the store at, to which each
            resale or buy-back returns it [fraction of ``energy_h``].
    """

    energy_h: float = 2.0
    soc_min_frac: float = 0.0
    soc_max_frac: float = 1.0
    soc_start_frac: float = 0.5

    def __post_init__(self) -> None:
        if not self.energy_h > 0:
            raise ValidationError(f"energy_h: must be > 0, got {self.energy_h}", field="energy_h")
        if not 0.0 <= self.soc_min_frac <= self.soc_start_frac <= self.soc_max_frac <= 1.0:
            raise ValidationError(
                "soc_start_frac: need 0 <= soc_min_frac <= soc_start_frac <= soc_max_frac <= 1, "
                f"got {self.soc_min_frac}, {self.soc_start_frac}, {self.soc_max_frac}",
                field="soc_start_frac",
            )


def soc_limited_energy(
    net_import_mwh_per_mw: pd.Series, lag_periods: int, store: StoreBounds
) -> pd.DataFrame:
    """Response energy the store can take or give, period by period, for one service alone.

    The energy delivered in period t stays in the store until it is resold (import) or
    replaced (export) in period t + lag. When period t is delivered the store holds
    start + the energy of periods t − lag … t − 1 (the energy resold in period t is counted
    as still held: conservative), and takes only what fits between its bounds.

    Returns:
        Index as the input; ``delivered_mwh_per_mw`` (NaN where the input is NaN),
        ``undelivered_mwh_per_mw`` (the part that did not fit, same sign as the energy) and
        ``soc_mwh_per_mw`` (the store after the period's delivery) [MWh/MW held].
    """
    lag = check_lag(lag_periods)
    energy = net_import_mwh_per_mw.to_numpy(dtype=np.float64)
    start = store.soc_start_frac * store.energy_h
    low, high = store.soc_min_frac * store.energy_h, store.soc_max_frac * store.energy_h
    delivered = np.zeros(len(energy))
    soc = np.zeros(len(energy))
    for t, want in enumerate(energy):
        held = start + float(delivered[max(0, t - lag) : t].sum())
        take = 0.0 if np.isnan(want) else min(max(want, low - held), high - held)
        delivered[t] = take
        soc[t] = held + take
    missing = np.isnan(energy)
    return pd.DataFrame(
        {
            "delivered_mwh_per_mw": np.where(missing, np.nan, delivered),
            "undelivered_mwh_per_mw": np.where(missing, np.nan, energy - delivered),
            "soc_mwh_per_mw": soc,
        },
        index=net_import_mwh_per_mw.index,
    )


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
    store: StoreBounds | None = None,
) -> pd.DataFrame:
    """The model's value per MW held per period: resale of the energy plus its settlement.

    Args:
        store: When given, only the energy that fits the store is valued
            (:func:`soc_limited_energy`); the rest earns nothing and is reported.

    Returns:
        Index ``interval_start``; columns ``resale_gbp_per_mw`` (energy taken in sold at
        × efficiency, energy given out bought back at ÷ efficiency, ``lag`` periods later),
        ``settlement_gbp_per_mw`` (0 with ABSVD, else −net import × imbalance price) and
        ``value_gbp_per_mw`` (their sum) [£/MW]; with a store also ``delivered_mwh_per_mw``,
        ``undelivered_mwh_per_mw`` and ``soc_mwh_per_mw``.
    """
    lag = check_lag(lag_periods)
    eff = check_efficiency(efficiency_frac)
    limited = None if store is None else soc_limited_energy(net_import_mwh_per_mw, lag, store)
    energy = net_import_mwh_per_mw if limited is None else limited["delivered_mwh_per_mw"]
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
    if limited is not None:
        frame = frame.join(limited)
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
