"""The scenario generator against the published history it draws from.

Tolerances (2024-2025 regime, 40 bootstrap years of days, seed 11): the mean system and APX
price within 7 % of the regime's, the mean daily spread (max − min of a day's system price)
within 7 %, the share of negative system prices within 2 percentage points, each service's
mean clearing price within 15 % (or £0.5/MW/h when it is near zero).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from engine.errors import DataMissingError, ValidationError
from engine.revenue import DYNAMIC_SERVICES
from engine.risk import (
    DayBank,
    Regime,
    bootstrap,
    bootstrap_plan,
    day_bank,
    replay,
    replay_years,
    scenario_market_data,
)
from tests.engine.revenue.real_data import period

REGIME = Regime(2024, 2025)


@pytest.fixture(scope="module")
def bank() -> DayBank:
    data, _ = period(dt.date(2023, 12, 1), dt.date(2025, 12, 31))
    return day_bank(data)


def _regime_days(bank: DayBank) -> np.ndarray:
    return np.flatnonzero(bank.in_regime(REGIME))


def _day_stats(bank: DayBank, days: np.ndarray) -> dict[str, float]:
    system = [bank.energy[bank.offsets[d] : bank.offsets[d + 1], 1] for d in days]
    apx = np.concatenate([bank.energy[bank.offsets[d] : bank.offsets[d + 1], 0] for d in days])
    flat = np.concatenate(system)
    out = {
        "system_mean": float(flat.mean()),
        "apx_mean": float(np.nanmean(apx)),
        "spread": float(np.mean([s.max() - s.min() for s in system])),
        "negative": float((flat < 0).mean()),
    }
    for k, name in enumerate(DYNAMIC_SERVICES):
        out[name] = float(bank.services[days, :, k].mean())
    return out


def test_replay_years_are_the_years_held_whole(bank: DayBank) -> None:
    assert replay_years(bank, REGIME) == [2024, 2025]
    history, year = scenario_market_data(bank, replay(bank, 2024, 0))
    assert len(year.interval_start) == 366 * 48
    assert len(history.interval_start) == 14 * 48
    # As it happened: 2024-03-31 has 46 periods, and the prices are those published.
    data, _ = period(dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    np.testing.assert_array_equal(
        year.energy_price_gbp_per_mwh["system"].to_numpy(),
        data.energy_price_gbp_per_mwh["system"].to_numpy(),
    )


def test_bootstrap_statistics_match_history(bank: DayBank) -> None:
    plan = bootstrap_plan(bank, REGIME)
    drawn = np.concatenate([bootstrap(plan, 11, i).source_days[14:] for i in range(40)])
    history, scenarios = _day_stats(bank, _regime_days(bank)), _day_stats(bank, drawn)
    for key in ("system_mean", "apx_mean", "spread"):
        assert scenarios[key] == pytest.approx(history[key], rel=0.07), key
    assert scenarios["negative"] == pytest.approx(history["negative"], abs=0.02)
    for name in DYNAMIC_SERVICES:
        assert scenarios[name] == pytest.approx(history[name], rel=0.15, abs=0.5), name


def test_bootstrap_never_invents_a_price(bank: DayBank) -> None:
    plan = bootstrap_plan(bank, REGIME, block_days=7)
    scenario = bootstrap(plan, 5, 3)
    history, year = scenario_market_data(bank, scenario)
    energy = pd.concat([history.energy_price_gbp_per_mwh, year.energy_price_gbp_per_mwh])
    published = {
        (round(a, 6) if np.isfinite(a) else None, round(s, 6))
        for a, s in bank.energy[
            np.concatenate(
                [np.arange(bank.offsets[d], bank.offsets[d + 1]) for d in _regime_days(bank)]
            )
        ]
    }
    pairs = {(round(a, 6) if np.isfinite(a) else None, round(s, 6)) for a, s in energy.to_numpy()}
    assert pairs <= published
    services = year.service_price_gbp_per_mw_per_h.to_numpy()
    held = bank.services[_regime_days(bank)].reshape(-1, len(DYNAMIC_SERVICES))
    assert {tuple(row) for row in services} <= {tuple(row) for row in held}
    # Clock-change days come from clock-change days: the calendar is whole.
    assert len(year.interval_start) == 365 * 48


def test_a_seed_reproduces_its_scenarios_and_differs_from_another(bank: DayBank) -> None:
    plan = bootstrap_plan(bank, REGIME)
    a, b, c = bootstrap(plan, 1, 7), bootstrap(plan, 1, 7), bootstrap(plan, 2, 7)
    np.testing.assert_array_equal(a.source_days, b.source_days)
    assert not np.array_equal(a.source_days, c.source_days)


def test_too_little_history_says_what_exists(bank: DayBank) -> None:
    with pytest.raises(DataMissingError) as error:
        bootstrap_plan(bank, Regime(2023, 2023))
    assert error.value.field == "regime"
    assert "2023-2023" in error.value.detail
    assert "complete days" in error.value.detail


@pytest.mark.parametrize("text", ["", "2024-2023", "1999", "20x4", "2024-2025-2026"])
def test_bad_regime_is_refused(text: str) -> None:
    with pytest.raises(ValidationError) as error:
        Regime.parse(text)
    assert error.value.field == "regime"
