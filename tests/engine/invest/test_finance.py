"""Hand-worked discounting: the issue's annuity, NPV and IRR, payback and LCOS."""

from __future__ import annotations

import pytest

from engine.errors import ValidationError
from engine.invest import (
    annuity_factor,
    check_discount_rate,
    irr_frac,
    lcos_gbp_per_mwh,
    npv_gbp,
    payback_year,
)


def test_the_issues_annuity_npv_and_irr() -> None:
    # £50k/MW/yr for 15 years at 8 %: annuity factor 8.55948, PV £427,974 per MW.
    assert annuity_factor(0.08, 15) == pytest.approx(8.55948, abs=5e-6)
    flows = [0.0] + [50_000.0] * 15
    assert npv_gbp(0.08, flows) == pytest.approx(427_974, abs=0.5)
    # Against £550k/MW of capex: NPV -£122,026 and IRR 4.15 %.
    flows[0] = -550_000.0
    assert npv_gbp(0.08, flows) == pytest.approx(-122_026, abs=0.5)
    irr = irr_frac(flows)
    assert irr is not None
    assert irr == pytest.approx(0.0415, abs=5e-5)
    assert npv_gbp(irr, flows) == pytest.approx(0.0, abs=1e-3)


def test_zero_rate_annuity_is_the_count_of_years() -> None:
    assert annuity_factor(0.0, 7) == 7.0


def test_payback_year_by_hand() -> None:
    # -100, then +30 a year: cumulative -70, -40, -10, +20 -> pays back at the end of year 4.
    assert payback_year([-100.0, 30.0, 30.0, 30.0, 30.0, 30.0]) == 4
    # Exactly zero counts as paid back.
    assert payback_year([-90.0, 30.0, 30.0, 30.0]) == 3
    assert payback_year([-100.0, 10.0, 10.0]) is None


def test_irr_is_none_without_a_sign_change() -> None:
    assert irr_frac([-100.0, -5.0, -5.0]) is None
    assert irr_frac([0.0, 5.0]) is None


def test_lcos_by_hand() -> None:
    # At 0 %: (100 + 10 + 10) / (50 + 50) = £1.20/MWh.
    assert lcos_gbp_per_mwh(0.0, [100.0, 10.0, 10.0], [0.0, 50.0, 50.0]) == pytest.approx(1.2)
    # At 10 %: (100 + 10/1.1 + 10/1.21) / (50/1.1 + 50/1.21).
    expected = (100 + 10 / 1.1 + 10 / 1.21) / (50 / 1.1 + 50 / 1.21)
    assert lcos_gbp_per_mwh(0.1, [100.0, 10.0, 10.0], [0.0, 50.0, 50.0]) == pytest.approx(expected)
    assert lcos_gbp_per_mwh(0.1, [100.0, 10.0], [0.0, 0.0]) is None


@pytest.mark.parametrize(
    ("rate", "message"),
    [
        (8.0, "did you mean 0.08?"),
        (12.5, "did you mean 0.125?"),
        (1.0, "did you mean 0.01?"),
        (-1.0, "fraction in (-1, 1)"),
        (150.0, "fraction in (-1, 1)"),
        (float("nan"), "finite"),
    ],
)
def test_bad_discount_rates_name_the_field(rate: float, message: str) -> None:
    with pytest.raises(ValidationError, match="discount_rate_real_frac") as caught:
        check_discount_rate(rate)
    assert message in caught.value.detail
    assert caught.value.field == "discount_rate_real_frac"


def test_good_discount_rates_pass() -> None:
    assert check_discount_rate(0.08) == 0.08
    assert check_discount_rate(-0.02) == -0.02
    assert check_discount_rate(0.0) == 0.0
