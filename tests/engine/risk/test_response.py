"""Response energy in the fast day-ahead policy (issue 20 on scenario-years).

Hand-worked on a 1 MW / 1 MWh battery, round trip 1.0, no wear, holding DR-Low only (it
charges once at the system price and sells the same MWh back at the year's end: the energy
stream nets £0); every drawn day priced £100/MWh flat, DR-L cleared at £10/MW/h in every
block. Expected utilisation of DR-L 0.062635 MW per MW held
(:data:`engine.response.EXPECTED_UTILISATION`), so a half-hour gives away
0.062635 x 0.5 = 0.0313175 MWh per MW held, bought back 3 periods later at £100 ÷ 0.925:
−£3.385676/MW per period = **−£6.771351/MW/h** with ABSVD (``bm``: no settlement cash).
Without ABSVD (``non_bm`` before 3 September 2025) the export is also paid the imbalance
price, +0.0313175 x £100 = £3.13175/MW per period: −£0.253926 = **−£0.507851/MW/h**.
Drift: 0.0313175 MWh per period x 3 periods = 0.0939525 h, so a full 1 MWh store holds at
most 1 ÷ (1 + 0.0939525) = 0.914117 MW of DR-L (the service's 1 h full delivery + drift).
Measured with ``bm``: 8,004.0 MW-h held (DRL £80,040.04), response_energy_DRL
−£54,197.92 = −6.771351 x 8,004.0; ``non_bm`` −£20,554.48; no terms: DRL £87,560.00
(1 MW held, no drift).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from engine.battery import BatterySpec
from engine.errors import ValidationError
from engine.invest.project import Project
from engine.invest.scenarios import fast_valuer
from engine.reference import ReferenceData
from engine.response import expected_response_energy, response_value_by_block
from engine.revenue import DYNAMIC_SERVICES, ServiceSpec, service_specs
from engine.risk import (
    DayBank,
    Regime,
    Scenario,
    ScenarioResponse,
    block_response_value,
    bootstrap,
    bootstrap_plan,
    calendar_days,
    calendar_index,
    day_bank,
    replay,
    scenario_calendar,
    scenario_prices,
    scenario_response,
    value_scenario,
)
from engine.risk.scenarios import _periods_of
from tests.engine.revenue.real_data import period

BATTERY = BatterySpec.from_round_trip(1.0, 1.0, 1.0, degradation_cost_gbp_per_mwh=0.0)
MARKETS = ("apx", "system")
DRL_ABSVD_GBP_PER_MW_PER_H = -0.062635 * 0.5 * 100.0 / 0.925 / 0.5  # −6.771351
DRL_NO_ABSVD_GBP_PER_MW_PER_H = DRL_ABSVD_GBP_PER_MW_PER_H + 0.062635 * 0.5 * 100.0 / 0.5
DRIFT_H = 0.062635 * 0.5 * 3


def _drl(ref: ReferenceData) -> tuple[ServiceSpec, ...]:
    return service_specs(ref.table("dynamic_response_parameters"), ("DRL",))


def _flat_bank(source_dates: tuple[str, str, str]) -> tuple[DayBank, Scenario]:
    """Three source days (a 48-, a 46- and a 50-period day) at £100/MWh, DR-L £10/MW/h,
    drawn onto every day of the 2025 calendar by period count."""
    sources = pd.DatetimeIndex(list(source_dates))
    periods = np.array([_periods_of(d) for d in sources], dtype=np.int64)
    rows = np.full(int(periods.sum()), 100.0)
    services = np.full((3, 6, len(DYNAMIC_SERVICES)), np.nan)
    services[:, :, DYNAMIC_SERVICES.index("DRL")] = 10.0
    bank = DayBank(
        sources,
        periods,
        np.r_[0, np.cumsum(periods)].astype(np.int64),
        np.c_[np.full(rows.size, np.nan), rows],  # APX never traded: the system price
        services,
        np.ones(3, dtype=bool),
    )
    target = np.array([_periods_of(d) for d in calendar_days(2025)])
    source_days = np.select([target == 46, target == 50], [1, 2], 0).astype(np.int64)
    return bank, Scenario(0, "bootstrap", 2025, source_days)


def _terms(registration: str, services: tuple[str, ...] = ("DRL",)) -> ScenarioResponse:
    calendar = scenario_calendar(2025)
    index = calendar_index(calendar)
    energy = pd.DataFrame({s: expected_response_energy(s, index)[0] for s in services}, index=index)
    return scenario_response(calendar, energy, registration)  # type: ignore[arg-type]


def test_a_drl_holder_under_absvd_pays_away_its_energy_at_the_drawn_days_price(
    ref: ReferenceData,
) -> None:
    bank, scenario = _flat_bank(("2025-01-08", "2025-03-30", "2025-10-26"))
    terms = _terms("bm")
    assert terms.drift_h["DRL"] == pytest.approx(DRIFT_H)
    calendar = scenario_calendar(2025)
    energy, _ = scenario_prices(bank, calendar, scenario)
    table = block_response_value(terms, energy[:, 1])
    np.testing.assert_allclose(table[:, 0], DRL_ABSVD_GBP_PER_MW_PER_H, rtol=1e-12)
    value = value_scenario(
        bank, calendar, scenario, BATTERY, _drl(ref), ("system",), 0.0, None, None, terms
    )
    held_mw_h = value.streams_gbp["DRL"] / 10.0  # DR-L paid £10/MW/h of every MW-hour held
    assert held_mw_h > 7500  # held most of the year
    assert value.streams_gbp["response_energy_DRL"] == pytest.approx(
        DRL_ABSVD_GBP_PER_MW_PER_H * held_mw_h, rel=1e-12
    )
    assert value.net_gbp == pytest.approx(sum(value.streams_gbp.values()))


def test_the_held_mw_keep_room_for_the_drift(ref: ReferenceData) -> None:
    bank, scenario = _flat_bank(("2025-01-08", "2025-03-30", "2025-10-26"))
    calendar = scenario_calendar(2025)
    with_terms = value_scenario(
        bank, calendar, scenario, BATTERY, _drl(ref), ("system",), 0.0, None, None, _terms("bm")
    )
    without = value_scenario(bank, calendar, scenario, BATTERY, _drl(ref), ("system",), 0.0)
    # Most MW-hours per block: 4 h at 1 ÷ (1 h + drift) MW, against 4 h at 1 MW without.
    days = (calendar.day_starts.size - 1) * 6
    assert with_terms.streams_gbp["DRL"] <= 10.0 * 4 * days / (1 + DRIFT_H) + 1e-6
    assert with_terms.streams_gbp["DRL"] / without.streams_gbp["DRL"] == pytest.approx(
        1 / (1 + DRIFT_H), rel=0.01
    )
    assert "response_energy_DRL" not in without.streams_gbp


def test_absvd_follows_the_target_calendars_date_not_the_drawn_days() -> None:
    # The 48-period source day is in October 2025 (after non-BM ABSVD began); it lands on
    # every 48-period day of the 2025 calendar.
    bank, scenario = _flat_bank(("2025-10-08", "2025-03-30", "2025-10-26"))
    calendar = scenario_calendar(2025)
    energy, _ = scenario_prices(bank, calendar, scenario)
    table = pd.Series(
        block_response_value(_terms("non_bm"), energy[:, 1])[:, 0],
        index=pd.MultiIndex.from_product([calendar_days(2025), range(1, 7)]),
    )
    assert table[(pd.Timestamp("2025-06-11"), 3)] == pytest.approx(DRL_NO_ABSVD_GBP_PER_MW_PER_H)
    assert table[(pd.Timestamp("2025-09-02"), 3)] == pytest.approx(DRL_NO_ABSVD_GBP_PER_MW_PER_H)
    assert table[(pd.Timestamp("2025-09-03"), 3)] == pytest.approx(DRL_ABSVD_GBP_PER_MW_PER_H)
    assert table[(pd.Timestamp("2025-11-12"), 3)] == pytest.approx(DRL_ABSVD_GBP_PER_MW_PER_H)


def test_the_block_value_is_the_stacks_on_the_scenarios_own_days() -> None:
    """A bootstrap scenario's value per block equals
    :func:`engine.response.response_value_by_block` on that scenario's system prices."""
    data, _ = period(dt.date(2023, 12, 1), dt.date(2025, 12, 31))
    bank = day_bank(data)
    plan = bootstrap_plan(bank, Regime(2024, 2025), 1)
    scenario = bootstrap(plan, 3, 0)
    calendar = scenario_calendar(2025)
    energy, _ = scenario_prices(bank, calendar, scenario)
    index = calendar_index(calendar)
    frame = pd.DataFrame(
        {s: expected_response_energy(s, index, 0.05)[0] for s in DYNAMIC_SERVICES}, index=index
    )
    system = pd.Series(energy[:, 1], index=index)
    keys = pd.MultiIndex.from_product([calendar_days(2025), range(1, 7)])
    for registration in ("bm", "non_bm"):
        terms = scenario_response(calendar, frame, registration)
        expected = response_value_by_block(index, system, system, frame, registration)
        aligned = expected.reindex(keys).to_numpy()
        held = ~np.isnan(aligned[:, 0])
        np.testing.assert_allclose(
            block_response_value(terms, energy[:, 1])[held], aligned[held], atol=1e-9
        )


def test_no_terms_gives_the_numbers_of_before(ref: ReferenceData) -> None:
    """Registration ``none`` (no terms): the figure the fast policy gave before response
    energy was modelled (measured on the commit before it)."""
    specs = service_specs(ref.table("dynamic_response_parameters"), DYNAMIC_SERVICES)
    data, _ = period(dt.date(2024, 12, 1), dt.date(2025, 12, 31))
    bank = day_bank(data)
    battery = BatterySpec.from_round_trip(1.0, 2.0, 0.88, degradation_cost_gbp_per_mwh=15.0)
    value = value_scenario(
        bank, scenario_calendar(2025), replay(bank, 2025, 0), battery, specs, MARKETS
    )
    assert value.net_gbp == pytest.approx(134252.88138491692, rel=1e-12)
    assert not any(name.startswith("response_energy_") for name in value.streams_gbp)


def test_terms_of_another_year_are_refused(ref: ReferenceData) -> None:
    bank, scenario = _flat_bank(("2025-01-08", "2025-03-30", "2025-10-26"))
    other = scenario_calendar(2024)
    terms = scenario_response(
        other,
        pd.DataFrame({"DRL": expected_response_energy("DRL", calendar_index(other))[0]}),
        "bm",
    )
    with pytest.raises(ValidationError) as error:
        value_scenario(
            bank, scenario_calendar(2025), scenario, BATTERY, _drl(ref), MARKETS, response=terms
        )
    assert error.value.field == "response"
    with pytest.raises(ValidationError) as error:
        scenario_response(scenario_calendar(2025), pd.DataFrame({"DRL": [0.0]}), "bm")
    assert error.value.field == "net_import_mwh_per_mw"


def test_the_investment_case_valuer_takes_the_terms(ref: ReferenceData) -> None:
    bank, scenario = _flat_bank(("2025-01-08", "2025-03-30", "2025-10-26"))
    calendar = scenario_calendar(2025)
    terms = _terms("bm")
    project = Project(1.0, 1.0, 1.0, degradation_gbp_per_mwh=0.0)
    valued = fast_valuer(
        bank, calendar, [scenario], project, _drl(ref), ("system",), 0.0, None, terms
    )
    direct = value_scenario(
        bank, calendar, scenario, BATTERY, _drl(ref), ("system",), 0.0, None, None, terms
    )
    year = valued(0, 1.0)
    assert year.streams_gbp["response_energy_DRL"] == pytest.approx(
        direct.streams_gbp["response_energy_DRL"]
    )
    plain = fast_valuer(bank, calendar, [scenario], project, _drl(ref), ("system",), 0.0)(0, 1.0)
    assert "response_energy_DRL" not in plain.streams_gbp
