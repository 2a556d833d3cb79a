"""The site's half-hour rules: import, export up to the limit, curtailment, value points."""

from __future__ import annotations

import numpy as np
import pytest

from engine.battery import BatterySpec
from engine.btm.site import SiteIntervals, delta_limits, site_flows, value_points


def _site(
    load: float, pv: float, cost: float, value: float, export_limit: float = 1.0
) -> SiteIntervals:
    def one(x: float) -> np.ndarray:
        return np.array([x])

    return SiteIntervals(one(load), one(pv), one(cost), one(value), one(4.0), one(export_limit))


@pytest.mark.parametrize(
    ("load", "pv", "export_value", "flows"),
    [
        (2.0, 0.5, 30.0, (1.5, 0.0, 0.0)),  # net demand imported
        (0.5, 2.0, 30.0, (0.0, 1.0, 0.5)),  # surplus 1.5: 1.0 exported (limit), 0.5 curtailed
        (0.5, 1.2, 30.0, (0.0, 0.7, 0.0)),  # surplus within the limit: all exported
        (0.5, 2.0, -5.0, (0.0, 0.0, 1.5)),  # negative export value: PV curtailed
        (0.5, 2.0, 0.0, (0.0, 1.0, 0.5)),  # zero value: exported like a positive one
    ],
)
def test_flows_follow_the_rules(
    load: float, pv: float, export_value: float, flows: tuple[float, float, float]
) -> None:
    site = _site(load, pv, 80.0, export_value)
    got = site_flows(site, site.net_mwh)
    assert (got.import_mwh[0], got.export_mwh[0], got.curtailed_mwh[0]) == pytest.approx(flows)


def test_battery_energy_beyond_the_pv_is_exported_even_at_a_negative_value() -> None:
    # Load 0.5, PV 1.0, battery discharging 1.0: residual −1.5. PV (1.0) can be curtailed;
    # the other 0.5 is battery energy and must be exported at −5.
    site = _site(0.5, 1.0, 80.0, -5.0)
    got = site_flows(site, np.array([-1.5]))
    assert (got.export_mwh[0], got.curtailed_mwh[0]) == pytest.approx((0.5, 1.0))


def test_limits_of_the_change_of_stored_energy() -> None:
    # Charge: min(2 MW × 0.5 h, import headroom 4 − 1.5) × 0.9 = 1.0 × 0.9 = 0.9 MWh stored.
    # Discharge: min(1.0, load 2.0 + export limit 1.0) ÷ 0.8 = 1.25 MWh stored.
    site = _site(2.0, 0.5, 80.0, 30.0)
    battery = BatterySpec(
        charge_power_mw=2.0,
        discharge_power_mw=2.0,
        energy_mwh=4.0,
        charge_efficiency_frac=0.9,
        discharge_efficiency_frac=0.8,
    )
    rise, fall = delta_limits(site, battery, 0.5)
    assert (rise[0], fall[0]) == pytest.approx((0.9, 1.25))


def test_value_points_of_a_pv_surplus_half_hour() -> None:
    # Load 0.5, PV 1.5 (surplus 1.0, export limit 1.0), import cost 80, export value 30,
    # lossless 2 MW battery (1 MWh per half-hour). Charging 1.0 stores exported PV: value
    # −30. Discharging 1.0: residual −2.0 → 1.0 exported, 1.0 PV curtailed: value 0.
    site = _site(0.5, 1.5, 80.0, 30.0)
    battery = BatterySpec.symmetric(2.0, 4.0)
    points, values = value_points(site, battery, 0.5)
    # Residual kinks: R = 0 at delta = +1.0 (the rise limit) and R = −1.0 (the export
    # limit) at delta = 0, so the points are [−1, 0, 0, 1, 1].
    assert points[0] == pytest.approx([-1.0, 0.0, 0.0, 1.0, 1.0])
    assert values[0][[0, 2, 4]] == pytest.approx([0.0, 0.0, -30.0])
