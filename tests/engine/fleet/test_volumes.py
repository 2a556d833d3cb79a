"""Accepted volumes against hand-worked integrals and the real Lakeside day (BSC T3)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.errors import ValidationError
from engine.fleet import accepted_volumes, level_change_value_gbp
from tests.engine.fleet.conftest import boalf, pn

FLAT_PN = pn(("10:00", "10:30", 0.0, 0.0))


def test_ramp_to_minus_25_mw_over_one_minute_held_and_back() -> None:
    # 0 → −25 MW over 10:00-10:01, held to 10:20, back to 0 over 10:20-10:21; PN 0.
    # ∫ = −(½·25·1/60 + 25·19/60 + ½·25·1/60) = −25·20/60 = −8.3333… MWh, all bid volume.
    acc = boalf(
        (1, "10:00", "10:01", 0.0, -25.0),
        (1, "10:01", "10:20", -25.0, -25.0),
        (1, "10:20", "10:21", -25.0, 0.0),
    )
    period = accepted_volumes(acc, FLAT_PN).by_period.iloc[0]
    expected = -(0.5 * 25 / 60 + 25 * 19 / 60 + 0.5 * 25 / 60)
    assert expected == pytest.approx(-25 * 20 / 60)
    assert period["settlement_period"] == 23
    assert period["bid_volume_mwh"] == pytest.approx(expected, abs=1e-12)
    assert period["offer_volume_mwh"] == 0.0
    assert period["net_volume_mwh"] == pytest.approx(expected, abs=1e-12)


def test_later_acceptance_supersedes_the_earlier_from_its_time() -> None:
    # #1 holds +40 MW 10:00-10:30; #2 (later) holds +10 MW from 10:10. In force: 40 then 10.
    acc = boalf((1, "10:00", "10:30", 40.0, 40.0), (2, "10:10", "10:30", 10.0, 10.0))
    volumes = accepted_volumes(acc, FLAT_PN)
    per = volumes.by_acceptance.set_index("acceptance_number")
    assert per.loc[1, "offer_volume_mwh"] == pytest.approx(40 * 30 / 60)  # 20 MWh offered
    assert per.loc[2, "bid_volume_mwh"] == pytest.approx((10 - 40) * 20 / 60)  # −10 MWh undone
    period = volumes.by_period.iloc[0]
    assert period["net_volume_mwh"] == pytest.approx(40 * 10 / 60 + 10 * 20 / 60)  # 10 MWh
    # The earlier one alone would have given 20 MWh: supersession matters.
    assert period["net_volume_mwh"] != pytest.approx(20.0)


def test_volume_is_measured_against_pn_not_zero() -> None:
    acc = boalf((1, "10:00", "10:30", 30.0, 30.0))
    volumes = accepted_volumes(acc, pn(("10:00", "10:30", 50.0, 50.0)))
    assert volumes.by_period.iloc[0]["bid_volume_mwh"] == pytest.approx(-20 * 0.5)


def test_flags_are_kept_apart() -> None:
    acc = boalf((1, "10:00", "10:30", 10.0, 10.0), (2, "10:00", "10:30", 30.0, 30.0))
    acc.loc[acc["acceptance_number"] == 2, "so_flag"] = True
    by_flag = accepted_volumes(acc, FLAT_PN).by_flag.set_index("so_flag")
    assert by_flag.loc[False, "offer_volume_mwh"] == pytest.approx(5.0)
    assert by_flag.loc[True, "offer_volume_mwh"] == pytest.approx(10.0)


def test_inconsistent_overlap_names_unit_acceptance_period_and_rows() -> None:
    acc = boalf((7, "10:00", "10:10", 0.0, 10.0), (7, "10:05", "10:15", 20.0, 20.0))
    with pytest.raises(ValidationError) as caught:
        accepted_volumes(acc, FLAT_PN)
    detail = caught.value.detail
    assert "acceptance 7" in detail
    assert "T_TEST-1" in detail
    assert "rows 0 and 1" in detail
    assert "period 23" in detail


def test_consistent_duplicate_rows_count_once() -> None:
    acc = boalf((1, "10:00", "10:30", 10.0, 10.0), (1, "10:00", "10:30", 10.0, 10.0))
    assert accepted_volumes(acc, FLAT_PN).by_period.iloc[0]["offer_volume_mwh"] == 5.0


def test_pn_gap_makes_the_period_absent_with_the_reason_never_zero() -> None:
    acc = boalf((1, "10:00", "10:30", 10.0, 10.0))
    volumes = accepted_volumes(acc, pn(("10:00", "10:20", 0.0, 0.0)))
    period = volumes.by_period.iloc[0]
    assert np.isnan(period["offer_volume_mwh"])
    assert np.isnan(period["net_volume_mwh"])
    assert "no physical notification" in period["missing_reason"]
    assert "10:20Z" in period["missing_reason"]
    assert "T_TEST-1" in period["missing_reason"]
    assert volumes.warnings


def test_segment_ending_before_it_starts_is_rejected() -> None:
    acc = boalf((1, "10:10", "10:00", 0.0, 10.0))
    with pytest.raises(ValidationError, match="row 0 ends at"):
        accepted_volumes(acc, FLAT_PN)


def _seconds(values: pd.Series) -> np.ndarray:
    return pd.DatetimeIndex(values).to_numpy(dtype="datetime64[s]").astype(np.int64).astype(float)


def _brute_force_net_mwh(acc: pd.DataFrame, notes: pd.DataFrame) -> pd.Series:
    """Independent check: sample (latest acceptance's level − PN) every second, midpoint rule."""
    start = float(_seconds(notes["time_from"]).min())
    seconds = np.arange(int(float(_seconds(notes["time_to"]).max()) - start)) + 0.5

    def level_at(frame: pd.DataFrame) -> np.ndarray:
        out = np.full(seconds.size, np.nan)
        a_all = _seconds(frame["time_from"]) - start
        b_all = _seconds(frame["time_to"]) - start
        la_all = frame["level_from_mw"].to_numpy(dtype=float)
        lb_all = frame["level_to_mw"].to_numpy(dtype=float)
        for a, b, la, lb in zip(a_all, b_all, la_all, lb_all, strict=True):
            inside = (seconds >= a) & (seconds < b)
            out[inside] = la + (lb - la) * (seconds[inside] - a) / (b - a)
        return out

    level = level_at(notes)
    for _, rows in acc.sort_values("acceptance_number").groupby("acceptance_number"):
        mine = level_at(rows)
        level = np.where(np.isnan(mine), level, mine)
    deviation = level - level_at(notes)
    period = (seconds // 1800).astype(int)
    return pd.Series(deviation / 3600).groupby(period).sum()


def test_lakeside_day_equals_the_integral_and_the_old_formula_is_wrong(
    lakeside: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    acc, notes = lakeside
    volumes = accepted_volumes(acc, notes)
    per = volumes.by_period
    assert len(per) == 48
    assert per["missing_reason"].isna().all()
    brute = _brute_force_net_mwh(acc, notes)
    np.testing.assert_allclose(per["net_volume_mwh"].to_numpy(), brute.to_numpy(), atol=2e-4)
    # The earlier tool: Σ price × (level_to − level_from) over rows. No system price for this
    # day is shipped, so both are priced at one illustrative £100/MWh: the difference is in
    # the volume, whatever the price.
    price = 100.0
    old = level_change_value_gbp(acc, price)
    ours = price * float(per["net_volume_mwh"].sum())
    assert old != pytest.approx(ours, rel=0.05)
    assert ours == pytest.approx(price * float(brute.sum()), abs=0.05)
    # Period 2 (acceptances 58001-58007 holding the unit above its −74 MW PN), to the
    # table in docs/fleet.md.
    assert per.loc[per["settlement_period"] == 2, "net_volume_mwh"].item() == pytest.approx(
        15.116667, abs=1e-6
    )


def test_long_spans_are_chunked_by_day_with_identical_results(
    lakeside: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    acc, notes = lakeside
    one_day = accepted_volumes(acc, notes).by_period

    def shifted(frame: pd.DataFrame, days: int) -> pd.DataFrame:
        out = frame.copy()
        for column in ("time_from", "time_to"):
            out[column] = out[column] + pd.Timedelta(days=days)
        if "acceptance_number" in out:
            out["acceptance_number"] = out["acceptance_number"] + 1000 * days
        return out

    three = accepted_volumes(
        pd.concat([shifted(acc, d) for d in range(3)], ignore_index=True),
        pd.concat([shifted(notes, d) for d in range(3)], ignore_index=True),
    ).by_period
    assert len(three) == 3 * 48
    for day in range(3):
        part = three.iloc[48 * day : 48 * (day + 1)]
        np.testing.assert_allclose(
            part["net_volume_mwh"].to_numpy(), one_day["net_volume_mwh"].to_numpy(), atol=1e-9
        )
