"""Service definitions from the NESO table, input parsing, Capacity Market payments."""

from __future__ import annotations

import datetime as dt

import pytest

from engine.errors import DataMissingError, ValidationError
from engine.reference import ReferenceData
from engine.revenue.markets import (
    capacity_market_payment,
    cm_delivery_year_of,
    parse_energy_markets,
    parse_services,
    service_specs,
)


def test_service_durations_come_from_the_neso_table(ref: ReferenceData) -> None:
    specs = service_specs(ref.table("dynamic_response_parameters"), ["DCL", "DMH", "DRL"])
    # DC 15 min, DM 30 min, DR 60 min of full delivery (NESO technical requirements).
    assert [(s.name, s.direction, s.delivery_duration_h) for s in specs] == [
        ("DCL", "low", 0.25),
        ("DMH", "high", 0.5),
        ("DRL", "low", 1.0),
    ]


def test_missing_duration_is_reported(ref: ReferenceData) -> None:
    table = ref.table("dynamic_response_parameters")
    with pytest.raises(DataMissingError, match="Dynamic Regulation"):
        service_specs(table[table["service"] != "DR"], ["DRH"])


def test_parse_services_and_markets() -> None:
    assert parse_services("dcl, DRH,DCL") == ("DCL", "DRH")
    assert parse_services("") == ()
    with pytest.raises(ValidationError, match="unknown service 'FFR'") as err:
        parse_services("DCL,FFR")
    assert err.value.field == "services"
    assert parse_energy_markets(["System", "apx"]) == ("system", "apx")
    with pytest.raises(ValidationError, match="unknown energy market 'n2ex'"):
        parse_energy_markets("n2ex")


def test_cm_delivery_years_run_october_to_september() -> None:
    assert cm_delivery_year_of(dt.date(2024, 9, 30)) == "2023/24"
    assert cm_delivery_year_of(dt.date(2024, 10, 1)) == "2024/25"


def test_cm_payment_for_2024_from_published_t4(ref: ReferenceData) -> None:
    terms = capacity_market_payment(
        dt.date(2024, 1, 1),
        dt.date(2024, 12, 31),
        1.0,
        2.0,
        "T-4",
        ref.table("cm_clearing_prices"),
        ref.table("cm_derating_factors_storage"),
    )
    assert [t.delivery_year for t in terms] == ["2023/24", "2024/25"]
    # 2023/24 T-4: £15.97/kW/yr, 2 h factor 0.4104; 1 Jan - 30 Sep 2024 = 274 of 366 days:
    # 1000 kW x 0.4104 x 15.97 x 274 / 366 = £4,906.61.
    assert terms[0].payment_gbp == pytest.approx(1000 * 0.4104 * 15.97 * 274 / 366)
    assert terms[0].payment_gbp == pytest.approx(4906.61, abs=0.01)
    # 2024/25 T-4: £18.00, 2 h factor 0.4862; 1 Oct - 31 Dec = 92 of 365 days.
    assert terms[1].derating_factor_frac == pytest.approx(0.4862)
    assert terms[1].payment_gbp == pytest.approx(1000 * 0.4862 * 18.0 * 92 / 365)


def test_cm_duration_rounds_down_to_the_half_hour_class(ref: ReferenceData) -> None:
    args = (ref.table("cm_clearing_prices"), ref.table("cm_derating_factors_storage"))
    day = dt.date(2024, 11, 1)
    (term,) = capacity_market_payment(day, day, 1.0, 1.7, "T-1", *args)
    assert term.duration_class_h == 1.5
    assert term.derating_factor_frac == pytest.approx(0.1705)  # 2024/25 T-1, 1.5 h


def test_cm_without_published_figures_is_never_defaulted(ref: ReferenceData) -> None:
    args = (ref.table("cm_clearing_prices"), ref.table("cm_derating_factors_storage"))
    with pytest.raises(DataMissingError, match="no T-1 clearing price for delivery year 2031/32"):
        capacity_market_payment(dt.date(2031, 11, 1), dt.date(2031, 11, 2), 1.0, 2.0, "T-1", *args)
    with pytest.raises(ValidationError, match="give both"):
        capacity_market_payment(dt.date(2031, 11, 1), dt.date(2031, 11, 2), 1.0, 2.0, "input")
    (term,) = capacity_market_payment(
        dt.date(2031, 11, 1), dt.date(2031, 11, 2), 1.0, 2.0, "input",
        price_gbp_per_kw_per_year=36.5, derating_factor_frac=0.5,
    )  # fmt: skip
    # 1000 kW x 0.5 x £36.5 x 2 / 366 days (Oct 2031 - Sep 2032 has 29 Feb) = £99.73.
    assert term.payment_gbp == pytest.approx(1000 * 0.5 * 36.5 * 2 / 366)


@pytest.mark.parametrize("price", [-5.0, float("nan"), float("inf")])
def test_cm_user_price_must_be_a_real_non_negative_price(price: float) -> None:
    # A negative or NaN £/kW/year would be a fabricated Capacity Market stream.
    with pytest.raises(ValidationError, match="cm_price_gbp_per_kw_per_year") as caught:
        capacity_market_payment(
            dt.date(2024, 6, 1), dt.date(2024, 6, 1), 1.0, 2.0, "input",
            price_gbp_per_kw_per_year=price, derating_factor_frac=0.5,
        )  # fmt: skip
    assert caught.value.field == "cm_price_gbp_per_kw_per_year"
