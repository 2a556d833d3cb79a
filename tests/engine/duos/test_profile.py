"""Profile checks (rows named) and standard profile-class shapes."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from engine.duos import half_hourly_profile, scale_profile
from engine.errors import ValidationError
from engine.reference import ReferenceData
from engine.settlement import half_hourly_index


def _frame(starts: list[str], kwh: list[float] | None = None) -> pd.DataFrame:
    return pd.DataFrame({"interval_start": starts, "import_kwh": kwh or [1.0] * len(starts)})


def test_any_offset_and_any_order() -> None:
    frame = _frame(
        ["2025-06-01T01:30:00+01:00", "2025-06-01T00:00:00Z", "2025-06-01T00:00+00:00"][:2]
    )
    out = half_hourly_profile(frame)
    assert out.index.tolist() == [
        pd.Timestamp("2025-06-01T00:00Z"),
        pd.Timestamp("2025-06-01T00:30Z"),
    ]


def test_settlement_date_and_period_on_the_autumn_change() -> None:
    frame = pd.DataFrame(
        {
            "settlement_date": ["2025-10-26"] * 50,
            "settlement_period": range(1, 51),
            "import_kw": [2.0] * 50,
        }
    )
    out = half_hourly_profile(frame)
    assert out.index[0] == pd.Timestamp("2025-10-25T23:00Z")
    assert out.index[-1] == pd.Timestamp("2025-10-26T23:30Z")
    assert out["import_kwh"].tolist() == [1.0] * 50  # 2 kW average for half an hour = 1 kWh


def test_duplicates_are_named() -> None:
    frame = _frame(["2025-06-01T00:00Z", "2025-06-01T00:30Z", "2025-06-01T00:00Z"])
    with pytest.raises(ValidationError, match=r"duplicate half-hours at rows 0, 2"):
        half_hourly_profile(frame)


def test_gaps_are_named() -> None:
    frame = _frame(["2025-06-01T00:00Z", "2025-06-01T02:00Z", "2025-06-01T00:30Z"])
    with pytest.raises(ValidationError, match=r"2 missing between row 2 .* and row 1"):
        half_hourly_profile(frame)


def test_non_half_hour_steps_are_named() -> None:
    frame = _frame(["2025-06-01T00:00Z", "2025-06-01T00:15Z", "2025-06-01T00:30Z"])
    with pytest.raises(ValidationError, match=r"not on :00 or :30 at row 1 "):
        half_hourly_profile(frame)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (-2.5, r"^import_kwh: negative at row 1 \(first -2.5\)"),
        (float("nan"), r"^import_kwh: missing or not a number at row 1 \(first nan\)$"),
        ("1,234.5", r"^import_kwh: missing or not a number at row 1 \(first '1,234.5'\)$"),
    ],
)
def test_bad_values_name_the_field_and_the_one_row(value: float | str, message: str) -> None:
    frame = _frame(["2025-06-01T00:00Z", "2025-06-01T00:30Z"]).astype({"import_kwh": object})
    frame.loc[1, "import_kwh"] = value
    with pytest.raises(ValidationError, match=message) as err:
        half_hourly_profile(frame)
    assert err.value.field == "import_kwh"


@pytest.mark.parametrize(("column", "value"), [("import_kwh", 1e308), ("import_kw", 2.5e9)])
def test_impossible_quantities_are_refused(column: str, value: float) -> None:
    # 2.5e9 kW average = 1.25e9 kWh in the half-hour, over the 1e9 bound; 1e308 would
    # overflow 2 × kWh (kVA) to infinity.
    frame = pd.DataFrame({"interval_start": ["2025-06-01T00:00Z"], column: [value]})
    with pytest.raises(ValidationError, match=r"more than 1e\+09 per half-hour at row 0") as err:
        half_hourly_profile(frame)
    assert err.value.field == column


@pytest.mark.parametrize(
    ("dates", "periods", "field", "message"),
    [
        (["01/06/2025", "2025-06-01"], [1, 2], "settlement_date", "at row 0 (first '01/06/2025')"),
        (["2025-06-01", "2025-06-01"], [1, 1.5], "settlement_period", "whole number at row 1"),
        (["2025-06-01", "2025-06-01"], [1, "x"], "settlement_period", "whole number at row 1"),
    ],
)
def test_bad_settlement_keys_name_their_own_field(
    dates: list[str], periods: list[object], field: str, message: str
) -> None:
    frame = pd.DataFrame(
        {"settlement_date": dates, "settlement_period": periods, "import_kwh": [1.0, 1.0]}
    )
    with pytest.raises(ValidationError, match=re.escape(message)) as err:
        half_hourly_profile(frame)
    assert err.value.field == field


def test_interval_start_and_settlement_keys_must_agree() -> None:
    # 2025-06-01 SP 1 starts 00:00 BST = 2025-05-31T23:00Z; SP 2 at 23:30Z.
    frame = pd.DataFrame(
        {
            "interval_start": ["2025-05-31T23:00Z", "2025-05-31T23:30Z"],
            "settlement_date": ["2025-06-01", "2025-06-01"],
            "settlement_period": [1, 2],
            "import_kwh": [1.0, 1.0],
        }
    )
    assert len(half_hourly_profile(frame)) == 2
    frame["interval_start"] = ["2025-06-01T00:00Z", "2025-06-01T00:30Z"]  # UTC read as local
    with pytest.raises(ValidationError, match="disagrees with interval_start at rows 0, 1") as err:
        half_hourly_profile(frame)
    assert err.value.field == "settlement_period"


def test_no_time_columns_lists_the_columns_found() -> None:
    # A semicolon-separated file read as CSV has one column named after the whole header.
    frame = pd.DataFrame({"interval_start;import_kwh": ["2025-06-01T00:00Z;1"]})
    with pytest.raises(ValidationError, match=r"columns found: 'interval_start;import_kwh'\)"):
        half_hourly_profile(frame)


def test_naive_timestamps_rejected() -> None:
    with pytest.raises(ValidationError, match="UTC offset"):
        half_hourly_profile(_frame(["2025-06-01T00:00", "2025-06-01T00:30"]))


def test_kwh_and_kw_together_rejected() -> None:
    frame = _frame(["2025-06-01T00:00Z"]).assign(import_kw=[1.0])
    with pytest.raises(ValidationError, match="not both"):
        half_hourly_profile(frame)


def test_reactive_import_and_export_take_the_larger() -> None:
    frame = _frame(["2025-06-01T00:00Z", "2025-06-01T00:30Z"]).assign(
        reactive_import_kvarh=[3.0, 1.0], reactive_export_kvarh=[0.0, 4.0]
    )
    assert half_hourly_profile(frame)["reactive_kvarh"].tolist() == [3.0, 4.0]


def test_scale_profile_sums_to_the_annual_figure(ref: ReferenceData) -> None:
    out = scale_profile(ref, 3, 50_000, 2025)
    assert len(out) == len(half_hourly_index("2025-01-01", "2025-12-31")) == 17_520
    assert out["import_kwh"].sum() == pytest.approx(50_000)
    assert (out["import_kwh"] > 0).all()


def test_scale_profile_seasons_and_day_types(ref: ReferenceData) -> None:
    # Class 1, 18:00-18:30 clock time (period of day 36) kW values from the Elexon file.
    shape = ref.table("profile_class_demand")
    kw = shape[(shape.profile_class == "1") & (shape.settlement_period_of_day == 36)].set_index(
        ["season", "day_type"]
    )["average_demand_kw"]
    out = scale_profile(ref, 1, 1.0, 2025)
    scale = out["import_kwh"].sum() / 1.0  # scaled to 1 kWh: ratio between days is preserved

    # August bank holiday 2025 = Mon 25 Aug. High summer: Sat 19 Jul .. Sun 31 Aug;
    # autumn from Mon 1 Sep; summer from Sat 10 May (16th Saturday before).
    def at(local: str) -> float:
        return float(
            out["import_kwh"].loc[pd.Timestamp(local, tz="Europe/London").tz_convert("UTC")]
        )

    ratio = at("2025-07-21 17:30") / at("2025-09-01 17:30")
    assert ratio == pytest.approx(kw["high_summer", "weekday"] / kw["autumn", "weekday"])
    ratio = at("2025-05-10 17:30") / at("2025-05-09 17:30")
    assert ratio == pytest.approx(kw["summer", "saturday"] / kw["spring", "weekday"])
    ratio = at("2025-10-26 17:30") / at("2025-10-25 17:30")  # clock change day starts winter
    assert ratio == pytest.approx(kw["winter", "sunday"] / kw["autumn", "saturday"])
    assert scale > 0


def test_scale_profile_bad_inputs(ref: ReferenceData) -> None:
    with pytest.raises(ValidationError, match="profile class"):
        scale_profile(ref, 9, 1000, 2025)
    with pytest.raises(ValidationError, match="annual_kwh"):
        scale_profile(ref, 1, 0, 2025)
    with pytest.raises(ValidationError, match="year"):
        scale_profile(ref, 1, 1000, "next year")
    assert np.isclose(scale_profile(ref, 8, 10, "2025/26")["import_kwh"].sum(), 10)
