"""The behind-the-meter site and battery as a HiGHS MILP: the exact reference for the DP.

Physical variables per interval ``t`` (energies per interval, MWh): battery grid charge
``c`` and discharge ``d``, stored energy ``s`` at the interval end, import ``i``, export
``x``, PV curtailment ``u``, and binaries ``y`` (1 = charging, else discharging or idle) and
``z`` (1 = importing, else exporting or curtailing)::

    maximise  Σ_t  e_t·x_t − c_imp_t·i_t − deg·d_t
    s.t.      i − x − u − c + d = L − G                  (site balance)
              s_t − s_{t−1} − η_c·c + d/η_d = 0           (battery balance)
              c ≤ Pc·h·y,  d ≤ Pd·h·(1 − y)               (never both)
              i ≤ I·z,  x ≤ X·(1 − z),  u ≤ G·(1 − z)     (no import while exporting or
                                                           curtailing)
              smin ≤ s ≤ smax,  s_{T−1} = final (if set)

It is written from the physics, not from :mod:`engine.btm.site`'s value functions, so the
tests that compare the two check the site reduction and the DP together.
"""

from __future__ import annotations

import numpy as np

from engine.battery import BatterySpec
from engine.btm.site import FloatArray, SiteIntervals
from engine.errors import InfeasibleDispatchError
from engine.solvers.highs import solve_sparse


def solve_site_milp(
    site: SiteIntervals, battery: BatterySpec, interval_h: float = 0.5
) -> tuple[FloatArray, float]:
    """The optimal stored-energy path and objective ``Σ e·x − c_imp·i − deg·d`` [MWh, £].

    Raises:
        InfeasibleDispatchError: If HiGHS finds no optimal solution.
    """
    T = site.load_mwh.shape[0]
    names = ("c", "d", "s", "i", "x", "u", "y", "z")
    col = {name: k * T + np.arange(T) for k, name in enumerate(names)}
    n_col = len(names) * T
    h = interval_h
    eta_c, eta_d = battery.charge_efficiency_frac, battery.discharge_efficiency_frac
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    lo_rows: list[FloatArray] = []
    hi_rows: list[FloatArray] = []
    n_row = 0
    t = np.arange(T)

    def constraint(
        terms: list[tuple[str, np.ndarray | float, np.ndarray | None]],
        lo: FloatArray,
        hi: FloatArray,
    ) -> None:
        nonlocal n_row
        for name, coef, shift in terms:
            r = n_row + (t if shift is None else shift[0])
            c = col[name] if shift is None else col[name][shift[1]]
            rows.append(r)
            cols.append(c)
            vals.append(np.broadcast_to(np.asarray(coef, dtype=float), r.shape).copy())
        lo_rows.append(lo)
        hi_rows.append(hi)
        n_row += T

    net = site.net_mwh
    constraint(
        [
            ("i", 1.0, None),
            ("x", -1.0, None),
            ("u", -1.0, None),
            ("c", -1.0, None),
            ("d", 1.0, None),
        ],
        net,
        net,
    )
    start = np.zeros(T)
    start[0] = battery.initial_soc_mwh
    constraint(
        [
            ("s", 1.0, None),
            ("s", -1.0, np.array([t[1:], t[:-1]])),
            ("c", -eta_c, None),
            ("d", 1.0 / eta_d, None),
        ],
        start,
        start,
    )
    inf = np.full(T, -np.inf)
    zero = np.zeros(T)
    constraint([("c", 1.0, None), ("y", -battery.charge_power_mw * h, None)], inf, zero)
    constraint(
        [("d", 1.0, None), ("y", battery.discharge_power_mw * h, None)],
        inf,
        np.full(T, battery.discharge_power_mw * h),
    )
    constraint([("i", 1.0, None), ("z", -site.import_limit_mwh, None)], inf, zero)
    constraint([("x", 1.0, None), ("z", site.export_limit_mwh, None)], inf, site.export_limit_mwh)
    constraint([("u", 1.0, None), ("z", site.pv_mwh, None)], inf, site.pv_mwh)
    col_lo = np.zeros(n_col)
    col_hi = np.concatenate(
        [
            np.full(T, battery.charge_power_mw * h),
            np.full(T, battery.discharge_power_mw * h),
            np.full(T, battery.soc_max_mwh),
            site.import_limit_mwh,
            site.export_limit_mwh,
            site.pv_mwh,
            np.ones(T),
            np.ones(T),
        ]
    )
    col_lo[col["s"]] = battery.soc_min_mwh
    if battery.final_soc_mwh is not None:
        col_lo[col["s"][-1]] = col_hi[col["s"][-1]] = battery.final_soc_mwh
    cost = np.zeros(n_col)
    cost[col["x"]] = site.export_value_gbp_per_mwh
    cost[col["i"]] = -site.import_cost_gbp_per_mwh
    cost[col["d"]] = -battery.degradation_cost_gbp_per_mwh
    integer = np.zeros(n_col, dtype=bool)
    integer[6 * T :] = True
    result = solve_sparse(
        cost=cost,
        col_lower=col_lo,
        col_upper=col_hi,
        rows=np.concatenate(rows),
        cols=np.concatenate(cols),
        values=np.concatenate(vals),
        row_lower=np.concatenate(lo_rows),
        row_upper=np.concatenate(hi_rows),
        maximise=True,
        integer=integer,
        options={"mip_rel_gap": 0.0, "mip_abs_gap": 1e-6, "threads": 1},
    )
    if not result.optimal:
        raise InfeasibleDispatchError(
            f"HiGHS found no optimal schedule: {result.status}", field="battery"
        )
    return result.x[col["s"]], result.objective
