"""On-site PV generation per half-hour: a user series, or a clear-sky model from pvlib.

The model (pvlib 0.16): solar position by pvlib's ``ephemeris`` method at each half-hour's
midpoint; clear-sky GHI/DNI/DHI by the Simplified Solis model (Ineichen 2008), which needs
no turbidity tables; plane-of-array irradiance by the isotropic sky model; DC power =
kWp × POA / 1,000 W/m² × (1 − system losses), with PVWatts v5's default 14 % system losses
(NREL/TP-6A20-62641) and no temperature derate; output is clipped at the inverter rating
when one is given. Clear sky is an upper bound on real output: it is scaled by monthly
clearness factors (0-1) that the caller supplies; without them the output is labelled
"clear-sky, unscaled" — no climate figures are invented here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from engine.errors import ValidationError
from engine.settlement import UK_TZ, to_utc_index

FloatArray = npt.NDArray[np.float64]
PVWATTS_SYSTEM_LOSS_FRAC = 0.14


@dataclass(frozen=True)
class PvSystem:
    """A fixed-tilt PV array.

    Attributes:
        capacity_kwp: DC nameplate [kWp].
        latitude_deg: Site latitude [degrees north].
        longitude_deg: Site longitude [degrees east; negative west].
        tilt_deg: Panel tilt from horizontal [degrees].
        azimuth_deg: Panel azimuth [degrees clockwise from north; 180 = south].
        system_loss_frac: DC system losses [0-1].
        inverter_kw: AC limit [kW], or None for no clipping.
        clearness_by_month: Twelve factors [0-1] scaling clear-sky output, January first;
            None means unscaled clear sky (an upper bound).
    """

    capacity_kwp: float
    latitude_deg: float
    longitude_deg: float
    tilt_deg: float = 30.0
    azimuth_deg: float = 180.0
    system_loss_frac: float = PVWATTS_SYSTEM_LOSS_FRAC
    inverter_kw: float | None = None
    clearness_by_month: tuple[float, ...] | None = None

    def __post_init__(self) -> None:
        _check(self.capacity_kwp > 0, "pv_kwp", "must be above 0 kWp")
        _check(49.5 <= self.latitude_deg <= 61.0, "lat", "must be a GB latitude (49.5-61)")
        _check(-8.7 <= self.longitude_deg <= 2.0, "lon", "must be a GB longitude (-8.7-2.0)")
        _check(0 <= self.tilt_deg <= 90, "tilt_deg", "must be between 0 and 90 degrees")
        _check(0 <= self.azimuth_deg < 360, "azimuth_deg", "must be in [0, 360) degrees")
        _check(0 <= self.system_loss_frac < 1, "system_loss_frac", "must be in [0, 1)")
        if self.inverter_kw is not None:
            _check(self.inverter_kw > 0, "inverter_kw", "must be above 0 kW")
        if self.clearness_by_month is not None:
            factors = self.clearness_by_month
            _check(len(factors) == 12, "pv_clearness", "needs 12 monthly factors, January first")
            _check(all(0 <= f <= 1 for f in factors), "pv_clearness", "factors must be 0-1")


def _check(ok: bool, field: str, problem: str) -> None:
    if not ok:
        raise ValidationError(f"{field}: {problem}", field=field)


def model_pv_kw(system: PvSystem, interval_start: Any) -> FloatArray:
    """Average AC output of the array in each half-hour [kW].

    Args:
        system: The array.
        interval_start: Tz-aware half-hour start times.

    Returns:
        Array of average power [kW], one per interval, ≥ 0.
    """
    # Imported here: pvlib (with scipy) takes ~0.9 s to import, which every behind-the-meter
    # run without PV, and every dashboard refresh, would otherwise pay.
    import pvlib

    utc = to_utc_index(interval_start)
    mid = utc + pd.Timedelta(minutes=15)
    location = pvlib.location.Location(system.latitude_deg, system.longitude_deg, tz="UTC")
    solar = location.get_solarposition(mid, method="ephemeris")
    sky = location.get_clearsky(mid, model="simplified_solis", solar_position=solar)
    poa = pvlib.irradiance.get_total_irradiance(
        system.tilt_deg,
        system.azimuth_deg,
        solar["apparent_zenith"],
        solar["azimuth"],
        sky["dni"],
        sky["ghi"],
        sky["dhi"],
    )["poa_global"].to_numpy(dtype=float)
    kw = system.capacity_kwp * np.nan_to_num(poa) / 1000.0 * (1.0 - system.system_loss_frac)
    if system.clearness_by_month is not None:
        months = np.asarray(utc.tz_convert(UK_TZ).month) - 1
        kw = kw * np.asarray(system.clearness_by_month)[months]
    if system.inverter_kw is not None:
        kw = np.minimum(kw, system.inverter_kw)
    clipped: FloatArray = np.clip(kw, 0.0, None)
    return clipped


def describe_pv(system: PvSystem) -> str:
    """One-line statement of how PV output was modelled, for a result's assumptions."""
    scaling = (
        "scaled by the supplied monthly clearness factors"
        if system.clearness_by_month is not None
        else "clear-sky, unscaled (an upper bound: supply monthly clearness factors to scale)"
    )
    return (
        f"PV modelled with pvlib: {system.capacity_kwp:g} kWp at "
        f"({system.latitude_deg:g}, {system.longitude_deg:g}), tilt {system.tilt_deg:g}°, "
        f"azimuth {system.azimuth_deg:g}°, {system.system_loss_frac:.0%} system losses, "
        f"Simplified Solis clear sky, {scaling}"
    )


def parse_clearness(text: str | Sequence[float], field: str = "pv_clearness") -> tuple[float, ...]:
    """Twelve monthly clearness factors from ``"0.3,0.4,..."`` or a sequence."""
    items = text.split(",") if isinstance(text, str) else list(text)
    try:
        values = tuple(float(x) for x in items)
    except (TypeError, ValueError):
        raise ValidationError(
            f"{field}: expected 12 numbers separated by commas", field=field
        ) from None
    if len(values) != 12:
        raise ValidationError(
            f"{field}: expected 12 monthly factors, got {len(values)}", field=field
        )
    return values
