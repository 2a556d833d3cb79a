"""``jobs.stack_store``: a case re-run with new finance inputs reads its stacks instead of
solving them and gives the same figures; a new battery, a new load into the warehouse or an
unreadable entry means solving again."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from jobs import stack_store
from jobs.invest import InvestRequest, run_invest, stacks_to_solve
from jobs.settings import Settings
from jobs.warehouse import open_warehouse

# Perfect foresight on one price year and one service keeps each stack to a second or two.
REQUEST = InvestRequest(
    1.0,
    2.0,
    price_years=(2024,),
    life_years=2,
    mode="perfect_foresight",
    capex_gbp_per_kw=300.0,
    services=("DRL",),
)


@pytest.fixture
def settings(data_dir: Path, tmp_path: Path) -> Settings:
    return Settings(data_dir=data_dir, duckdb_path=tmp_path / "w.duckdb", var_dir=tmp_path)


def test_new_finance_inputs_reuse_every_stack(settings: Settings) -> None:
    assert stacks_to_solve(REQUEST, settings) == 2  # nameplate and 0.7 of it, before any run
    seen: list[tuple[int, int]] = []
    first = run_invest(REQUEST, settings, lambda d, t: seen.append((d, t)), workers=1)
    assert seen == [(1, 2), (2, 2)]  # stacks solved of those planned
    assert stacks_to_solve(REQUEST, settings) == 0
    assert (first["stacks_solved"], first["stacks_reused"]) == (2, 0)
    again = run_invest(
        dataclasses.replace(REQUEST, capex_gbp_per_kw=500.0, discount_rate_real_frac=0.1),
        settings,
        lambda d, t: seen.append((d, t)),
        workers=1,
    )
    assert seen[2:] == []  # nothing solved, nothing to report
    assert (again["stacks_solved"], again["stacks_reused"]) == (0, 2)
    assert any("read from the stack store" in a for a in again["assumptions"])
    # The same revenue, year by year, whatever the finance.
    revenue = [r["revenue_gbp"] for r in first["cashflow"]]
    assert [r["revenue_gbp"] for r in again["cashflow"]] == pytest.approx(revenue, rel=1e-12)
    assert again["upper_bound"]["npv_gbp"] is not None
    # Another battery is another stack.
    other = run_invest(
        dataclasses.replace(REQUEST, round_trip_efficiency=0.85), settings, workers=1
    )
    assert other["stacks_reused"] == 0


def test_a_load_or_an_unreadable_entry_means_solving_again(settings: Settings) -> None:
    run_invest(REQUEST, settings, workers=1)
    state = stack_store.fingerprint(settings)
    with open_warehouse(settings) as warehouse:
        warehouse.record_load(
            "system_prices",
            dt.date(2024, 1, 1),
            dt.date(2024, 1, 1),
            48,
            dt.datetime(2026, 12, 5, 8, 0, tzinfo=dt.UTC),
            "test: a re-load",
        )
    assert stack_store.fingerprint(settings) != state
    assert run_invest(REQUEST, settings, workers=1)["stacks_reused"] == 0
    for kept in (settings.var_dir / "stacks").glob("*.json"):
        kept.write_text("{not json")
    assert run_invest(REQUEST, settings, workers=1)["stacks_reused"] == 0


def test_only_a_nameplate_stack_solves_its_ceiling(settings: Settings) -> None:
    forecast = dataclasses.replace(REQUEST, mode="forecast")
    case = run_invest(forecast, settings, workers=1)
    kept = [
        stack_store.load(settings, path.stem) for path in (settings.var_dir / "stacks").glob("*")
    ]
    # The 2 MWh nameplate's stack has its perfect-foresight ceiling, the 1.4 MWh point below
    # it (interpolated between, bounded by the nameplate's) none.
    assert sorted(k["upper_bound_gbp"] is None for k in kept if k is not None) == [False, True]
    assert case["upper_bound"]["npv_gbp"] > case["npv_gbp"]
    # A 1.4 MWh case needs that point's ceiling: the kept stack without one does not serve.
    smaller = dataclasses.replace(forecast, energy_mwh=1.4)
    assert stacks_to_solve(smaller, settings) == 2
    again = run_invest(smaller, settings, workers=1)
    assert (again["stacks_solved"], again["stacks_reused"]) == (2, 0)
    assert stacks_to_solve(smaller, settings) == 0
