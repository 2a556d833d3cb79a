"""``POST /v1/duos/rates|cost``: documents, problem+json errors and the 413 size limit."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
import pytest
from flask.testing import FlaskClient

import jobs.cli.duos
import jobs.duos
from engine.settlement import half_hourly_index, iso_utc
from jobs.cli import main
from jobs.duos import DuosCostRequest, DuosRatesRequest
from jobs.settings import Settings
from server.inputs import MAX_PROFILE_PERIODS
from tests.server.conftest import signed

R = TypeVar("R")


def test_rates(client: FlaskClient) -> None:
    response = signed(
        client,
        "POST",
        "/v1/duos/rates",
        json={"distributor": 14, "date": "2025-06-01", "tariff": "hv site specific band 1"},
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["tariff_name"] == "HV Site Specific Band 1"
    assert body["years"][0]["rates"]["red_p_per_kwh"] == 1.642  # 2025-E-MIDE


def test_rates_unknown_tariff_is_404_problem(client: FlaskClient) -> None:
    response = signed(
        client, "POST", "/v1/duos/rates", json={"distributor": "_C", "tariff": "HV Band 9"}
    )
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["type"].endswith("tariff-not-found")


def test_cost(client: FlaskClient) -> None:
    # Sunday 1 June 2025, MIDE HV Site Specific Band 1 (2025/26): all green.
    # 48 × 10 kWh × 0.021 p + 443.28 p/day + 1,500 kVA × 9.5 p/kVA/day.
    index = half_hourly_index("2025-06-01", "2025-06-01")
    body = {
        "distributor": "_E",
        "tariff": "HV Site Specific Band 1",
        "import_capacity_kva": 1500,
        "profile": {"interval_start": iso_utc(index), "import_kwh": [10.0] * len(index)},
    }
    response = signed(client, "POST", "/v1/duos/cost", json=body)
    assert response.status_code == 200
    document = response.get_json()
    assert document["total_gbp"] == pytest.approx((480 * 0.021 + 443.28 + 1500 * 9.5) / 100)
    assert set(document["by_component"]) >= {"red_unit_gbp", "capacity_gbp", "reactive_gbp"}


def test_cost_bad_rows_are_422_naming_the_field(client: FlaskClient) -> None:
    index = half_hourly_index("2025-06-01", "2025-06-01")
    kwh = [1.0] * len(index)
    kwh[3] = -2.0
    body = {
        "distributor": 14,
        "tariff": "HV Site Specific Band 1",
        "import_capacity_kva": 100,
        "profile": {"interval_start": iso_utc(index), "import_kwh": kwh},
    }
    response = signed(client, "POST", "/v1/duos/cost", json=body)
    assert response.status_code == 422
    # The body's path to the column, as pydantic names a column's type error.
    assert response.get_json()["field"] == "profile.import_kwh"
    assert "row 3" in response.get_json()["detail"]


def test_cost_with_a_profile_and_a_shape_is_422(client: FlaskClient) -> None:
    index = half_hourly_index("2025-06-01", "2025-06-01")
    body = {
        "distributor": 14,
        "tariff": "HV Site Specific Band 1",
        "import_capacity_kva": 100,
        "profile": {"interval_start": iso_utc(index), "import_kwh": [1.0] * len(index)},
        "shape": "5",
        "annual_kwh": 1000,
        "year": "2025/26",
    }
    response = signed(client, "POST", "/v1/duos/cost", json=body)
    assert response.status_code == 422
    assert response.get_json()["field"] == "shape"


def test_rates_misspelt_direction_is_422(client: FlaskClient) -> None:
    body = {"distributor": 14, "voltage_level": "HV", "direction": "sideways"}
    response = signed(client, "POST", "/v1/duos/rates", json=body)
    assert response.status_code == 422
    assert response.get_json()["field"] == "direction"


@pytest.mark.parametrize(
    ("path", "extra", "field"),
    [
        ("/v1/duos/cost", {"shape": "1", "annual_kwh": 5.0, "year": "0"}, "year"),
        ("/v1/duos/cost", {"shape": "1", "annual_kwh": 5.0, "year": "99999999999"}, "year"),
        ("/v1/duos/cost", {"profile": {"interval_start": ["2025-06-01T00:00Z"],
                                       "import_kwh": [1e308]}}, "profile.import_kwh"),
        ("/v1/duos/rates", {"charging_year": "9999/00"}, "charging_year"),
    ],
)  # fmt: skip
def test_absurd_inputs_are_422_not_500(
    client: FlaskClient, path: str, extra: dict[str, object], field: str
) -> None:
    body = {"distributor": 14, "tariff": "HV Site Specific Band 1", "import_capacity_kva": 100}
    if path.endswith("rates"):
        del body["import_capacity_kva"]
    response = signed(client, "POST", path, json=body | extra)
    assert response.status_code == 422
    assert response.get_json()["field"] == field


@pytest.mark.parametrize("distributor", [[14], 14.5, None])
def test_a_distributor_of_the_wrong_type_is_one_error(
    client: FlaskClient, distributor: object
) -> None:
    body = {"distributor": distributor, "tariff": "HV Site Specific Band 1"}
    response = signed(client, "POST", "/v1/duos/rates", json=body)
    assert response.status_code == 422
    problem = response.get_json()
    assert problem["field"] == "distributor"
    assert [e["field"] for e in problem["errors"]] == ["distributor"]
    assert "distributor id 10-23" in problem["detail"]


def test_cost_over_two_years_is_413(client: FlaskClient) -> None:
    n = MAX_PROFILE_PERIODS + 1
    body = {
        "distributor": 14,
        "tariff": "HV Site Specific Band 1",
        "profile": {"settlement_date": ["2025-06-01"] * n, "import_kwh": [0.0] * n},
    }
    response = signed(client, "POST", "/v1/duos/cost", json=body)
    assert response.status_code == 413
    assert response.get_json()["field"] == "profile"


def test_cost_needs_auth(client: FlaskClient) -> None:
    response = client.post("/v1/duos/cost", json={"distributor": 14})
    assert response.status_code == 401


def test_rates_with_a_date_and_a_charging_year_is_422(client: FlaskClient) -> None:
    body = {"distributor": 14, "tariff": "HV Site Specific Band 1", "date": "2025-06-01"}
    response = signed(client, "POST", "/v1/duos/rates", json=body | {"charging_year": "2025/26"})
    assert response.status_code == 422
    assert response.get_json()["field"] == "date"


def test_the_cli_and_the_api_build_the_same_requests(
    client: FlaskClient,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # --import-capacity-kva is import_capacity_kva on the wire and in the request.
    seen: list[object] = []

    def spy(run: Callable[[R, Settings], dict[str, Any]]) -> Callable[[R, Settings], Any]:
        def record(request: R, settings: Settings) -> dict[str, Any]:
            seen.append(request)
            return run(request, settings)

        return record

    cost, rates = spy(jobs.duos.run_duos_cost), spy(jobs.duos.run_duos_rates)
    for module in (jobs.duos, jobs.cli.duos):
        monkeypatch.setattr(module, "run_duos_cost", cost)
        monkeypatch.setattr(module, "run_duos_rates", rates)
    index = half_hourly_index("2025-06-01", "2025-06-01")
    profile = {"interval_start": iso_utc(index), "import_kwh": [10.0] * len(index)}
    body = {"distributor": "_E", "tariff": "HV Site Specific Band 1", "llfc": None}
    cost_body = body | {"import_capacity_kva": 1500.0, "power_factor": 0.9, "profile": profile}
    assert signed(client, "POST", "/v1/duos/cost", json=cost_body).status_code == 200
    structure = {"voltage_level": "HV", "tariff_group": "site_specific", "direction": "demand"}
    rates_body = {"distributor": "_E", "residual_band": "band_1", "date": "2025-06-01"}
    response = signed(client, "POST", "/v1/duos/rates", json=rates_body | structure)
    assert response.get_json()["tariff_name"] == "HV Site Specific Band 1"
    path = tmp_path / "profile.csv"
    pd.DataFrame(profile).to_csv(path, index=False)
    tariff = ["--distributor", "_E", "--tariff", "HV Site Specific Band 1"]
    cost_argv = ["--profile", str(path), "--import-capacity-kva", "1500", "--power-factor", "0.9"]
    assert main(["duos", "cost", *tariff, *cost_argv, "--json"]) == 0
    rates_argv = [f"--{key.replace('_', '-')}={value}" for key, value in rates_body.items()]
    rates_argv += [f"--{key.replace('_', '-')}={value}" for key, value in structure.items()]
    assert main(["duos", "rates", *rates_argv, "--json"]) == 0
    capsys.readouterr()
    cost_by_api, rates_by_api, cost_by_cli, rates_by_cli = seen
    assert isinstance(cost_by_api, DuosCostRequest)
    assert cost_by_api.import_capacity_kva == 1500.0
    assert cost_by_cli == cost_by_api
    assert isinstance(rates_by_api, DuosRatesRequest)
    assert rates_by_api.direction == "demand"
    assert rates_by_cli == rates_by_api


@pytest.mark.parametrize("shape", [5, "5", 5.0])
def test_shape_as_a_number_or_its_text_is_the_cli_s_shape(
    client: FlaskClient,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    shape: object,
) -> None:
    # `gbess duos cost --shape 5` and `"shape": 5` build the same request (one vocabulary).
    seen: list[DuosCostRequest] = []
    run = jobs.duos.run_duos_cost

    def record(request: DuosCostRequest, settings: Settings) -> dict[str, Any]:
        seen.append(request)
        return run(request, settings)

    monkeypatch.setattr(jobs.cli.duos, "run_duos_cost", record)
    tariff = {"distributor": "_C", "tariff": "Non-Domestic Aggregated or CT Band 1"}
    shaped = {"annual_kwh": 20000.0, "year": "2025/26"}
    monkeypatch.setattr(jobs.duos, "run_duos_cost", record)
    response = signed(client, "POST", "/v1/duos/cost", json=tariff | shaped | {"shape": shape})
    assert response.status_code == 200, response.get_json()
    argv = ["duos", "cost", "--distributor", "_C", "--tariff", tariff["tariff"], "--shape", "5",
            "--annual-kwh", "20000", "--year", "2025/26", "--json"]  # fmt: skip
    assert main(argv) == 0
    capsys.readouterr()
    by_api, by_cli = seen
    assert by_api.shape == "5"
    assert by_api == by_cli


@pytest.mark.parametrize(
    ("shape", "detail"),
    [(9, "profile class '9' not available"), (True, "give an Elexon profile class 1-8")],
)
def test_a_shape_out_of_range_is_refused_as_on_the_cli(
    client: FlaskClient, shape: object, detail: str
) -> None:
    tariff = {"distributor": "_C", "tariff": "Non-Domestic Aggregated or CT Band 1"}
    body = tariff | {"shape": shape, "annual_kwh": 1.0, "year": "2025/26"}
    response = signed(client, "POST", "/v1/duos/cost", json=body)
    assert response.status_code == 422
    problem = response.get_json()
    assert problem["field"] == "shape"
    assert detail in problem["detail"]
