"""Revenue-stack inputs laid out per interval and per EFA block, and the day-ahead forecasts."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from engine.dispatch import naive_forecast
from engine.errors import ValidationError
from engine.revenue.markets import ENERGY_MARKETS, ServiceSpec
from engine.revenue.model import BoolArray, FloatArray, IntArray
from engine.revenue.network import NetworkCharges
from engine.settlement import UK_TZ, efa_date_block, to_utc_index


@dataclass(frozen=True)
class MarketData:
    """Prices for the period, as the engine needs them.

    Attributes:
        interval_start: UTC half-hour starts of the period (no gaps).
        energy_price_gbp_per_mwh: One column per energy market (``apx``, ``system``),
            one row per interval; NaN = no trade in that period [£/MWh].
        service_price_gbp_per_mw_per_h: Index ``(efa_date, efa_block)``, one column per
            service; NaN = no clearing result [£/MW/h].
    """

    interval_start: pd.DatetimeIndex
    energy_price_gbp_per_mwh: pd.DataFrame
    service_price_gbp_per_mw_per_h: pd.DataFrame


@dataclass(frozen=True)
class Layout:
    """Per-interval arrays for a solve (built once from :class:`MarketData`)."""

    index: pd.DatetimeIndex
    interval_h: float
    energy: FloatArray  # (T, M) prices of the selected markets, NaN = unavailable
    markets: tuple[str, ...]
    block_of_interval: IntArray
    blocks: pd.DataFrame  # efa_date, efa_block per block
    service_price: FloatArray  # (B, K)
    services: tuple[ServiceSpec, ...]
    import_charge: FloatArray | None = None  # (T,) DUoS on imports [£/MWh], None = none
    export_credit: FloatArray | None = None  # (T,) DUoS generation credit [£/MWh]

    @property
    def n(self) -> int:
        """Number of intervals."""
        return int(self.energy.shape[0])

    # Constants of the layout the search reads on every one of its ~10,000 steps a year; each
    # is computed once per layout (a window is a new layout) and kept on the instance.

    @cached_property
    def service_low(self) -> BoolArray:
        """``(K,)`` True for low (export) services."""
        return np.array([s.direction == "low" for s in self.services], dtype=bool)

    @cached_property
    def service_duration_h(self) -> FloatArray:
        """``(K,)`` full-delivery durations [h]."""
        return np.array([s.delivery_duration_h for s in self.services], dtype=float)

    @cached_property
    def block_hours(self) -> FloatArray:
        """``(B,)`` hours of each block in the period [h]."""
        counts = np.bincount(self.block_of_interval, minlength=self.blocks.shape[0])
        return np.asarray(counts * self.interval_h, dtype=np.float64)

    @cached_property
    def block_starts(self) -> IntArray | None:
        """``(B + 1,)`` first interval of each block, then the interval count; None if the
        intervals are not in block order."""
        blk = self.block_of_interval
        if blk.size > 1 and bool(np.any(blk[1:] < blk[:-1])):
            return None
        n_blocks = self.blocks.shape[0]
        return np.searchsorted(blk, np.arange(n_blocks + 1)).astype(np.int64)

    @cached_property
    def local_day(self) -> IntArray:
        """Settlement day of each interval (0, 1, ...): the UK local date of its start (BSC
        Section X-1)."""
        local = self.index.tz_convert(UK_TZ).normalize()
        return np.asarray(pd.factorize(local)[0], dtype=np.int64)

    def buy_sell(
        self, energy: FloatArray | None = None
    ) -> tuple[FloatArray, FloatArray, BoolArray]:
        """Cheapest buy and dearest sell price per interval, and where any market trades;
        network charges (if any) added: buy + import charge, sell + export credit."""
        prices = self.energy if energy is None else energy
        tradable = np.isfinite(prices).any(axis=1)
        filled_lo = np.where(np.isfinite(prices), prices, np.inf)
        filled_hi = np.where(np.isfinite(prices), prices, -np.inf)
        buy = np.where(tradable, filled_lo.min(axis=1, initial=np.inf), 0.0).astype(np.float64)
        sell = np.where(tradable, filled_hi.max(axis=1, initial=-np.inf), 0.0).astype(np.float64)
        if self.import_charge is not None:
            buy = np.where(tradable, buy + self.import_charge, 0.0)
        if self.export_credit is not None:
            sell = np.where(tradable, sell + self.export_credit, 0.0)
        return buy, sell, np.asarray(tradable, dtype=np.bool_)


def layout(
    data: MarketData,
    services: tuple[ServiceSpec, ...],
    energy_markets: tuple[str, ...],
    interval_h: float = 0.5,
    network: NetworkCharges | None = None,
) -> Layout:
    """Lay prices out per interval and per EFA block.

    Args:
        data: The period's prices.
        services: Services the battery may hold.
        energy_markets: Energy markets it may trade (subset of ``apx``, ``system``).
        interval_h: Interval length [h].
        network: DUoS charges and credits per interval of the period, if a site is given.

    Raises:
        ValidationError: If a requested market has no price column or the index is not
            contiguous half-hours.
    """
    index = to_utc_index(data.interval_start)
    if len(index) == 0:
        raise ValidationError("interval_start: the period is empty", field="from")
    steps = np.diff(index.as_unit("ns").asi8)  # type: ignore[attr-defined]  # the pandas stubs lack DatetimeIndex.asi8
    if steps.size and np.any(steps != int(interval_h * 3600e9)):
        raise ValidationError(
            "interval_start: intervals must be contiguous", field="interval_start"
        )
    for market in energy_markets:
        if market not in ENERGY_MARKETS or market not in data.energy_price_gbp_per_mwh.columns:
            raise ValidationError(
                f"energy_markets: no prices for {market!r}", field="energy_markets"
            )
    energy = data.energy_price_gbp_per_mwh[list(energy_markets)].to_numpy(dtype=float)
    efa = efa_date_block(index)
    keys = pd.MultiIndex.from_arrays([efa["efa_date"], efa["efa_block"]])
    codes, uniques = pd.factorize(keys)
    blocks = pd.DataFrame(list(uniques), columns=["efa_date", "efa_block"])
    table = data.service_price_gbp_per_mw_per_h
    names = [s.name for s in services]
    missing = [n for n in names if n not in table.columns]
    if missing:
        raise ValidationError(f"services: no prices for {', '.join(missing)}", field="services")
    aligned = table[names].reindex(pd.MultiIndex.from_frame(blocks))
    return Layout(
        index=index,
        interval_h=interval_h,
        energy=energy,
        markets=tuple(energy_markets),
        block_of_interval=np.asarray(codes, dtype=np.int64),
        blocks=blocks,
        service_price=aligned.to_numpy(dtype=float).reshape(len(blocks), len(names)),
        services=services,
        import_charge=None if network is None else network.import_charge_gbp_per_mwh,
        export_credit=None if network is None else network.export_credit_gbp_per_mwh,
    )


def forecast_inputs(lay: Layout) -> tuple[FloatArray, FloatArray]:
    """Information available at each day's auction.

    Returns:
        (energy price forecast ``(T, M)``: same period last week, per market;
        service price forecast ``(B, K)``: the previous EFA day's price of the same block).
    """
    energy = np.empty_like(lay.energy)
    for m in range(lay.energy.shape[1]):
        energy[:, m] = naive_forecast(lay.energy[:, m])
    energy = np.where(np.isfinite(lay.energy), energy, np.nan)
    blocks = lay.blocks
    key = pd.MultiIndex.from_arrays(
        [blocks["efa_date"] - pd.Timedelta(days=1), blocks["efa_block"]]
    )
    own = pd.DataFrame(lay.service_price, index=pd.MultiIndex.from_frame(blocks))
    previous = own.reindex(key).to_numpy(dtype=float)
    # A block with no auction result cannot be held whatever the forecast.
    return energy, np.where(np.isnan(lay.service_price), np.nan, previous)


def window(lay: Layout, first: int, stop: int) -> Layout:
    """The sub-period of intervals ``first .. stop-1`` (blocks renumbered from 0)."""
    blk = lay.block_of_interval[first:stop]
    b0, b1 = int(blk[0]), int(blk[-1]) + 1
    sub = Layout(
        index=lay.index[first:stop],
        interval_h=lay.interval_h,
        energy=lay.energy[first:stop],
        markets=lay.markets,
        block_of_interval=blk - b0,
        blocks=lay.blocks.iloc[b0:b1].reset_index(drop=True),
        service_price=lay.service_price[b0:b1],
        services=lay.services,
        import_charge=None if lay.import_charge is None else lay.import_charge[first:stop],
        export_credit=None if lay.export_credit is None else lay.export_credit[first:stop],
    )
    # Constants the period already holds carry over (settlement days renumbered from 0).
    held = vars(lay)
    for name in ("service_low", "service_duration_h"):
        if name in held:
            vars(sub)[name] = held[name]
    if "local_day" in held:
        days = held["local_day"][first:stop]
        vars(sub)["local_day"] = days - days[0]
    return sub


def trade_markets(prices: FloatArray) -> tuple[IntArray, IntArray]:
    """Market column each interval buys in (cheapest) and sells in (dearest); -1 if none.

    Args:
        prices: ``(T, M)`` prices the choice is made on (actual or forecast); NaN = no
            trade [£/MWh].
    """
    n = prices.shape[0]
    if prices.shape[1] == 0:
        none = np.full(n, -1, dtype=np.int64)
        return none, none.copy()
    finite = np.isfinite(prices)
    any_ = finite.any(axis=1)
    buy = np.where(any_, np.argmin(np.where(finite, prices, np.inf), axis=1), -1)
    sell = np.where(any_, np.argmax(np.where(finite, prices, -np.inf), axis=1), -1)
    return buy.astype(np.int64), sell.astype(np.int64)
