"""``revenue_stack``: the one engine entry runs layout → optimise → check → attribute."""

from __future__ import annotations

import numpy as np
import pytest

from engine.battery import BatterySpec
from engine.revenue import (
    RevenueStack,
    optimise_day_ahead,
    optimise_perfect_foresight,
    revenue_stack,
)
from engine.revenue.layout import layout
from engine.revenue.stack import DAY_AHEAD_NOTE, PERFECT_FORESIGHT_NOTE
from tests.engine.revenue.test_search import ALL, market


def test_two_markets_by_hand() -> None:
    # As test_search: APX £10 then £60 at the start, flat £50 elsewhere; 1 MW / 0.5 MWh
    # lossless buys 0.5 MWh in APX at £10 and sells it in APX at £60: £25.
    apx, system = np.full(48, 50.0), np.full(48, 50.0)
    apx[:2], system[:2] = [10.0, 60.0], [30.0, 40.0]
    stack = revenue_stack(
        market(apx, system), BatterySpec(1.0, 1.0, 0.5), (), ("apx", "system"), assumptions=["a"]
    )
    assert stack.day_ahead is None
    assert stack.capture_ratio is None
    result = stack.perfect_foresight
    assert result.mode == "perfect_foresight"
    assert result.net_revenue_gbp == pytest.approx(25.0)
    assert result.assumptions == ["a", PERFECT_FORESIGHT_NOTE]


def test_day_ahead_is_the_same_as_its_parts() -> None:
    rng = np.random.default_rng(7)
    days = 9  # a week of history for the forecast, then two decided days
    system = rng.normal(60.0, 25.0, 48 * days)
    service = {"DCL": rng.uniform(0, 10, 6 * days), "DRH": rng.uniform(0, 5, 6 * days)}
    data = market(system + 3.0, system, service)
    battery = BatterySpec.from_round_trip(1.0, 2.0, 0.88)
    stack = revenue_stack(data, battery, ALL, ("apx", "system"), day_ahead=True)
    assert stack.day_ahead is not None
    assert stack.day_ahead.mode == "day_ahead"
    assert stack.day_ahead.assumptions == [DAY_AHEAD_NOTE]
    # The same schedules as calling the steps by hand.
    lay = layout(data, ALL, ("apx", "system"))
    pf = optimise_perfect_foresight(lay, battery)
    da, _, _ = optimise_day_ahead(lay, battery)
    np.testing.assert_allclose(stack.perfect_foresight.schedule["soc_mwh"], pf.soc_mwh)
    np.testing.assert_allclose(stack.day_ahead.schedule["soc_mwh"], da.soc_mwh)
    ratio = stack.capture_ratio
    assert ratio is not None
    assert ratio == pytest.approx(
        stack.day_ahead.net_revenue_gbp / stack.perfect_foresight.net_revenue_gbp
    )
    assert ratio <= 1.0 + 1e-9


def test_no_capture_ratio_when_perfect_foresight_earns_nothing() -> None:
    flat = market(np.full(48, 50.0), np.full(48, 50.0))
    pf = revenue_stack(flat, BatterySpec(1.0, 1.0, 1.0), (), ("system",)).perfect_foresight
    assert pf.net_revenue_gbp == pytest.approx(0.0)
    assert RevenueStack(pf, pf).capture_ratio is None
