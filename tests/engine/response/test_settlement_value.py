"""ABSVD by date and registration, the study's sample rows, the model's value and summaries."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from engine.errors import ValidationError
from engine.response import (
    absvd_applies,
    check_lag,
    model_value_gbp_per_mw,
    parse_registration,
    response_cash_gbp,
    study_profit_gbp_per_mw,
    summarise_value,
)


def test_absvd_rule_by_registration_and_date() -> None:
    assert absvd_applies(dt.date(2024, 6, 1), "bm")
    assert not absvd_applies(dt.date(2024, 6, 1), "non_bm")
    assert not absvd_applies(dt.date(2025, 9, 2), "non_bm")
    assert absvd_applies(dt.date(2025, 9, 3), "non_bm")
    assert parse_registration(None) == "bm"
    assert parse_registration("non-BM") == "non_bm"
    with pytest.raises(ValidationError, match="registration"):
        parse_registration("vlp")


def test_cash_is_zero_with_absvd_and_energy_times_price_without() -> None:
    # 1 MW DRL held one period at 49.90 Hz exports 0.229730 MWh (test_energy); price £80/MWh.
    export = -0.085 / 0.185 * 0.5
    days = [dt.date(2024, 6, 3)]
    assert response_cash_gbp([export], [80.0], days, "bm")[0] == 0.0
    # without ABSVD the exported energy is sold at the imbalance price: 0.229730 x 80 = £18.378
    assert response_cash_gbp([export], [80.0], days, "non_bm")[0] == pytest.approx(
        0.085 / 0.185 * 0.5 * 80.0
    )
    # and DRH's imported energy is bought: -0.5 MWh x £80 = -£40
    assert response_cash_gbp([0.5], [80.0], days, "non_bm")[0] == pytest.approx(-40.0)


def test_the_study_reproduces_its_two_sample_rows() -> None:
    index = pd.date_range("2021-10-01 00:00", periods=5, freq="30min", tz="UTC")
    # DR-H power -0.059054 and -0.066216 MW per MW → net import x 0.5 h
    energy = pd.Series([0.059054 * 0.5, 0.066216 * 0.5, 0.0, 0.0, 0.0], index=index)
    # the resale prices three periods later: £40.89 (t+3) and £26.25022 (t+4)
    resale = pd.Series([0.0, 0.0, 0.0, 40.89, 26.25022], index=index)
    profit = study_profit_gbp_per_mw(energy, resale, lag_periods=3, efficiency_frac=0.925)
    # 40.89 x 0.059054 x 0.925 x 0.5 = 1.11681; 26.25022 x 0.066216 x 0.925 x 0.5 = 0.80391
    assert round(profit.iloc[0], 4) == 1.1168
    assert round(profit.iloc[1], 4) == 0.8039
    assert np.isnan(profit.iloc[4])  # its resale period is outside the range


@pytest.mark.parametrize("lag", [1.5, -1, "three", True])
def test_a_lag_that_is_not_a_whole_number_of_periods_is_refused(lag: object) -> None:
    with pytest.raises(ValidationError, match="lag_periods"):
        check_lag(lag)


def test_the_model_adds_settlement_to_resale() -> None:
    index = pd.date_range("2024-06-03 00:00", periods=3, freq="30min", tz="UTC")
    energy = pd.Series([0.1, -0.1, 0.0], index=index)
    resale = pd.Series([50.0, 60.0, 70.0], index=index)
    imbalance = pd.Series([40.0, 45.0, 50.0], index=index)
    bm = model_value_gbp_per_mw(energy, resale, imbalance, "bm", lag_periods=1)
    # period 1: 0.1 MWh in, sold at £60 x 0.925 = £5.55; ABSVD → no settlement
    assert bm["value_gbp_per_mw"].iloc[0] == pytest.approx(5.55)
    # period 2: 0.1 MWh out, bought back at £70 ÷ 0.925 = -£7.5676
    assert bm["value_gbp_per_mw"].iloc[1] == pytest.approx(-7.0 / 0.925)
    non = model_value_gbp_per_mw(energy, resale, imbalance, "non_bm", lag_periods=1)
    # without ABSVD: the import is bought at £40 (-£4), the export sold at £45 (+£4.5)
    assert non["settlement_gbp_per_mw"].iloc[0] == pytest.approx(-4.0)
    assert non["settlement_gbp_per_mw"].iloc[1] == pytest.approx(4.5)
    assert non["value_gbp_per_mw"].iloc[0] == pytest.approx(1.55)


def test_summary_per_period_hour_block_and_month() -> None:
    # one UK day in June: 48 periods of £1/MW each
    index = pd.date_range("2024-06-02 23:00", periods=48, freq="30min", tz="UTC")
    summary = summarise_value(pd.Series(1.0, index=index))
    assert summary["gbp_per_mw_per_period"] == 1.0
    assert summary["gbp_per_mw_per_h"] == 2.0
    assert summary["gbp_per_mw_per_efa_block"] == 8.0
    assert [b["periods"] for b in summary["by_efa_block"]] == [8] * 6
    assert summary["by_month"][0]["month"] == "2024-06"
    assert summary["total_gbp_per_mw"] == 48.0
