"""Rebuild the example inputs in this folder from the shared data (run from the repo root).

    .venv/bin/python examples/make_examples.py

* ``prices.csv``: the APX market index (APXMIDP) for 2-8 December 2024, from
  ``market/gb_market_index_mid_2024.csv`` (a price series for ``gbess dispatch --prices``).
* ``profile.csv``: January 2025 of Elexon profile class 5 (non-domestic maximum demand,
  load factor < 20%) scaled to 1,000 MWh a year, from
  ``extra/elexon_average_profile_class_demand_kw.csv`` (a half-hourly import profile for
  ``gbess duos cost --profile``).
* ``load.csv``: June 2024 of Elexon profile class 3 (non-domestic unrestricted) scaled to
  2,000 MWh a year (a site load for ``gbess btm --load``).

``sites.csv`` is written by hand (six example sites, two with deliberate mistakes).
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from engine.duos import scale_profile
from engine.reference import reference_data

HERE = Path(__file__).resolve().parent
DATA = Path(os.environ.get("GBESS_DATA_DIR", HERE.parent.parent / "shared" / "data"))


def _profile(shape: int, annual_kwh: float, year: int, month: str) -> pd.DataFrame:
    frame = scale_profile(reference_data(DATA), shape=shape, annual_kwh=annual_kwh, year=year)
    part = frame[frame.index.tz_convert("Europe/London").strftime("%Y-%m") == month]
    out = part[["import_kwh"]].round(3).reset_index()
    out["interval_start"] = out["interval_start"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    return out


def main() -> None:
    """Write prices.csv, profile.csv and load.csv beside this script."""
    mid = pd.read_csv(DATA / "market" / "gb_market_index_mid_2024.csv")
    apx = mid[
        (mid["data_provider"] == "APXMIDP")
        & mid["settlement_date"].between("2024-12-02", "2024-12-08")
    ]
    prices = apx.rename(
        columns={
            "start_time_utc": "interval_start",
            "market_index_price_gbp_per_mwh": "price_gbp_per_mwh",
        }
    )[["interval_start", "price_gbp_per_mwh"]]
    prices.to_csv(HERE / "prices.csv", index=False)
    _profile(5, 1_000_000, 2025, "2025-01").to_csv(HERE / "profile.csv", index=False)
    _profile(3, 2_000_000, 2024, "2024-06").to_csv(HERE / "load.csv", index=False)


if __name__ == "__main__":
    main()
