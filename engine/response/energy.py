"""Response power and energy of a held frequency service, from a frequency series or an estimate.

Sign convention: ``net_import`` is positive when the unit imports (a high service on high
frequency) and negative when it exports (a low service on low frequency); the quantities are
per MW held (MW per MW, MWh per MW). The instantaneous response is the envelope
(:mod:`engine.response.envelopes`) applied to the deviation of each sample; each sample is
held until the next one (sample-and-hold), but never for longer than ``max_gap_s``: a settlement
period with a longer gap (or no sample) has no energy figure (NaN) rather than an invented one.
Ramp times (DC/DM 1 s, DR 10 s to full delivery) are below the 15 s FREQ step and are ignored.

Without a frequency series, :func:`expected_response_energy` uses an expected utilisation
per service: the mean response power as a fraction of the held MW. The one published figure
found is the 2022 DR-High study quoted in issue 20 (sample rows −0.059054 and −0.066216 MW of
DR-H power per MW held; mean 0.062635); DR-Low is assumed to mirror it (frequency is on average
as often below 50 Hz as above). No published figure was found for DC or DM: given the
envelopes, they are estimated as E[envelope(f)] over a normal GB frequency distribution
calibrated on the DR-High figure (:mod:`engine.response.utilisation`), stated as an estimate.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from engine.errors import DataMissingError, ValidationError
from engine.response.envelopes import Envelope
from engine.response.utilisation import estimated_utilisation

FloatArray = npt.NDArray[np.float64]

NOMINAL_HZ = 50.0
#: Frequency outside this range is not a measurement of the GB system [Hz].
VALID_RANGE_HZ = (45.0, 55.0)
#: Longest gap bridged by holding the last sample [s]; FREQ is published every 15 s.
DEFAULT_MAX_GAP_S = 60.0
PERIOD_S = 1800.0

#: Expected mean response power per MW held, as a fraction, with its source (an estimate).
EXPECTED_UTILISATION: Mapping[str, tuple[float, str]] = {
    "DRH": (
        0.062635,
        "2022 DR-High study (issue 20): mean of its sample rows' DR-H power, 0.059054 and "
        "0.066216 MW per MW held",
    ),
    "DRL": (
        0.062635,
        "assumed to mirror DRH (frequency as often below 50 Hz as above); no published DR-L "
        "figure found",
    ),
}


def delivery_frac(deviation_hz: npt.ArrayLike, envelope: Envelope) -> FloatArray:
    """Delivered fraction of the held MW at each absolute deviation from 50 Hz.

    Args:
        deviation_hz: |f - 50| [Hz] (the sign is ignored).
        envelope: The service family's envelope.

    Returns:
        Fractions in [0, 1]: 0 inside the deadband, linear to the knee, linear to 1 at full
        delivery, 1 beyond.
    """
    dev = np.abs(np.asarray(deviation_hz, dtype=np.float64))
    xs = [envelope.deadband_hz, envelope.knee_hz, envelope.full_hz]
    ys = [0.0, envelope.knee_delivery_frac, 1.0]
    if envelope.knee_hz == envelope.full_hz:
        xs, ys = [envelope.deadband_hz, envelope.full_hz], [0.0, 1.0]
    out: FloatArray = np.interp(dev, xs, ys, left=0.0, right=1.0).astype(np.float64)
    return out


def response_net_import_mw_per_mw(
    frequency_hz: npt.ArrayLike, service: str, envelope: Envelope
) -> FloatArray:
    """Net import per MW held at each frequency sample (+ import for high, − export for low).

    Args:
        frequency_hz: System frequency samples [Hz].
        service: Service code (``DRH``, ``DCL`` …; its last letter gives the direction).
        envelope: The service family's envelope.
    """
    freq = np.asarray(frequency_hz, dtype=np.float64)
    deviation = freq - NOMINAL_HZ
    frac = delivery_frac(deviation, envelope)
    if service.upper().endswith("H"):
        return np.where(deviation > 0, frac, 0.0)
    return np.where(deviation < 0, -frac, 0.0)


def check_frequency(frequency: pd.Series, field: str = "frequency") -> pd.Series:
    """A frequency series checked: UTC index, sorted, no duplicate times, 45-55 Hz, no NaN.

    Args:
        frequency: Frequency [Hz] indexed by UTC ``measurement_time``.

    Raises:
        ValidationError: Naming the offending rows (positions and times, at most five).
    """
    index = pd.DatetimeIndex(frequency.index)
    if index.tz is None:
        raise ValidationError(f"{field}: measurement times must be UTC (tz-aware)", field=field)
    series = pd.Series(frequency.to_numpy(dtype=np.float64), index=index.tz_convert("UTC"))
    series = series.sort_index(kind="stable")
    dup = series.index.duplicated(keep=False)
    if dup.any():
        raise ValidationError(
            f"{field}: duplicate measurement times at {_rows(series, dup)}", field=field
        )
    values = series.to_numpy()
    lo, hi = VALID_RANGE_HZ
    bad = ~np.isfinite(values) | (values < lo) | (values > hi)
    if bad.any():
        raise ValidationError(
            f"{field}: values outside {lo:g}-{hi:g} Hz (or empty) at {_rows(series, bad)}",
            field=field,
        )
    return series


def _rows(series: pd.Series, mask: npt.NDArray[np.bool_]) -> str:
    where = np.flatnonzero(mask)
    shown = [f"row {i} ({series.index[i].isoformat()}: {series.iloc[i]!r})" for i in where[:5]]
    more = f" and {len(where) - 5} more" if len(where) > 5 else ""
    return ", ".join(shown) + more


@dataclass(frozen=True)
class ResponseEnergy:
    """Response energy per settlement period for 1 MW held.

    Attributes:
        by_period: Index ``interval_start`` (UTC half-hours); columns
            ``net_import_mwh_per_mw`` (NaN where a gap exceeds the maximum) and
            ``covered_s`` (seconds of the period with a sample held) [s].
        gaps: Each gap longer than the maximum: ``gap_start``, ``gap_end`` (UTC), ``gap_s``.
        max_gap_s: The maximum gap bridged [s].
    """

    by_period: pd.DataFrame
    gaps: pd.DataFrame
    max_gap_s: float


def response_energy(
    frequency: pd.Series,
    service: str,
    envelope: Envelope,
    interval_start: pd.DatetimeIndex,
    max_gap_s: float = DEFAULT_MAX_GAP_S,
) -> ResponseEnergy:
    """Energy a unit holding 1 MW of ``service`` takes (+) or gives (−) in each period.

    Args:
        frequency: Frequency [Hz] indexed by UTC measurement time (checked here).
        service: Service code.
        envelope: Its family's envelope.
        interval_start: UTC half-hour starts wanted.
        max_gap_s: Longest gap a sample is held across [s]; a longer one leaves its periods
            without a figure (NaN).

    Raises:
        ValidationError: Bad frequency rows (see :func:`check_frequency`) or ``max_gap_s`` ≤ 0.
    """
    if not max_gap_s > 0:
        raise ValidationError("max_gap_s: must be > 0 seconds", field="max_gap_s")
    series = check_frequency(frequency)
    index = pd.DatetimeIndex(interval_start)
    starts = index.as_unit("ns").asi8.astype(np.float64) / 1e9  # type: ignore[attr-defined]
    times = series.index.as_unit("ns").asi8.astype(np.float64) / 1e9  # type: ignore[attr-defined]
    power = response_net_import_mw_per_mw(series.to_numpy(), service, envelope)
    # Each sample holds until the next one, capped at the maximum gap; the last one holds
    # for one typical step (the median spacing), capped likewise.
    step = float(np.median(np.diff(times))) if len(times) > 1 else max_gap_s
    nxt = np.append(times[1:], times[-1] + step) if len(times) else times
    span = nxt - times
    hold_end = times + np.minimum(span, max_gap_s)
    ends = starts + PERIOD_S
    energy = _integral(times, hold_end, power, ends) - _integral(times, hold_end, power, starts)
    energy = energy / 3600.0
    ones = np.ones_like(power)
    covered = _integral(times, hold_end, ones, ends) - _integral(times, hold_end, ones, starts)
    gap_mask = span > max_gap_s
    gaps = pd.DataFrame(
        {
            "gap_start": pd.to_datetime(times[gap_mask], unit="s", utc=True),
            "gap_end": pd.to_datetime(nxt[gap_mask], unit="s", utc=True),
            "gap_s": span[gap_mask],
        }
    )
    # A period has a figure only when held samples cover all of it.
    whole = covered >= PERIOD_S - 1e-6
    frame = pd.DataFrame(
        {"net_import_mwh_per_mw": np.where(whole, energy, np.nan), "covered_s": covered},
        index=pd.DatetimeIndex(index, name="interval_start"),
    )
    return ResponseEnergy(frame, gaps, max_gap_s)


def _integral(
    seg_start: FloatArray, seg_end: FloatArray, value: FloatArray, at: FloatArray
) -> FloatArray:
    """∫ of a piecewise-constant signal (``value`` on sorted, disjoint ``[start, end)``
    segments, 0 elsewhere) from the first segment up to each time in ``at`` [value x s]."""
    if len(seg_start) == 0:
        return np.zeros(len(at))
    lengths = seg_end - seg_start
    before = np.concatenate(([0.0], np.cumsum(value * lengths)))  # sum of segments < i
    i = np.searchsorted(seg_start, at, side="right") - 1
    j = np.clip(i, 0, len(seg_start) - 1)
    part = np.clip(at - seg_start[j], 0.0, lengths[j]) * value[j]
    out: FloatArray = np.where(i >= 0, before[j] + part, 0.0)
    return out


def expected_response_energy(
    service: str,
    interval_start: pd.DatetimeIndex,
    utilisation_frac: float | None = None,
    interval_h: float = 0.5,
    envelopes: Mapping[str, Envelope] | None = None,
) -> tuple[pd.Series, str]:
    """Expected net import per MW held per period from an expected utilisation (an estimate).

    Args:
        service: Service code.
        interval_start: UTC half-hour starts.
        utilisation_frac: Mean response power per MW held [0-1]; default the cited figure.
        interval_h: Interval length [h].
        envelopes: Response envelopes per family; given, a service without a published
            figure (DC, DM) gets the normal-distribution estimate
            (:func:`engine.response.utilisation.estimated_utilisation`).

    Returns:
        (net import [MWh per MW] per interval, the assumption in words with its source).

    Raises:
        ValidationError: A fraction outside 0-1.
        DataMissingError: No fraction given, none published for the service and no envelope
            to estimate one from.
    """
    code = service.upper()
    if utilisation_frac is None:
        estimated = estimated_utilisation(envelopes or {}, (code,))
        if code not in EXPECTED_UTILISATION and code in estimated:
            utilisation_frac, source = estimated[code]
        elif code not in EXPECTED_UTILISATION:
            raise DataMissingError(
                f"utilisation_frac: no published expected utilisation for {code}; give one",
                field="utilisation_frac",
            )
        else:
            utilisation_frac, source = EXPECTED_UTILISATION[code]
    else:
        source = "given by the caller"
    if not 0.0 <= float(utilisation_frac) <= 1.0:
        raise ValidationError(
            f"utilisation_frac: must be within 0-1, got {utilisation_frac}",
            field="utilisation_frac",
        )
    sign = 1.0 if code.endswith("H") else -1.0
    per_period = sign * float(utilisation_frac) * interval_h
    series = pd.Series(
        np.full(len(interval_start), per_period),
        index=pd.DatetimeIndex(interval_start, name="interval_start"),
        name="net_import_mwh_per_mw",
    )
    note = (
        f"estimate: {code} response energy from an expected utilisation of "
        f"{float(utilisation_frac):.4f} MW per MW held ({source}), not from measured frequency"
    )
    return series, note
