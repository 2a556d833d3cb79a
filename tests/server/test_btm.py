"""``POST /v1/btm``: the issue's keys over HTTP, problems for bad input, 413 past two years."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from flask.testing import FlaskClient

import jobs.btm
import jobs.cli.btm
import server.btm
from engine.settlement import half_hourly_index, iso_utc
from jobs.btm import BtmRequest
from jobs.cli import main
from jobs.settings import Settings
from tests.server.conftest import signed


def _body(kwh: float, days: tuple[str, str] = ("2025-06-09", "2025-06-10")) -> dict[str, Any]:
    index = half_hourly_index(*days)
    return {
        "load": {"interval_start": iso_utc(index), "import_kwh": [kwh] * len(index)},
        "distributor": 14,
        "tariff": "HV Site Specific Band 1",
        "import_capacity_kva": 3000,
        "ppa_gbp_per_mwh": 150,
        "power_mw": 2.5,
        "energy_mwh": 5,
        "energy_price": 80,
        "no_levies": True,
    }


def test_btm_returns_the_issue_keys(client: FlaskClient) -> None:
    response = signed(client, "POST", "/v1/btm", json=_body(1000.0))
    assert response.status_code == 200, response.get_json()
    document = response.get_json()
    for key in (
        "without_battery",
        "with_battery",
        "battery_value_gbp",
        "battery_value_by_component",
        "red_coverage_frac",
        "equivalent_cycles",
        "by_month",
        "assumptions",
    ):
        assert key in document
    assert document["battery_value_gbp"] > 0
    assert np.isclose(
        document["with_battery"]["margin_gbp"] - document["without_battery"]["margin_gbp"],
        document["battery_value_gbp"],
    )


def test_load_in_kw_is_a_422_naming_the_field(client: FlaskClient) -> None:
    response = signed(client, "POST", "/v1/btm", json=_body(2000.0))
    assert response.status_code == 422
    assert "looks like average kW" in response.get_json()["detail"]


def test_more_than_two_years_is_413(client: FlaskClient) -> None:
    body = _body(100.0, ("2024-01-01", "2026-01-02"))
    response = signed(client, "POST", "/v1/btm", json=body)
    assert response.status_code == 413


def test_a_distributor_of_the_wrong_type_is_one_error(client: FlaskClient) -> None:
    body = _body(1000.0)
    body["distributor"] = [14]  # neither an id, a GSP group nor a lookup result
    response = signed(client, "POST", "/v1/btm", json=body)
    assert response.status_code == 422
    assert [e["field"] for e in response.get_json()["errors"]] == ["distributor"]


def test_missing_levies_are_left_out_and_listed_by_default(client: FlaskClient) -> None:
    body = _body(1000.0)
    body["no_levies"] = False
    response = signed(client, "POST", "/v1/btm", json=body)
    document = response.get_json()
    assert response.status_code == 200, document
    names = [item["name"] for item in document["levies_left_out"]]
    assert names == ["FiT", "CfD_ILR", "AAHEDC", "TNUoS_TDR"]
    assert document["mode"] == "forecast"
    assert document["upper_bound"]["label"] == "upper bound (perfect foresight)"
    assert document["deprecations"] == []


def test_missing_levies_are_a_machine_readable_extension(client: FlaskClient) -> None:
    # June 2025 has published BSUoS, RO, CfD OCL and CCL rates; FiT, the CfD ILR and AAHEDC
    # have none, and TNUoS needs a band. Clients get the names as an RFC 9457 extension
    # member, never by parsing the prose detail (with require_levies: true).
    body = _body(1000.0)
    body["no_levies"] = False
    body["require_levies"] = True
    response = signed(client, "POST", "/v1/btm", json=body)
    problem = response.get_json()
    assert response.status_code == 404
    assert problem["field"] == "levies"
    assert problem["missing_levies"] == ["FiT", "CfD_ILR", "AAHEDC", "TNUoS_TDR"]
    body["without_levies"] = problem["missing_levies"]
    assert signed(client, "POST", "/v1/btm", json=body).status_code == 200


def test_the_cli_and_the_api_build_the_same_request(
    client: FlaskClient,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Every renamed key (lat → latitude_deg, levies → levy_overrides ...) lands in the same
    # field from either edge.
    seen: list[BtmRequest] = []

    def spy(request: BtmRequest, settings: Settings, **kwargs: Any) -> dict[str, Any]:
        seen.append(request)
        return jobs.btm.run_btm(request, settings, **kwargs)

    monkeypatch.setattr(server.btm, "run_btm", spy)
    monkeypatch.setattr(jobs.cli.btm, "run_btm", spy)
    body = _body(1000.0)
    clearness = [0.5] * 12
    missing = ["FiT", "CfD_ILR", "AAHEDC", "TNUoS_TDR"]
    body.update(
        distributor="_E",
        no_levies=False,
        without_levies=missing,
        levies={"BSUoS": 5.0},
        round_trip_efficiency=0.85,
        pv_kwp=100.0,
        lat=52.48,
        lon=-1.9,
        tilt=35.0,
        azimuth=170.0,
        inverter_kw=80.0,
        pv_clearness=clearness,
    )
    assert signed(client, "POST", "/v1/btm", json=body).status_code == 200
    load = tmp_path / "load.csv"
    pd.DataFrame(body["load"]).to_csv(load, index=False)
    argv = [
        "btm", "--load", str(load), "--distributor", "_E",
        "--tariff", "HV Site Specific Band 1", "--import-capacity-kva", "3000",
        "--ppa-gbp-per-mwh", "150", "--power-mw", "2.5", "--energy-mwh", "5",
        "--energy-price", "80", "--levy", "BSUoS=5",
        *[word for name in missing for word in ("--without-levy", name)],
        "--round-trip-efficiency", "0.85", "--pv-kwp", "100", "--lat", "52.48",
        "--lon", "-1.9", "--tilt", "35", "--azimuth", "170", "--inverter-kw", "80",
        "--pv-clearness", ",".join(str(c) for c in clearness), "--json",
    ]  # fmt: skip
    assert main(argv) == 0
    capsys.readouterr()
    by_api, by_cli = seen
    assert by_api.latitude_deg == 52.48
    assert by_api.levy_overrides == {"BSUoS": 5.0}
    # The CLI passes the price as typed ("80"); run_btm reads either as £80/MWh.
    assert (by_api.energy_price, by_cli.energy_price) == (80.0, "80")
    assert dataclasses.replace(by_cli, energy_price=80.0) == by_api


def test_the_old_capacity_name_is_accepted_with_a_deprecation(client: FlaskClient) -> None:
    body = _body(1000.0)
    body["capacity_kva"] = body.pop("import_capacity_kva")
    response = signed(client, "POST", "/v1/btm", json=body)
    document = response.get_json()
    assert response.status_code == 200, document
    assert document["deprecations"] == [
        "capacity_kva is deprecated: use import_capacity_kva (the name the DUoS cost takes); "
        "the old name is accepted for one release"
    ]


def _two_years_and_a_day() -> dict[str, Any]:
    index = half_hourly_index("2024-01-01", "2026-01-02")
    return {"interval_start": iso_utc(index), "import_kwh": [1.0] * len(index)}


# Issue 19 defect 6: each of these named a field the request does not have (the engine's
# import_capacity_kva, import_limit_kva, round_trip_efficiency_frac, levy, profile; CLI
# words; three union members with no field). The sidebar shows an error under the field it
# names, so the field must be the body's key.
@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"import_capacity_kva": 1e12}, 422, "import_capacity_kva"),
        ({"import_capacity_kva": 0}, 422, "import_capacity_kva"),
        ({"import_capacity_kva": None}, 422, "import_capacity_kva"),
        ({"import_capacity_kva": None, "capacity_kva": 1e12}, 422, "capacity_kva"),
        ({"import_capacity_kva": None, "capacity_kva": 0}, 422, "capacity_kva"),
        ({"mode": "day_ahead"}, 422, "mode"),
        ({"round_trip_efficiency": 2}, 422, "round_trip_efficiency"),
        ({"round_trip_efficiency": 0.9, "charge_efficiency": 0.9}, 422, "round_trip_efficiency"),
        ({"no_levies": False, "levies": {"BOGUS": 1.0}}, 422, "levies"),
        ({"no_levies": False, "without_levies": ["nope"]}, 422, "without_levies"),
        ({"load": _two_years_and_a_day()}, 413, "load"),
        ({"load": {"interval_start": ["2025-06-09T00:00Z"], "import_kwh": [1, 2]}}, 422, "load"),
        ({"pv_kwp": 100.0}, 422, "lat"),
        ({"pv_kwp": 100.0, "lat": 52.5}, 422, "lon"),
        ({"pv_kwp": 100.0, "lat": 80.0, "lon": 0.0}, 422, "lat"),
        ({"energy_price": "bogus"}, 422, "energy_price"),
        ({"export_limit_kw": 10, "export_price": {"a": 1}}, 422, "export_price"),
        ({"energy_price": "bogus-word"}, 422, "energy_price"),
    ],
)  # fmt: skip
def test_errors_name_the_bodys_key(
    client: FlaskClient, change: dict[str, Any], status: int, field: str
) -> None:
    body = {key: value for key, value in (_body(1000.0) | change).items() if value is not None}
    response = signed(client, "POST", "/v1/btm", json=body)
    problem = response.get_json()
    assert response.status_code == status, problem
    assert problem["field"] == field
    assert problem["detail"].startswith(f"{field}:")
    # No other spelling of a renamed field, and no CLI flag, appears in what the caller reads.
    for word in ("_frac", "latitude_deg", "levy_overrides", "--"):
        assert word not in problem["detail"]


# Issue 19 defect 7: absurd sizes answered 200 (energy 1e12 MWh) or 200 with value 0 /
# 422 "no feasible schedule (Not Set)" (round trip 1e-300). The bounds live in BatterySpec,
# so every endpoint refuses them the same way, naming the body's key.
@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"energy_mwh": 1e12}, "energy_mwh", "more than 20,000 MWh"),
        ({"power_mw": 1e12}, "power_mw", "more than 1,800 MW"),
        ({"round_trip_efficiency": 1e-300}, "round_trip_efficiency", "below the floor of 0.25"),
        ({"charge_efficiency": 0.3, "discharge_efficiency": 0.9}, "charge_efficiency", "0.5"),
    ],
)
def test_absurd_batteries_are_refused(
    client: FlaskClient, change: dict[str, Any], field: str, words: str
) -> None:
    response = signed(client, "POST", "/v1/btm", json=_body(1000.0) | change)
    problem = response.get_json()
    assert response.status_code == 422, problem
    assert problem["field"] == field
    assert words in problem["detail"]
