"""DUoS tab on the real reference tables: this charging year's rates and band windows."""

from __future__ import annotations

import datetime as dt

from engine.reference import ReferenceData
from jobs.dashboard.duos_rates import build_duos_tab
from jobs.sheets.plan import TabPlan


def _tab(ref: ReferenceData, today: dt.date) -> TabPlan:
    return build_duos_tab(
        ref.table("duos_tariffs"),
        ref.table("duos_time_bands"),
        ref.table("dno_licence_areas"),
        today,
    )


def test_fourteen_areas_three_tariffs(ref: ReferenceData) -> None:
    plan = _tab(ref, dt.date(2026, 11, 21))
    assert plan.data_as_of == dt.datetime(2026, 4, 1)
    rates = plan.tables[0].frame
    assert len(rates) == 14 * 3
    hv = rates[(rates["distributor_id"] == "14") & (rates["voltage_level"] == "HV")].iloc[0]
    assert hv["tariff_name"] == "HV Site Specific Band 1"
    assert hv["red_p_per_kwh"] == 1.764  # 2026/27 statement, as in duos_tariffs_lv_hv.csv
    bands = plan.tables[1].frame.set_index("distributor_id")
    assert bands.loc["12", "red_weekday_window"] == "11:00–14:00, 16:00–19:00"  # London
    assert bands.loc["21", "red_weekday_window"] == "17:00–19:30"


def test_year_without_tariffs_says_so(ref: ReferenceData) -> None:
    plan = _tab(ref, dt.date(2030, 6, 1))
    assert plan.tables == ()
    assert plan.notes == ("no DUoS tariffs for charging year 2030/31",)


def test_voltage_is_shown_in_words(ref: ReferenceData) -> None:
    rates = _tab(ref, dt.date(2026, 11, 21)).tables[0].frame
    # Beside "LV Sub Site Specific Band 1" the level reads "LV substation", not LV_SUB.
    assert rates["voltage_level"].value_counts().to_dict() == {
        "LV": 14,
        "LV substation": 14,
        "HV": 14,
    }
