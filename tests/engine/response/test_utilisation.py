"""Expected utilisation E[envelope(f)]: hand-worked integrals, the calibrated normal, the
estimate for DC/DM, and the SoC-aware model of one service held alone."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from engine.errors import ValidationError
from engine.reference import ReferenceData
from engine.response import (
    DEFAULT_SIGMA_HZ,
    PUBLISHED_ENVELOPES,
    STUDY_DRH_UTILISATION,
    Envelope,
    StoreBounds,
    calibrated_sigma_hz,
    expected_response_energy,
    expected_utilisation_histogram,
    expected_utilisation_normal,
    model_value_gbp_per_mw,
    response_envelopes,
    soc_limited_energy,
)

DR = PUBLISHED_ENVELOPES["DR"]
ONE_PERIOD = pd.DatetimeIndex([pd.Timestamp("2024-06-03 00:00", tz="UTC")])


@pytest.fixture(scope="module")
def envelopes(ref: ReferenceData) -> dict[str, Envelope]:
    return response_envelopes(ref.table("dynamic_response_parameters"))


def test_uniform_histogram_against_dr_by_hand() -> None:
    # Δf uniform on [-0.2, 0.2] Hz (density 1/0.4). DR-H delivers (x - 0.015) / 0.185 on
    # 0.015 < x < 0.2: ∫ = 0.185 / 2 = 0.0925, so E = 0.0925 / 0.4 = 0.23125.
    assert expected_utilisation_histogram(DR, "DRH", [-0.2, 0.2], [1.0]) == pytest.approx(0.23125)
    # Two bins split at 0 with 0.3 / 0.7: DR-H sees the upper bin only: 0.7 x 0.0925 / 0.2.
    value = expected_utilisation_histogram(DR, "DRH", [-0.2, 0.0, 0.2], [0.3, 0.7])
    assert value == pytest.approx(0.7 * 0.0925 / 0.2)
    low = expected_utilisation_histogram(DR, "DRL", [-0.2, 0.0, 0.2], [0.3, 0.7])
    assert low == pytest.approx(0.3 * 0.0925 / 0.2)


def test_normal_against_a_linear_envelope_by_hand() -> None:
    # No deadband, linear to full delivery at 10 Hz: delivery = x / 10 for x > 0, so
    # E = E[X 1{X>0}] / 10 = σ φ(0) / 10 = 0.1 x 0.3989423 / 10 = 0.003989423 (tail ≈ 0).
    linear = Envelope("XX", 0.0, 10.0, 1.0, 10.0, "hand-made")
    value = expected_utilisation_normal(linear, "XXH", 0.1)
    assert value == pytest.approx(0.1 / math.sqrt(2 * math.pi) / 10, rel=1e-9)


def test_normal_agrees_with_a_fine_histogram_of_itself(envelopes: dict[str, Envelope]) -> None:
    sigma = 0.06
    edges = np.linspace(-0.6, 0.6, 4801)
    mid = (edges[:-1] + edges[1:]) / 2
    cdf = np.array([0.5 * (1 + math.erf(x / sigma / math.sqrt(2))) for x in edges])
    prob = np.diff(cdf) / (cdf[-1] - cdf[0])
    assert len(mid) == len(prob)
    for service in ("DCH", "DML", "DRL"):
        exact = expected_utilisation_normal(envelopes[service[:2]], service, sigma)
        binned = expected_utilisation_histogram(envelopes[service[:2]], service, edges, prob)
        assert binned == pytest.approx(exact, rel=1e-3)


def test_calibrated_sigma_reproduces_the_study(envelopes: dict[str, Envelope]) -> None:
    sigma = calibrated_sigma_hz(DR, "DRH", STUDY_DRH_UTILISATION)
    assert sigma == pytest.approx(DEFAULT_SIGMA_HZ, abs=1e-6)
    assert expected_utilisation_normal(DR, "DRH", DEFAULT_SIGMA_HZ) == pytest.approx(
        STUDY_DRH_UTILISATION, abs=1e-6
    )
    # A zero-mean normal is symmetric: DR-L gets the same figure.
    assert expected_utilisation_normal(DR, "DRL", DEFAULT_SIGMA_HZ) == pytest.approx(
        STUDY_DRH_UTILISATION, abs=1e-6
    )


def test_a_mean_above_50_hz_favours_high_services() -> None:
    high = expected_utilisation_normal(DR, "DRH", 0.05, mean_hz=0.01)
    low = expected_utilisation_normal(DR, "DRL", 0.05, mean_hz=0.01)
    assert high > low


def test_dc_and_dm_now_have_an_estimate(envelopes: dict[str, Envelope]) -> None:
    # Recorded from the calibrated normal (σ = 0.045389 Hz): DC 0.003132, DM 0.008775.
    dc, note = expected_response_energy("DCH", ONE_PERIOD, envelopes=envelopes)
    assert dc.iloc[0] == pytest.approx(0.5 * 0.0031319, rel=1e-3)
    assert note.startswith("estimate:")
    assert "N(0, 0.04539 Hz)" in note
    dm, _ = expected_response_energy("DML", ONE_PERIOD, envelopes=envelopes)
    assert dm.iloc[0] == pytest.approx(-0.5 * 0.0087747, rel=1e-3)
    # DR-H keeps the study's own figure.
    dr, dr_note = expected_response_energy("DRH", ONE_PERIOD, envelopes=envelopes)
    assert dr.iloc[0] == pytest.approx(0.0313175)
    assert "2022 DR-High study" in dr_note


@pytest.mark.parametrize(
    ("edges", "prob", "field"),
    [
        ([0.1, 0.0], [1.0], "bin_edges_hz"),
        ([0.0, 0.1], [0.5], "probability"),
        ([0.0, 0.1, 0.2], [1.0], "bin_edges_hz"),
    ],
)
def test_a_bad_histogram_is_refused(edges: list[float], prob: list[float], field: str) -> None:
    with pytest.raises(ValidationError, match=field):
        expected_utilisation_histogram(DR, "DRH", edges, prob)


def test_sigma_must_be_positive() -> None:
    with pytest.raises(ValidationError, match="sigma_hz"):
        expected_utilisation_normal(DR, "DRH", 0.0)


def test_soc_limits_a_single_service_by_hand() -> None:
    # 1 MWh per MW held, held at 0.5 MWh, at most 0.6 MWh: 0.1 MWh of room. 0.04 MWh comes in
    # every period and leaves 3 periods later (resold). Held before each delivery:
    # t0 0.50 → 0.04 fits; t1 0.54 → 0.04; t2 0.58 → only 0.02 fits (0.02 undelivered);
    # t3 0.60 → 0 fits; t4 0.5 + 0.04 + 0.02 + 0 = 0.56 → 0.04; t5 0.5 + 0.02 + 0 + 0.04 → 0.04.
    index = pd.date_range("2024-06-03 00:00", periods=6, freq="30min", tz="UTC")
    store = StoreBounds(energy_h=1.0, soc_min_frac=0.0, soc_max_frac=0.6, soc_start_frac=0.5)
    out = soc_limited_energy(pd.Series(0.04, index=index), 3, store)
    assert out["delivered_mwh_per_mw"].tolist() == pytest.approx([0.04, 0.04, 0.02, 0, 0.04, 0.04])
    assert out["undelivered_mwh_per_mw"].tolist() == pytest.approx([0, 0, 0.02, 0.04, 0, 0])
    assert out["soc_mwh_per_mw"].tolist() == pytest.approx([0.54, 0.58, 0.6, 0.6, 0.6, 0.6])


def test_soc_aware_model_values_only_what_fits() -> None:
    index = pd.date_range("2024-06-03 00:00", periods=4, freq="30min", tz="UTC")
    energy = pd.Series([0.04, 0.04, 0.04, 0.04], index=index)
    price = pd.Series([100.0, 100.0, 100.0, 100.0], index=index)
    store = StoreBounds(energy_h=1.0, soc_max_frac=0.56, soc_start_frac=0.5)
    frame = model_value_gbp_per_mw(energy, price, price, "bm", lag_periods=1, store=store)
    # lag 1: held before t = 0.5 + delivered(t-1). t0: 0.04 fits; t1: 0.54 → 0.02 fits;
    # t2: 0.52 → 0.04; t3: 0.54 → 0.02. Value = delivered x £100 x 0.925 (ABSVD: no cash);
    # the undelivered 0.02 earns nothing.
    assert frame["delivered_mwh_per_mw"].tolist() == pytest.approx([0.04, 0.02, 0.04, 0.02])
    assert frame["value_gbp_per_mw"].iloc[:3].tolist() == pytest.approx([3.7, 1.85, 3.7])
    assert np.isnan(frame["value_gbp_per_mw"].iloc[3])  # no price a period later
    # Export is limited by the lower bound the same way.
    low = soc_limited_energy(-energy, 0, StoreBounds(1.0, 0.47, 1.0, 0.5))
    assert low["delivered_mwh_per_mw"].tolist() == pytest.approx([-0.03] * 4)


def test_store_bounds_are_checked() -> None:
    with pytest.raises(ValidationError, match="soc_start_frac"):
        StoreBounds(2.0, 0.6, 0.9, 0.5)
    with pytest.raises(ValidationError, match="energy_h"):
        StoreBounds(0.0)
