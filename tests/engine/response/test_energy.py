"""Response energy per period from frequency: hand-worked envelopes, mirrors, gaps, bad rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from engine.errors import DataMissingError, ValidationError
from engine.reference import ReferenceData
from engine.response import (
    PUBLISHED_ENVELOPES,
    Envelope,
    delivery_frac,
    envelope_of,
    expected_response_energy,
    response_energy,
    response_envelopes,
)

START = pd.Timestamp("2024-06-03 00:00", tz="UTC")
ONE_PERIOD = pd.DatetimeIndex([START])


def _steady(hz: float, minutes: int = 30, step_s: int = 15) -> pd.Series:
    """Hand-written 15 s series at a steady frequency starting on a period boundary."""
    times = pd.date_range(START, periods=minutes * 60 // step_s, freq=f"{step_s}s")
    return pd.Series(hz, index=times)


@pytest.fixture(scope="module")
def envelopes(ref: ReferenceData) -> dict[str, Envelope]:
    return response_envelopes(ref.table("dynamic_response_parameters"))


def test_dc_comes_from_the_shared_table(envelopes: dict[str, Envelope]) -> None:
    dc = envelopes["DC"]
    assert (dc.deadband_hz, dc.knee_hz, dc.knee_delivery_frac, dc.full_hz) == (
        0.015,
        0.2,
        0.05,
        0.5,
    )
    assert "neso_dynamic_response_service_parameters.csv" in dc.source
    assert envelopes["DM"] == PUBLISHED_ENVELOPES["DM"]


@pytest.mark.parametrize(
    ("service", "hz", "expected_mwh"),
    [
        # DCH at 50.35 Hz: 5 % at the 0.2 Hz knee + (0.35-0.2)/(0.5-0.2) x 95 % = 52.5 %;
        # 1 MW x 0.525 x 0.5 h = 0.2625 MWh imported.
        ("DCH", 50.35, 0.2625),
        # DCL at 50.35 Hz: high frequency, a low service does nothing.
        ("DCL", 50.35, 0.0),
        # DRL at 49.90 Hz: (0.1-0.015)/(0.2-0.015) = 0.085/0.185 = 0.459459...;
        # exported: -0.459459 x 0.5 h = -0.229730 MWh.
        ("DRL", 49.90, -0.085 / 0.185 * 0.5),
        # DMH at 50.05 Hz: 5 % x (0.05-0.015)/(0.1-0.015) = 0.0205882; x 0.5 h = 0.0102941.
        ("DMH", 50.05, 0.05 * 0.035 / 0.085 * 0.5),
        # DRH at 50.01 Hz: inside the 0.015 Hz deadband.
        ("DRH", 50.01, 0.0),
        # DRH at 50.30 Hz: beyond full delivery (0.2 Hz): 1 MW x 0.5 h.
        ("DRH", 50.30, 0.5),
    ],
)
def test_one_mw_one_period_at_a_steady_deviation(
    envelopes: dict[str, Envelope], service: str, hz: float, expected_mwh: float
) -> None:
    result = response_energy(_steady(hz), service, envelope_of(service, envelopes), ONE_PERIOD)
    got = float(result.by_period["net_import_mwh_per_mw"].iloc[0])
    assert got == pytest.approx(expected_mwh, abs=1e-12)
    assert result.gaps.empty


def test_a_series_and_its_mirror_with_equal_drl_and_drh_net_to_zero(
    envelopes: dict[str, Envelope],
) -> None:
    rng = np.random.default_rng(20)
    times = pd.date_range(START, periods=4 * 120, freq="15s")
    freq = pd.Series(50 + rng.normal(0, 0.08, len(times)), index=times)
    mirror = 100.0 - freq
    index = pd.date_range(START, periods=4, freq="30min")
    dr = envelopes["DR"]

    def net(series: pd.Series, service: str) -> np.ndarray:
        return (
            response_energy(series, service, dr, index)
            .by_period["net_import_mwh_per_mw"]
            .to_numpy()
        )

    both = net(freq, "DRH") + net(freq, "DRL") + net(mirror, "DRH") + net(mirror, "DRL")
    np.testing.assert_allclose(both, 0.0, atol=1e-12)
    # and the mirror turns each direction's energy into the other's, sign flipped
    np.testing.assert_allclose(net(freq, "DRH"), -net(mirror, "DRL"), atol=1e-12)
    assert np.abs(net(freq, "DRH")).sum() > 0.01  # the test series does leave the deadband


def test_a_gap_longer_than_the_maximum_leaves_its_period_without_a_figure(
    envelopes: dict[str, Envelope],
) -> None:
    freq = _steady(50.3, minutes=60)
    # remove 5 minutes inside the second period; a 45 s gap inside the first is bridged
    freq = freq.drop(
        freq.index[
            (freq.index >= START + pd.Timedelta("40min"))
            & (freq.index < START + pd.Timedelta("45min"))
        ]
    )
    freq = freq.drop([START + pd.Timedelta("10min"), START + pd.Timedelta("10min 15s")])
    index = pd.date_range(START, periods=2, freq="30min")
    result = response_energy(freq, "DRH", envelopes["DR"], index, max_gap_s=60)
    values = result.by_period["net_import_mwh_per_mw"]
    assert values.iloc[0] == pytest.approx(0.5)
    assert np.isnan(values.iloc[1])
    assert len(result.gaps) == 1
    assert result.gaps["gap_s"].iloc[0] == pytest.approx(315.0)


def test_no_samples_for_a_period_is_missing_not_zero(envelopes: dict[str, Envelope]) -> None:
    index = pd.date_range(START, periods=2, freq="30min")
    result = response_energy(_steady(50.3), "DRH", envelopes["DR"], index)
    assert np.isnan(result.by_period["net_import_mwh_per_mw"].iloc[1])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: pd.concat([s, s.iloc[[3]]]), "duplicate measurement times at row 3"),
        (lambda s: s.where(s.index != s.index[7], 56.2), "outside 45-55 Hz"),
        (lambda s: s.where(s.index != s.index[2], np.nan), "row 2"),
    ],
)
def test_bad_frequency_rows_are_named(
    envelopes: dict[str, Envelope], change: object, message: str
) -> None:
    bad = change(_steady(50.1))  # type: ignore[operator]
    with pytest.raises(ValidationError, match=message) as caught:
        response_energy(bad, "DRH", envelopes["DR"], ONE_PERIOD)
    assert caught.value.field == "frequency"


def test_naive_times_are_refused(envelopes: dict[str, Envelope]) -> None:
    naive = _steady(50.1).tz_localize(None)
    with pytest.raises(ValidationError, match="UTC"):
        response_energy(naive, "DRH", envelopes["DR"], ONE_PERIOD)


def test_a_service_without_an_envelope_is_refused() -> None:
    with pytest.raises(DataMissingError, match="no response envelope for DC"):
        envelope_of("DCH", PUBLISHED_ENVELOPES)
    with pytest.raises(ValidationError, match="unknown service 'QR'"):
        envelope_of("QR", PUBLISHED_ENVELOPES)


def test_delivery_is_continuous_at_the_knee() -> None:
    dm = PUBLISHED_ENVELOPES["DM"]
    below, at, above = delivery_frac([0.1 - 1e-9, 0.1, 0.1 + 1e-9], dm)
    assert at == pytest.approx(0.05)
    assert below == pytest.approx(at, abs=1e-6)
    assert above == pytest.approx(at, abs=1e-6)


def test_expected_utilisation_is_an_estimate_with_its_source() -> None:
    series, note = expected_response_energy("DRH", ONE_PERIOD)
    # (0.059054 + 0.066216) / 2 = 0.062635 MW per MW; x 0.5 h
    assert series.iloc[0] == pytest.approx(0.0313175)
    assert note.startswith("estimate:")
    assert "2022 DR-High study" in note
    low, _ = expected_response_energy("DRL", ONE_PERIOD, utilisation_frac=0.1)
    assert low.iloc[0] == pytest.approx(-0.05)


@pytest.mark.parametrize("fraction", [-0.01, 1.2])
def test_a_utilisation_outside_0_1_is_refused(fraction: float) -> None:
    with pytest.raises(ValidationError, match="utilisation_frac"):
        expected_response_energy("DRH", ONE_PERIOD, utilisation_frac=fraction)


def test_no_published_utilisation_for_dc_says_so() -> None:
    with pytest.raises(DataMissingError, match="no published expected utilisation for DCL"):
        expected_response_energy("DCL", ONE_PERIOD)


@settings(max_examples=40, deadline=None)
@given(
    arrays(
        np.float64,
        120,
        elements=st.floats(49.4, 50.6, allow_nan=False, allow_infinity=False),
    )
)
def test_mirror_and_bounds_hold_for_any_series(values: np.ndarray) -> None:
    dr = PUBLISHED_ENVELOPES["DR"]
    freq = pd.Series(values, index=_steady(50.0).index)
    high = response_energy(freq, "DRH", dr, ONE_PERIOD).by_period["net_import_mwh_per_mw"]
    low = response_energy(100.0 - freq, "DRL", dr, ONE_PERIOD).by_period["net_import_mwh_per_mw"]
    assert float(high.iloc[0]) == pytest.approx(-float(low.iloc[0]), abs=1e-12)
    # 1 MW held for half an hour can move at most 0.5 MWh, and DRH only ever imports
    assert 0.0 <= float(high.iloc[0]) <= 0.5 + 1e-12
