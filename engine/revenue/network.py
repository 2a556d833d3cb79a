"""Distribution network charges of a front-of-meter battery, per half-hour.

A battery connected to a distribution network is two DUoS customers at one site: it pays the
**import (demand) tariff's unit rate of the half-hour's band** on what it charges, and is paid
the **generation tariff's unit credit of the band** on what it exports (generation tariffs
publish negative unit rates, which are credits; DCUSA schedule 16 / the DNOs' charging
statements in ``duos_tariffs_lv_hv.csv``). Both are known in advance, so they enter the buy
and sell prices every mode optimises on, and are shown as the streams ``duos_import`` and
``duos_generation_credit``. Fixed and capacity charges are site costs that no dispatch
changes; they are not part of the stack.

A generation tariff with no published unit rates for a charging year the period touches is
refused (no credit is invented).

**Levies on storage imports** (not modelled because they do not apply): the final
consumption levies (Renewables Obligation, Feed-in Tariffs, Contracts for Difference and the
Capacity Market supplier charge) are not due on electricity imported only for storage since
Ofgem put storage in the generation licence (2020; storage definition and standard condition
E1, https://www.regen.co.uk/ofgem-adopts-esns-definition-of-storage-in-the-electricity-generation-licence/);
BSUoS on storage imports was removed by CUSC CMP281 (implemented 1 April 2021,
https://www.ofgem.gov.uk/publications/cmp281-removal-bsuos-charges-energy-taken-national-grid-system-storage-facilities)
and since April 2023 BSUoS is charged to final demand only (CMP308,
https://www.ofgem.gov.uk/decision/cmp308-removal-bsuos-charges-generation); the TNUoS
demand residual left storage imports with CMP280 (1 April 2021). DUoS unit rates do apply,
and are what this module adds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.duos import DuosTariff, duos_schedule
from engine.errors import DataMissingError, ValidationError
from engine.revenue.model import FloatArray

#: p/kWh → £/MWh.
_GBP_PER_MWH_PER_P_PER_KWH = 10.0


@dataclass(frozen=True)
class NetworkCharges:
    """DUoS unit charges and credits per half-hour of a period.

    Attributes:
        import_tariff: Name of the demand tariff charged on imports.
        export_tariff: Name of the generation tariff credited on exports.
        import_charge_gbp_per_mwh: Added to the buy price, per interval [£/MWh].
        export_credit_gbp_per_mwh: Added to the sell price, per interval [£/MWh].
    """

    import_tariff: str
    export_tariff: str
    import_charge_gbp_per_mwh: FloatArray
    export_credit_gbp_per_mwh: FloatArray

    def note(self) -> str:
        """The charges in one sentence (for ``assumptions``)."""
        return (
            f"Network charges: DUoS import unit rates of '{self.import_tariff}' by band on "
            f"charging (mean £{float(np.mean(self.import_charge_gbp_per_mwh)):.2f}/MWh) and "
            f"generation credits of '{self.export_tariff}' by band on exporting (mean "
            f"£{float(np.mean(self.export_credit_gbp_per_mwh)):.2f}/MWh); final-consumption "
            "levies (RO, FiT, CfD, CM), BSUoS and the TNUoS demand residual do not apply to "
            "storage imports."
        )


def network_charges(
    index: pd.DatetimeIndex, import_tariff: DuosTariff, export_tariff: DuosTariff
) -> NetworkCharges:
    """Per-interval import charges and export credits of a site's two tariffs.

    Args:
        index: Contiguous UTC half-hours of the period.
        import_tariff: The site's demand tariff (``direction == "demand"``).
        export_tariff: The site's generation tariff (``direction == "generation"``).

    Raises:
        ValidationError: A tariff of the wrong direction.
        DataMissingError: A charging year in which the generation tariff publishes no unit
            credits (named; nothing is invented).
    """
    if import_tariff.direction != "demand":
        raise ValidationError(
            f"import_tariff: '{import_tariff.tariff_name}' is a {import_tariff.direction} "
            "tariff; imports are charged on a demand tariff",
            field="import_tariff",
        )
    if export_tariff.direction != "generation":
        raise ValidationError(
            f"export_tariff: '{export_tariff.tariff_name}' is a {export_tariff.direction} "
            "tariff; exports are credited on a generation tariff",
            field="export_tariff",
        )
    first_ns = int(index[0].value)
    n = len(index)
    charge = _unit_rates(import_tariff, first_ns, n)
    export_schedule = duos_schedule(export_tariff, first_ns, n)
    for year in export_schedule.month_years:
        rates = (year.red_p_per_kwh, year.amber_p_per_kwh, year.green_p_per_kwh)
        if all(r is None or r == 0 for r in rates):
            raise DataMissingError(
                f"export_tariff: '{export_tariff.tariff_name}' publishes no generation credits "
                f"for charging year {year.charging_year}; no credit is assumed — choose "
                "another tariff or leave the site out",
                field="export_tariff",
            )
    credit = -_unit_rates(export_tariff, first_ns, n)
    return NetworkCharges(import_tariff.tariff_name, export_tariff.tariff_name, charge, credit)


def _unit_rates(tariff: DuosTariff, first_ns: int, n: int) -> FloatArray:
    schedule = duos_schedule(tariff, first_ns, n)
    rates = schedule.unit_p_per_kwh[schedule.month_of_period, schedule.band_code.astype(np.int64)]
    return np.asarray(rates * _GBP_PER_MWH_PER_P_PER_KWH, dtype=np.float64)
