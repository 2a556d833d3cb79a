"""``jobs.revenue.RevenueRequest``: bad input is a ValidationError naming the caller's field."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from engine.errors import ValidationError
from jobs.revenue import RevenueRequest

BASE: dict[str, Any] = {
    "from_date": "2024-06-01",
    "to_date": "2024-06-01",
    "power_mw": 1,
    "energy_mwh": 2,
}


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
        ({"to_date": "2024-05-31"}, "to"),
        ({"energy_mwh": "2h"}, "energy_mwh"),
        ({"mode": "hindsight"}, "mode"),
        ({"cm_derating_factor": float("inf")}, "cm_derating_factor"),
        # 800 cycles a year cannot be reached at 2 a day: the caps contradict each other.
        ({"max_cycles_per_day": 2, "max_cycles_per_year": 800}, "max_cycles_per_year"),
        ({"max_cycles_per_year": 0}, "max_cycles_per_year"),
        ({"distributor": "10", "import_tariff": "HV Site Specific No Residual"}, "export_tariff"),
        ({"cm_cpi_index": "2024/25:100"}, "cm_cpi_index"),
    ],
)
def test_bad_input_names_the_request_field(change: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        RevenueRequest.from_inputs(**{**BASE, **change})
    assert caught.value.field == field
    assert caught.value.detail.startswith(f"{field}:")


def test_a_good_request_keeps_its_figures() -> None:
    request = RevenueRequest.from_inputs(
        **{**BASE, "round_trip_efficiency": 0.81, "min_service_mw": 0.5}
    )
    # One-way efficiency sqrt(0.81) = 0.9 each way.
    assert request.battery.round_trip_efficiency_frac == pytest.approx(0.81)
    assert request.battery.charge_efficiency_frac == pytest.approx(0.9)
    assert request.round_trip_efficiency_frac == pytest.approx(0.81)
    assert request.min_service_mw == 0.5


def test_typed_construction_is_validated_the_same_way() -> None:
    # The dashboard and the benchmark build the request from typed values: same checks,
    # same caller-facing names.
    first = dt.date(2024, 6, 1)
    request = RevenueRequest(first, first, 1.0, 2.0, services=("dcl", "DCL"))
    assert request.services == ("DCL",)
    assert request.battery.usable_energy_mwh == 2.0
    with pytest.raises(ValidationError, match=r"^energy_mwh: 0.05 MWh is only 3.0 minutes"):
        RevenueRequest(first, first, 1.0, 0.05)
    with pytest.raises(ValidationError, match=r"^round_trip_efficiency: .*did you mean 0.9"):
        RevenueRequest(first, first, 1.0, 2.0, round_trip_efficiency_frac=90.0)
    with pytest.raises(ValidationError, match=r"^energy_markets: choose at least one"):
        RevenueRequest(first, first, 1.0, 2.0, services=(), energy_markets=())


def test_a_cm_price_or_factor_means_input_terms() -> None:
    request = RevenueRequest.from_inputs(**BASE, cm_derating_factor=0.5)
    assert request.capacity_market == "input"
    assert request.cm_derating_factor_frac == 0.5
    assert RevenueRequest.from_inputs(**BASE).capacity_market == "none"


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
    request = RevenueRequest.from_inputs(**{**BASE, "services": services})
    assert any(note.startswith("services: read") for note in request.input_notes) is noted


def test_forecast_is_the_default_mode_and_day_ahead_its_alias() -> None:
    assert RevenueRequest.from_inputs(**BASE).mode == "forecast"
    assert RevenueRequest.from_inputs(**{**BASE, "mode": "day_ahead"}).mode == "forecast"
    first = dt.date(2024, 6, 1)
    assert RevenueRequest(first, first, 1.0, 2.0).mode == "forecast"
    assert RevenueRequest(first, first, 1.0, 2.0, mode="perfect_foresight").mode == (
        "perfect_foresight"
    )


def test_wear_defaults_an_owner_would_set() -> None:
    request = RevenueRequest.from_inputs(**BASE)
    assert request.degradation_gbp_per_mwh == 15.0  # docs/revenue.md derives it
    assert request.battery.max_cycles_per_day is None
    # An annual cap becomes an even daily budget, the tighter of the two.
    capped = RevenueRequest.from_inputs(**{**BASE, "max_cycles_per_year": 365})
    assert capped.battery.max_cycles_per_day == 1.0
    both = RevenueRequest.from_inputs(
        **{**BASE, "max_cycles_per_year": 400, "max_cycles_per_day": 1.5}
    )
    assert both.battery.max_cycles_per_day == pytest.approx(400 / 365)
    assert (
        RevenueRequest.from_inputs(**{**BASE, "degradation_gbp_per_mwh": 0}).degradation_gbp_per_mwh
        == 0.0
    )
