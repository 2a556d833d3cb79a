"""Cashflows from bid-offer pairs: hand-worked allocation, price-out pairs, bad BOD (BSC T3)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.errors import ValidationError
from engine.fleet import accepted_volumes, bm_cashflows
from tests.engine.fleet.conftest import boalf, bod, pn
from tests.jobs.fleet_fixtures import lakeside_bod

FLAT_PN = pn(("10:00", "10:30", 0.0, 0.0))
# Two price-out pairs at ±£99,999 and two real pairs: bands stack outwards from PN,
# −2: [−150, −50] −1: [−50, 0] +1: [0, 20] +2: [20, 170].
PAIRS = bod(
    (-2, -100.0, -99_999.0, -99_999.0),
    (-1, -50.0, 40.0, 30.0),
    (1, 20.0, 80.0, 70.0),
    (2, 150.0, 99_999.0, 99_999.0),
)


def test_only_the_real_pairs_get_volume_and_cash_is_volume_times_price() -> None:
    # #1: +15 MW 10:00-10:30 → pair +1 offers 15 MW × 0.5 h = 7.5 MWh at £80 = £600.
    # #2: −30 MW from 10:15 (supersedes +15): the move 15 → −30 is a decrease:
    #     in band +1 [0, 20]: 15 → 0, bid −15 MW × 0.25 h = −3.75 MWh at £70 = −£262.50;
    #     in band −1 [−50, 0]: 0 → −30, bid −30 MW × 0.25 h = −7.5 MWh at £30 = −£225.
    # Total £600 − £262.50 − £225 = £112.50.
    acc = boalf((1, "10:00", "10:30", 15.0, 15.0), (2, "10:15", "10:30", -30.0, -30.0))
    result = bm_cashflows(acc, FLAT_PN, PAIRS)
    pairs = result.by_pair.groupby("pair_id")[["offer_volume_mwh", "bid_volume_mwh"]].sum()
    assert pairs.loc[1, "offer_volume_mwh"] == pytest.approx(7.5)
    assert pairs.loc[1, "bid_volume_mwh"] == pytest.approx(-3.75)
    assert pairs.loc[-1, "bid_volume_mwh"] == pytest.approx(-7.5)
    for price_out in (-2, 2):
        assert pairs.loc[price_out].abs().sum() == 0.0
    period = result.by_period.iloc[0]
    assert round(period["cashflow_gbp"], 2) == 112.50
    assert round(period["offer_cashflow_gbp"], 2) == 600.00
    assert round(period["bid_cashflow_gbp"], 2) == -487.50
    manual = (result.by_pair["offer_volume_mwh"] * result.by_pair["offer_price_gbp_per_mwh"]).sum()
    manual += (result.by_pair["bid_volume_mwh"] * result.by_pair["bid_price_gbp_per_mwh"]).sum()
    assert round(manual, 2) == round(period["cashflow_gbp"], 2)
    assert period["offer_volume_mwh"] + period["bid_volume_mwh"] == pytest.approx(7.5 - 11.25)
    assert result.warnings == ()


def test_a_ramp_through_a_band_edge_is_split_exactly() -> None:
    # 0 → 30 MW over 10:00-10:30: level 20 MW (the +1/+2 edge) at 10:20.
    # Pair +1: ∫ min(x, 20) = ½·20·(20/60) + 20·(10/60) = 3.3333 + 3.3333 MWh.
    # Pair +2 (price-out) gets ½·10·(10/60) = 0.8333 MWh, and the result says so.
    acc = boalf((1, "10:00", "10:30", 0.0, 30.0))
    result = bm_cashflows(acc, FLAT_PN, PAIRS)
    pairs = result.by_pair.set_index("pair_id")
    assert pairs.loc[1, "offer_volume_mwh"] == pytest.approx(0.5 * 20 * 20 / 60 + 20 * 10 / 60)
    assert pairs.loc[2, "offer_volume_mwh"] == pytest.approx(0.5 * 10 * 10 / 60)
    assert any("price-out pair 2" in w for w in result.warnings)


def test_volume_beyond_the_outermost_pair_leaves_the_cashflow_absent() -> None:
    acc = boalf((1, "10:00", "10:30", 10.0, 10.0))
    result = bm_cashflows(acc, FLAT_PN, bod((1, 5.0, 80.0, 70.0), (-1, -5.0, 40.0, 30.0)))
    period = result.by_period.iloc[0]
    assert np.isnan(period["cashflow_gbp"])
    assert period["unpriced_volume_mwh"] == pytest.approx(2.5)
    assert "beyond the outermost" in period["missing_reason"]


def test_no_bod_means_absent_cash_with_the_reason() -> None:
    acc = boalf((1, "10:00", "10:30", 10.0, 10.0), unit="T_OTHER-1")
    result = bm_cashflows(acc, pn(("10:00", "10:30", 0.0, 0.0), unit="T_OTHER-1"), PAIRS)
    period = result.by_period.set_index("elexon_bm_unit").loc["T_OTHER-1"]
    assert np.isnan(period["cashflow_gbp"])
    assert "no bid-offer data" in period["missing_reason"]


def test_unordered_levels_name_unit_period_pair_and_row() -> None:
    bad = bod((1, 20.0, 80.0, 70.0), (-1, 5.0, 40.0, 30.0))
    with pytest.raises(ValidationError) as caught:
        bm_cashflows(boalf((1, "10:00", "10:30", 1.0, 1.0)), FLAT_PN, bad)
    detail = caught.value.detail
    assert "levels not ordered" in detail
    assert "T_TEST-1" in detail
    assert "period 23" in detail
    assert "pair -1" in detail
    assert "row 1" in detail


def test_a_jumping_pair_number_is_rejected() -> None:
    bad = bod((1, 20.0, 80.0, 70.0), (3, 20.0, 90.0, 80.0))
    with pytest.raises(ValidationError) as caught:
        bm_cashflows(boalf((1, "10:00", "10:30", 1.0, 1.0)), FLAT_PN, bad)
    assert "pair number jumps" in caught.value.detail
    assert "pair 2 is missing" in caught.value.detail
    assert "row 1" in caught.value.detail


def test_lakeside_pairs_account_for_every_accepted_mwh(
    lakeside: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    # Real BOALF/PN with the hand BOD of tests/jobs/fleet_fixtures.py (bands ±200 MW around PN):
    # the pairs' offer and bid volumes equal accepted_volumes' in every period.
    acc, notes = lakeside
    flows = bm_cashflows(acc, notes, lakeside_bod()).by_period
    volumes = accepted_volumes(acc, notes).by_period
    merged = volumes.merge(flows, on="interval_start", suffixes=("", "_pairs"))
    assert len(merged) == len(flows)  # every period with an acceptance
    np.testing.assert_allclose(
        merged["offer_volume_mwh_pairs"], merged["offer_volume_mwh"], atol=1e-9
    )
    np.testing.assert_allclose(merged["bid_volume_mwh_pairs"], merged["bid_volume_mwh"], atol=1e-9)
    assert (merged["unpriced_volume_mwh"] == 0).all()
