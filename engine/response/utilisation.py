"""Expected utilisation of a held service: E[envelope(Δf)] over a distribution of GB frequency.

The expected response power per MW held is the envelope's delivered fraction
(:func:`engine.response.energy.delivery_frac`) averaged over the distribution of the deviation
Δf = f − 50 Hz, on the service's side (high services: Δf > 0; low services: Δf < 0). The
envelope is piecewise linear in |Δf| (0 to the deadband, linear to the knee, linear to full
delivery, 1 beyond), so the expectation is integrated exactly, segment by segment:

* **normal** Δf ~ N(μ, σ): on a segment [a, b] where delivery = y_a + s (x − a),
  E[(y_a + s (X − a)) 1{a < X < b}] = (y_a − s a) ΔΦ + s (μ ΔΦ + σ (φ(z_a) − φ(z_b))),
  with z = (x − μ) / σ, ΔΦ = Φ(z_b) − Φ(z_a); beyond full delivery, 1 − Φ(z_full).
* **histogram** (bins of Δf with probabilities, uniform within a bin): the trapezoid rule
  between the bin edges and the envelope's breakpoints, exact for a piecewise-linear function.

The distribution used by default (:data:`DEFAULT_SIGMA_HZ`) is an **estimate**: a normal
Δf ~ N(0, σ) whose σ is calibrated so that DR-High's expected utilisation equals the one
published figure found, the 2022 DR-High study's 0.062635 MW per MW (issue 20): σ = 0.04539 Hz.
No published GB frequency standard deviation or histogram was found in the sources searched
(NESO's 1-second "System Frequency Data" pages state the data, not its statistics; NESO's
system-performance reports name a "frequency standard deviation" section without a figure in
the stored copies). Check of plausibility: that σ puts |Δf| > 0.1 Hz 2.8 % of the time and
|Δf| > 0.2 Hz (NESO's operational limits, exceeded only under fault conditions) 0.001 % of
the time. The normal shape is a simplification: Aurora Power Consulting ("Frequency
Distribution of the GB Power System", ESO 2023 data) found the distribution centred on 50 Hz
but with a dip in the middle, so DC/DM (set by the tails) are the least certain figures. With
measured frequency in the warehouse the estimate is not used.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

from engine.errors import ValidationError
from engine.response.envelopes import Envelope

#: DR-High's expected utilisation in the 2022 study (mean of its two sample rows) [MW/MW].
STUDY_DRH_UTILISATION = 0.062635
#: σ of Δf [Hz] that makes a normal N(0, σ) reproduce the study's DR-High figure with the DR
#: envelope (:func:`calibrated_sigma_hz`; recomputed and checked in the tests).
DEFAULT_SIGMA_HZ = 0.045389
DISTRIBUTION_NOTE = (
    "estimate: GB frequency deviation taken as normal N(0, {sigma:.5f} Hz), sigma calibrated so "
    "DR-High's expected utilisation equals the 2022 DR-High study's 0.062635 MW/MW (no published "
    "GB frequency standard deviation or histogram found); expected utilisation = "
    "E[envelope(f)] integrated exactly"
)


def _points(envelope: Envelope) -> list[tuple[float, float]]:
    """Breakpoints (|Δf| [Hz], delivered fraction) of the envelope, up to full delivery."""
    if envelope.knee_hz == envelope.full_hz:
        return [(envelope.deadband_hz, 0.0), (envelope.full_hz, 1.0)]
    return [
        (envelope.deadband_hz, 0.0),
        (envelope.knee_hz, envelope.knee_delivery_frac),
        (envelope.full_hz, 1.0),
    ]


def _phi(z: float) -> float:
    return math.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)


def _cdf(z: float) -> float:
    return 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))


def _direction(service: str) -> float:
    code = str(service).strip().upper()
    if not code or code[-1] not in "HL":
        raise ValidationError(
            f"service: expected a code ending in H or L, got {service!r}", field="service"
        )
    return 1.0 if code.endswith("H") else -1.0


def expected_utilisation_normal(
    envelope: Envelope, service: str, sigma_hz: float, mean_hz: float = 0.0
) -> float:
    """E[delivered fraction] for Δf ~ N(mean, σ) on the service's side (exact).

    Args:
        envelope: The service family's envelope.
        service: Service code; its last letter gives the side (H: Δf > 0, L: Δf < 0).
        sigma_hz: Standard deviation of Δf [Hz] (> 0).
        mean_hz: Mean of Δf [Hz].

    Returns:
        Mean response power per MW held [MW/MW], in [0, 1].

    Raises:
        ValidationError: σ ≤ 0 or a service code without a direction.
    """
    if not sigma_hz > 0:
        raise ValidationError(f"sigma_hz: must be > 0, got {sigma_hz}", field="sigma_hz")
    # A low service sees −Δf on the positive side: mirror the mean.
    mu = mean_hz * _direction(service)
    total = 0.0
    pts = _points(envelope)
    for (a, ya), (b, yb) in itertools.pairwise(pts):
        slope = (yb - ya) / (b - a)
        za, zb = (a - mu) / sigma_hz, (b - mu) / sigma_hz
        mass = _cdf(zb) - _cdf(za)
        total += (ya - slope * a) * mass + slope * (mu * mass + sigma_hz * (_phi(za) - _phi(zb)))
    total += 1.0 - _cdf((pts[-1][0] - mu) / sigma_hz)
    return total


def expected_utilisation_histogram(
    envelope: Envelope,
    service: str,
    bin_edges_hz: npt.ArrayLike,
    probability: npt.ArrayLike,
) -> float:
    """E[delivered fraction] for a histogram of Δf (uniform within each bin; exact).

    Args:
        envelope: The service family's envelope.
        service: Service code (H: Δf > 0 side; L: Δf < 0 side).
        bin_edges_hz: Increasing bin edges of Δf [Hz] (n + 1 of them).
        probability: Probability of each bin (n of them, ≥ 0, summing to 1).

    Raises:
        ValidationError: Edges not increasing, a count mismatch, negative probabilities or
            probabilities not summing to 1 (within 1e-6).
    """
    edges = np.asarray(bin_edges_hz, dtype=np.float64)
    prob = np.asarray(probability, dtype=np.float64)
    if edges.ndim != 1 or len(edges) != len(prob) + 1 or len(prob) == 0:
        raise ValidationError(
            "bin_edges_hz: need one more edge than probabilities", field="bin_edges_hz"
        )
    if not bool(np.all(np.diff(edges) > 0)):
        raise ValidationError("bin_edges_hz: edges must increase", field="bin_edges_hz")
    if bool(np.any(prob < 0)) or abs(float(prob.sum()) - 1.0) > 1e-6:
        raise ValidationError(
            f"probability: need values ≥ 0 summing to 1, got sum {float(prob.sum())}",
            field="probability",
        )
    sign = _direction(service)
    xs = [x for x, _ in _points(envelope)]
    ys = [y for _, y in _points(envelope)]

    def delivered(dev: np.ndarray) -> np.ndarray:
        side = dev * sign
        out: np.ndarray = np.where(side > 0, np.interp(side, xs, ys, left=0.0, right=1.0), 0.0)
        return out

    breaks = np.array(sorted({*(x * sign for x in xs), 0.0}))
    total = 0.0
    for lo, hi, p in zip(edges[:-1], edges[1:], prob, strict=True):
        inner = breaks[(breaks > lo) & (breaks < hi)]
        grid = np.concatenate(([lo], inner, [hi]))
        values = delivered(grid)
        area = float(np.sum((values[1:] + values[:-1]) * np.diff(grid)) / 2.0)
        total += float(p) * area / float(hi - lo)
    return total


def calibrated_sigma_hz(envelope: Envelope, service: str, target_frac: float) -> float:
    """σ [Hz] of a zero-mean normal Δf that gives ``target_frac`` for ``service`` (bisection).

    Raises:
        ValidationError: A target outside (0, 0.5) (a zero-mean normal gives at most ½).
    """
    if not 0.0 < target_frac < 0.5:
        raise ValidationError(
            f"target_frac: must be within (0, 0.5), got {target_frac}", field="target_frac"
        )
    lo, hi = 1e-6, 10.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if expected_utilisation_normal(envelope, service, mid) < target_frac:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def estimated_utilisation(
    envelopes: Mapping[str, Envelope],
    services: Sequence[str],
    sigma_hz: float = DEFAULT_SIGMA_HZ,
) -> dict[str, tuple[float, str]]:
    """Expected utilisation per service from the normal estimate, with its note.

    Services whose family has no envelope are absent.
    """
    note = DISTRIBUTION_NOTE.format(sigma=sigma_hz)
    out: dict[str, tuple[float, str]] = {}
    for service in services:
        code = str(service).strip().upper()
        envelope = envelopes.get(code[:2])
        if envelope is None:
            continue
        out[code] = (expected_utilisation_normal(envelope, code, sigma_hz), note)
    return out
