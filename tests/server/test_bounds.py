"""Issue 19 defect 7 on the battery endpoints: the bounds of engine/battery.py, one place,
refuse absurd sizes the same way on revenue and dispatch, naming the body's key.

Before: ``energy_mwh: 1e12`` answered 200; ``round_trip_efficiency: 1e-300`` answered 422 "no
feasible schedule (Not Set)" on revenue and 200 with a value of 0 on dispatch; 1e12 MW/MWh
was reported as the ``schedule`` failing its energy balance.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.server.conftest import signed

REVENUE = {"from": "2024-06-03", "to": "2024-06-03", "power_mw": 1.0, "energy_mwh": 2.0}
DISPATCH = {
    "prices": [
        {"interval_start": "2024-06-03T00:00:00Z", "price_gbp_per_mwh": 10.0},
        {"interval_start": "2024-06-03T00:30:00Z", "price_gbp_per_mwh": 90.0},
    ],
    "power_mw": 1.0,
    "energy_mwh": 2.0,
}


@pytest.mark.parametrize(
    ("path", "base", "change", "field", "words"),
    [
        ("/v1/bess/revenue", REVENUE, {"energy_mwh": 1e12}, "energy_mwh", "20,000 MWh"),
        ("/v1/bess/revenue", REVENUE, {"power_mw": 1e12, "energy_mwh": 1e12}, "power_mw",
         "1,800 MW"),
        ("/v1/bess/revenue", REVENUE, {"round_trip_efficiency": 1e-300},
         "round_trip_efficiency", "floor of 0.25"),
        ("/v1/bess/dispatch", DISPATCH, {"energy_mwh": 1e12}, "energy_mwh", "20,000 MWh"),
        ("/v1/bess/dispatch", DISPATCH, {"charge_efficiency": 1e-300}, "charge_efficiency",
         "floor of 0.5"),
        ("/v1/bess/dispatch", DISPATCH, {"power_mw": 1e-300}, "power_mw", "1 kW"),
    ],
)  # fmt: skip
def test_absurd_batteries_are_422_naming_the_key(
    client: FlaskClient,
    path: str,
    base: dict[str, Any],
    change: dict[str, Any],
    field: str,
    words: str,
) -> None:
    response = signed(client, "POST", path, json=base | change)
    problem = response.get_json()
    assert response.status_code == 422, problem
    assert problem["field"] == field
    assert problem["detail"].startswith(f"{field}:")
    assert words in problem["detail"]
