"""Levies resolve from published rates by date, never default, and name every gap."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.btm.levies import LEVIES, parse_levy_overrides, resolve_levies
from engine.errors import DataMissingError, ValidationError
from engine.reference import ReferenceData
from engine.settlement import half_hourly_index


@pytest.fixture(scope="module")
def rates(ref: ReferenceData) -> pd.DataFrame:
    return ref.table("non_commodity_rates")


def test_2024_per_mwh_and_daily_charges_by_hand(rates: pd.DataFrame) -> None:
    idx = half_hourly_index("2024-01-01", "2024-12-31")
    sched = resolve_levies(
        rates, idx, tnuos_band="HV1", overrides={"FiT": 8.0, "AAHEDC": 0.2, "CfD_ILR": 10.0}
    )
    # Jan 2024 (charging year 2023/24): BSUoS 14.03 + RO 0.469 x 59.01 = 27.67869
    # + FiT 8 + CfD ILR 10 + OCL 0.0994 + CCL 0.00775 GBP/kWh = 7.75 + AAHEDC 0.2
    assert sched.per_mwh_gbp_per_mwh[0] == pytest.approx(67.75809)
    # Dec 2024 (2024/25): BSUoS 12.17 + RO 31.78243 + 8 + 10 + 0.1089 + 7.75 + 0.2
    assert sched.per_mwh_gbp_per_mwh[-1] == pytest.approx(70.01133)
    # TNUoS HV1: 91 days x 17.268 (Jan-Mar 2024) + 275 days x 16.455 (Apr-Dec).
    assert sched.fixed_gbp.sum() == pytest.approx(91 * 17.268 + 275 * 16.455)
    names = [u["name"] for u in sched.used]
    assert names == list(LEVIES)
    fit = next(u for u in sched.used if u["name"] == "FiT")
    assert fit["source"] == "supplied by the user"


def test_missing_levies_are_listed_with_their_gaps(rates: pd.DataFrame) -> None:
    idx = half_hourly_index("2024-01-01", "2024-12-31")
    with pytest.raises(DataMissingError) as exc:
        resolve_levies(rates, idx, tnuos_band="HV1")
    detail = exc.value.detail
    assert "FiT (no rate at all)" in detail
    assert "AAHEDC (no rate at all)" in detail
    assert "CfD_ILR (2024-01-01..2024-03-31, 2024-07-01..2024-09-30)" in detail
    assert "BSUoS" not in detail
    assert exc.value.extensions == {"missing_levies": ["FiT", "CfD_ILR", "AAHEDC"]}


def test_tnuos_needs_a_band(rates: pd.DataFrame) -> None:
    idx = half_hourly_index("2024-06-01", "2024-06-01")
    with pytest.raises(DataMissingError, match="needs the site's residual band"):
        resolve_levies(rates, idx, include=["TNUoS_TDR"])


def test_no_levies_is_explicit(rates: pd.DataFrame) -> None:
    idx = half_hourly_index("2024-06-01", "2024-06-02")
    sched = resolve_levies(rates, idx, include=[])
    assert not sched.per_mwh_gbp_per_mwh.any()
    assert sched.excluded == tuple(LEVIES)


def test_daily_levy_spread_over_clock_change_day(rates: pd.DataFrame) -> None:
    # 2024-10-27 has 50 periods: the day's 16.455 GBP is spread over 50, not 48.
    idx = half_hourly_index("2024-10-27", "2024-10-27")
    sched = resolve_levies(rates, idx, include=["TNUoS_TDR"], tnuos_band="HV1")
    assert np.allclose(sched.fixed_gbp, 16.455 / 50)
    assert sched.fixed_gbp.sum() == pytest.approx(16.455)


def test_parse_overrides() -> None:
    assert parse_levy_overrides(["fit=8.5", "AAHEDC=0.1"]) == {"FiT": 8.5, "AAHEDC": 0.1}
    with pytest.raises(ValidationError, match="unknown levy 'VAT'"):
        parse_levy_overrides(["VAT=20"])
    with pytest.raises(ValidationError, match="NAME=VALUE"):
        parse_levy_overrides(["FiT=abc"])
