"""Hypothesis strategies shared by the property tests: batteries, prices, half-hourly profiles.

The defaults span what the engine accepts (negative prices included); a test narrows a knob
only where its property or the engine under test needs it, and says why at the call.
"""

from __future__ import annotations

import pandas as pd
from hypothesis import strategies as st

from engine.battery import BatterySpec

# Battery ratings [MW, MWh] and one-way efficiencies [0-1]: small to grid-scale per MW, lossy
# to lossless.
POWER_MW = st.floats(0.1, 5.0)
ENERGY_MWH = st.floats(0.3, 7.0)
EFFICIENCY_FRAC = st.floats(0.5, 1.0)
# Mostly free cycling (where ties between schedules live), sometimes a wear cost [£/MWh].
DEGRADATION_GBP_PER_MWH = st.sampled_from([0.0, 0.0, 3.7])


@st.composite
def batteries(
    draw: st.DrawFn,
    *,
    power_mw: st.SearchStrategy[float] = POWER_MW,
    energy_mwh: st.SearchStrategy[float] = ENERGY_MWH,
    efficiency_frac: st.SearchStrategy[float] = EFFICIENCY_FRAC,
    degradation_gbp_per_mwh: st.SearchStrategy[float] = DEGRADATION_GBP_PER_MWH,
    same_power: bool = False,
    same_efficiency: bool = False,
    soc_window: bool = True,
    cycle_caps: bool = True,
) -> BatterySpec:
    """A valid :class:`BatterySpec`.

    Args:
        power_mw: Charge power, and discharge power drawn separately unless ``same_power`` [MW].
        energy_mwh: Nameplate energy [MWh].
        efficiency_frac: Charge efficiency, and discharge efficiency drawn separately unless
            ``same_efficiency`` (as :meth:`BatterySpec.from_round_trip` splits a round trip) [-].
        degradation_gbp_per_mwh: Wear cost per MWh discharged [£/MWh].
        same_power: One inverter rating both ways.
        same_efficiency: Equal charge and discharge efficiencies.
        soc_window: Draw SoC limits (sometimes 10-93 %), a start anywhere inside them and, half
            the time, a required end; else the full range, starting empty with a free end.
        cycle_caps: Sometimes cap discharge at 0.35 or 1 cycle a day; else never.
    """
    energy = draw(energy_mwh)
    soc_min, soc_max = 0.0, 1.0
    if soc_window:
        soc_min = draw(st.sampled_from([0.0, 0.0, 0.1]))
        soc_max = draw(st.sampled_from([1.0, 1.0, 0.93]))
    lo, hi = soc_min * energy, soc_max * energy
    charge_mw = draw(power_mw)
    discharge_mw = charge_mw if same_power else draw(power_mw)
    eta_c = draw(efficiency_frac)
    eta_d = eta_c if same_efficiency else draw(efficiency_frac)
    initial = lo + draw(st.floats(0, 1)) * (hi - lo) if soc_window else 0.0
    degradation = draw(degradation_gbp_per_mwh)
    cycles = draw(st.sampled_from([None, None, 0.35, 1.0])) if cycle_caps else None
    final = None
    if soc_window and draw(st.booleans()):
        final = lo + draw(st.floats(0, 1)) * (hi - lo)
    return BatterySpec(
        charge_power_mw=charge_mw,
        discharge_power_mw=discharge_mw,
        energy_mwh=energy,
        charge_efficiency_frac=eta_c,
        discharge_efficiency_frac=eta_d,
        soc_min_frac=soc_min,
        soc_max_frac=soc_max,
        initial_soc_mwh=initial,
        final_soc_mwh=final,
        degradation_cost_gbp_per_mwh=degradation,
        max_cycles_per_day=cycles,
    )


def prices_gbp_per_mwh(
    min_size: int,
    max_size: int,
    *,
    lowest_gbp_per_mwh: float = -120.0,
    highest_gbp_per_mwh: float = 320.0,
    pennies: bool = False,
) -> st.SearchStrategy[list[float]]:
    """A series of energy prices, negative ones included [£/MWh].

    Args:
        min_size: Fewest intervals.
        max_size: Most intervals.
        lowest_gbp_per_mwh: Floor; GB imbalance prices reach about -£120 [£/MWh].
        highest_gbp_per_mwh: Ceiling [£/MWh].
        pennies: Round to whole pennies, as markets quote (makes exact ties likely).
    """
    price = st.floats(lowest_gbp_per_mwh, highest_gbp_per_mwh, allow_nan=False)
    if pennies:
        price = price.map(lambda gbp: round(gbp, 2))
    return st.lists(price, min_size=min_size, max_size=max_size)


def half_hourly_profiles(
    index: pd.DatetimeIndex,
    *,
    max_import_kwh: float = 200.0,
    max_reactive_kvarh: float = 100.0,
) -> st.SearchStrategy[pd.DataFrame]:
    """A site's metered half-hours on ``index``: columns ``import_kwh`` [kWh] and
    ``reactive_kvarh`` [kvarh], each drawn independently from 0 to its maximum."""
    n = len(index)

    def series(most: float) -> st.SearchStrategy[list[float]]:
        return st.lists(st.floats(0.0, most, allow_nan=False), min_size=n, max_size=n)

    return st.builds(
        lambda kwh, kvarh: pd.DataFrame({"import_kwh": kwh, "reactive_kvarh": kvarh}, index=index),
        series(max_import_kwh),
        series(max_reactive_kvarh),
    )
