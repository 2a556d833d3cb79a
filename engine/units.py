"""Unit conversions between published tariff units and the units the engine computes in.

Every conversion is a named function so that a rate keeps its published unit in its name
until the moment it is converted (``red_p_per_kwh`` → ``p_per_kwh_to_gbp_per_mwh``).
1 p/kWh = £10/MWh; a half-hour at an average of 1 kW delivers 0.5 kWh.
Functions accept floats or numpy arrays and return the same kind.
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np
import numpy.typing as npt

Number = TypeVar("Number", float, npt.NDArray[np.float64])

PENCE_PER_POUND = 100.0
KWH_PER_MWH = 1000.0
HALF_HOURS_PER_HOUR = 2.0


def pence_to_gbp(pence: Number) -> Number:
    """Pounds from pence [p] → [£]."""
    return pence / PENCE_PER_POUND


def gbp_to_pence(gbp: Number) -> Number:
    """Pence from pounds [£] → [p]."""
    return gbp * PENCE_PER_POUND


def p_per_kwh_to_gbp_per_mwh(p_per_kwh: Number) -> Number:
    """A unit rate in £/MWh from p/kWh [p/kWh] → [£/MWh] (1 p/kWh = £10/MWh)."""
    return p_per_kwh * (KWH_PER_MWH / PENCE_PER_POUND)


def gbp_per_mwh_to_p_per_kwh(gbp_per_mwh: Number) -> Number:
    """A unit rate in p/kWh from £/MWh [£/MWh] → [p/kWh] (£10/MWh = 1 p/kWh)."""
    return gbp_per_mwh * (PENCE_PER_POUND / KWH_PER_MWH)


def kwh_to_mwh(kwh: Number) -> Number:
    """Energy in MWh from kWh [kWh] → [MWh]."""
    return kwh / KWH_PER_MWH


def mwh_to_kwh(mwh: Number) -> Number:
    """Energy in kWh from MWh [MWh] → [kWh]."""
    return mwh * KWH_PER_MWH


def kw_to_kwh_per_half_hour(kw: Number) -> Number:
    """Energy in one half-hour from the average power over it [kW] → [kWh]."""
    return kw / HALF_HOURS_PER_HOUR


def kwh_per_half_hour_to_kw(kwh: Number) -> Number:
    """Average power over a half-hour from the energy in it [kWh] → [kW]."""
    return kwh * HALF_HOURS_PER_HOUR


def reactive_per_active(power_factor: Number) -> Number:
    """Reactive energy per unit of active energy at a power factor [-] → [kVArh/kWh].

    ``tan(acos(pf)) = sqrt(1/pf² - 1)``; e.g. 0.95 → 0.3287, 0.9 → 0.4843.
    """
    return np.sqrt(1.0 / np.square(power_factor) - 1.0)  # type: ignore[no-any-return]  # numpy ufuncs on ArrayLike return Any


def apparent_kva_from_half_hour(kwh: Number, kvarh: Number) -> Number:
    """Average apparent power over a half-hour from its active and reactive energy.

    Args:
        kwh: Active energy in the half-hour [kWh].
        kvarh: Reactive energy in the half-hour [kVArh].

    Returns:
        ``2 × sqrt(kWh² + kVArh²)`` [kVA].
    """
    return HALF_HOURS_PER_HOUR * np.sqrt(np.square(kwh) + np.square(kvarh))  # type: ignore[no-any-return]  # numpy ufuncs return Any
