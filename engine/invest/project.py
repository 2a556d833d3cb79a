"""The inputs of a battery investment case: size, costs, life and the real discount rate.

Every money figure is **real**: constant money in the prices of the revenue replayed (or of
the scenarios), discounted at a real rate. A nominal figure (an inflating opex, a CPI-indexed
contract) must be given deflated, or the case mixes the two.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from engine.battery import DEFAULT_ROUND_TRIP_EFFICIENCY_FRAC, BatterySpec
from engine.errors import ValidationError
from engine.invest.degradation import Fade
from engine.invest.finance import check_discount_rate

#: Longest project life accepted [years] (no battery case runs longer).
MAX_LIFE_YEARS = 50


@dataclass(frozen=True)
class Project:
    """One battery project, validated on creation (each error names the caller's field).

    Attributes:
        power_mw: Connection (charge and discharge) power [MW].
        energy_mwh: Nameplate energy at commissioning [MWh].
        round_trip_efficiency_frac: Round trip, split as its square root each way [0-1].
        capex_gbp_per_kw: Power-related capex, per kW of ``power_mw`` [£/kW].
        capex_gbp_per_kwh: Energy-related capex, per kWh of ``energy_mwh`` [£/kWh].
        fixed_opex_gbp_per_mw_per_year: O&M, insurance, rates, per MW each year [£/MW/yr].
        variable_opex_gbp_per_mwh: Per MWh discharged to the grid [£/MWh].
        augmentation_gbp_per_kwh: Price of energy added by augmentation [£/kWh].
        life_years: Operating years (1-50) [years].
        start_year: Calendar year of the first operating year (CM delivery years follow it).
        discount_rate_real_frac: Real discount rate, a fraction in (-1, 1) [-].
        decommissioning_gbp: Cost at the end of the last year [£] (0 = none given).
        fade: Capacity fade curves and the augmentation rule.
        degradation_gbp_per_mwh: Wear hurdle the dispatch sees per MWh discharged [£/MWh];
            not a cashflow (the fade and augmentation are the real cost of wear).
    """

    power_mw: float
    energy_mwh: float
    round_trip_efficiency_frac: float = DEFAULT_ROUND_TRIP_EFFICIENCY_FRAC
    capex_gbp_per_kw: float = 0.0
    capex_gbp_per_kwh: float = 0.0
    fixed_opex_gbp_per_mw_per_year: float = 0.0
    variable_opex_gbp_per_mwh: float = 0.0
    augmentation_gbp_per_kwh: float = 0.0
    life_years: int = 15
    start_year: int = 2026
    discount_rate_real_frac: float = 0.08
    decommissioning_gbp: float = 0.0
    fade: Fade = field(default_factory=Fade)
    degradation_gbp_per_mwh: float = 0.0

    def __post_init__(self) -> None:
        for name in (
            "capex_gbp_per_kw",
            "capex_gbp_per_kwh",
            "fixed_opex_gbp_per_mw_per_year",
            "variable_opex_gbp_per_mwh",
            "augmentation_gbp_per_kwh",
            "decommissioning_gbp",
            "degradation_gbp_per_mwh",
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValidationError(f"{name}: expected a number, got {value!r}", field=name)
            if not math.isfinite(value):
                raise ValidationError(
                    f"{name}: expected a finite number, got {value!r}", field=name
                )
            if value < 0:
                raise ValidationError(f"{name}: must not be negative, got {value:g}", field=name)
        life = self.life_years
        if isinstance(life, bool) or not isinstance(life, int) or not 1 <= life <= MAX_LIFE_YEARS:
            raise ValidationError(
                f"life_years: a whole number of years from 1 to {MAX_LIFE_YEARS}, got {life!r}",
                field="life_years",
            )
        if (
            isinstance(self.start_year, bool)
            or not isinstance(self.start_year, int)
            or not (2000 <= self.start_year <= 2100)
        ):
            raise ValidationError(
                f"start_year: a calendar year (2000-2100), got {self.start_year!r}",
                field="start_year",
            )
        object.__setattr__(
            self, "discount_rate_real_frac", check_discount_rate(self.discount_rate_real_frac)
        )
        self.battery(self.energy_mwh)  # the size and efficiency checks, once

    def battery(self, usable_energy_mwh: float) -> BatterySpec:
        """The battery as the revenue stack sees it in a year with this usable energy.

        Raises:
            ValidationError: Power, energy or efficiency out of bounds (engine/battery.py).
        """
        return BatterySpec.from_round_trip(
            self.power_mw,
            usable_energy_mwh,
            self.round_trip_efficiency_frac,
            degradation_cost_gbp_per_mwh=self.degradation_gbp_per_mwh,
        )

    @property
    def capex_gbp(self) -> float:
        """Capex at year 0: £/kW x kW + £/kWh x kWh [£]."""
        return 1000.0 * (
            self.capex_gbp_per_kw * self.power_mw + self.capex_gbp_per_kwh * self.energy_mwh
        )
