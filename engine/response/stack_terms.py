"""Response energy in the revenue stack: its expected value per MW held per block, folded into
the optimiser's service prices, and split back out as attribution streams.

What is modelled (optional; :func:`engine.revenue.revenue_stack` with ``response_value``):

* **Value per MW held** in each EFA block (:func:`response_value_by_block`): the model method
  of :mod:`engine.response.value` per settlement period — energy taken in is resold ``lag``
  periods later at × efficiency, energy given out is bought back at ÷ efficiency, plus its
  settlement (0 with ABSVD, −net import × imbalance price without) — averaged over the block
  [£/MW/h]. With ABSVD a DR-Low holder gives stored energy away (negative), a DR-High holder
  receives it free (positive); without ABSVD both are bought/sold at the imbalance price and
  only the efficiency loss and the price move over the lag remain.
* **The optimiser** sees clearing price + this value (:func:`add_response_value`) when it
  chooses holdings, in both modes (the forecast mode's previous-day forecast then includes
  the previous day's response value).
* **State of charge**: the expected drift before the energy is traded out — mean utilisation
  x the resale lag [h] of full-power energy per MW held — is added to each service's
  delivery duration (:func:`with_drift`), so the schedule keeps room for it inside its
  bounds on the side the service moves the store (DR-H up, DR-L down), on top of the full
  delivery reserve.
* **Attribution** (:func:`split_response_streams`): each service's stream is split into its
  clearing-price part and ``response_energy_<service>``; the streams still sum exactly to the
  net.

Not modelled: the schedule's state of charge is not moved interval by interval by the response
energy (its expected drift is reserved, and the energy is taken as resold or replaced ``lag``
periods later, outside the schedule).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.response.settlement import Registration
from engine.response.value import DEFAULT_EFFICIENCY_FRAC, model_value_gbp_per_mw
from engine.revenue.attribution import RevenueResult
from engine.revenue.layout import Layout, MarketData
from engine.revenue.markets import ServiceSpec
from engine.revenue.search import Schedule
from engine.settlement import UK_TZ, efa_date_block, month_labels

RESPONSE_NOTE = (
    "response energy (issue 20): each held service's expected response energy is valued per "
    "MW per EFA block (resold or replaced later, settled at the imbalance price unless ABSVD "
    "applies) and shown as response_energy_<service> streams; its expected drift until resale "
    "is reserved in the state of charge (added to each service's delivery duration)"
)


@dataclass(frozen=True)
class ResponseTerms:
    """What the revenue stack needs to model response energy (issue 20).

    Attributes:
        value_gbp_per_mw_per_h: Index ``(efa_date, efa_block)``, one column per service:
            expected value of the response energy per MW held [£/MW/h].
        drift_h: Service → expected state-of-charge drift before resale, in hours of full
            delivery per MW held (mean utilisation x lag) [h].
    """

    value_gbp_per_mw_per_h: pd.DataFrame
    drift_h: Mapping[str, float]


def response_terms(
    interval_start: pd.DatetimeIndex,
    resale_price_gbp_per_mwh: pd.Series,
    imbalance_price_gbp_per_mwh: pd.Series,
    net_import_mwh_per_mw: pd.DataFrame,
    registration: Registration,
    lag_periods: int = 3,
    efficiency_frac: float = DEFAULT_EFFICIENCY_FRAC,
    interval_h: float = 0.5,
) -> ResponseTerms:
    """The value per block (:func:`response_value_by_block`) and each service's drift:
    mean |net import| per period ÷ interval x lag [h] (arguments as there)."""
    value = response_value_by_block(
        interval_start,
        resale_price_gbp_per_mwh,
        imbalance_price_gbp_per_mwh,
        net_import_mwh_per_mw,
        registration,
        lag_periods,
        efficiency_frac,
        interval_h,
    )
    # mean |energy| per period [MWh/MW] ÷ interval [h] = mean power [MW/MW], held for
    # lag x interval [h]: the interval cancels.
    drift = {
        str(s): float(np.nan_to_num(np.nanmean(np.abs(net_import_mwh_per_mw[s].to_numpy()))))
        * lag_periods
        for s in net_import_mwh_per_mw.columns
    }
    return ResponseTerms(value, drift)


def with_drift(
    services: tuple[ServiceSpec, ...], drift_h: Mapping[str, float]
) -> tuple[ServiceSpec, ...]:
    """Services whose delivery duration also covers their expected drift [h]."""
    return tuple(
        dataclasses.replace(s, delivery_duration_h=s.delivery_duration_h + drift_h.get(s.name, 0.0))
        for s in services
    )


def response_value_by_block(
    interval_start: pd.DatetimeIndex,
    resale_price_gbp_per_mwh: pd.Series,
    imbalance_price_gbp_per_mwh: pd.Series,
    net_import_mwh_per_mw: pd.DataFrame,
    registration: Registration,
    lag_periods: int = 3,
    efficiency_frac: float = DEFAULT_EFFICIENCY_FRAC,
    interval_h: float = 0.5,
) -> pd.DataFrame:
    """Expected value of the response energy per MW held, per EFA block and service.

    Args:
        interval_start: Contiguous UTC half-hours.
        resale_price_gbp_per_mwh: Resale price per interval (same index) [£/MWh].
        imbalance_price_gbp_per_mwh: Imbalance price per interval [£/MWh].
        net_import_mwh_per_mw: One column per service: response energy per period
            (+ import) [MWh per MW held].
        registration: ``bm`` or ``non_bm`` (ABSVD by date).
        lag_periods: Resale delay [settlement periods].
        efficiency_frac: Efficiency of resold energy [0-1].
        interval_h: Interval length [h].

    Returns:
        Index ``(efa_date, efa_block)``, one column per service [£/MW/h]; a block whose
        periods all lack a figure is 0 (no effect assumed).
    """
    index = pd.DatetimeIndex(interval_start)
    efa = efa_date_block(index)
    keys = pd.MultiIndex.from_arrays(
        [pd.to_datetime(efa["efa_date"]).to_numpy(), efa["efa_block"].to_numpy()],
        names=["efa_date", "efa_block"],
    )
    columns = {}
    for service in net_import_mwh_per_mw.columns:
        energy = pd.Series(net_import_mwh_per_mw[service].to_numpy(dtype=float), index=index)
        value = model_value_gbp_per_mw(
            energy,
            pd.Series(resale_price_gbp_per_mwh.to_numpy(dtype=float), index=index),
            pd.Series(imbalance_price_gbp_per_mwh.to_numpy(dtype=float), index=index),
            registration,
            lag_periods,
            efficiency_frac,
        )["value_gbp_per_mw"]
        per_h = pd.Series(value.to_numpy(), index=keys).groupby(level=[0, 1]).mean() / interval_h
        columns[str(service)] = per_h.fillna(0.0)
    return pd.DataFrame(columns)


def add_response_value(data: MarketData, response_value: pd.DataFrame) -> MarketData:
    """Prices the optimiser sees: clearing price + response value where a price exists."""
    table = data.service_price_gbp_per_mw_per_h
    extra = response_value.reindex(index=table.index, columns=table.columns).fillna(0.0)
    return dataclasses.replace(data, service_price_gbp_per_mw_per_h=table + extra)


def response_value_array(lay: Layout, response_value: pd.DataFrame) -> np.ndarray:
    """The table as ``(B, K)`` aligned to a layout's blocks and services (missing → 0)."""
    keys = pd.MultiIndex.from_frame(lay.blocks)
    names = [s.name for s in lay.services]
    aligned = response_value.reindex(index=keys, columns=names).fillna(0.0)
    return aligned.to_numpy(dtype=float).reshape(len(keys), len(names))


def split_response_streams(
    result: RevenueResult, lay: Layout, schedule: Schedule, response_value: pd.DataFrame
) -> RevenueResult:
    """Move each service's response-energy value out of its stream into
    ``response_energy_<service>`` (streams, by month and by EFA block; the net is unchanged).
    """
    value = response_value_array(lay, response_value)
    blk = lay.block_of_interval
    h = lay.interval_h
    parts = pd.DataFrame(
        {
            s.name: value[blk, k] * schedule.service_mw[blk, k] * h
            for k, s in enumerate(lay.services)
        },
        index=lay.index,
    )
    streams = dict(result.streams)
    by_month, by_block = result.by_month.copy(), result.by_efa_block.copy()
    month = pd.Index(month_labels(lay.index.tz_convert(UK_TZ)), name="month")
    block = pd.Index(efa_date_block(lay.index)["efa_block"].to_numpy(), name="efa_block")
    for s in lay.services:
        name = f"response_energy_{s.name}"
        streams[s.name] = streams[s.name] - float(parts[s.name].sum())
        streams[name] = float(parts[s.name].sum())
        for frame, key in ((by_month, month), (by_block, block)):
            moved = parts[s.name].groupby(key).sum().reindex(frame.index).fillna(0.0)
            frame[s.name] = frame[s.name] - moved
            frame.insert(len(frame.columns) - 1, name, moved)
    return dataclasses.replace(
        result,
        streams=streams,
        by_month=by_month,
        by_efa_block=by_block,
        assumptions=[*result.assumptions],
    )
