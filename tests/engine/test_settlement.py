"""Settlement time against hand-worked clock-change days and Hypothesis properties."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.errors import ValidationError
from engine.settlement import (
    charging_year,
    charging_year_of_date,
    charging_year_start,
    efa_block_bounds,
    efa_date_block,
    half_hourly_index,
    interval_start_from_settlement,
    parse_charging_year,
    periods_in_day,
    settlement_calendar,
    settlement_date_period,
    to_utc_index,
    uk_clock_calendar,
)

dates = st.dates(min_value=dt.date(2015, 1, 1), max_value=dt.date(2035, 12, 31))


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2024-03-31", 46),
        ("2024-10-27", 50),
        ("2024-06-01", 48),
        ("2025-03-30", 46),
        ("2025-10-26", 50),
        ("2024-01-01", 48),
    ],
)
def test_periods_in_day(day: str, expected: int) -> None:
    assert periods_in_day(day).tolist() == [expected]
    assert len(half_hourly_index(day, day)) == expected


def test_spring_clock_change_2024_03_31() -> None:
    # 00:00 GMT = 00:00 UTC; at 01:00 GMT clocks jump to 02:00 BST (= 01:00 UTC).
    cal = settlement_calendar(half_hourly_index("2024-03-31", "2024-03-31"))
    assert cal.index[0] == pd.Timestamp("2024-03-31T00:00Z")
    assert cal.index[-1] == pd.Timestamp("2024-03-31T22:30Z")  # 23:30 BST
    assert cal["settlement_period"].tolist() == list(range(1, 47))
    # SP3 starts 01:00 UTC = 02:00 BST (there is no 01:00-02:00 local).
    assert cal.index[2] == pd.Timestamp("2024-03-31T01:00Z")
    # EFA block 1 of 2024-03-31 ran 23:00 GMT (30th) to 03:00 BST: 3 hours = 6 periods.
    start, end = efa_block_bounds(["2024-03-31"], [1])
    assert start[0] == pd.Timestamp("2024-03-30T23:00Z")
    assert end[0] == pd.Timestamp("2024-03-31T02:00Z")
    # Last two periods (23:00, 23:30 BST) already belong to EFA day 2024-04-01 block 1.
    assert cal["efa_date"].iloc[-1] == pd.Timestamp("2024-04-01")
    assert cal["efa_block"].iloc[-2:].tolist() == [1, 1]
    assert set(cal["charging_year"]) == {"2023/24"}


def test_autumn_clock_change_2024_10_27() -> None:
    cal = settlement_calendar(half_hourly_index("2024-10-27", "2024-10-27"))
    assert cal.index[0] == pd.Timestamp("2024-10-26T23:00Z")  # 00:00 BST
    assert cal.index[-1] == pd.Timestamp("2024-10-27T23:30Z")  # 23:30 GMT
    assert cal["settlement_period"].max() == 50
    # 01:00-02:00 local happens twice: SP3-4 (BST) and SP5-6 (GMT), all in EFA block 1.
    assert cal.index[2] == pd.Timestamp("2024-10-27T00:00Z")
    assert cal.index[4] == pd.Timestamp("2024-10-27T01:00Z")
    start, end = efa_block_bounds(["2024-10-27"], [1])
    assert (end[0] - start[0]) == pd.Timedelta(hours=5)
    block1 = efa_date_block(pd.date_range(start[0], end[0], freq="30min", inclusive="left"))
    assert set(block1["efa_block"]) == {1}
    assert set(block1["efa_date"]) == {pd.Timestamp("2024-10-27")}


def test_efa_block_of_summer_sp1() -> None:
    # 2024-06-01 SP1 = 00:00 BST = 23:00 UTC on 31 May: EFA day began 23:00 BST on 31 May.
    cal = settlement_calendar(pd.DatetimeIndex(["2024-05-31T23:00Z"]))
    assert cal["settlement_date"].iloc[0] == pd.Timestamp("2024-06-01")
    assert cal["settlement_period"].iloc[0] == 1
    assert cal["efa_date"].iloc[0] == pd.Timestamp("2024-06-01")
    assert cal["efa_block"].iloc[0] == 1
    # 22:00 UTC on 31 May is 23:00 BST: first period of EFA day 2024-06-01.
    ev = efa_date_block(pd.DatetimeIndex(["2024-05-31T21:30Z", "2024-05-31T22:00Z"]))
    assert ev["efa_date"].tolist() == [pd.Timestamp("2024-05-31"), pd.Timestamp("2024-06-01")]
    assert ev["efa_block"].tolist() == [6, 1]


@pytest.mark.parametrize(
    ("day", "label"),
    [
        ("2025-03-31", "2024/25"),
        ("2025-04-01", "2025/26"),
        ("2099-12-31", "2099/00"),
        ("2026-01-15", "2025/26"),
    ],
)
def test_charging_year_of_date(day: str, label: str) -> None:
    assert charging_year_of_date(day) == label


def test_charging_year_uses_uk_local_date() -> None:
    # 2025-03-31T23:30Z is 00:30 BST on 1 April: charging year 2025/26.
    idx = pd.DatetimeIndex(["2025-03-31T22:30Z", "2025-03-31T23:00Z"])
    assert charging_year(idx).tolist() == ["2024/25", "2025/26"]


@pytest.mark.parametrize(
    ("first", "last", "field"),
    [("1901-12-31", "1902-01-01", "first_date"), ("2261-12-31", "2262-01-01", "last_date")],
)
def test_days_outside_the_supported_range_are_named(first: str, last: str, field: str) -> None:
    with pytest.raises(ValidationError, match="1902-01-01 to 2261-12-31") as err:
        half_hourly_index(first, last)
    assert err.value.field == field
    # The edges themselves work: 1902-01-01 is GMT, 2261-12-31 has 48 periods.
    assert len(half_hourly_index("1902-01-01", "1902-01-01")) == 48
    assert len(half_hourly_index("2261-12-31", "2261-12-31")) == 48


def test_parse_charging_year() -> None:
    assert parse_charging_year("2025/26") == (dt.date(2025, 4, 1), dt.date(2026, 3, 31))
    with pytest.raises(ValidationError, match="charging year like"):
        parse_charging_year("2025/27")
    with pytest.raises(ValidationError, match="charging year like"):
        parse_charging_year("9999/00")  # would end in year 10000: no such date


def test_bad_inputs_are_named() -> None:
    with pytest.raises(ValidationError, match="UTC offset"):
        to_utc_index(pd.DatetimeIndex(["2024-01-01T00:00"]))
    with pytest.raises(ValidationError, match=r"half-hour, first at row 1"):
        to_utc_index(pd.DatetimeIndex(["2024-01-01T00:00Z", "2024-01-01T00:10Z"]))
    with pytest.raises(ValidationError, match="49 is not a period of 2024-06-01"):
        interval_start_from_settlement(["2024-06-01"], [49])
    with pytest.raises(ValidationError, match="before first_date"):
        half_hourly_index("2024-06-02", "2024-06-01")


@settings(max_examples=200, deadline=None)
@given(dates)
def test_round_trip_every_period_of_any_day(day: dt.date) -> None:
    idx = half_hourly_index(day, day)
    sp = settlement_date_period(idx)
    assert (sp["settlement_date"] == pd.Timestamp(day)).all()
    assert sp["settlement_period"].tolist() == list(range(1, len(idx) + 1))
    back = interval_start_from_settlement(sp["settlement_date"], sp["settlement_period"])
    assert back.equals(idx)
    assert len(idx) in (46, 48, 50)
    # Intervals are contiguous half-hours in UTC.
    assert (idx[1:] - idx[:-1] == pd.Timedelta(minutes=30)).all()


@settings(max_examples=200, deadline=None)
@given(dates)
def test_efa_day_has_six_blocks_summing_to_its_length(day: dt.date) -> None:
    start, end = efa_block_bounds([day] * 6, range(1, 7))
    lengths = (end - start) / pd.Timedelta(hours=1)
    assert all(start[1:] == end[:-1])  # blocks are contiguous
    assert lengths[1:].tolist() == [4.0] * 5
    assert lengths[0] in (3.0, 4.0, 5.0)
    inside = pd.date_range(start[0], end[-1], freq="30min", inclusive="left")
    ev = efa_date_block(inside)
    assert (ev["efa_date"] == pd.Timestamp(day)).all()
    counts = ev["efa_block"].value_counts().sort_index()
    assert counts.index.tolist() == [1, 2, 3, 4, 5, 6]
    assert counts.iloc[1:].tolist() == [8] * 5


@given(st.dates(min_value=dt.date(1902, 1, 1), max_value=dt.date(2261, 12, 30)))
def test_uk_clock_calendar_matches_pandas_wall_clock_fields(day: dt.date) -> None:
    # The integer arithmetic agrees with pandas' own fields of the UK wall-clock time,
    # before 1970 (negative epochs) as after, and across the charging-year boundary.
    index = half_hourly_index(day, day + dt.timedelta(days=1))
    cal = uk_clock_calendar(index)
    wall = index.tz_convert("Europe/London")
    assert (cal["local_date"].to_numpy() == wall.tz_localize(None).normalize().to_numpy()).all()
    assert (cal["clock_half_hour"].to_numpy() == wall.hour * 2 + wall.minute // 30).all()
    assert (cal["day_of_week"].to_numpy() == wall.dayofweek).all()
    assert (cal["month"].to_numpy() == wall.month).all()
    assert (charging_year_start(index) == wall.year - (wall.month < 4)).all()


def test_uk_clock_calendar_on_clock_change_days() -> None:
    spring = uk_clock_calendar(half_hourly_index("2025-03-30", "2025-03-30"))
    # 46 periods: clock slots 2 and 3 (01:00-02:00) never happen.
    assert spring["clock_half_hour"].tolist() == [0, 1, *range(4, 48)]
    autumn = uk_clock_calendar(half_hourly_index("2025-10-26", "2025-10-26"))
    # 50 periods: 01:00-02:00 happens twice (BST then GMT).
    assert autumn["clock_half_hour"].tolist() == [0, 1, 2, 3, 2, 3, *range(4, 48)]
    assert set(autumn["day_of_week"]) == {6}
    assert set(autumn["month"]) == {10}
    assert set(autumn["local_date"]) == {pd.Timestamp("2025-10-26")}
