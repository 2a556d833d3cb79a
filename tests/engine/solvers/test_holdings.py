"""The compiled per-block holdings: the two-constraint LP's vertices, worked by hand."""

from __future__ import annotations

import numpy as np
import pytest

from engine.solvers import block_holdings


def test_two_services_share_the_block_at_the_vertex_where_both_constraints_bind() -> None:
    # Block 0: intervals 0-1, headroom a = min(1.0, 0.8) = 0.8 MW, e = min(0.5, 0.6) = 0.5 MWh.
    # Durations 0.25 h and 1 h at £10 and £30/MW/h. Vertices: the first alone min(0.8,
    # 0.5/0.25) = 0.8 MW -> £8; the second alone min(0.8, 0.5/1) = 0.5 MW -> £15; both
    # tight: y = (0.5 - 0.25 x 0.8) / (1 - 0.25) = 0.4, x = 0.8 - 0.4 = 0.4 -> 4 + 12 = £16.
    # Block 1: same headroom, the second service has no price: the first alone, 0.8 MW.
    held = block_holdings(
        np.array([0, 2, 4], dtype=np.int64),
        np.array([1.0, 0.8, 0.8, 1.0]),
        np.array([0.5, 0.6, 0.6, 0.5]),
        1.0,
        np.array([[10.0, 30.0], [10.0, -np.inf]]),
        np.array([0.25, 1.0]),
    )
    np.testing.assert_allclose(held, [[0.4, 0.4], [0.8, 0.0]])


@pytest.mark.parametrize("headroom_mw", [-0.2, 0.0])
def test_no_headroom_holds_nothing(headroom_mw: float) -> None:
    held = block_holdings(
        np.array([0, 1], dtype=np.int64),
        np.array([headroom_mw]),
        np.array([1.0]),
        1.0,
        np.array([[50.0]]),
        np.array([0.5]),
    )
    assert held.tolist() == [[0.0]]


def test_the_rating_caps_a_discharging_baseline() -> None:
    # Headroom 1.6 MW (a 0.6 MW charging baseline below a 1 MW inverter) is capped at 1 MW.
    held = block_holdings(
        np.array([0, 1], dtype=np.int64),
        np.array([1.6]),
        np.array([5.0]),
        1.0,
        np.array([[20.0]]),
        np.array([0.5]),
    )
    assert held.tolist() == [[1.0]]
