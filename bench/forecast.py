"""Forecast benchmark (issue 14): learned walk-forward forecasts against the naive one.

Out of sample for 2025 (every day forecast as at its D-1 10:00 decision, models refitted
monthly on the year before each refit), it prints the MAE of the learned and the naive
(same time last week) forecasts per market: APX (Market Index), the imbalance (system)
price [£/MWh] and each response service's clearing price [£/MW/h]; then the time to train
and predict a year (all markets, monthly and quarterly refits), against the issue's anchor
of a whole forecast-mode year, forecasting included, in 5 s; and last the forecast-mode
policy of ``engine/revenue`` run on naive and on learned forecasts, with its capture ratio
against the perfect-foresight upper bound.

Data: the warehouse (seeded on first use from the shipped files). No-trade MID periods
(volume 0) and response blocks that cleared 0 MW are missing values, not £0 prices.

Run: ``.venv/bin/python bench/forecast.py`` (``--year 2024`` for another year).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench._timing import best_of
from engine.forecast import Forecasts, day_ahead_forecasts
from engine.reference import reference_data
from jobs.settings import Settings
from jobs.warehouse import Warehouse, open_warehouse, seed_if_needed

ANCHOR_FORECAST_MODE_YEAR_S = 5.0
SERVICES = ("DCL", "DCH", "DML", "DMH", "DRL", "DRH")


def load_inputs(
    warehouse: Warehouse, settings: Settings, first: dt.date, last: dt.date
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, list[dt.date]]:
    """Energy, services, demand forecast and bank holidays for ``first..last`` (warehouse)."""
    system = warehouse.query("system_prices", from_date=first, to_date=last)
    mid = warehouse.query("market_index", from_date=first, to_date=last)
    apx = mid[mid["data_provider"] == "APXMIDP"].set_index("interval_start")[
        "market_index_price_gbp_per_mwh"
    ]
    energy = pd.DataFrame(
        {"system": system.set_index("interval_start")["system_sell_price_gbp_per_mwh"]}
    )
    energy["apx"] = apx.reindex(energy.index)
    response = warehouse.query("dynamic_response", from_date=first, to_date=last)
    price = response["clearing_price_gbp_per_mw_per_h"].where(response["cleared_volume_mw"] > 0)
    services = (
        response.assign(price=price)
        .pivot_table(index=["efa_date", "efa_block"], columns="service", values="price")
        .reindex(columns=list(SERVICES))
    )
    demand = warehouse.query("demand_forecast_day_ahead", from_date=first, to_date=last)
    holidays = reference_data(settings.data_dir).table("bank_holidays")
    england = holidays[holidays["division"] == "england-and-wales"]
    return energy, services, demand, [d.date() for d in england["date"]]


def mae(forecast: pd.Series, actual: pd.Series) -> float:
    """Mean absolute error over the values both have."""
    both = pd.concat([forecast, actual], axis=1).dropna()
    return float(np.mean(np.abs(both.iloc[:, 0] - both.iloc[:, 1])))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--year", type=int, default=2025)
    args = parser.parse_args()
    first, last = dt.date(args.year, 1, 1), dt.date(args.year, 12, 31)
    settings = Settings.from_env(os.environ)
    with open_warehouse(settings) as warehouse:
        seed_if_needed(warehouse, settings)
        energy, services, demand, holidays = load_inputs(
            warehouse, settings, first - dt.timedelta(days=400), last
        )

    def run(method: str, refit_months: int = 1) -> Forecasts:
        return day_ahead_forecasts(
            energy,
            services,
            first,
            last,
            method=method,  # type: ignore[arg-type]  # "learned" or "naive", from this file
            demand_forecast=demand,
            bank_holidays=holidays,
            refit_months=refit_months,
        )

    learned, naive = run("learned", 1), run("naive")
    actual_energy = energy.reindex(learned.energy.index)
    actual_services = services.reindex(learned.services.index)
    print(f"Out-of-sample {args.year}, every day forecast at D-1 10:00 UK, monthly refits")
    print(f"{'market':<8} {'unit':<8} {'MAE learned':>12} {'MAE naive':>10} {'ratio':>6}")
    for column, unit in (("apx", "£/MWh"), ("system", "£/MWh")):
        a = mae(learned.energy[column], actual_energy[column])
        b = mae(naive.energy[column], actual_energy[column])
        print(f"{column:<8} {unit:<8} {a:>12.2f} {b:>10.2f} {a / b:>6.2f}")
    for column in SERVICES:
        a = mae(learned.services[column], actual_services[column])
        b = mae(naive.services[column], actual_services[column])
        print(f"{column:<8} {'£/MW/h':<8} {a:>12.2f} {b:>10.2f} {a / b:>6.2f}")
    wall, median, cpu = best_of(lambda: run("learned", 1), 3)
    print(
        f"learned forecasts for {args.year} (train + predict, 3 models x 12 monthly refits): "
        f"best {wall:.2f} s wall (median {median:.2f}), CPU {cpu:.2f} s; ratio to the 5 s "
        f"forecast-mode-year anchor: {wall / ANCHOR_FORECAST_MODE_YEAR_S:.2f} (wall), "
        f"{cpu / ANCHOR_FORECAST_MODE_YEAR_S:.2f} (CPU; the machine is shared)"
    )
    q_wall, _, q_cpu = best_of(lambda: run("learned", 3), 3)
    quarterly = run("learned", 3)
    q_apx = mae(quarterly.energy["apx"], actual_energy["apx"])
    q_sys = mae(quarterly.energy["system"], actual_energy["system"])
    print(
        f"with quarterly refits (the default): best {q_wall:.2f} s wall, CPU {q_cpu:.2f} s "
        f"({q_cpu / ANCHOR_FORECAST_MODE_YEAR_S:.2f} of the anchor); MAE apx {q_apx:.2f}, "
        f"system {q_sys:.2f} £/MWh"
    )
    naive_wall, _, _ = best_of(lambda: run("naive"), 3)
    print(f"naive forecasts for {args.year}: best {naive_wall:.3f} s wall")
    capture(settings, first, last)


def capture(settings: Settings, first: dt.date, last: dt.date) -> None:
    """The forecast-mode policy (engine/revenue) on naive and on learned forecasts, beside
    its perfect-foresight upper bound: 1 MW / 2 MWh, round trip 0.88, no degradation cost."""
    from jobs.revenue import RevenueRequest, read_market_data, run_stack

    data = read_market_data(settings, first, last)
    # A year and a month of history: the learned forecasts train on the year before each
    # refit (jobs.revenue.read_history reads two weeks, enough for its naive forecast only).
    history = read_market_data(
        settings, first - dt.timedelta(days=400), first - dt.timedelta(days=1)
    )
    print(f"Forecast-mode policy {first.year}, 1 MW / 2 MWh, RTE 0.88, deg £0/MWh:")
    for method in ("naive", "learned"):
        request = RevenueRequest(
            first, last, 1.0, 2.0, degradation_gbp_per_mwh=0.0, forecast_method=method
        )
        doc = run_stack(request, data, settings, history)
        bound = doc["upper_bound"]
        print(
            f"  {method:<8} forecasts: £{doc['gbp_per_mw_per_year']:>8,.0f}/MW/yr "
            f"({doc['equivalent_cycles']:.0f} cycles); upper bound (perfect foresight) "
            f"£{bound['gbp_per_mw_per_year']:>8,.0f}; capture ratio {doc['capture_ratio']:.3f}; "
            f"engine {doc['solve_seconds']:.2f} s"
        )


if __name__ == "__main__":
    main()
