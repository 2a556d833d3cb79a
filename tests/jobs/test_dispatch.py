"""``jobs.dispatch``: one request for ``gbess dispatch`` and ``POST /v1/bess/dispatch``; a
hand-checked run; bad input names the caller's field."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from engine.errors import ValidationError
from jobs.dispatch import (
    DispatchRequest,
    GivenPrices,
    WarehousePrices,
    price_table,
    run_dispatch,
)
from jobs.settings import Settings

TWO_PERIODS = pd.DataFrame(
    {"interval_start": ["2024-06-01T00:00Z", "2024-06-01T00:30Z"], "price_gbp_per_mwh": [10, 100]}
)
BATTERY: dict[str, Any] = {"power_mw": 1.0, "energy_mwh": 1.0}


@pytest.fixture
def settings(data_dir: Path, tmp_path: Path) -> Settings:
    return Settings.from_env(
        {"GBESS_DATA_DIR": str(data_dir), "GBESS_DUCKDB_PATH": str(tmp_path / "w.duckdb")}
    )


def test_the_default_round_trip_is_the_shared_one_and_stated(settings: Settings) -> None:
    # No efficiency given: 0.88 round trip (engine.battery), √0.88 each way. Charge 0.5 MWh
    # at £10 (−£5); it delivers 0.5 × 0.88 = 0.44 MWh at £100 (+£44): £39.
    doc = run_dispatch(DispatchRequest.from_inputs(prices=TWO_PERIODS, **BATTERY), settings)
    assert doc["round_trip_efficiency"] == 0.88  # stated as given, not 0.8800000000000001
    assert doc["round_trip_note"].startswith("not given: 0.88 assumed")
    assert doc["net_revenue_gbp"] == pytest.approx(39.0)
    assert doc["discharged_mwh"] == pytest.approx(0.44)
    with pytest.raises(ValidationError, match="round_trip_efficiency: give it or") as err:
        DispatchRequest.from_inputs(
            prices=TWO_PERIODS, round_trip_efficiency=0.9, charge_efficiency=0.9, **BATTERY
        )
    assert err.value.field == "round_trip_efficiency"


def test_two_periods_by_hand(settings: Settings, tmp_path: Path) -> None:
    # Lossless: 1 MW for half an hour stores 0.5 MWh at £10 (−£5), sold at £100 (+£50): £45.
    schedule = tmp_path / "schedule.csv"
    request = DispatchRequest.from_inputs(
        prices=TWO_PERIODS, schedule=schedule, round_trip_efficiency=1.0, **BATTERY
    )
    doc = run_dispatch(request, settings)
    assert doc["round_trip_efficiency"] == 1.0
    assert doc["round_trip_note"] == "given, split as its square root each way"
    assert doc["net_revenue_gbp"] == pytest.approx(45.0)
    assert doc["charge_cost_gbp"] == pytest.approx(5.0)
    assert doc["discharge_revenue_gbp"] == pytest.approx(50.0)
    assert doc["charged_mwh"] == pytest.approx(0.5)
    assert doc["equivalent_cycles"] == pytest.approx(0.5)
    assert doc["intervals"] == 2
    assert doc["first_interval_start"] == "2024-06-01T00:00:00Z"
    assert doc["last_interval_start"] == "2024-06-01T00:30:00Z"
    assert pd.read_csv(schedule)["discharge_mw"].tolist() == [0.0, 1.0]


def test_prices_are_put_in_time_order() -> None:
    table = price_table(TWO_PERIODS.iloc[::-1])
    assert table["buy_price_gbp_per_mwh"].tolist() == [10.0, 100.0]
    assert str(table.index[0]) == "2024-06-01 00:00:00+00:00"


def test_the_price_source_is_typed() -> None:
    given = DispatchRequest.from_inputs(prices=TWO_PERIODS, **BATTERY)
    assert isinstance(given.prices, GivenPrices)
    stored = DispatchRequest.from_inputs(
        prices_from_warehouse="apx", from_date="2024-06-01", to_date="2024-06-02", **BATTERY
    )
    assert stored.prices == WarehousePrices("apx", dt.date(2024, 6, 1), dt.date(2024, 6, 2))


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"charge_efficiency": 90}, "charge_efficiency", "did you mean 0.9"),
        ({"discharge_efficiency": 0}, "discharge_efficiency", "0 < x ≤ 1"),
        ({"power_mw": float("nan")}, "power_mw", "finite"),
        ({"degradation_gbp_per_mwh": -1}, "degradation_gbp_per_mwh", "negative"),
        ({"final_soc_mwh": 2}, "final_soc_mwh", "outside the allowed state of charge"),
        ({"max_cycles_per_day": 0}, "max_cycles_per_day", "greater than 0"),
        ({"prices": None}, "prices", "give prices or prices_from_warehouse"),
        ({"prices_from_warehouse": "apx"}, "prices", "not both"),
        ({"prices": TWO_PERIODS.iloc[:0]}, "prices", "no half-hours"),
        ({"prices": TWO_PERIODS[["interval_start"]]}, "price_gbp_per_mwh", "needs"),
        ({"schedule": Path("/no/such/folder/s.csv")}, "schedule", "does not exist"),
    ],
)
def test_bad_input_names_the_field(change: dict[str, Any], field: str, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        DispatchRequest.from_inputs(**{"prices": TWO_PERIODS, **BATTERY, **change})
    assert caught.value.field == field
    assert caught.value.detail.startswith(f"{field}:")
    assert message in caught.value.detail


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"from_date": None}, "--from and --to are required with --prices-from-warehouse"),
        ({"from_date": "2024-06-03"}, "from: 2024-06-03 is after --to 2024-06-02"),
        ({"prices_from_warehouse": "n2ex"}, "prices_from_warehouse: expected system or apx"),
    ],
)
def test_warehouse_inputs(change: dict[str, Any], message: str) -> None:
    inputs = {"prices_from_warehouse": "system", "from_date": "2024-06-01", "to_date": "2024-06-02"}
    with pytest.raises(ValidationError, match=message):
        DispatchRequest.from_inputs(**{**BATTERY, **inputs, **change})
