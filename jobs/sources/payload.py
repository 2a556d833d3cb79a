"""Checks on what a source sends: response shapes, required fields and types, whole days.

Every failure raises :class:`SourceUnavailableError` naming the endpoint, the date (or
range) and the field, so a bad day is refused before anything of it is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from engine.errors import SourceUnavailableError, ValidationError
from engine.settlement import interval_start_from_settlement, periods_in_day

FieldKind = Literal["str", "int", "float", "bool", "date", "timestamp"]


def records_of(payload: Any, endpoint: str, scope: str) -> list[dict[str, Any]]:
    """The rows of an Elexon/NESO response in any of its shapes.

    Shapes: ``{"data": [...], "metadata": {...}}``, ``{"data": [...]}``, a bare array, and
    CKAN's ``{"success": true, "result": {"records": [...]}}``.

    Raises:
        SourceUnavailableError: Any other shape, or rows that are not objects.
    """
    rows: Any
    if isinstance(payload, list):
        rows = payload
    elif isinstance(payload, dict) and "data" in payload:
        rows = payload["data"]
    elif isinstance(payload, dict) and isinstance(payload.get("result"), dict):
        if payload.get("success") is False:
            raise SourceUnavailableError(
                f"{endpoint} for {scope}: the portal reported failure: {payload.get('error')}",
                field=endpoint,
            )
        rows = payload["result"].get("records")
    else:
        raise SourceUnavailableError(
            f"{endpoint} for {scope}: unexpected response shape "
            f"({type(payload).__name__} without data/records)",
            field=endpoint,
        )
    if rows is None:
        return []
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise SourceUnavailableError(
            f"{endpoint} for {scope}: rows are not a list of objects", field=endpoint
        )
    return rows


def typed_frame(
    rows: Sequence[Mapping[str, Any]],
    fields: Mapping[str, FieldKind],
    renames: Mapping[str, str],
    *,
    endpoint: str,
    scope: str,
    optional: Sequence[str] = (),
) -> pd.DataFrame:
    """Rows → typed frame in warehouse names, checking every required field and type.

    Args:
        rows: Source rows (dicts).
        fields: Source field → kind, for every field read.
        renames: Source field → warehouse column.
        endpoint: Endpoint, for messages.
        scope: Date or range asked for, for messages.
        optional: Fields that may be absent or null.

    Raises:
        SourceUnavailableError: Missing field, or a value of the wrong type (first one
            named with its row).
    """
    frame = pd.DataFrame.from_records(list(rows), columns=list(fields))
    out = pd.DataFrame(index=frame.index)
    for name, kind in fields.items():
        values = frame[name]
        absent = values.isna()
        if absent.any() and name not in optional:
            row = int(np.flatnonzero(absent.to_numpy())[0])
            raise SourceUnavailableError(
                f"{endpoint} for {scope}: row {row} has no {name}", field=name
            )
        out[renames[name]] = _parse(values, kind, name, endpoint, scope)
    return out


def _parse(values: pd.Series, kind: FieldKind, name: str, endpoint: str, scope: str) -> pd.Series:
    present = values.dropna()
    try:
        if kind == "str":
            bad = ~present.map(lambda v: isinstance(v, str))
            _raise_first(bad, present, name, "text", endpoint, scope)
            return values.map(lambda v: v.strip() if isinstance(v, str) else None)
        if kind in {"int", "float"}:
            bad = ~present.map(_is_number_like)
            _raise_first(bad, present, name, "a number", endpoint, scope)
            numbers = pd.to_numeric(values)
            if kind == "int":
                if (numbers.dropna() % 1 != 0).any():
                    _raise_first(
                        numbers.dropna() % 1 != 0, present, name, "a whole number", endpoint, scope
                    )
                return numbers.astype("Int64")
            return numbers.astype("float64")
        if kind == "bool":
            bad = ~present.map(lambda v: isinstance(v, bool) or str(v) in {"True", "False"})
            _raise_first(bad, present, name, "true/false", endpoint, scope)
            return values.map(lambda v: None if v is None else v is True or str(v) == "True")
        if kind == "date":
            return pd.to_datetime(values, format="%Y-%m-%d")
        parsed = pd.to_datetime(values, format="ISO8601", utc=True)
        return parsed
    except (ValueError, TypeError) as exc:
        raise SourceUnavailableError(
            f"{endpoint} for {scope}: field {name} is not a valid {kind}: {exc}", field=name
        ) from exc


def _is_number_like(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return True
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            return False
        return True
    return False


def _raise_first(
    bad: pd.Series, values: pd.Series, name: str, what: str, endpoint: str, scope: str
) -> None:
    if bad.any():
        index = bad[bad].index[0]
        raise SourceUnavailableError(
            f"{endpoint} for {scope}: row {index} field {name} should be {what}, "
            f"got {values.loc[index]!r}",
            field=name,
        )


def check_whole_day(
    frame: pd.DataFrame, day: dt.date, *, endpoint: str, series: Sequence[str] = ()
) -> None:
    """A settlement day's rows: every period 1..46/48/50 exactly once per series, and each
    ``interval_start`` equal to the settlement calendar's start for its period.

    Raises:
        SourceUnavailableError: Wrong date, period out of range (e.g. a 46-period day sent
            as 48), a duplicated or missing period, or a start time off the calendar.
    """
    scope = day.isoformat()
    n_periods = int(periods_in_day(day)[0])
    dates = frame["settlement_date"].dt.date
    if (dates != day).any():
        other = dates[dates != day].iloc[0]
        raise SourceUnavailableError(
            f"{endpoint} for {scope}: a row has settlement date {other}", field="settlementDate"
        )
    period = frame["settlement_period"]
    beyond = (period < 1) | (period > n_periods)
    if beyond.any():
        raise SourceUnavailableError(
            f"{endpoint} for {scope}: settlement period {int(period[beyond].iloc[0])} is not a "
            f"period of {scope}, which has {n_periods}",
            field="settlementPeriod",
        )
    groups = frame.groupby(list(series)) if series else [((), frame)]
    for key, part in groups:
        label = f" ({', '.join(map(str, key))})" if series else ""
        duplicated = part["settlement_period"].duplicated()
        if duplicated.any():
            raise SourceUnavailableError(
                f"{endpoint} for {scope}{label}: settlement period "
                f"{int(part['settlement_period'][duplicated].iloc[0])} appears twice",
                field="settlementPeriod",
            )
        if len(part) != n_periods:
            raise SourceUnavailableError(
                f"{endpoint} for {scope}{label}: {len(part)} of {n_periods} periods sent",
                field="settlementPeriod",
            )
    try:
        expected = interval_start_from_settlement(frame["settlement_date"], period)
    except ValidationError as exc:  # ranges checked above
        raise SourceUnavailableError(f"{endpoint} for {scope}: {exc.detail}") from exc
    off = np.flatnonzero(np.asarray(pd.DatetimeIndex(frame["interval_start"]) != expected))
    if off.size:
        row = int(off[0])
        raise SourceUnavailableError(
            f"{endpoint} for {scope}: period {int(period.iloc[row])} starts "
            f"{frame['interval_start'].iloc[row].isoformat()}, the calendar says "
            f"{expected[row].isoformat()}",
            field="startTime",
        )


def check_periods_and_keys(
    frame: pd.DataFrame,
    day: dt.date,
    *,
    endpoint: str,
    period_column: str,
    key: Sequence[str],
) -> None:
    """Event rows of one day (BOD, BOALF, PN): periods within the day, no duplicated key.

    Raises:
        SourceUnavailableError: A period beyond the day's 46/48/50, or a duplicated row.
    """
    scope = day.isoformat()
    n_periods = int(periods_in_day(day)[0])
    period = frame[period_column]
    beyond = (period < 1) | (period > n_periods)
    if beyond.any():
        raise SourceUnavailableError(
            f"{endpoint} for {scope}: settlement period {int(period[beyond].iloc[0])} is not a "
            f"period of {scope}, which has {n_periods}",
            field=period_column,
        )
    duplicated = frame.duplicated(list(key))
    if duplicated.any():
        row = frame[duplicated].iloc[0]
        described = ", ".join(f"{k}={row[k]}" for k in key)
        raise SourceUnavailableError(
            f"{endpoint} for {scope}: duplicated row ({described})", field=key[0]
        )
