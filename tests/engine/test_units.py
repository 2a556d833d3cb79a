"""Unit conversions against hand-worked values."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine import units


def test_rates() -> None:
    assert units.p_per_kwh_to_gbp_per_mwh(1.0) == 10.0  # 1 p/kWh = £10/MWh
    assert units.gbp_per_mwh_to_p_per_kwh(85.0) == pytest.approx(8.5)
    assert units.pence_to_gbp(219.17) == pytest.approx(2.1917)
    assert units.gbp_to_pence(1.5) == 150.0


def test_energy_and_power() -> None:
    assert units.kwh_to_mwh(1500.0) == 1.5
    assert units.mwh_to_kwh(0.25) == 250.0
    assert units.kw_to_kwh_per_half_hour(200.0) == 100.0  # 200 kW for 30 min
    assert units.kwh_per_half_hour_to_kw(100.0) == 200.0


def test_reactive_and_apparent() -> None:
    assert units.reactive_per_active(0.8) == pytest.approx(0.75)  # 0.6 / 0.8
    assert units.reactive_per_active(0.95) == pytest.approx(0.328684, abs=1e-6)
    assert units.apparent_kva_from_half_hour(60.0, 25.0) == pytest.approx(130.0)  # 2 × 65
    out = units.apparent_kva_from_half_hour(np.array([3.0, 0.0]), np.array([4.0, 0.0]))
    assert out.tolist() == [10.0, 0.0]


@given(st.floats(-1e6, 1e6, allow_nan=False))
def test_round_trips(value: float) -> None:
    assert units.gbp_per_mwh_to_p_per_kwh(units.p_per_kwh_to_gbp_per_mwh(value)) == pytest.approx(
        value
    )
    assert units.kwh_per_half_hour_to_kw(units.kw_to_kwh_per_half_hour(value)) == pytest.approx(
        value
    )
