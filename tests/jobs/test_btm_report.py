"""The BtM document: months and bands add up to the totals; the issue's keys are there."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.battery import BatterySpec
from engine.btm.levies import resolve_levies
from engine.btm.ppa import btm_ppa
from engine.duos import find_tariff
from engine.reference import ReferenceData
from engine.settlement import half_hourly_index
from jobs.btm_report import result_document


def test_months_and_bands_add_up(ref: ReferenceData) -> None:
    # 30 March - 2 April 2025: two months and two charging years (2024/25, 2025/26).
    index = half_hourly_index("2025-03-30", "2025-04-02")
    n = len(index)
    rng = np.random.default_rng(5)
    load = pd.DataFrame({"import_kwh": rng.uniform(200.0, 900.0, n)}, index=index)
    tariff = find_tariff(ref, "14", tariff="HV Site Specific Band 1")
    levies = resolve_levies(ref.table("non_commodity_rates"), index, include=[])
    result = btm_ppa(
        load,
        BatterySpec.symmetric(1.0, 2.0),
        tariff,
        140.0,
        rng.normal(70.0, 30.0, n),
        levies,
        capacity_kva=3000.0,
    )
    doc = result_document(result)
    assert {
        "without_battery",
        "with_battery",
        "battery_value_gbp",
        "battery_value_by_component",
        "red_coverage_frac",
        "equivalent_cycles",
        "by_month",
        "assumptions",
    } <= set(doc)
    for key in ("without_battery", "with_battery"):
        scenario = doc[key]
        months = scenario["by_month"]
        assert [m["month"] for m in months] == ["2025-03", "2025-04"]
        assert sum(m["margin_gbp"] for m in months) == pytest.approx(scenario["margin_gbp"])
        for month in months:
            bands = month["bands"].values()
            total = sum(b["margin_gbp"] for b in bands) - sum(month["charges"].values())
            assert total == pytest.approx(month["margin_gbp"])
        consumption = sum(b["consumption_mwh"] for m in months for b in m["bands"].values())
        assert consumption == pytest.approx(load["import_kwh"].sum() / 1000.0)
    monthly_value = sum(m["battery_value_gbp"] for m in doc["by_month"])
    assert monthly_value == pytest.approx(doc["battery_value_gbp"])
