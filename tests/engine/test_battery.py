"""BatterySpec: validation with field names, the round-trip constructor, derived values."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from engine.battery import BatterySpec
from engine.errors import ValidationError


def _spec(**overrides: Any) -> BatterySpec:
    # Any: the tables below feed bad values, some not numbers; BatterySpec's checks are under test.
    fields: dict[str, Any] = {
        "charge_power_mw": 2.0,
        "discharge_power_mw": 2.0,
        "energy_mwh": 4.0,
        "charge_efficiency_frac": 0.9,
        "discharge_efficiency_frac": 1.0,
    }
    fields.update(overrides)
    return BatterySpec(**fields)


def test_derived_values() -> None:
    spec = _spec(soc_min_frac=0.1, soc_max_frac=0.9, initial_soc_mwh=0.4)
    # 0.1 × 4 = 0.4 MWh; 0.9 × 4 = 3.6 MWh; usable 3.2 MWh; round trip 0.9 × 1.0.
    assert spec.soc_min_mwh == pytest.approx(0.4)
    assert spec.soc_max_mwh == pytest.approx(3.6)
    assert spec.usable_energy_mwh == pytest.approx(3.2)
    assert spec.round_trip_efficiency_frac == pytest.approx(0.9)


def test_round_trip_splits_as_square_root() -> None:
    spec = BatterySpec.from_round_trip(1.0, 2.0, 0.81, final_soc_mwh=0.0)
    # √0.81 = 0.9 each way.
    assert spec.charge_efficiency_frac == pytest.approx(0.9)
    assert spec.discharge_efficiency_frac == pytest.approx(0.9)
    assert spec.charge_power_mw == spec.discharge_power_mw == 1.0
    assert spec.final_soc_mwh == 0.0


def test_frozen() -> None:
    spec = _spec()
    with pytest.raises(AttributeError):
        spec.energy_mwh = 5.0  # type: ignore[misc]  # frozen: the assignment is the error tested


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"charge_efficiency_frac": 90}, "charge_efficiency_frac", "did you mean 0.9"),
        # 1.5 % would be below the floor: no "did you mean 0.015" for a value never valid.
        ({"discharge_efficiency_frac": 1.5}, "discharge_efficiency_frac", "0 < x ≤ 1, got 1.5"),
        ({"discharge_efficiency_frac": 0.0}, "discharge_efficiency_frac", "0 < x ≤ 1"),
        ({"charge_efficiency_frac": 120}, "charge_efficiency_frac", "0 < x ≤ 1"),
        ({"energy_mwh": -4.0}, "energy_mwh", "greater than 0"),
        ({"charge_power_mw": 0.0}, "charge_power_mw", "greater than 0"),
        ({"energy_mwh": math.nan}, "energy_mwh", "finite"),
        ({"soc_min_frac": 0.5, "soc_max_frac": 0.5}, "soc_max_frac", "must exceed"),
        ({"soc_max_frac": 1.2}, "soc_max_frac", "0..1"),
        ({"initial_soc_mwh": 5.0}, "initial_soc_mwh", "outside"),
        ({"final_soc_mwh": -1.0}, "final_soc_mwh", "outside"),
        ({"max_cycles_per_day": 0.0}, "max_cycles_per_day", "greater than 0"),
        ({"degradation_cost_gbp_per_mwh": -1.0}, "degradation_cost_gbp_per_mwh", "negative"),
        ({"auxiliary_load_mw": -0.1}, "auxiliary_load_mw", "negative"),
        ({"energy_mwh": "four"}, "energy_mwh", "expected a number"),
    ],
)
def test_bad_values_name_their_field(overrides: dict[str, Any], field: str, words: str) -> None:
    with pytest.raises(ValidationError) as exc:
        _spec(**overrides)
    assert exc.value.field == field
    assert words in exc.value.detail


def test_percentage_efficiency_message_for_90() -> None:
    with pytest.raises(ValidationError, match=r"fractions with 0 < x ≤ 1; got 90"):
        _spec(charge_efficiency_frac=90)


@pytest.mark.parametrize(
    ("kwargs", "shown"),
    [
        ({"initial_soc_mwh": np.float64(9.0)}, "initial_soc_mwh: 9.0 MWh lies outside"),
        ({"charge_efficiency_frac": np.float64(90.0)}, "got 90.0 — did you mean 0.9?"),
        ({"degradation_cost_gbp_per_mwh": np.float64(-5.0)}, "must not be negative, got -5.0"),
    ],
)
def test_messages_show_numpy_inputs_as_plain_numbers(kwargs: dict[str, Any], shown: str) -> None:
    # Callers in loops pass numpy scalars; the message must read "9.0", not "np.float64(9.0)".
    args: dict[str, Any] = {"charge_power_mw": 2.0, "discharge_power_mw": 2.0, "energy_mwh": 4.0}
    with pytest.raises(ValidationError) as caught:
        BatterySpec(**(args | kwargs))
    assert shown in str(caught.value)
    assert "np.float64" not in str(caught.value)


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        # Issue 19 defect 7: absurd sizes were accepted (energy 1e12 MWh answered 200).
        ({"energy_mwh": 1e12}, "energy_mwh", "more than 20,000 MWh"),
        ({"charge_power_mw": 1e12}, "charge_power_mw", "more than 1,800 MW"),
        ({"discharge_power_mw": 1801.0}, "discharge_power_mw", "more than 1,800 MW"),
        ({"energy_mwh": 1e-6}, "energy_mwh", "below 0.001 MWh (1 kWh)"),
        ({"charge_power_mw": 1e-300}, "charge_power_mw", "below 0.001 MW (1 kW)"),
        ({"charge_efficiency_frac": 1e-300}, "charge_efficiency_frac", "below the floor of 0.5"),
        ({"discharge_efficiency_frac": 0.49}, "discharge_efficiency_frac", "floor of 0.5"),
    ],
)
def test_physical_bounds_name_their_field(
    overrides: dict[str, Any], field: str, words: str
) -> None:
    with pytest.raises(ValidationError) as exc:
        _spec(**overrides)
    assert exc.value.field == field
    assert words in exc.value.detail


def test_the_bounds_themselves_are_accepted() -> None:
    # The largest and smallest battery the bounds allow, and the efficiency floor both ways.
    big = BatterySpec.symmetric(1800.0, 20_000.0)
    small = BatterySpec.from_round_trip(0.001, 0.001, 0.25)
    assert big.energy_mwh == 20_000.0
    assert small.charge_efficiency_frac == pytest.approx(0.5)


@pytest.mark.parametrize("round_trip", [1e-300, 0.2499, 0.009])
def test_round_trip_floor_names_the_round_trip(round_trip: float) -> None:
    with pytest.raises(ValidationError) as exc:
        BatterySpec.from_round_trip(1.0, 2.0, round_trip)
    assert exc.value.field == "round_trip_efficiency_frac"
    assert "floor of 0.25" in exc.value.detail
