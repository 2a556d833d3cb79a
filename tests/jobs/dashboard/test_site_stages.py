"""Sites rows through the real lookup and DUoS stages: results and per-row errors."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from engine.duos import duos_cost, find_tariff, scale_profile
from engine.reference import ReferenceData
from jobs.btm import BtmRequest, run_btm
from jobs.dashboard.site_stages import BTM_LEVIES_LEFT_OUT, SITE_OUTPUT_COLUMNS, site_stages
from jobs.dashboard.sites import DEFAULT_SITES_CSV, build_sites_tab, read_sites_csv, rows_from_cells
from jobs.inputs import HalfHourlyProfile
from jobs.revenue import RevenueRequest, run_revenue
from jobs.settings import Settings
from jobs.warehouse import open_warehouse

TODAY = dt.date(2026, 11, 21)  # charging year 2026/27


LAST_DAY = dt.date(2024, 12, 31)


@pytest.fixture(scope="module")
def seeded(data_dir: Path, seeded_duckdb: Path) -> Settings:
    return Settings(data_dir=data_dir, duckdb_path=seeded_duckdb)  # read only here


@pytest.fixture(scope="module")
def streams() -> dict[str, float]:
    return {}


@pytest.fixture(scope="module")
def example(ref: ReferenceData, seeded: Settings, streams: dict[str, float]) -> pd.DataFrame:
    rows = read_sites_csv(DEFAULT_SITES_CSV)
    with open_warehouse(seeded) as warehouse:
        stages = site_stages(seeded, ref, TODAY, LAST_DAY, streams, lambda: warehouse)
        plan = build_sites_tab(rows, stages, "sites.csv", None, SITE_OUTPUT_COLUMNS)
    return plan.tables[0].frame.set_index("site_name")


def test_good_rows_are_looked_up_and_billed(example: pd.DataFrame, ref: ReferenceData) -> None:
    docklands = example.loc["Docklands cold store"]
    assert docklands["distributor_name"] == "London Power Networks"
    assert docklands["gsp_group_id"] == "_C"
    assert docklands["match"] == "mpan"
    assert docklands["tariff_name"] == "HV Site Specific Band 1"
    # The tab's bill is the DUoS engine's bill of the same scaled class-8 profile.
    tariff = find_tariff(ref, "12", tariff="HV Site Specific Band 1", on=TODAY)
    profile = scale_profile(ref, "8", 4200 * 1000.0, "2026/27")
    bill = duos_cost(profile, tariff, import_capacity_kva=1500)
    assert docklands["duos_total_gbp"] == pytest.approx(bill.total_gbp)
    assert docklands["duos_effective_p_per_kwh"] == pytest.approx(bill.total_gbp * 100 / 4.2e6)
    assert pd.isna(docklands["error"])
    assert example.loc["Manchester offices", "match"] == "postcode_district"


def test_bad_rows_carry_their_own_errors(example: pd.DataFrame) -> None:
    glasgow_error = example.loc["Glasgow depot (mistyped MPAN)", "error"]
    assert isinstance(glasgow_error, str)
    assert glasgow_error.startswith("lookup: check digit expected 0, got 1")
    bristol = example.loc["Bristol store (unknown tariff)"]
    assert bristol["licence_area"] == "South West England"  # lookup still answered
    assert bristol["error"].startswith("DUoS: tariff: no tariff 'HV Super Special Band 9'")


def test_ambiguous_district_asks_for_the_mpan(ref: ReferenceData) -> None:
    rows = rows_from_cells(
        [
            ["name", "postcode", "tariff", "capacity_kva", "annual_import_mwh"],
            ["Border", "B95 5AA", "HV Site Specific Band 1", "500", "1000"],
        ],
        "test",
    )
    stages = site_stages(Settings(), ref, TODAY, LAST_DAY, {}, lambda: None)
    plan = build_sites_tab(rows, stages, "test", None, SITE_OUTPUT_COLUMNS)
    row = plan.tables[0].frame.iloc[0]
    assert row["match"] == "ambiguous"
    assert "more than one area" in row["error"]
    assert row["error"].endswith("give the MPAN")


def test_batteries_get_their_revenue_stack(
    example: pd.DataFrame, seeded: Settings, streams: dict[str, float]
) -> None:
    # Same request through the revenue use case (gbess revenue / POST /v1/bess/revenue).
    alone = run_revenue(
        RevenueRequest.from_inputs(
            from_date="2024-12-02", to_date="2024-12-31", power_mw=1.0, energy_mwh=2.0
        ),
        seeded,
    )
    docklands = example.loc["Docklands cold store"]
    assert docklands["battery_net_revenue_gbp"] == pytest.approx(alone["net_revenue_gbp"])
    assert docklands["battery_gbp_per_mw_per_year"] == pytest.approx(alone["gbp_per_mw_per_year"])
    # The headline is the forecast; the ceiling sits beside it, labelled, and is higher.
    assert alone["mode"] == "forecast"
    assert docklands["battery_equivalent_cycles"] == pytest.approx(alone["equivalent_cycles"])
    bound = docklands["battery_upper_bound_gbp_per_mw_per_year"]
    assert bound == pytest.approx(alone["upper_bound"]["gbp_per_mw_per_year"])
    assert bound >= docklands["battery_gbp_per_mw_per_year"]
    assert pd.isna(example.loc["Manchester offices", "battery_net_revenue_gbp"])  # no battery
    # streams of the three batteries that computed (1, 0.5 and 2 MW at 2 h): the Glasgow
    # battery's row failed at lookup, so it adds nothing.
    batteries = example["battery_net_revenue_gbp"].sum()
    assert sum(streams.values()) == pytest.approx(batteries)


def test_battery_with_ppa_gets_behind_the_meter_economics(
    example: pd.DataFrame, ref: ReferenceData, seeded: Settings
) -> None:
    docklands = example.loc["Docklands cold store"]
    load = scale_profile(ref, "8", 4200 * 1000.0, 2024)
    request = BtmRequest(
        load=HalfHourlyProfile.from_frame(load.reset_index()),
        distributor="12",
        capacity_kva=1500,
        ppa_gbp_per_mwh=150,
        tariff="HV Site Specific Band 1",
        power_mw=1.0,
        energy_mwh=2.0,
        round_trip_efficiency_frac=0.88,
        without_levies=BTM_LEVIES_LEFT_OUT,
    )
    with open_warehouse(seeded) as warehouse:
        alone = run_btm(request, seeded, warehouse=lambda: warehouse)
    assert docklands["btm_battery_value_gbp"] == pytest.approx(alone["battery_value_gbp"])
    assert docklands["btm_margin_with_battery_gbp"] - docklands[
        "btm_margin_without_battery_gbp"
    ] == pytest.approx(alone["battery_value_gbp"])
    assert 0.0 <= docklands["red_coverage_frac"] <= 1.0
    assert pd.isna(example.loc["Manchester offices", "btm_battery_value_gbp"])  # no battery
