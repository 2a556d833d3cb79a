"""Capacity Market agreements: class at the meter, price held for the term, CPI from the user."""

from __future__ import annotations

import datetime as dt

import pytest

from engine.battery import BatterySpec
from engine.errors import ValidationError
from engine.reference import reference_data
from engine.revenue import (
    CapacityAgreement,
    CapacityMarketTerm,
    capacity_agreement_payment,
    deliverable_duration_h,
)
from tests.engine.revenue.real_data import DATA_DIR

# 1 MW / 2 MWh, round trip 0.88: discharge efficiency sqrt(0.88) = 0.938, so 1.876 h at the
# meter -> the 1.5 h class (the stored 2 MWh would wrongly give the 2 h class).
BATTERY = BatterySpec.from_round_trip(1.0, 2.0, 0.88)
DURATION = deliverable_duration_h(
    BATTERY.usable_energy_mwh, BATTERY.discharge_efficiency_frac, BATTERY.discharge_power_mw
)
# 2025/26 delivery year, 1 Oct 2025 - 30 Sep 2026: 365 days.
OCTOBER_2025 = (dt.date(2025, 10, 1), dt.date(2025, 10, 31))


def _pay(
    agreement: CapacityAgreement, first: dt.date, last: dt.date
) -> tuple[CapacityMarketTerm, ...]:
    ref = reference_data(DATA_DIR)
    terms, _ = capacity_agreement_payment(
        first,
        last,
        1.0,
        DURATION,
        agreement,
        ref.table("cm_clearing_prices"),
        ref.table("cm_derating_factors_storage"),
    )
    return terms


def test_the_class_is_judged_at_the_meter() -> None:
    assert round(DURATION, 9) == round(2.0 * 0.88**0.5, 9)
    (term,) = _pay(CapacityAgreement("T-4", "2024/25"), dt.date(2024, 10, 1), dt.date(2024, 10, 31))
    assert term.duration_class_h == 1.5
    assert term.derating_factor_frac == pytest.approx(0.3697)


def test_the_price_of_the_agreement_holds_for_its_term() -> None:
    # A 2024/25 T-4 agreement (£18.00/kW/yr, 0.3697) for 3 years, paid in October 2025 at its
    # own price, not the 2025/26 T-4 auction's £30.59: 1000 kW x 0.3697 x 18 x 31/365.
    agreement = CapacityAgreement("T-4", "2024/25", term_years=3)
    (term,) = _pay(agreement, *OCTOBER_2025)
    assert term.clearing_price_gbp_per_kw_per_year == 18.0
    assert term.payment_gbp == pytest.approx(1000 * 0.3697 * 18.0 * 31 / 365)
    # Outside the term: no payment.
    ref = reference_data(DATA_DIR)
    terms, outside = capacity_agreement_payment(
        *OCTOBER_2025, 1.0, DURATION, CapacityAgreement("T-4", "2024/25", term_years=1),
        ref.table("cm_clearing_prices"), ref.table("cm_derating_factors_storage"),
    )  # fmt: skip
    assert terms == ()
    assert outside == ("2025/26",)


def test_cpi_indexation_uses_the_given_index_only() -> None:
    index = (("2024/25", 100.0), ("2025/26", 106.7))
    plain = _pay(CapacityAgreement("T-4", "2024/25", 3), *OCTOBER_2025)[0]
    indexed = _pay(CapacityAgreement("T-4", "2024/25", 3, cpi_index=index), *OCTOBER_2025)[0]
    assert indexed.payment_gbp == pytest.approx(plain.payment_gbp * 1.067)
    with pytest.raises(ValidationError) as caught:
        _pay(CapacityAgreement("T-4", "2024/25", 3, cpi_index=index[:1]), *OCTOBER_2025)
    assert caught.value.field == "cm_cpi_index"


def test_an_agreement_outside_the_published_auctions_needs_a_price() -> None:
    with pytest.raises(ValidationError) as caught:
        _pay(CapacityAgreement("T-4", "2031/32"), dt.date(2031, 10, 1), dt.date(2031, 10, 2))
    assert caught.value.field == "cm_price_gbp_per_kw_per_year"
    (term,) = _pay(
        CapacityAgreement("T-4", "2031/32", 1, 40.0, 0.3),
        dt.date(2031, 10, 1),
        dt.date(2031, 10, 2),
    )
    assert term.payment_gbp == pytest.approx(1000 * 0.3 * 40.0 * 2 / 366)
