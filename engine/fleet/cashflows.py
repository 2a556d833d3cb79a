"""BM cashflows: accepted volume allocated to bid-offer pairs by their level bands (BSC T3).

Bid-Offer Data (BOD) give, per BM unit and settlement period, up to five offer pairs
(``pair_id`` +1…+5) and five bid pairs (−1…−5), each with a MW level, an offer price and a bid
price (Elexon glossary, *Bid-Offer Data*: "up to five above FPN and up to five below FPN").
Each pair's level is the width of its band, stacked outwards from FPN (BSC T3, "Establishment
of Bid-Offer Upper Range and Bid-Offer Lower Range"):

* offer pair n > 0 covers FPN + Σ_{m<n} level_m … FPN + Σ_{m≤n} level_m (levels ≥ 0);
* bid pair n < 0 covers FPN + Σ_{n<m<0} level_m … down to FPN + Σ_{n≤m<0} level_m (levels ≤ 0).

Acceptance k moves the level from the one it superseded; within each pair's band the part of
that move that is an increase is the pair's accepted offer volume, priced at its offer price,
and a decrease its accepted bid volume (negative), priced at its bid price (BSC T3.7–T3.8,
Period Accepted Offer/Bid Volume; T3, Period BM Unit Offer and Bid Cashflow). The cashflow is
Σ volume × price: positive is paid to the BM unit's lead party, negative paid by it — the sign
Elexon publishes for indicative cashflows (a bid at a positive price costs the unit).

The Section T formulas were not readable offline: the stacking and the per-band split above are
our reading of them (docs/fleet.md says which sources were checked).

Price-out pairs (|price| ≥ £99,999/MWh, submitted so that a band is never used) get volume only
if an acceptance really reaches their band; when one does, :attr:`BmCashflows.warnings` says so.
Volume beyond the outermost band has no price: the period's cashflow is then absent, with the
reason, never a partial sum shown as complete.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from engine.errors import ValidationError
from engine.fleet.chunks import chunked
from engine.fleet.profiles import clipped_mwh, explode, segments
from engine.fleet.volumes import (
    PERIOD_KEYS,
    AcceptanceRows,
    acceptance_rows,
    missing_periods,
    require_columns,
    single_valued,
)

PRICE_OUT_GBP_PER_MWH = 99_999.0
"""|price| at or above which a pair is a price-out pair (never meant to be accepted)."""
BOD_COLUMNS = (
    "elexon_bm_unit",
    "settlement_date",
    "settlement_period",
    "pair_id",
    "time_from",
    "time_to",
    "level_from_mw",
    "level_to_mw",
    "offer_price_gbp_per_mwh",
    "bid_price_gbp_per_mwh",
)
VOLUME_TOLERANCE_MWH = 1e-9


def check_bid_offers(bid_offers: pd.DataFrame) -> None:
    """Reject BOD whose pair numbers jump or whose levels are not ordered outwards from FPN.

    Pair numbers of a unit and period must run +1, +2, … and −1, −2, … without gaps, and
    never be 0; offer pairs' levels must be ≥ 0 and bid pairs' ≤ 0, so that the bands stack
    outwards from FPN.

    Raises:
        ValidationError: Naming the unit, settlement date and period, the pair and the row.
    """
    require_columns(bid_offers, BOD_COLUMNS, "bod")
    if bid_offers.empty:
        return
    frame = bid_offers[list(BOD_COLUMNS)]
    pair = frame["pair_id"].to_numpy(dtype=np.int64)

    def place(row: int) -> str:
        r = frame.loc[row]
        return (
            f"{r['elexon_bm_unit']} settlement date "
            f"{str(r['settlement_date'])[:10]} period "
            f"{int(r['settlement_period'])}, pair {int(r['pair_id'])} (row {row})"
        )

    zero = np.flatnonzero(pair == 0)
    if zero.size:
        raise ValidationError(
            f"bod: pair number 0 for {place(frame.index[zero[0]])}; pairs are ±1…±5",
            field="bod.pair_id",
        )
    wrong = ((pair > 0) & ((frame["level_from_mw"] < 0) | (frame["level_to_mw"] < 0))) | (
        (pair < 0) & ((frame["level_from_mw"] > 0) | (frame["level_to_mw"] > 0))
    )
    if wrong.any():
        row = frame.index[np.flatnonzero(np.asarray(wrong))[0]]
        raise ValidationError(
            f"bod: levels not ordered for {place(row)}: offer pairs' levels must be ≥ 0 MW and "
            f"bid pairs' ≤ 0 MW (got {frame.loc[row, 'level_from_mw']:g}→"
            f"{frame.loc[row, 'level_to_mw']:g} MW)",
            field="bod.level_from_mw",
        )
    keys = ["elexon_bm_unit", "settlement_date", "settlement_period"]
    sides = frame.assign(_side=np.sign(pair), _rank=np.abs(pair), _row=frame.index)
    distinct = sides.drop_duplicates([*keys, "pair_id"]).sort_values([*keys, "_side", "_rank"])
    expected = distinct.groupby([*keys, "_side"]).cumcount() + 1
    jump = distinct["_rank"].to_numpy() != expected.to_numpy()
    if jump.any():
        at = distinct.iloc[int(np.flatnonzero(jump)[0])]
        raise ValidationError(
            f"bod: pair number jumps for {place(at['_row'])}: pair "
            f"{int(np.sign(at['pair_id'])) * int(expected.iloc[int(np.flatnonzero(jump)[0])])}"
            " is missing (pairs run ±1, ±2, … without gaps)",
            field="bod.pair_id",
        )


@dataclass(frozen=True)
class BmCashflows:
    """Volumes and cashflows per pair and per settlement period.

    Attributes:
        by_pair: ``elexon_bm_unit, settlement_date, settlement_period, interval_start,
            acceptance_number, pair_id, offer_volume_mwh, bid_volume_mwh,
            offer_price_gbp_per_mwh, bid_price_gbp_per_mwh, cashflow_gbp, price_out``.
        by_period: Per unit and period with an acceptance: ``offer_volume_mwh,
            bid_volume_mwh, unpriced_volume_mwh, offer_cashflow_gbp, bid_cashflow_gbp,
            cashflow_gbp, missing_reason`` (cashflows NaN, with the reason, when the period
            cannot be priced).
        warnings: Sentences: price-out bands reached, volume beyond the pairs, data absent.
    """

    by_pair: pd.DataFrame
    by_period: pd.DataFrame
    warnings: tuple[str, ...]


def _bands(rows: AcceptanceRows, bid_offers: pd.DataFrame) -> pd.DataFrame:
    """Each pair's band [low, high] (deviation from FPN, MW) on each elementary interval."""
    part = segments(bid_offers, rows.units)
    pair = bid_offers["pair_id"].to_numpy(dtype=np.int64)[
        rows.units.get_indexer(pd.Index(bid_offers["elexon_bm_unit"])) >= 0
    ]
    pieces = explode(part, rows.line)
    owner = part.unit[pieces.segment] * 100 + pair[pieces.segment] + 50

    def label(segment: int) -> str:
        return f"bod pair {pair[segment]}"

    kept = single_valued(pieces, owner, part, rows.line, rows.units, label)
    seg = pieces.segment[kept]
    offer_price = bid_offers["offer_price_gbp_per_mwh"].to_numpy(dtype=np.float64)
    bid_price = bid_offers["bid_price_gbp_per_mwh"].to_numpy(dtype=np.float64)
    known = rows.units.get_indexer(pd.Index(bid_offers["elexon_bm_unit"])) >= 0
    bands = pd.DataFrame(
        {
            "interval": pieces.interval[kept],
            "pair_id": pair[seg],
            "side": np.sign(pair[seg]),
            "rank": np.abs(pair[seg]),
            "width_start_mw": pieces.level_start_mw[kept],
            "width_end_mw": pieces.level_end_mw[kept],
            "offer_price_gbp_per_mwh": offer_price[known][seg],
            "bid_price_gbp_per_mwh": bid_price[known][seg],
        }
    ).sort_values(["interval", "side", "rank"])
    grouped = bands.groupby(["interval", "side"], sort=False)
    outer_start = grouped["width_start_mw"].cumsum()
    outer_end = grouped["width_end_mw"].cumsum()
    inner_start = outer_start - bands["width_start_mw"]
    inner_end = outer_end - bands["width_end_mw"]
    offer = bands["side"] > 0
    bands["low_start_mw"] = np.where(offer, inner_start, outer_start)
    bands["low_end_mw"] = np.where(offer, inner_end, outer_end)
    bands["high_start_mw"] = np.where(offer, outer_start, inner_start)
    bands["high_end_mw"] = np.where(offer, outer_end, inner_end)
    return bands.reset_index(drop=True)


def _split_at_reversal(
    rows: AcceptanceRows,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Sub-rows on which acceptance k's move (x_k − x_{k−1}) keeps one sign.

    Returns:
        Row index of each sub-row and its start and end as fractions of the interval.
    """
    g0 = rows.x_start - rows.previous_start
    g1 = rows.x_end - rows.previous_end
    flips = ((g0 > 0) & (g1 < 0)) | ((g0 < 0) & (g1 > 0))
    cut = np.where(flips, g0 / np.where(flips, g0 - g1, 1.0), 1.0)
    index = np.arange(g0.size, dtype=np.int64)
    row = np.concatenate([index, index[flips]])
    frac_start = np.concatenate([np.zeros(g0.size), cut[flips]])
    frac_end = np.concatenate([cut, np.ones(int(flips.sum()))])
    return row, frac_start, frac_end


def bm_cashflows(
    acceptances: pd.DataFrame, notifications: pd.DataFrame, bid_offers: pd.DataFrame
) -> BmCashflows:
    """Accepted volumes allocated to bid-offer pairs and priced (BSC T3.7–T3.9).

    Args:
        acceptances: BOALF rows (warehouse columns).
        notifications: PN rows.
        bid_offers: BOD rows (``bid_offer_data`` columns).

    Returns:
        :class:`BmCashflows`.

    Spans longer than two days are processed a UTC day at a time (:mod:`engine.fleet.chunks`).

    Raises:
        ValidationError: Bad BOD (:func:`check_bid_offers`) or inconsistent overlapping rows.
    """
    check_bid_offers(bid_offers)

    def compute(
        acc: pd.DataFrame, pn: pd.DataFrame, bod: pd.DataFrame
    ) -> tuple[list[pd.DataFrame], tuple[str, ...]]:
        result = _bm_cashflows(acc, pn, bod)
        return [result.by_pair, result.by_period], result.warnings

    (by_pair, by_period), warnings = chunked((acceptances, notifications, bid_offers), compute)
    return BmCashflows(by_pair, by_period, warnings)


def _bm_cashflows(
    acceptances: pd.DataFrame, notifications: pd.DataFrame, bid_offers: pd.DataFrame
) -> BmCashflows:
    rows = acceptance_rows(acceptances, notifications, (bid_offers,))
    line = rows.line
    bands = _bands(rows, bid_offers)
    sub, f0, f1 = _split_at_reversal(rows)
    keep = ~rows.no_pn[rows.interval[sub]]
    sub, f0, f1 = sub[keep], f0[keep], f1[keep]
    interval = rows.interval[sub]

    def at(start: npt.NDArray[np.float64], end: npt.NDArray[np.float64], f: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:  # fmt: skip  # noqa: E501
        out: npt.NDArray[np.float64] = start + (end - start) * f
        return out

    x_start = at(rows.x_start[sub], rows.x_end[sub], f0)
    x_end = at(rows.x_start[sub], rows.x_end[sub], f1)
    p_start = at(rows.previous_start[sub], rows.previous_end[sub], f0)
    p_end = at(rows.previous_start[sub], rows.previous_end[sub], f1)
    duration = line.duration_h[interval] * (f1 - f0)
    move = (x_start + x_end) - (p_start + p_end)  # sign of the move on the sub-row
    total_mwh = duration * move / 2.0

    subs = pd.DataFrame({"sub": np.arange(sub.size), "interval": interval})
    joined = subs.merge(bands, on="interval", how="inner")
    j = joined["sub"].to_numpy()

    def bound(name: str, frac: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        return at(
            joined[f"{name}_start_mw"].to_numpy(), joined[f"{name}_end_mw"].to_numpy(), frac[j]
        )

    low0, low1 = bound("low", f0), bound("low", f1)
    high0, high1 = bound("high", f0), bound("high", f1)
    delta = clipped_mwh(x_start[j], x_end[j], low0, low1, high0, high1, duration[j]) - clipped_mwh(
        p_start[j], p_end[j], low0, low1, high0, high1, duration[j]
    )
    up = move[j] > 0
    meta = rows.meta.iloc[rows.acceptance[sub[j]]]
    offer_price = joined["offer_price_gbp_per_mwh"].to_numpy()
    bid_price = joined["bid_price_gbp_per_mwh"].to_numpy()
    offer_volume = np.where(up, delta, 0.0)
    bid_volume = np.where(up, 0.0, delta)
    i = interval[j]
    pieces = pd.DataFrame(
        {
            "elexon_bm_unit": meta["elexon_bm_unit"].to_numpy(),
            "settlement_date": line.settlement_date[i],
            "settlement_period": line.settlement_period[i],
            "interval_start": line.interval_start[i],
            "acceptance_number": meta["acceptance_number"].to_numpy(),
            "pair_id": joined["pair_id"].to_numpy(),
            "offer_volume_mwh": offer_volume,
            "bid_volume_mwh": bid_volume,
            "offer_price_gbp_per_mwh": offer_price,
            "bid_price_gbp_per_mwh": bid_price,
        }
    )
    pair_keys = [*PERIOD_KEYS, "acceptance_number", "pair_id"]
    by_pair = pieces.groupby(pair_keys, as_index=False).agg(
        offer_volume_mwh=("offer_volume_mwh", "sum"),
        bid_volume_mwh=("bid_volume_mwh", "sum"),
        offer_price_gbp_per_mwh=("offer_price_gbp_per_mwh", "first"),
        bid_price_gbp_per_mwh=("bid_price_gbp_per_mwh", "first"),
    )
    by_pair["offer_cashflow_gbp"] = by_pair["offer_volume_mwh"] * by_pair["offer_price_gbp_per_mwh"]
    by_pair["bid_cashflow_gbp"] = by_pair["bid_volume_mwh"] * by_pair["bid_price_gbp_per_mwh"]
    by_pair["cashflow_gbp"] = by_pair["offer_cashflow_gbp"] + by_pair["bid_cashflow_gbp"]
    by_pair["price_out"] = (
        by_pair[["offer_price_gbp_per_mwh", "bid_price_gbp_per_mwh"]].abs().max(axis=1)
        >= PRICE_OUT_GBP_PER_MWH
    )
    warnings: list[str] = []
    reached = by_pair[
        by_pair["price_out"]
        & (
            (by_pair["offer_volume_mwh"].abs() > VOLUME_TOLERANCE_MWH)
            | (by_pair["bid_volume_mwh"].abs() > VOLUME_TOLERANCE_MWH)
        )
    ]
    for r in reached.itertuples():
        warnings.append(
            f"{r.elexon_bm_unit} settlement date {str(r.settlement_date)[:10]} period "
            f"{r.settlement_period}: acceptance {r.acceptance_number} reached price-out pair "
            f"{r.pair_id} (offer {r.offer_volume_mwh:.4f} MWh at £{r.offer_price_gbp_per_mwh:g}, "
            f"bid {r.bid_volume_mwh:.4f} MWh at £{r.bid_price_gbp_per_mwh:g})"
        )

    # Period totals; what the pairs did not cover is unpriced.
    sub_frame = pd.DataFrame(
        {
            "elexon_bm_unit": rows.units[line.unit[interval]],
            "settlement_date": line.settlement_date[interval],
            "settlement_period": line.settlement_period[interval],
            "interval_start": line.interval_start[interval],
            "moved_mwh": np.abs(total_mwh),
            "has_bod": np.isin(interval, bands["interval"].to_numpy()),
        }
    )
    periods = sub_frame.groupby(PERIOD_KEYS, as_index=False).agg(
        moved_mwh=("moved_mwh", "sum"), has_bod=("has_bod", "all")
    )
    sums = by_pair.groupby(PERIOD_KEYS, as_index=False)[
        ["offer_volume_mwh", "bid_volume_mwh", "offer_cashflow_gbp", "bid_cashflow_gbp"]
    ].sum()
    by_period = periods.merge(sums, on=PERIOD_KEYS, how="left")
    value_columns = ["offer_volume_mwh", "bid_volume_mwh", "offer_cashflow_gbp", "bid_cashflow_gbp"]
    by_period[value_columns] = by_period[value_columns].fillna(0.0)
    allocated = by_period["offer_volume_mwh"] - by_period["bid_volume_mwh"]
    by_period["unpriced_volume_mwh"] = (by_period["moved_mwh"] - allocated).clip(lower=0.0)
    by_period.loc[by_period["unpriced_volume_mwh"] < 1e-6, "unpriced_volume_mwh"] = 0.0
    reason = pd.Series(pd.NA, index=by_period.index, dtype="object")
    no_bod = ~by_period["has_bod"]
    reason[no_bod] = (
        "no bid-offer data (BOD) for " + by_period["elexon_bm_unit"] + " in this period"
    )
    beyond = ~no_bod & (by_period["unpriced_volume_mwh"] > 0)
    reason[beyond] = (
        by_period["unpriced_volume_mwh"].round(4).astype(str)
        + " MWh accepted beyond the outermost bid-offer pair of "
        + by_period["elexon_bm_unit"]
        + " (no price)"
    )
    by_period["missing_reason"] = reason
    gaps = missing_periods(rows)
    if not gaps.empty:
        gap_rows = gaps.assign(**dict.fromkeys(value_columns, np.nan), unpriced_volume_mwh=np.nan)
        by_period = pd.concat(
            [by_period.drop(columns=["moved_mwh", "has_bod"]), gap_rows], ignore_index=True
        )
    else:
        by_period = by_period.drop(columns=["moved_mwh", "has_bod"])
    absent = by_period["missing_reason"].notna()
    for column in ("offer_cashflow_gbp", "bid_cashflow_gbp"):
        by_period.loc[absent, column] = np.nan
    by_period["cashflow_gbp"] = by_period["offer_cashflow_gbp"] + by_period["bid_cashflow_gbp"]
    by_period = by_period.sort_values(PERIOD_KEYS).reset_index(drop=True)
    warnings.extend(by_period.loc[absent, "missing_reason"].astype(str).drop_duplicates())
    columns = [
        *PERIOD_KEYS, "offer_volume_mwh", "bid_volume_mwh", "unpriced_volume_mwh",
        "offer_cashflow_gbp", "bid_cashflow_gbp", "cashflow_gbp", "missing_reason",
    ]  # fmt: skip
    return BmCashflows(by_pair, by_period[columns], tuple(warnings))
