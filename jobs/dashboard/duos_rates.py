"""The ``DUoS`` tab: this charging year's unit rates and band windows in all 14 areas.

For each licence-area DNO (distributor 10–23) it shows the site-specific demand tariffs
at LV, LV substation and HV (residual band 1 — unit and capacity rates do not vary by
residual band; the fixed charge does, see ``gbess duos rates``), with red/amber/green
p/kWh as published in the DNO's charging statement (DCUSA Schedule 16 CDCM), and the
weekday red and amber windows in UK clock time (bank holidays count as weekdays; weekends
are green all day).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from engine.settlement import charging_year_of_date
from jobs.sheets.plan import Table, TabPlan

TAB = "DUoS"
MAIN_TARIFFS = ("LV", "LV_SUB", "HV")
WEEKDAY = "monday_to_friday_including_bank_holidays"
RATES = ("red_p_per_kwh", "amber_p_per_kwh", "green_p_per_kwh")


#: Voltage levels as shown on the tab.
VOLTAGE_WORDS = {"LV": "LV", "LV_SUB": "LV substation", "HV": "HV"}


def _windows(bands: pd.DataFrame, band: str) -> pd.Series:
    rows = bands[(bands["band"] == band) & (bands["day_type"] == WEEKDAY)]
    rows = rows.sort_values(["distributor_id", "start_time_uk_clock"])
    text = rows["start_time_uk_clock"] + "–" + rows["end_time_uk_clock"]
    return text.groupby(rows["distributor_id"]).agg(", ".join)


def build_duos_tab(
    tariffs: pd.DataFrame, bands: pd.DataFrame, areas: pd.DataFrame, today: dt.date
) -> TabPlan:
    """The DUoS tab for the charging year containing ``today``.

    Args:
        tariffs: The ``duos_tariffs`` reference table.
        bands: The ``duos_time_bands`` reference table.
        areas: The ``dno_licence_areas`` reference table.
        today: The refresh date (UK), which picks the charging year.

    Returns:
        Tables ``rates`` (3 tariffs × 14 areas) and ``bands`` (windows per area).
    """
    year = charging_year_of_date(today)
    rows = tariffs[
        (tariffs["charging_year"] == year)
        & (tariffs["direction"] == "demand")
        & (tariffs["tariff_group"] == "site_specific")
        & (tariffs["residual_charging_band"] == "band_1")
        & tariffs["voltage_level"].isin(MAIN_TARIFFS)
    ]
    if rows.empty:
        return TabPlan(TAB, None, (), notes=(f"no DUoS tariffs for charging year {year}",))
    names = areas.set_index("distributor_id")
    rank = {v: i for i, v in enumerate(MAIN_TARIFFS)}
    rows = rows.assign(_v=rows["voltage_level"].map(rank)).sort_values(["distributor_id", "_v"])
    rates = pd.DataFrame(
        {
            "distributor_id": rows["distributor_id"].to_numpy(),
            "licence_area": names.loc[rows["distributor_id"], "licence_area_name"].to_numpy(),
            "gsp_group_id": rows["gsp_group_id"].to_numpy(),
            # As a reader says it (the statements' "LV Sub"), not the code LV_SUB.
            "voltage_level": rows["voltage_level"].map(VOLTAGE_WORDS).to_numpy(),
            "tariff_name": rows["tariff_name"].to_numpy(),
            **{rate: rows[rate].to_numpy() for rate in RATES},
            "capacity_p_per_kva_per_day": rows["capacity_p_per_kva_per_day"].to_numpy(),
            "charging_year": year,
        }
    )
    year_bands = bands[bands["charging_year"] == year]
    red, amber = _windows(year_bands, "red"), _windows(year_bands, "amber")
    ids = sorted(rows["distributor_id"].unique())
    band_table = pd.DataFrame(
        {
            "distributor_id": ids,
            "licence_area": names.loc[ids, "licence_area_name"].to_numpy(),
            "red_weekday_window": [red.get(i) for i in ids],
            "amber_weekday_window": [amber.get(i) for i in ids],
        }
    )
    valid_from = pd.Timestamp(rows["valid_from"].min())
    return TabPlan(
        TAB,
        valid_from.to_pydatetime(),
        (
            Table("rates", f"Site-specific demand tariffs {year}", rates),
            Table("bands", f"Weekday time bands {year} [UK clock]", band_table),
        ),
        notes=(
            f"charging year {year}; 1 p/kWh = £10/MWh; weekends and other times are green",
            "fixed charges vary by residual band: see gbess duos rates",
        ),
    )
