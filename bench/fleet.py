"""Fleet BM benchmark (issue 17): a day and a month of BOALF/BOD/PN for ~150 battery units.

Anchors: a day of BOALF, BOD and PN for every battery unit (~150) processed in ≤ 2 s; a month
in ≤ 30 s. "Processed" is the engine end to end: accepted volumes (BOALF against PN, successive
acceptances chained) and cashflows (volume allocated to every bid-offer pair's band and priced).

The data is SYNTHETIC, generated in the published formats (Elexon Insights BOALF, BOD and PN
rows, renamed into the warehouse's columns as the loaders do): per unit and day, a PN step per
settlement period, ~40 acceptances of three segments each (a one-minute ramp, a 5-25 minute
hold, a one-minute ramp back to PN), some superseding the one before, and four bid-offer pairs
per period (two real, two price-out at ±£99,999). Fixed seed. No real BOD exists offline.

Run: ``.venv/bin/python bench/fleet.py``. Timings are the best of several runs (the machine
is shared), with CPU time beside wall time, and the ratio to each anchor.
"""

from __future__ import annotations

import datetime as dt
import functools
import sys
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench._timing import best_of
from engine.fleet import accepted_volumes, bm_cashflows
from engine.settlement import half_hourly_index, settlement_date_period

UNITS = 150
ACCEPTANCES_PER_DAY = 40
DAY_ANCHOR_S = 2.0
MONTH_ANCHOR_S = 30.0


def synthetic(first: dt.date, days: int, seed: int = 17) -> tuple[pd.DataFrame, ...]:
    """SYNTHETIC BOALF, PN and BOD frames for ``UNITS`` units over ``days`` UK days."""
    rng = np.random.default_rng(seed)
    index = half_hourly_index(first, first + dt.timedelta(days=days - 1))
    starts = index.tz_convert(None).to_numpy()
    calendar = settlement_date_period(index)
    n_periods = len(index)
    units = [f"E_SYNB-{i:03d}" for i in range(UNITS)]
    capacity = rng.uniform(10, 100, UNITS)
    pn_rows, bod_rows, acc_rows = [], [], []
    half = np.timedelta64(30, "m")
    minute = np.timedelta64(60, "s")
    for u, unit in enumerate(units):
        level = np.round(rng.uniform(-0.5, 0.5, n_periods) * capacity[u])
        pn_rows.append(
            pd.DataFrame(
                {
                    "elexon_bm_unit": unit,
                    "time_from": starts,
                    "time_to": starts + half,
                    "level_from_mw": level,
                    "level_to_mw": level,
                }
            )
        )
        for pair, width, offer, bid in (
            (-2, -capacity[u], -99_999.0, -99_999.0),
            (-1, -capacity[u] * 2, 60.0, 40.0),
            (1, capacity[u] * 2, 120.0, 100.0),
            (2, capacity[u], 99_999.0, 99_999.0),
        ):
            bod_rows.append(
                pd.DataFrame(
                    {
                        "elexon_bm_unit": unit,
                        "settlement_date": calendar["settlement_date"].to_numpy(),
                        "settlement_period": calendar["settlement_period"].to_numpy(),
                        "pair_id": pair,
                        "time_from": starts,
                        "time_to": starts + half,
                        "level_from_mw": width,
                        "level_to_mw": width,
                        "offer_price_gbp_per_mwh": offer,
                        "bid_price_gbp_per_mwh": bid,
                    }
                )
            )
        count = ACCEPTANCES_PER_DAY * days
        at = starts[0] + (np.sort(rng.integers(0, n_periods * 30 - 40, count)) * minute)
        hold = rng.integers(5, 25, count) * minute
        target = np.round(rng.uniform(-1, 1, count) * capacity[u])
        number = np.arange(count) + 1
        period = ((at - starts[0]) // half).astype(int)
        base = level[np.clip(period, 0, n_periods - 1)]
        acc_rows.append(
            pd.DataFrame(
                {
                    "elexon_bm_unit": unit,
                    "acceptance_number": np.repeat(number, 3),
                    "time_from": np.column_stack([at, at + minute, at + minute + hold]).ravel(),
                    "time_to": np.column_stack(
                        [at + minute, at + minute + hold, at + 2 * minute + hold]
                    ).ravel(),
                    "level_from_mw": np.column_stack([base, target, target]).ravel(),
                    "level_to_mw": np.column_stack([target, target, base]).ravel(),
                    "deemed_bo_flag": False,
                    "so_flag": False,
                    "stor_flag": False,
                }
            )
        )
    frames = [pd.concat(rows, ignore_index=True) for rows in (acc_rows, pn_rows, bod_rows)]
    for frame in frames:  # UTC instants, as the loaders type them
        for column in ("time_from", "time_to"):
            frame[column] = pd.to_datetime(frame[column], utc=True)
    return frames[0], frames[1], frames[2]


def process(boalf: pd.DataFrame, pn: pd.DataFrame, bod: pd.DataFrame) -> float:
    """The engine end to end; returns the total cashflow [£] so nothing is optimised away."""
    accepted_volumes(boalf, pn)
    return float(bm_cashflows(boalf, pn, bod).by_period["cashflow_gbp"].sum())


def main() -> None:
    first = dt.date(2025, 6, 2)  # a 48-period month (June 2025, BST)
    for label, days, anchor, repeat in (
        ("day", 1, DAY_ANCHOR_S, 3),
        ("month", 30, MONTH_ANCHOR_S, 1),
    ):
        frames = synthetic(first, days)
        boalf, pn, bod = frames
        best, median, cpu = best_of(functools.partial(process, *frames), repeat)
        print(
            f"{label}: {UNITS} units, SYNTHETIC {len(boalf):,} BOALF / {len(pn):,} PN / "
            f"{len(bod):,} BOD rows: best {best:.2f} s (median {median:.2f} s, CPU {cpu:.2f} s)"
            f" — {best / anchor:.2f} × the {anchor:.0f} s anchor (CPU {cpu / anchor:.2f} ×)"
        )


if __name__ == "__main__":
    main()
