"""``jobs.revenue.build_request``: bad input is a ValidationError naming the caller's field."""

from __future__ import annotations

import pytest

from engine.errors import ValidationError
from jobs.revenue import build_request

BASE = {"from_date": "2024-06-01", "to_date": "2024-06-01", "power_mw": 1, "energy_mwh": 2}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        # 88 is a percentage; the request key is round_trip_efficiency, not the engine's _frac.
        ({"round_trip_efficiency": 88}, "round_trip_efficiency"),
        ({"round_trip_efficiency": float("nan")}, "round_trip_efficiency"),
        ({"round_trip_efficiency": "x"}, "round_trip_efficiency"),
        ({"degradation_gbp_per_mwh": -5}, "degradation_gbp_per_mwh"),
        # NaN passed "min_mw < 0" and silently meant "no minimum".
        ({"min_service_mw": float("nan")}, "min_service_mw"),
        ({"min_service_mw": -1}, "min_service_mw"),
    ],
)
def test_bad_input_names_the_request_field(change: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        build_request({**BASE, **change})
    assert caught.value.field == field
    assert caught.value.detail.startswith(f"{field}:")


def test_a_good_request_keeps_its_figures() -> None:
    request = build_request({**BASE, "round_trip_efficiency": 0.81, "min_service_mw": 0.5})
    # One-way efficiency sqrt(0.81) = 0.9 each way.
    assert request.battery.round_trip_efficiency_frac == pytest.approx(0.81)
    assert request.min_service_mw == 0.5


@pytest.mark.parametrize(
    ("services", "noted"),
    [
        ("dcl,DCH", True),  # lowercase read as DCL
        (["DCL", "DCL"], True),  # listed twice, held once
        ("DCL,DCH", False),
        (None, False),  # the default six
    ],
)
def test_loosely_written_services_are_an_explicit_assumption(services: object, noted: bool) -> None:
    request = build_request({**BASE, "services": services})
    assert any(note.startswith("services: read") for note in request.input_notes) is noted
