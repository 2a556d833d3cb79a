"""Site DUoS in the fast day-ahead policy: charged in the D-1 plan, settled as the revenue
stack's streams, banded on the target calendar (not the drawn day's).

Hand-worked on a 1 MW / 1 MWh battery, round trip 1.0, wear £15/MWh, plan margin £5/MWh; a
day priced £80/MWh flat, £30 at 16:00-17:00 and £90 at 20:00-21:00 (UK clock).
Eastern Power Networks (distributor 10) HV tariffs, ``duos_tariffs_lv_hv.csv`` 2025/26:
demand red/amber/green 4.802/0.433/0.059 p/kWh = £48.02/£4.33/£0.59 per MWh charged;
generation -5.289/-0.514/-0.073 p/kWh = £52.89/£5.14/£0.73 per MWh exported; bands
(``duos_time_bands.csv``) weekdays incl. bank holidays red 16:00-19:00, amber 07:00-16:00 and
19:00-23:00, green otherwise; Saturday and Sunday green all day.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.battery import BatterySpec
from engine.duos import find_tariff
from engine.errors import ValidationError
from engine.invest.project import Project
from engine.invest.scenarios import fast_valuer
from engine.reference import ReferenceData
from engine.revenue import DYNAMIC_SERVICES, NetworkCharges, network_charges
from engine.risk import (
    WARMUP_DAYS,
    DayBank,
    Scenario,
    calendar_days,
    fast_policy,
    scenario_calendar,
    settle,
    soc_grid,
    value_scenario,
)
from engine.risk.scenarios import _periods_of

BATTERY = BatterySpec.from_round_trip(1.0, 1.0, 1.0, degradation_cost_gbp_per_mwh=15.0)
MARGIN_GBP_PER_MWH = 5.0
CHEAP = slice(32, 34)  # 16:00-17:00
PEAK = slice(40, 42)  # 20:00-21:00
RED = slice(32, 38)  # 16:00-19:00


def _day_prices(periods: int = 48) -> np.ndarray:
    prices = np.full(periods, 80.0)
    prices[CHEAP] = 30.0
    prices[PEAK] = 90.0
    return prices


def _one_day(
    fee: np.ndarray | None, credit: np.ndarray | None
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """One EFA day of 48 half-hours, no services; plan on the actual prices."""
    price = _day_prices()
    empty = np.zeros((6, 0))
    result = fast_policy(
        BATTERY,
        soc_grid(BATTERY),
        price,
        empty,
        empty,
        np.repeat(np.arange(6), 8),
        np.arange(1, 7),
        np.array([0, 48]),
        np.zeros(0, dtype=bool),
        np.zeros(0),
        MARGIN_GBP_PER_MWH,
        import_charge_gbp_per_mwh=fee,
        export_credit_gbp_per_mwh=credit,
    )
    network = None
    if fee is not None and credit is not None:
        network = NetworkCharges("demand", "generation", fee, credit)
    cash = settle(
        result,
        np.c_[price, price],
        empty,
        np.repeat(np.arange(6), 8),
        BATTERY,
        (),
        ("apx", "system"),
        network=network,
    )
    return cash, result.charge_mwh, result.discharge_mwh


def test_without_charges_the_day_is_one_cycle() -> None:
    cash, charged, discharged = _one_day(None, None)
    # Buy 1 MWh at £30, sell it at £90: £60 of energy, £15 of wear.
    np.testing.assert_allclose(charged[CHEAP], 0.5)
    np.testing.assert_allclose(discharged[PEAK], 0.5)
    assert sum(v.sum() for v in cash.values()) == pytest.approx(45.0)
    assert "duos_import" not in cash


def test_a_red_band_import_charge_makes_the_cycle_cheaper_to_skip() -> None:
    fee = np.zeros(48)
    fee[RED] = 48.02
    cash, charged, discharged = _one_day(fee, np.zeros(48))
    # Cheapest buy now £80 + 0 outside red or £30 + £48.02 = £78.02 in it; a £90 sale less
    # £15 wear and the £5 margin leaves −£8.02: the settled cycle would be 90 − 78.02 − 15
    # = −£3.02, so the day is skipped.
    assert charged.sum() == 0.0
    assert discharged.sum() == 0.0
    assert sum(v.sum() for v in cash.values()) == 0.0


def test_the_duos_streams_are_charge_times_mwh() -> None:
    fee = np.full(48, 0.59)  # a weekend: green all day
    credit = np.full(48, 0.73)
    cash, charged, discharged = _one_day(fee, credit)
    assert charged.sum() == pytest.approx(1.0)
    assert discharged.sum() == pytest.approx(1.0)
    assert cash["duos_import"].sum() == pytest.approx(-0.59)  # −£0.59/MWh × 1 MWh
    assert cash["duos_generation_credit"].sum() == pytest.approx(0.73)
    # 90 − 30 − 0.59 + 0.73 − 15
    assert sum(v.sum() for v in cash.values()) == pytest.approx(45.14)


def _one_wednesday_bank(year: int) -> tuple[DayBank, Scenario]:
    """A bank of three source days (a Wednesday, a 46- and a 50-period day), all priced
    like :func:`_day_prices`, and a scenario drawing the Wednesday onto every 48-period day."""
    sources = pd.DatetimeIndex(["2025-01-08", "2025-03-30", "2025-10-26"])
    periods = np.array([_periods_of(d) for d in sources], dtype=np.int64)
    rows = np.concatenate([_day_prices(int(p)) for p in periods])
    bank = DayBank(
        sources,
        periods,
        np.r_[0, np.cumsum(periods)].astype(np.int64),
        np.c_[rows, rows],
        np.full((3, 6, len(DYNAMIC_SERVICES)), np.nan),
        np.ones(3, dtype=bool),
    )
    target = np.array([_periods_of(d) for d in calendar_days(year)])
    source_days = np.select([target == 46, target == 50], [1, 2], 0).astype(np.int64)
    return bank, Scenario(0, "bootstrap", year, source_days)


def test_the_bands_follow_the_target_calendar_not_the_drawn_day(ref: ReferenceData) -> None:
    bank, scenario = _one_wednesday_bank(2025)
    calendar = scenario_calendar(2025)
    charges = network_charges(
        calendar.interval_start,
        find_tariff(ref, "10", tariff="HV Site Specific No Residual"),
        find_tariff(ref, "10", tariff="HV Generation Site Specific"),
    )
    value = value_scenario(
        bank, calendar, scenario, BATTERY, (), ("apx", "system"), MARGIN_GBP_PER_MWH, None, charges
    )
    daily = pd.Series(value.daily_net_gbp, index=calendar.efa_dates)
    june = daily["2025-06-02":"2025-06-29"]  # Monday 2 .. Sunday 29 June, no bank holiday
    expected = {
        # Weekday: buy at 16:00 in red (30 + 48.02 = 78.02 beats 80 + 0.59), sell at 17:00
        # in red (80 + 52.89): 80 − 30 − 48.02 + 52.89 − 15.
        "Tuesday": 39.87,
        "Wednesday": 39.87,
        "Thursday": 39.87,
        "Friday": 39.87,
        # Saturday, every half-hour green although the drawn day was a Wednesday: buy at
        # 16:00, sell at 20:00: 90 − 30 − 0.59 + 0.73 − 15.
        "Saturday": 45.14,
        # Sunday sees Monday's red credit (published, so the look-ahead day carries its own
        # charges): buying at 16:00 for 30.59 and holding it for Monday's red (132.89) beats
        # cycling on both days (82.30 vs 40.14 + 34.87 after wear and margin).
        "Sunday": -30.59,
        "Monday": 80 + 52.89 - 15,
    }
    for day, net in zip(june.index, june.to_numpy(), strict=True):
        assert net == pytest.approx(expected[day.day_name()], abs=1e-6), day
    assert value.net_gbp == pytest.approx(sum(value.streams_gbp.values()))
    assert value.streams_gbp["duos_import"] < 0 < value.streams_gbp["duos_generation_credit"]
    assert calendar.interval_start.size == calendar.n
    assert int(scenario.source_days.size) == WARMUP_DAYS + 365


def test_charges_not_laid_on_the_calendar_are_refused() -> None:
    bank, scenario = _one_wednesday_bank(2025)
    calendar = scenario_calendar(2025)
    short = NetworkCharges("demand", "generation", np.zeros(48), np.zeros(48))
    with pytest.raises(ValidationError) as error:
        value_scenario(bank, calendar, scenario, BATTERY, (), ("apx",), network=short)
    assert error.value.field == "network"


def test_the_investment_case_valuer_takes_the_charges(ref: ReferenceData) -> None:
    bank, scenario = _one_wednesday_bank(2025)
    calendar = scenario_calendar(2025)
    charges = network_charges(
        calendar.interval_start,
        find_tariff(ref, "10", tariff="HV Site Specific No Residual"),
        find_tariff(ref, "10", tariff="HV Generation Site Specific"),
    )
    project = Project(1.0, 1.0, 1.0, degradation_gbp_per_mwh=15.0)
    markets = ("apx", "system")
    value = fast_valuer(bank, calendar, [scenario], project, (), markets, network=charges)(0, 1.0)
    direct = value_scenario(
        bank, calendar, scenario, BATTERY, (), markets, MARGIN_GBP_PER_MWH, None, charges
    )
    for stream in ("duos_import", "duos_generation_credit"):
        assert value.streams_gbp[stream] == pytest.approx(direct.streams_gbp[stream])
    plain = fast_valuer(bank, calendar, [scenario], project, (), markets)(0, 1.0)
    assert "duos_import" not in plain.streams_gbp
