"""Battery physics: a frozen, validated description of one grid-connected store.

Conventions (DESIGN.md, "Efficiency"): grid energy in × charge efficiency = stored energy;
stored energy out × discharge efficiency = grid energy delivered; round trip = the product.
Powers are measured at the grid connection. Degradation is charged per MWh discharged to the
grid. An equivalent full cycle is discharged (grid) energy ÷ usable capacity, where usable
capacity = (``soc_max_frac`` − ``soc_min_frac``) × ``energy_mwh``.

Physical bounds (one place; every endpoint and the CLI build a :class:`BatterySpec`, so a
size no GB battery can have is refused the same way everywhere, naming the field):

* power ≤ :data:`MAX_POWER_MW` (1,800 MW): the infrequent infeed loss risk of the NETS
  Security and Quality of Supply Standard, the largest single loss the GB system is
  secured against, so no one connection is larger. The largest GB battery sites are a few
  hundred MW (the largest BM unit in the shipped registry excerpt,
  ``market/gb_bm_units_battery_snapshot_2025-11-10.csv``, is 105 MW).
* energy ≤ :data:`MAX_ENERGY_MWH` (20,000 MWh): over twice Dinorwig's ~9.1 GWh, the
  largest store of any kind in GB.
* power and energy ≥ 1 kW / 1 kWh (:data:`MIN_POWER_MW`, :data:`MIN_ENERGY_MWH`): the
  smallest domestic battery is a few kW; below that the figure is a unit slip (kW for MW).
* each one-way efficiency ≥ :data:`MIN_ONE_WAY_EFFICIENCY_FRAC` (0.5), so a round trip ≥
  :data:`MIN_ROUND_TRIP_EFFICIENCY_FRAC` (0.25): lithium-ion sites run at 0.85-0.9 round
  trip and vanadium flow batteries at ~0.7; below 0.25 no battery is described, only a
  slip (0.009 for 0.9, or 1e-300).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from engine.errors import ValidationError

#: Largest power of one battery [MW]: the NETS SQSS infrequent infeed loss risk (see above).
MAX_POWER_MW = 1800.0
#: Largest energy capacity of one battery [MWh]: over twice Dinorwig's ~9.1 GWh.
MAX_ENERGY_MWH = 20_000.0
#: Smallest power of a battery [MW] (1 kW).
MIN_POWER_MW = 0.001
#: Smallest energy capacity of a battery [MWh] (1 kWh).
MIN_ENERGY_MWH = 0.001
#: Lowest one-way (charge or discharge) efficiency [-].
MIN_ONE_WAY_EFFICIENCY_FRAC = 0.5
#: Lowest round-trip efficiency [-]: the one-way floor both ways.
MIN_ROUND_TRIP_EFFICIENCY_FRAC = MIN_ONE_WAY_EFFICIENCY_FRAC**2
#: The one default round trip of every battery command (dispatch, revenue, btm) when none is
#: given, at the meter (AC to AC) [-]: a typical 2-hour lithium-ion site. NREL's Annual
#: Technology Baseline (Utility-Scale Battery Storage, 2020 onwards) takes 85 % as
#: representative (Cole and Frazier 2020, https://atb.nrel.gov/electricity/2020/index.php?t=st);
#: LFP systems are quoted at 85-90 % AC-AC; 0.88 lies in that range and is the figure the
#: revenue stack has used since issue 14's measurements.
DEFAULT_ROUND_TRIP_EFFICIENCY_FRAC = 0.88
#: Where :data:`DEFAULT_ROUND_TRIP_EFFICIENCY_FRAC` comes from, in a few words (for notes).
ROUND_TRIP_SOURCE = "a typical 2-hour lithium-ion site at the meter; NREL ATB takes 0.85"


def _finite(value: float, field: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValidationError(f"{field}: expected a number, got {value!r}", field=field) from None
    if not math.isfinite(number):
        raise ValidationError(f"{field}: expected a finite number, got {number!r}", field=field)
    return number


def _positive(value: float, field: str) -> float:
    number = _finite(value, field)
    if number <= 0:
        raise ValidationError(f"{field}: must be greater than 0, got {number!r}", field=field)
    return number


def _sized(value: float, field: str, low: float, high: float, unit: str, why: str) -> float:
    number = _positive(value, field)
    if number < low:
        raise ValidationError(
            f"{field}: {number:g} {unit} is below {low:g} {unit} (1 k{unit[1:]}); check the units",
            field=field,
        )
    if number > high:
        raise ValidationError(
            f"{field}: {number:g} {unit} is more than {high:,.0f} {unit} ({why}); check the units",
            field=field,
        )
    return number


def _power(value: float, field: str) -> float:
    return _sized(
        value, field, MIN_POWER_MW, MAX_POWER_MW, "MW", "the largest infeed loss GB is secured for"
    )


def _non_negative(value: float, field: str) -> float:
    number = _finite(value, field)
    if number < 0:
        raise ValidationError(f"{field}: must not be negative, got {number!r}", field=field)
    return number


def _efficiency(value: float, field: str, floor: float = MIN_ONE_WAY_EFFICIENCY_FRAC) -> float:
    number = _finite(value, field)
    if 1 < number <= 100 and number / 100 >= floor:
        raise ValidationError(
            f"{field}: efficiencies are fractions with 0 < x ≤ 1; got {number!r} — "
            f"did you mean {number / 100:g}?",
            field=field,
        )
    if not 0 < number <= 1:
        raise ValidationError(
            f"{field}: efficiencies are fractions with 0 < x ≤ 1, got {number!r}", field=field
        )
    if number < floor:
        raise ValidationError(
            f"{field}: {number:g} is below the floor of {floor:g} (no battery is that lossy; "
            "efficiencies are fractions: 0.9, not 0.009)",
            field=field,
        )
    return number


def _fraction(value: float, field: str) -> float:
    number = _finite(value, field)
    if not 0 <= number <= 1:
        raise ValidationError(f"{field}: must lie in 0..1, got {number!r}", field=field)
    return number


@dataclass(frozen=True)
class BatterySpec:
    """One battery: power, energy, efficiencies, limits and costs (validated on creation).

    Attributes:
        charge_power_mw: Maximum import from the grid while charging [MW].
        discharge_power_mw: Maximum export to the grid while discharging [MW].
        energy_mwh: Nameplate energy capacity [MWh].
        charge_efficiency_frac: Stored energy ÷ grid energy in, 0 < x ≤ 1 [-].
        discharge_efficiency_frac: Grid energy out ÷ stored energy out, 0 < x ≤ 1 [-].
        soc_min_frac: Lowest allowed state of charge as a fraction of ``energy_mwh`` [-].
        soc_max_frac: Highest allowed state of charge as a fraction of ``energy_mwh`` [-].
        initial_soc_mwh: Stored energy at the start of the horizon [MWh].
        final_soc_mwh: Required stored energy at the end of the horizon, or None for free [MWh].
        degradation_cost_gbp_per_mwh: Wear cost per MWh discharged to the grid [£/MWh].
        max_cycles_per_day: Cap on equivalent full cycles per day, or None [cycles/day].
        auxiliary_load_mw: Constant site auxiliary load, always imported at the buy price
            and independent of dispatch (it adds a fixed cost) [MW].
    """

    charge_power_mw: float
    discharge_power_mw: float
    energy_mwh: float
    charge_efficiency_frac: float = 1.0
    discharge_efficiency_frac: float = 1.0
    soc_min_frac: float = 0.0
    soc_max_frac: float = 1.0
    initial_soc_mwh: float = 0.0
    final_soc_mwh: float | None = None
    degradation_cost_gbp_per_mwh: float = 0.0
    max_cycles_per_day: float | None = None
    auxiliary_load_mw: float = 0.0

    def __post_init__(self) -> None:
        def put(name: str, value: float | None) -> None:
            object.__setattr__(self, name, value)

        put("charge_power_mw", _power(self.charge_power_mw, "charge_power_mw"))
        put("discharge_power_mw", _power(self.discharge_power_mw, "discharge_power_mw"))
        put(
            "energy_mwh",
            _sized(
                self.energy_mwh,
                "energy_mwh",
                MIN_ENERGY_MWH,
                MAX_ENERGY_MWH,
                "MWh",
                "over twice Dinorwig, GB's largest store",
            ),
        )
        for name in ("charge_efficiency_frac", "discharge_efficiency_frac"):
            put(name, _efficiency(getattr(self, name), name))
        put("soc_min_frac", _fraction(self.soc_min_frac, "soc_min_frac"))
        put("soc_max_frac", _fraction(self.soc_max_frac, "soc_max_frac"))
        if self.soc_max_frac <= self.soc_min_frac:
            raise ValidationError(
                f"soc_max_frac ({self.soc_max_frac}) must exceed soc_min_frac "
                f"({self.soc_min_frac})",
                field="soc_max_frac",
            )
        put("initial_soc_mwh", self._soc("initial_soc_mwh", self.initial_soc_mwh))
        if self.final_soc_mwh is not None:
            put("final_soc_mwh", self._soc("final_soc_mwh", self.final_soc_mwh))
        put(
            "degradation_cost_gbp_per_mwh",
            _non_negative(self.degradation_cost_gbp_per_mwh, "degradation_cost_gbp_per_mwh"),
        )
        if self.max_cycles_per_day is not None:
            cycles = _finite(self.max_cycles_per_day, "max_cycles_per_day")
            if cycles <= 0:
                raise ValidationError(
                    "max_cycles_per_day: a cap must be greater than 0 (a cap of 0 forbids all "
                    f"discharging; omit the cap for none), got {self.max_cycles_per_day!r}",
                    field="max_cycles_per_day",
                )
            put("max_cycles_per_day", cycles)
        put("auxiliary_load_mw", _non_negative(self.auxiliary_load_mw, "auxiliary_load_mw"))

    def _soc(self, field: str, value: float) -> float:
        number = _finite(value, field)
        # A little slack so that e.g. 0.1 × 3 MWh written as 0.3 passes.
        slack = 1e-9 * self.energy_mwh
        if number < self.soc_min_mwh - slack or number > self.soc_max_mwh + slack:
            raise ValidationError(
                f"{field}: {number!r} MWh lies outside the allowed state of charge "
                f"{self.soc_min_mwh:g}..{self.soc_max_mwh:g} MWh",
                field=field,
            )
        return min(max(number, self.soc_min_mwh), self.soc_max_mwh)

    @classmethod
    def from_round_trip(
        cls,
        power_mw: float,
        energy_mwh: float,
        round_trip_efficiency_frac: float,
        **kwargs: float | None,
    ) -> BatterySpec:
        """A symmetric battery whose round-trip efficiency is split as its square root.

        Args:
            power_mw: Charge and discharge power [MW].
            energy_mwh: Nameplate energy capacity [MWh].
            round_trip_efficiency_frac: Charge × discharge efficiency, 0 < x ≤ 1 [-].
            **kwargs: Any other :class:`BatterySpec` field.
        """
        round_trip = _efficiency(
            round_trip_efficiency_frac,
            "round_trip_efficiency_frac",
            floor=MIN_ROUND_TRIP_EFFICIENCY_FRAC,
        )
        one_way = math.sqrt(round_trip)
        return cls.symmetric(
            power_mw,
            energy_mwh,
            charge_efficiency_frac=one_way,
            discharge_efficiency_frac=one_way,
            **kwargs,
        )

    @classmethod
    def symmetric(cls, power_mw: float, energy_mwh: float, **kwargs: float | None) -> BatterySpec:
        """A battery with the same charge and discharge power.

        Args:
            power_mw: Charge and discharge power [MW].
            energy_mwh: Nameplate energy capacity [MWh].
            **kwargs: Any other :class:`BatterySpec` field.
        """
        power = _power(power_mw, "power_mw")
        return cls(
            charge_power_mw=power,
            discharge_power_mw=power,
            energy_mwh=energy_mwh,
            **kwargs,  # type: ignore[arg-type]  # the other fields, checked by __post_init__
        )

    @property
    def soc_min_mwh(self) -> float:
        """Lowest allowed stored energy [MWh]."""
        return self.soc_min_frac * self.energy_mwh

    @property
    def soc_max_mwh(self) -> float:
        """Highest allowed stored energy [MWh]."""
        return self.soc_max_frac * self.energy_mwh

    @property
    def usable_energy_mwh(self) -> float:
        """Usable capacity, the denominator of an equivalent full cycle [MWh]."""
        return self.soc_max_mwh - self.soc_min_mwh

    @property
    def round_trip_efficiency_frac(self) -> float:
        """Charge efficiency × discharge efficiency [-]."""
        return self.charge_efficiency_frac * self.discharge_efficiency_frac
