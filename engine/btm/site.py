"""A behind-the-meter site's half-hour: how net demand becomes import, export and curtailment.

Per half-hour (all energies in MWh per interval, all ≥ 0): load ``L``, PV after the
inverter ``G``, net ``N = L − G``. With a battery charging ``c`` and discharging ``d`` (grid
side), the site's residual is ``R = N + c − d``:

* ``R ≥ 0`` is imported at ``import_cost`` = energy price + DUoS unit rate of the period's
  band + per-MWh levies [£/MWh], up to the import limit. Demand is never dropped, and PV is
  never curtailed while the site imports.
* ``R < 0`` is a surplus ``S = −R``. At an export value ``e ≥ 0`` [£/MWh] (export price plus
  any generation DUoS credit) up to the export limit is exported and the rest of the PV is
  curtailed; at ``e < 0`` exporting costs money, so PV is curtailed first and only what PV
  curtailment cannot absorb (battery discharge beyond the load) is exported.

The site's cost ``f(R)`` is then piecewise linear in ``R`` with breakpoints at ``0`` and at
``−export_limit`` (``e ≥ 0``) or ``−G`` (``e < 0``); its domain is
``[−(export_limit + G), import_limit]``. The battery's value in an interval is
``f(N) − f(R) − degradation × d`` as a function of the change of stored energy ``delta``
(``c = delta ÷ η_c`` when charging, ``d = −delta × η_d`` when discharging; DESIGN.md
"Efficiency"): piecewise linear with at most five points, which
:mod:`engine.solvers.segments` optimises exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from engine.battery import BatterySpec

FloatArray = npt.NDArray[np.float64]
#: Points per interval of the battery's value function (two ends, 0, two site kinks).
N_POINTS = 5


@dataclass(frozen=True)
class SiteIntervals:
    """One site's per-interval quantities (length T each).

    Attributes:
        load_mwh: Site consumption per interval [MWh].
        pv_mwh: PV output after the inverter per interval [MWh].
        import_cost_gbp_per_mwh: Marginal cost of importing (energy + DUoS unit + levies)
            [£/MWh].
        export_value_gbp_per_mwh: Marginal value of exporting (price + generation credit)
            [£/MWh].
        import_limit_mwh: Largest import per interval [MWh].
        export_limit_mwh: Largest export per interval [MWh].
    """

    load_mwh: FloatArray
    pv_mwh: FloatArray
    import_cost_gbp_per_mwh: FloatArray
    export_value_gbp_per_mwh: FloatArray
    import_limit_mwh: FloatArray
    export_limit_mwh: FloatArray

    @property
    def net_mwh(self) -> FloatArray:
        """Net demand before any battery, ``L − G`` (negative = surplus) [MWh]."""
        return self.load_mwh - self.pv_mwh


@dataclass(frozen=True)
class SiteFlows:
    """The grid flows that meet a residual ``R`` in each interval [MWh, all ≥ 0]."""

    import_mwh: FloatArray
    export_mwh: FloatArray
    curtailed_mwh: FloatArray


def site_flows(site: SiteIntervals, residual_mwh: FloatArray) -> SiteFlows:
    """Import, export and curtailment that meet each interval's residual (module rules).

    Args:
        site: The site.
        residual_mwh: ``R = N + charge − discharge`` per interval [MWh].
    """
    imported = np.maximum(residual_mwh, 0.0)
    surplus = np.maximum(-residual_mwh, 0.0)
    exported = np.where(
        site.export_value_gbp_per_mwh >= 0,
        np.minimum(surplus, site.export_limit_mwh),
        np.maximum(surplus - site.pv_mwh, 0.0),
    )
    curtailed = surplus - exported
    return SiteFlows(imported, exported, curtailed)


def site_cost_gbp(site: SiteIntervals, flows: SiteFlows) -> FloatArray:
    """Marginal-cost part of each interval: import × cost − export × value [£]."""
    cost: FloatArray = (
        flows.import_mwh * site.import_cost_gbp_per_mwh
        - flows.export_mwh * site.export_value_gbp_per_mwh
    )
    return cost


def delta_limits(site: SiteIntervals, battery: BatterySpec, interval_h: float) -> FloatArray:
    """Largest stored-energy rise and fall per interval, shape (2, T) [MWh].

    Charging is limited by the battery's power and the import headroom; discharging by the
    battery's power and by what the site can take: its load plus the export limit (PV can
    be curtailed to make room, battery energy cannot).
    """
    eta_c = battery.charge_efficiency_frac
    eta_d = battery.discharge_efficiency_frac
    headroom = np.maximum(site.import_limit_mwh - site.net_mwh, 0.0)
    rise = np.minimum(battery.charge_power_mw * interval_h, headroom) * eta_c
    outlet = site.load_mwh + site.export_limit_mwh
    fall = np.minimum(battery.discharge_power_mw * interval_h, outlet) / eta_d
    return np.vstack((rise, fall))


def residual_of_delta(
    site: SiteIntervals, battery: BatterySpec, delta_mwh: FloatArray
) -> FloatArray:
    """Residual ``R`` for a change of stored energy ``delta`` (same shape as delta) [MWh]."""
    net = site.net_mwh.reshape((-1,) + (1,) * (delta_mwh.ndim - 1))
    grid = np.where(
        delta_mwh > 0,
        delta_mwh / battery.charge_efficiency_frac,
        delta_mwh * battery.discharge_efficiency_frac,
    )
    out: FloatArray = net + grid
    return out


def value_points(
    site: SiteIntervals, battery: BatterySpec, interval_h: float
) -> tuple[FloatArray, FloatArray]:
    """The battery's value per interval as a piecewise-linear function of ``delta``.

    Returns:
        ``(P, W)``, each of shape (T, :data:`N_POINTS`): ascending points of ``delta``
        [MWh stored] (``P[:, 0]`` = largest fall, ``P[:, -1]`` = largest rise, 0 among them)
        and the value at each, ``f(N) − f(R) − degradation × discharge`` [£].
    """
    rise, fall = delta_limits(site, battery, interval_h)
    net = site.net_mwh
    kink = np.where(site.export_value_gbp_per_mwh >= 0, -site.export_limit_mwh, -site.pv_mwh)
    eta_c = battery.charge_efficiency_frac
    eta_d = battery.discharge_efficiency_frac
    points = []
    for r_bp in (np.zeros_like(net), kink):
        # A residual breakpoint maps to delta on the side of N it lies on.
        d = np.where(r_bp > net, (r_bp - net) * eta_c, (r_bp - net) / eta_d)
        points.append(np.clip(d, -fall, rise))
    P = np.sort(np.column_stack((-fall, points[0], points[1], np.zeros_like(net), rise)), axis=1)
    P[np.abs(P) < 1e-12] = 0.0
    base = site_cost_gbp(site, site_flows(site, net))
    residual = residual_of_delta(site, battery, P)
    costs = np.empty_like(P)
    for j in range(P.shape[1]):
        costs[:, j] = site_cost_gbp(site, site_flows(site, residual[:, j]))
    discharge = np.maximum(-P, 0.0) * eta_d
    W = base[:, None] - costs - battery.degradation_cost_gbp_per_mwh * discharge
    return np.ascontiguousarray(P), np.ascontiguousarray(W)
