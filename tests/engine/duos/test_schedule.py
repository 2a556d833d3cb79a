"""Band classification in UK clock time and the cached per-period schedule."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.duos import classify_duos_band, duos_schedule, find_tariff
from engine.errors import ValidationError
from engine.reference import ReferenceData
from engine.settlement import half_hourly_index


def _band(ref: ReferenceData, distributor: object, tariff: str, utc: str) -> str:
    found = find_tariff(ref, distributor, tariff=tariff)
    return str(classify_duos_band(pd.DatetimeIndex([pd.Timestamp(utc)]), found).iloc[0])


@pytest.mark.parametrize(
    ("utc", "band"),
    [
        ("2025-10-24T09:30Z", "amber"),  # Fri 10:30 BST
        ("2025-10-24T10:00Z", "red"),  # Fri 11:00 BST: the London midday red window
        ("2025-10-24T12:30Z", "red"),  # 13:30 BST
        ("2025-10-24T13:00Z", "amber"),  # 14:00 BST
        ("2025-10-24T15:00Z", "red"),  # 16:00 BST
        ("2025-10-24T18:00Z", "amber"),  # 19:00 BST
        ("2025-10-26T10:00Z", "green"),  # Sunday of the autumn clock change
        ("2025-10-27T10:00Z", "amber"),  # Mon 10:00 GMT (would be red if read as BST)
        ("2025-10-27T11:00Z", "red"),  # Mon 11:00 GMT
        ("2026-03-30T10:00Z", "red"),  # Mon after the spring change: 11:00 BST
        ("2026-03-27T10:00Z", "amber"),  # Fri before it: 10:00 GMT
        ("2025-05-05T15:30Z", "red"),  # Early May bank holiday, 16:30 BST: a weekday
        ("2025-12-25T16:30Z", "red"),  # Christmas Day (Thursday) 16:30 GMT
    ],
)
def test_london_bands(ref: ReferenceData, utc: str, band: str) -> None:
    assert _band(ref, 12, "HV Site Specific Band 1", utc) == band


def test_weekend_amber_where_published(ref: ReferenceData) -> None:
    # SOUT (20): Saturday and Sunday amber 09:30-21:30.
    assert _band(ref, 20, "LV Site Specific Band 1", "2025-06-07T09:00Z") == "amber"  # 10:00 BST
    assert _band(ref, 20, "LV Site Specific Band 1", "2025-06-07T08:00Z") == "green"  # 09:00 BST


@pytest.mark.parametrize(
    ("utc", "band"),
    [
        ("2025-12-19T17:30Z", "black"),  # Fri 19 Dec 17:30: winter months, black 17:00-19:00
        ("2025-12-23T17:30Z", "yellow"),  # 22 Dec - 4 Jan follow the March-October group
        ("2026-01-05T17:30Z", "black"),  # Monday 5 Jan: back to winter
        ("2025-07-16T17:30Z", "yellow"),  # summer has no black band
    ],
)
def test_unmetered_christmas_exception(ref: ReferenceData, utc: str, band: str) -> None:
    # SWEB (22) unmetered: "excluding 22nd Dec to 4th Jan inclusive" on months 1 2 11 12.
    assert _band(ref, 22, "Unmetered Supplies", utc) == band


def test_band_counts_over_a_clock_change_week(ref: ReferenceData) -> None:
    tariff = find_tariff(ref, 12, tariff="HV Site Specific Band 1")
    index = half_hourly_index("2025-10-20", "2025-10-26")  # Mon-Sun, Sunday has 50 periods
    counts = classify_duos_band(index, tariff).value_counts()
    assert counts["red"] == 5 * 12
    assert counts["amber"] == 5 * 20
    assert counts["green"] == 7 * 48 + 2 - 5 * 32


def test_classification_rejects_years_not_held(ref: ReferenceData) -> None:
    tariff = find_tariff(ref, 12, tariff="HV Site Specific Band 1", on="2025/26")
    with pytest.raises(ValidationError, match="2026/27"):
        classify_duos_band(half_hourly_index("2026-03-31", "2026-04-01"), tariff)


def test_schedule_is_cached_and_read_only(ref: ReferenceData) -> None:
    tariff = find_tariff(ref, 14, tariff="LV Site Specific Band 2")
    index = half_hourly_index("2025-03-01", "2025-04-30")
    first = int(index[0].value)
    schedule = duos_schedule(tariff, first, len(index))
    assert duos_schedule(tariff, first, len(index)) is schedule
    assert schedule.months == ("2025-03", "2025-04")
    assert schedule.days.tolist() == [31.0, 30.0]
    assert [y.charging_year for y in schedule.month_years] == ["2024/25", "2025/26"]
    assert not schedule.band_code.flags.writeable
    bands = classify_duos_band(index, tariff).to_numpy()
    assert np.array_equal(np.array(tariff.band_names, dtype=object)[schedule.band_code], bands)
