"""``POST /v1/bess/dispatch``: the exact optimum over HTTP, the same document as
``gbess dispatch --json``; bad input is problem+json naming the field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from jobs.cli import main
from server.bess import MAX_PRICE_PERIODS
from server.openapi import build_document
from tests.server.conftest import signed

TWO_PERIODS = [
    {"interval_start": "2024-06-01T00:00Z", "price_gbp_per_mwh": 10},
    {"interval_start": "2024-06-01T00:30Z", "price_gbp_per_mwh": 100},
]
BASE: dict[str, Any] = {"prices": TWO_PERIODS, "power_mw": 1, "energy_mwh": 1}


@pytest.fixture(scope="module")
def warehouse_file(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One DuckDB file for the module (the first request seeds it from the shipped data)."""
    return str(tmp_path_factory.mktemp("bess_dispatch") / "w.duckdb")


@pytest.fixture
def server_env(server_env: dict[str, str], warehouse_file: str) -> dict[str, str]:
    return {**server_env, "GBESS_DUCKDB_PATH": warehouse_file}


def _post(client: FlaskClient, body: Any) -> Any:
    return signed(client, "POST", "/v1/bess/dispatch", json=body)


def _cli(capsys: pytest.CaptureFixture[str], argv: list[str]) -> dict[str, Any]:
    assert main(["dispatch", *argv, "--json"]) == 0, capsys.readouterr().err
    document: dict[str, Any] = json.loads(capsys.readouterr().out)
    return document


def test_two_periods_by_hand(client: FlaskClient) -> None:
    # 1 MW / 1 MWh lossless: charge 1 MW for half an hour (0.5 MWh at £10 = £5), sell the
    # 0.5 MWh at £100 (£50): £45.
    response = _post(client, {**BASE, "round_trip_efficiency": 1.0})
    assert response.status_code == 200, response.get_json()
    doc = response.get_json()
    assert doc["net_revenue_gbp"] == pytest.approx(45.0)
    assert doc["charge_cost_gbp"] == pytest.approx(5.0)
    assert doc["discharge_revenue_gbp"] == pytest.approx(50.0)
    assert doc["discharged_mwh"] == pytest.approx(0.5)
    assert doc["intervals"] == 2
    assert doc["first_interval_start"] == "2024-06-01T00:00:00Z"
    assert doc["method"] == "dp"
    # Without an efficiency the shared default applies, stated: delivers 0.44 MWh, £39.
    doc = _post(client, BASE).get_json()
    assert doc["net_revenue_gbp"] == pytest.approx(39.0)
    assert doc["round_trip_efficiency"] == pytest.approx(0.88)
    assert doc["round_trip_note"].startswith("not given: 0.88 assumed")


def test_settlement_periods_and_buy_sell_prices(client: FlaskClient) -> None:
    # SP2 given first; buy at £20 in SP1, 0.9 efficient charge, sell at £100 in SP2: as
    # the CLI's reference case, 2 MW / 4 MWh: buy 1 MWh (−£20), sell 0.9 MWh (+£90) = £70.
    prices = [
        {"settlement_date": "2024-06-01", "settlement_period": 2,
         "buy_price_gbp_per_mwh": 100, "sell_price_gbp_per_mwh": 100},
        {"settlement_date": "2024-06-01", "settlement_period": 1,
         "buy_price_gbp_per_mwh": 20, "sell_price_gbp_per_mwh": 20},
    ]  # fmt: skip
    body = {"prices": prices, "power_mw": 2, "energy_mwh": 4, "charge_efficiency": 0.9}
    doc = _post(client, body).get_json()
    assert doc["net_revenue_gbp"] == pytest.approx(70.0)
    assert doc["first_interval_start"] == "2024-05-31T23:00:00Z"


def test_cli_and_http_give_the_same_document(
    client: FlaskClient, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    csv = tmp_path / "prices.csv"
    csv.write_text(
        "interval_start,price_gbp_per_mwh\n"
        + "".join(f"{p['interval_start']},{p['price_gbp_per_mwh']}\n" for p in TWO_PERIODS)
    )
    flags = ["--power-mw", "1", "--energy-mwh", "1", "--charge-efficiency", "0.95",
             "--degradation-gbp-per-mwh", "2", "--final-soc-mwh", "0"]  # fmt: skip
    cli = _cli(capsys, ["--prices", str(csv), *flags])
    body = {**BASE, "charge_efficiency": 0.95, "degradation_gbp_per_mwh": 2, "final_soc_mwh": 0}
    http = _post(client, body).get_json()
    assert http == cli
    assert cli["degradation_cost_gbp"] > 0


def test_cli_and_http_give_the_same_warehouse_document(
    client: FlaskClient,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    warehouse_file: str,
) -> None:
    monkeypatch.setenv("GBESS_DUCKDB_PATH", warehouse_file)
    cli = _cli(capsys, ["--prices-from-warehouse", "apx", "--from", "2024-10-27", "--to",
                        "2024-10-27", "--power-mw", "2", "--energy-mwh", "4",
                        "--max-cycles-per-day", "1"])  # fmt: skip
    body = {"prices_from_warehouse": "apx", "from": "2024-10-27", "to": "2024-10-27",
            "power_mw": 2, "energy_mwh": 4, "max_cycles_per_day": 1}  # fmt: skip
    http = _post(client, body).get_json()
    assert http == cli
    assert http["intervals"] == 50  # the autumn clock change


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.get_json()
    assert response.mimetype == "application/problem+json"
    problem: dict[str, Any] = response.get_json()
    return problem


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"power_mw": None}, "power_mw"),  # missing
        ({"power_mw": True}, "power_mw"),  # true is not 1 MW
        ({"energy_mwh": "four"}, "energy_mwh"),
        ({"charge_efficiency": [0.9]}, "charge_efficiency"),
        ({"charge_efficiency": 90}, "charge_efficiency"),  # a percentage, named as sent
        ({"final_soc_mwh": 5}, "final_soc_mwh"),
        ({"prices": "10,100"}, "prices"),
        ({"prices": [{"interval_start": "2024-06-01T00:00Z", "price": 10}]}, "prices[0].price"),
        ({"prices": [{"interval_start": 5, "price_gbp_per_mwh": 10}]}, "prices[0].interval_start"),
        (
            {"prices": [{"interval_start": "2024-06-01T00:00", "price_gbp_per_mwh": 1}]},
            "interval_start",
        ),  # no UTC offset
        ({"prices": TWO_PERIODS[:1] * 2}, "interval_start"),  # a duplicate half-hour
        ({"prices": [{"interval_start": "2024-06-01T00:00Z"}]}, "price_gbp_per_mwh"),
        ({"prices": []}, "prices"),
        ({"prices": None}, "prices"),  # neither prices nor the warehouse
        ({"prices_from_warehouse": "system"}, "prices"),  # both
        ({"prices": None, "prices_from_warehouse": "n2ex"}, "prices_from_warehouse"),
        ({"prices": None, "prices_from_warehouse": "system"}, "from"),  # no dates
        ({"schedule": "x.csv"}, "schedule"),  # the CLI's file output is not on the wire
    ],
)
def test_bad_input_is_a_422_naming_the_field(
    client: FlaskClient, change: dict[str, Any], field: str
) -> None:
    body = {k: v for k, v in {**BASE, **change}.items() if v is not None}
    problem = _problem(_post(client, body), 422)
    assert problem["field"] == field
    assert problem["detail"].startswith(f"{field}:") or field in problem["detail"]


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        # Python's json writes NaN, which is not JSON: refused at the field, not read as NaN.
        ('{"prices": [{"interval_start": "2024-06-01T00:00Z", "price_gbp_per_mwh": NaN}], '
         '"power_mw": 1, "energy_mwh": 1}', "prices[0].price_gbp_per_mwh"),
        ('{"prices": [], "power_mw": NaN, "energy_mwh": 1}', "power_mw"),
    ],
)  # fmt: skip
def test_nan_is_a_422_naming_the_field(client: FlaskClient, raw: str, field: str) -> None:
    response = signed(client, "POST", "/v1/bess/dispatch", data=raw.encode())
    assert _problem(response, 422)["field"] == field


def test_a_missing_price_names_the_half_hour(client: FlaskClient) -> None:
    # As an empty cell of a price file: the engine names the half-hour.
    prices = [
        TWO_PERIODS[0],
        {"interval_start": "2024-06-01T00:30Z", "price_gbp_per_mwh": None},
        {"interval_start": "2024-06-01T01:00Z", "price_gbp_per_mwh": 100},
    ]
    problem = _problem(_post(client, {**BASE, "prices": prices}), 422)
    assert "2024-06-01T00:30:00+00:00" in problem["detail"]


def test_unreachable_final_soc_is_infeasible(client: FlaskClient) -> None:
    problem = _problem(_post(client, {**BASE, "prices": TWO_PERIODS[:1], "final_soc_mwh": 1}), 422)
    assert problem["type"] == "urn:gbess:problem:infeasible-dispatch"
    assert problem["field"] == "final_soc_mwh"


def test_more_than_two_years_is_413(client: FlaskClient) -> None:
    # The count is checked before any timestamp: the rows need not be valid.
    body = {**BASE, "prices": [{"price_gbp_per_mwh": 1.0}] * (MAX_PRICE_PERIODS + 1)}
    problem = _problem(_post(client, body), 413)
    assert problem["field"] == "prices"
    assert f"at most {MAX_PRICE_PERIODS}" in problem["detail"]


def test_warehouse_period_not_held_is_404(client: FlaskClient) -> None:
    body = {"prices_from_warehouse": "system", "from": "2030-01-01", "to": "2030-01-01",
            "power_mw": 1, "energy_mwh": 1}  # fmt: skip
    problem = _problem(_post(client, body), 404)
    # The period is what lies outside the data held (jobs/coverage.py:outside_range).
    assert problem["field"] == "from"
    assert "2030-01-01 … 2030-01-01 is outside that range" in problem["detail"]


def test_documented_in_openapi(app: Flask) -> None:
    post = build_document(app)["paths"]["/v1/bess/dispatch"]["post"]
    schema = post["requestBody"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/DispatchHttpRequest"}
    assert {"200", "404", "413", "422"} <= set(post["responses"])
