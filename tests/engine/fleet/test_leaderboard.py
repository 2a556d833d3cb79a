"""Leaderboard: shares, groups, absent figures with reasons, units not in the registry."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.fleet import bm_monthly, fleet_leaderboard, registration_meaning, route_to_market

REGISTRY = pd.DataFrame(
    {
        "elexon_bm_unit": ["T_A-1", "E_B-1", "V__C001"],
        "bm_unit_name": ["Alpha BESS", "Beta Battery", "Gamma Battery"],
        "lead_party_name": ["Alpha Storage Ltd", "Tesla Motors Limited", "Some VLP Ltd"],
        "lead_party_id": ["ALPHA", "TESLA", "VLP1"],
        "bm_unit_type": ["T", "E", "V"],
        "gsp_group_id": [None, "_A", "_A"],
        "gsp_group_name": [None, "Eastern", "Eastern"],
        "generation_capacity_mw": [60.0, 30.0, 10.0],
        "demand_capacity_mw": [-60.0, -30.0, -10.0],
    }
)


def _monthly(unit: str, cash: float | None, reason: str | None = None) -> dict[str, object]:
    return {
        "elexon_bm_unit": unit,
        "month": "2026-09",
        "bm_offer_volume_mwh": 10.0,
        "bm_bid_volume_mwh": -5.0,
        "bm_cashflow_gbp": np.nan if cash is None else cash,
        "bm_missing_reason": reason,
    }


def test_shares_routes_and_registration() -> None:
    board = fleet_leaderboard(REGISTRY)
    units = board.units.set_index("elexon_bm_unit")
    assert units.loc["T_A-1", "fleet_share_frac"] == pytest.approx(0.6)
    assert units.loc["T_A-1", "region"] == "transmission-connected (no GSP group)"
    assert units.loc["T_A-1", "route_to_market"] == "site company"
    assert units.loc["E_B-1", "route_to_market"] == "optimiser/aggregator"
    assert units.loc["V__C001", "route_to_market"] is None
    assert "no source checked" in units.loc["V__C001", "route_source"]
    assert registration_meaning("V") == "secondary BM unit of a Virtual Lead Party"
    assert "not found" in registration_meaning("G")
    assert pd.isna(units.loc["T_A-1", "bm_cashflow_gbp"])
    assert units.loc["T_A-1", "bm_missing_reason"] == "no BM acceptances loaded"


def test_bm_figures_per_unit_and_group_absent_never_zero() -> None:
    monthly = pd.DataFrame([_monthly("T_A-1", 1200.0), _monthly("E_B-1", None, "no BOD")])
    board = fleet_leaderboard(REGISTRY, monthly, bm_absent_reason=None)
    units = board.units.set_index("elexon_bm_unit")
    assert units.loc["T_A-1", "bm_cashflow_gbp_per_mw"] == pytest.approx(1200.0 / 60)
    assert pd.isna(units.loc["E_B-1", "bm_cashflow_gbp"])
    assert units.loc["E_B-1", "bm_offer_volume_mwh"] == 10.0
    assert units.loc["V__C001", "bm_cashflow_gbp"] == 0.0  # loaded, no acceptance: a real 0
    region = board.by_region.set_index("region")
    assert pd.isna(region.loc["Eastern", "bm_cashflow_gbp"])
    assert region.loc["Eastern", "bm_missing_reason"] == "1 unit(s) without BM cashflow"
    assert region.loc["Eastern", "bm_offer_volume_mwh"] == 10.0


def test_unit_not_in_registry_is_a_warning_naming_it() -> None:
    board = fleet_leaderboard(REGISTRY, pd.DataFrame([_monthly("T_ZZZ-1", 5.0)]))
    assert any("T_ZZZ-1" in w and "not in the BM unit registry" in w for w in board.warnings)
    assert "T_ZZZ-1" in set(board.units["elexon_bm_unit"])


def test_route_needs_a_source_or_the_registry_row() -> None:
    assert (
        route_to_market("X", "Octopus Energy Trading Limited", "Arbroath Battery Storage")[0]
        is None
    )
    assert route_to_market("X", "Field Newport Ltd", "Newport BESS")[0] == "site company"


def test_monthly_keeps_absent_periods_absent() -> None:
    volumes = pd.DataFrame(
        {
            "elexon_bm_unit": ["T_A-1", "T_A-1"],
            "settlement_date": pd.to_datetime(["2026-09-30", "2026-09-30"]),
            "offer_volume_mwh": [1.0, np.nan],
            "bid_volume_mwh": [0.0, np.nan],
            "missing_reason": [None, "no PN"],
        }
    )
    month = bm_monthly(volumes, None, "no BOD").iloc[0]
    assert np.isnan(month["bm_offer_volume_mwh"])
    assert np.isnan(month["bm_cashflow_gbp"])
    assert month["bm_missing_reason"] == "no PN"
