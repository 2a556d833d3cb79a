"""Half-hourly site profiles: read and check a metered profile, or scale a standard shape.

A profile is a DataFrame indexed by UTC ``interval_start`` (consecutive half-hours, no
duplicates, no gaps) with ``import_kwh`` and/or ``export_kwh`` and optionally
``reactive_kvarh`` and ``max_demand_kva``. Quantities given as average power per period
(``import_kw``, ``export_kw``, ``reactive_kvar``) are converted with :mod:`engine.units`.
Row numbers in errors are 0-based positions in the input as given.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import numpy.typing as npt
import pandas as pd

from engine.errors import DataMissingError, ValidationError
from engine.reference import ReferenceData
from engine.series import check_half_hour_steps, row_list, row_starts_ns
from engine.settlement import (
    half_hourly_index,
    parse_charging_year,
    periods_in_day,
    uk_clock_calendar,
)
from engine.units import kw_to_kwh_per_half_hour

ENERGY_COLUMNS = {
    "import_kwh": "import_kw",
    "export_kwh": "export_kw",
    "reactive_kvarh": "reactive_kvar",
    "reactive_import_kvarh": "reactive_import_kvar",
    "reactive_export_kvarh": "reactive_export_kvar",
}
PROFILE_COLUMNS = ("import_kwh", "export_kwh", "reactive_kvarh", "max_demand_kva")
#: Largest quantity accepted in one half-hour [kWh, kVArh or kVA], and largest agreed
#: capacity [kVA]: 1e9 kWh in 30 minutes is 2,000 GW, far past any GB connection (GB peak
#: demand is ~60 GW). Larger figures are unit mistakes, and would overflow the kVA arithmetic.
MAX_QUANTITY = 1e9


def _values(frame: pd.DataFrame, name: str) -> npt.NDArray[np.float64] | None:
    power = ENERGY_COLUMNS.get(name)
    has_energy, has_power = name in frame.columns, power is not None and power in frame.columns
    if has_energy and has_power:
        raise ValidationError(f"{name}: give {name} or {power}, not both", field=name)
    column = name if has_energy else power if has_power else None
    if column is None:
        return None
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=np.float64)
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        first = frame[column].iloc[int(bad[0])]
        raise ValidationError(
            f"{column}: missing or not a number at {row_list(bad)} (first {first!r})",
            field=column,
        )
    negative = np.flatnonzero(values < 0)
    if negative.size:
        raise ValidationError(
            f"{column}: negative at {row_list(negative)} (first {values[negative[0]]}); quantities "
            "are magnitudes, the direction is in the column name",
            field=column,
        )
    per_half_hour = kw_to_kwh_per_half_hour(values) if has_power else values
    huge = np.flatnonzero(per_half_hour > MAX_QUANTITY)
    if huge.size:
        raise ValidationError(
            f"{column}: more than {MAX_QUANTITY:.0e} per half-hour at {row_list(huge)} (first "
            f"{values[huge[0]]:g}); check the units",
            field=column,
        )
    return per_half_hour


def half_hourly_profile(frame: pd.DataFrame) -> pd.DataFrame:
    """Check a site profile and return it in the engine's layout.

    Args:
        frame: One row per half-hour, in any order, with ``interval_start`` (ISO 8601 with
            any UTC offset, or tz-aware datetimes; column or index) or ``settlement_date`` +
            ``settlement_period``; and ``import_kwh``/``import_kw`` and/or
            ``export_kwh``/``export_kw`` [kWh per period or average kW]; optionally
            ``reactive_kvarh``/``reactive_kvar`` (or ``reactive_import_kvarh`` and
            ``reactive_export_kvarh``, of which the larger counts, as in the charging
            statements) and ``max_demand_kva`` [kVA].

    Returns:
        DataFrame indexed by consecutive UTC ``interval_start`` with the columns given among
        ``import_kwh`` [kWh], ``export_kwh`` [kWh], ``reactive_kvarh`` [kVArh],
        ``max_demand_kva`` [kVA].

    Raises:
        ValidationError: Naming the rows that are duplicates, leave gaps, are not on a
            half-hour, or hold negative, missing or non-numeric values.
    """
    start_ns, columns = profile_arrays(frame)
    index = pd.DatetimeIndex(start_ns.view("datetime64[ns]"), name="interval_start").tz_localize(
        "UTC"
    )
    return pd.DataFrame(columns, index=index)


def profile_arrays(
    frame: pd.DataFrame,
) -> tuple[npt.NDArray[np.int64], dict[str, npt.NDArray[np.float64]]]:
    """The checks of :func:`half_hourly_profile`, returning plain arrays (the fast path).

    Returns:
        ``(start_ns, columns)``: sorted UTC starts [ns since epoch] and the profile columns
        (same names and units as :func:`half_hourly_profile`), in time order.
    """
    if frame.empty:
        raise ValidationError("profile: it has no rows", field="profile")
    start_ns = row_starts_ns(frame)
    order = check_half_hour_steps(start_ns)
    in_order = bool(np.all(order[1:] > order[:-1]))
    columns: dict[str, npt.NDArray[np.float64]] = {}
    for name in ("import_kwh", "export_kwh"):
        values = _values(frame, name)
        if values is not None:
            columns[name] = values
    if not columns:
        raise ValidationError(
            "import_kwh: the profile needs import_kwh (or import_kw) or export_kwh (or export_kw)",
            field="import_kwh",
        )
    reactive = _values(frame, "reactive_kvarh")
    split = [_values(frame, "reactive_import_kvarh"), _values(frame, "reactive_export_kvarh")]
    if reactive is not None and any(v is not None for v in split):
        raise ValidationError(
            "reactive_kvarh: give reactive_kvarh or reactive_import/export_kvarh, not both",
            field="reactive_kvarh",
        )
    given = [v for v in split if v is not None]
    if given:
        reactive = np.maximum.reduce(given) if len(given) > 1 else given[0]
    if reactive is not None:
        columns["reactive_kvarh"] = reactive
    if "max_demand_kva" in frame.columns:
        kva = _values(frame, "max_demand_kva")
        if kva is not None:
            columns["max_demand_kva"] = kva
    if in_order:
        return start_ns, columns
    return start_ns[order], {name: values[order] for name, values in columns.items()}


def _season_bounds(ref: ReferenceData, year: int) -> list[dt.date]:
    """Start dates of spring, summer, high summer, autumn and winter in a calendar year.

    Elexon/Electricity Association profile seasons (UKERC catalogue entry for the 1997
    "Electricity user load profiles by profile class"): spring from the March clock change;
    summer the 10 weeks from the 16th Saturday before the August bank holiday; high summer
    6 weeks 2 days from the 6th Saturday before it to the Sunday after; autumn from the
    Monday after; winter from the October clock change.
    """
    days = pd.date_range(f"{year}-01-01", f"{year}-12-31", freq="D")
    per_day = periods_in_day(days)
    spring = days[per_day == 46][0].date()
    winter = days[per_day == 50][0].date()
    holidays = ref.table("bank_holidays")
    august = holidays[
        (holidays["division"] == "england-and-wales")
        & (holidays["date"].dt.year == year)
        & (holidays["date"].dt.month == 8)
    ]
    if august.empty:
        raise DataMissingError(
            f"bank_holidays: no England and Wales August bank holiday for {year}; profile "
            "seasons cannot be placed",
            field="year",
        )
    bank_holiday = august["date"].iloc[0].date()
    summer = bank_holiday - dt.timedelta(days=2 + 15 * 7)  # 16th Saturday before
    high_summer = bank_holiday - dt.timedelta(days=2 + 5 * 7)  # 6th Saturday before
    autumn = bank_holiday + dt.timedelta(days=7)  # Monday after
    return [spring, summer, high_summer, autumn, winter]


SEASONS = ("winter", "spring", "summer", "high_summer", "autumn")
DAY_TYPES = ("weekday", "weekday", "weekday", "weekday", "weekday", "saturday", "sunday")


def year_span(year: object) -> tuple[dt.date, dt.date]:
    """First and last UK day of a calendar year (2025) or a charging year ("2025/26").

    Raises:
        ValidationError: If ``year`` is neither.
    """
    if isinstance(year, str) and "/" in year:
        return parse_charging_year(year, "year")
    try:
        calendar_year = int(str(year))
        return dt.date(calendar_year, 1, 1), dt.date(calendar_year, 12, 31)
    except (ValueError, OverflowError):  # not a number, or no such year (0, 99999999999)
        raise ValidationError(
            f"year: expected a calendar year (2025) or charging year ('2025/26'), got {year!r}",
            field="year",
        ) from None


def scale_profile(
    ref: ReferenceData, shape: object, annual_kwh: float, year: object
) -> pd.DataFrame:
    """A half-hourly import profile from a standard Elexon profile-class shape.

    Each half-hour takes the class's average demand for its season, day type (weekday,
    Saturday, Sunday; bank holidays keep their calendar day type, the dataset defines no
    other) and UK clock half-hour; on clock-change days the clock hour that repeats uses the
    same value twice and the skipped one is absent. The shape is then scaled so the
    periods sum to ``annual_kwh``.

    Args:
        ref: Reference data (profile shapes; bank holidays for the August bank holiday).
        shape: Profile class 1-8.
        annual_kwh: Energy over the whole year [kWh], > 0.
        year: Calendar year (e.g. 2025) or charging year ("2025/26").

    Returns:
        DataFrame indexed by UTC ``interval_start`` with ``import_kwh`` [kWh].

    Raises:
        ValidationError: For an unknown class, a non-positive total or a bad year.
        DataMissingError: If the year's August bank holiday is not in the data.
    """
    table = ref.table("profile_class_demand")
    wanted = str(shape).strip().lstrip("0") or "0"
    classes = sorted(table["profile_class"].unique())
    if wanted not in classes:
        raise ValidationError(
            f"shape: profile class {shape!r} not available; choose one of {', '.join(classes)}",
            field="shape",
        )
    if not np.isfinite(annual_kwh) or annual_kwh <= 0:
        raise ValidationError(f"annual_kwh: must be > 0, got {annual_kwh}", field="annual_kwh")
    first, last = year_span(year)
    index = half_hourly_index(first, last)
    cal = uk_clock_calendar(index)
    local_date = pd.DatetimeIndex(cal["local_date"])
    season = np.zeros(len(index), dtype=np.int64)
    for calendar_year in sorted(set(local_date.year)):
        in_year = np.asarray(local_date.year == calendar_year)
        day = local_date[in_year]
        bounds = np.array([np.datetime64(b) for b in _season_bounds(ref, calendar_year)])
        season[in_year] = (
            np.searchsorted(bounds, day.values.astype("datetime64[D]"), side="right") % 5
        )
    day_type = np.array(DAY_TYPES, dtype=object)[cal["day_of_week"].to_numpy()]
    rows = table[table["profile_class"] == wanted]
    lookup = rows.set_index(["season", "day_type", "settlement_period_of_day"])["average_demand_kw"]
    keys = pd.MultiIndex.from_arrays(
        [np.array(SEASONS, dtype=object)[season], day_type, cal["clock_half_hour"].to_numpy() + 1]
    )
    demand_kw = lookup.reindex(keys).to_numpy(dtype=np.float64)
    if np.isnan(demand_kw).any():
        raise DataMissingError(f"profile_class_demand: class {wanted} lacks some half-hours")
    energy = kw_to_kwh_per_half_hour(demand_kw)
    return pd.DataFrame({"import_kwh": energy * (annual_kwh / energy.sum())}, index=index)
