"""``POST /v1/btm``: the issue's keys over HTTP, problems for bad input, 413 past two years."""

from __future__ import annotations

from typing import Any

import numpy as np
from flask.testing import FlaskClient

from engine.settlement import half_hourly_index, iso_utc
from tests.server.conftest import signed


def _body(kwh: float, days: tuple[str, str] = ("2025-06-09", "2025-06-10")) -> dict[str, Any]:
    index = half_hourly_index(*days)
    return {
        "load": {"interval_start": iso_utc(index), "import_kwh": [kwh] * len(index)},
        "distributor": 14,
        "tariff": "HV Site Specific Band 1",
        "capacity_kva": 3000,
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


def test_missing_levies_are_a_machine_readable_extension(client: FlaskClient) -> None:
    # June 2025 has published BSUoS, RO, CfD OCL and CCL rates; FiT, the CfD ILR and AAHEDC
    # have none, and TNUoS needs a band. Clients get the names as an RFC 9457 extension
    # member, never by parsing the prose detail.
    body = _body(1000.0)
    body["no_levies"] = False
    response = signed(client, "POST", "/v1/btm", json=body)
    problem = response.get_json()
    assert response.status_code == 404
    assert problem["field"] == "levies"
    assert problem["missing_levies"] == ["FiT", "CfD_ILR", "AAHEDC", "TNUoS_TDR"]
    body["without_levies"] = problem["missing_levies"]
    assert signed(client, "POST", "/v1/btm", json=body).status_code == 200
