"""Elexon Insights API client: BMRS datasets renamed into the warehouse's columns.

Paths, parameters and field names follow the published OpenAPI document (the subset in
``market/elexon_insights_api_schema_subset.json``). Each method fetches a range of UK
settlement days, splitting it into the windows an endpoint accepts, checks every field's
presence and type, and returns a frame in the warehouse's names (see
:mod:`jobs.warehouse.schema`). Whole-day checks (46/48/50 periods, no duplicates) are in
:mod:`jobs.sources.payload` and run per day before anything is loaded.

Window limits used (conservative; the schema subset does not state them): system prices
one settlement date per call (path parameter); MID 7 days; BOALF and FREQ 1 day; BOD 1 hour;
PN one settlement period per call (required parameters).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from engine.errors import SourceUnavailableError, ValidationError
from engine.fleet import check_bid_offers
from engine.settlement import half_hourly_index, iso_utc, settlement_date_period
from jobs.sources.fields import (
    BM_UNIT_FIELDS,
    BOALF_FIELDS,
    BOD_FIELDS,
    FREQUENCY_FIELDS,
    MARKET_INDEX_FIELDS,
    PN_FIELDS,
    SYSTEM_PRICE_FIELDS,
    bm_units_frame,
)
from jobs.sources.http import JsonClient
from jobs.sources.payload import FieldKind, records_of, typed_frame
from jobs.sources.windows import day_bounds_utc, windows

ELEXON_BASE_URL = "https://data.elexon.co.uk/bmrs/api/v1"

SYSTEM_PRICES_PATH = "/balancing/settlement/system-prices/{settlementDate}"
MID_PATH = "/datasets/MID"
BOALF_PATH = "/datasets/BOALF"
BOD_PATH = "/datasets/BOD"
PN_PATH = "/datasets/PN"
BM_UNITS_PATH = "/reference/bmunits/all"
FREQ_PATH = "/datasets/FREQ"

MID_WINDOW = dt.timedelta(days=7)
BOALF_WINDOW = dt.timedelta(days=1)
BOD_WINDOW = dt.timedelta(hours=1)
FREQ_WINDOW = dt.timedelta(days=1)

_SYSTEM_PRICE_KINDS: dict[str, FieldKind] = {
    "settlementDate": "date",
    "settlementPeriod": "int",
    "startTime": "timestamp",
    "systemSellPrice": "float",
    "systemBuyPrice": "float",
    "netImbalanceVolume": "float",
}
_MID_KINDS: dict[str, FieldKind] = {
    "settlementDate": "date",
    "settlementPeriod": "int",
    "startTime": "timestamp",
    "dataProvider": "str",
    "price": "float",
    "volume": "float",
}
_LEVEL_KINDS: dict[str, FieldKind] = {
    "settlementDate": "date",
    "timeFrom": "timestamp",
    "timeTo": "timestamp",
    "levelFrom": "float",
    "levelTo": "float",
    "nationalGridBmUnit": "str",
    "bmUnit": "str",
}
_BOALF_KINDS: dict[str, FieldKind] = {
    **_LEVEL_KINDS,
    "settlementPeriodFrom": "int",
    "settlementPeriodTo": "int",
    "acceptanceNumber": "int",
    "acceptanceTime": "timestamp",
    "deemedBoFlag": "bool",
    "soFlag": "bool",
    "amendmentFlag": "str",
    "storFlag": "bool",
    "rrFlag": "bool",
}
_BOD_KINDS: dict[str, FieldKind] = {
    **_LEVEL_KINDS,
    "settlementPeriod": "int",
    "pairId": "int",
    "offer": "float",
    "bid": "float",
}
_PN_KINDS: dict[str, FieldKind] = {**_LEVEL_KINDS, "settlementPeriod": "int"}
_FREQ_KINDS: dict[str, FieldKind] = {"measurementTime": "timestamp", "frequency": "float"}


def _iso(stamp: pd.Timestamp) -> str:
    return iso_utc([stamp])[0]


class ElexonClient:
    """The Elexon Insights datasets the warehouse holds.

    Args:
        http: A :class:`JsonClient` on ``ELEXON_BASE_URL`` (session injected).
    """

    source = "elexon-insights"

    def __init__(self, http: JsonClient) -> None:
        self.http = http

    def _rows(self, path: str, params: dict[str, Any], scope: str) -> list[dict[str, Any]]:
        return records_of(self.http.get_json(path, params, scope=scope), path, scope)

    def system_prices(self, day: dt.date) -> pd.DataFrame:
        """System sell/buy prices [£/MWh] and NIV [MWh] of one settlement date (DISEBSP).

        Returns:
            ``system_prices`` columns (``interval_start`` from Elexon's ``startTime``).
        """
        path = SYSTEM_PRICES_PATH.format(settlementDate=day.isoformat())
        rows = self._rows(path, {"format": "json"}, day.isoformat())
        frame = typed_frame(
            rows,
            _SYSTEM_PRICE_KINDS,
            SYSTEM_PRICE_FIELDS,
            endpoint=SYSTEM_PRICES_PATH,
            scope=day.isoformat(),
        )
        frame["source"] = f"elexon:{SYSTEM_PRICES_PATH}"
        return frame

    def market_index(self, first: dt.date, last: dt.date) -> pd.DataFrame:
        """Market Index Data per provider and period for UK days ``first``..``last``.

        Returns:
            ``market_index`` columns; rows of other settlement dates are dropped.
        """

        def params(lower: pd.Timestamp, upper: pd.Timestamp) -> dict[str, Any]:
            # `to` includes a period starting at it: ask up to the window's last period.
            return {"from": _iso(lower), "to": _iso(upper - pd.Timedelta(minutes=30))}

        frame = self._windowed(
            MID_PATH, _MID_KINDS, MARKET_INDEX_FIELDS, first, last, MID_WINDOW, params
        )
        frame["source"] = f"elexon:{MID_PATH}"
        return frame

    def acceptances(self, first: dt.date, last: dt.date) -> pd.DataFrame:
        """Bid-offer acceptance levels (BOALF) for UK days ``first``..``last``."""
        return self._windowed(BOALF_PATH, _BOALF_KINDS, BOALF_FIELDS, first, last, BOALF_WINDOW)

    def bid_offers(
        self, first: dt.date, last: dt.date, units: Sequence[str] | None = None
    ) -> pd.DataFrame:
        """Bid-offer pairs (BOD) for UK days ``first``..``last`` (1-hour windows).

        ``units`` (Elexon BM unit ids) asks only for those units (the ``bmUnit`` array
        parameter); None asks for every unit.

        Checked before anything is returned (so a bad day is never half-loaded): pair numbers
        must run ±1, ±2, … without a jump, offer pairs' levels be ≥ 0 MW and bid pairs' ≤ 0
        (:func:`engine.fleet.check_bid_offers`).

        Raises:
            SourceUnavailableError: A bad pair, naming the unit, settlement period, pair and row.
        """
        chosen = None if units is None else sorted(set(units))

        def params(lower: pd.Timestamp, upper: pd.Timestamp) -> dict[str, Any]:
            query: dict[str, Any] = {"from": _iso(lower), "to": _iso(upper)}
            if chosen is not None:
                query["bmUnit"] = chosen
            return query

        frame = self._windowed(BOD_PATH, _BOD_KINDS, BOD_FIELDS, first, last, BOD_WINDOW, params)
        if chosen is not None:
            frame = frame[frame["elexon_bm_unit"].isin(chosen)].reset_index(drop=True)
        try:
            check_bid_offers(frame)
        except ValidationError as exc:
            raise SourceUnavailableError(
                f"{BOD_PATH} {first.isoformat()}..{last.isoformat()}: {exc.detail}",
                field=exc.field,
            ) from None
        return frame

    def _windowed(
        self,
        path: str,
        kinds: dict[str, FieldKind],
        renames: dict[str, str],
        first: dt.date,
        last: dt.date,
        size: dt.timedelta,
        params: Callable[[pd.Timestamp, pd.Timestamp], dict[str, Any]] = (
            lambda lower, upper: {"from": _iso(lower), "to": _iso(upper)}
        ),
    ) -> pd.DataFrame:
        """Fetch ``[start of first, end of last)`` in windows of ``size``, typed and renamed."""
        start, end = day_bounds_utc(first, last)
        frames = []
        for lower, upper in windows(start, end, size):
            scope = f"{_iso(lower)}..{_iso(upper)}"
            rows = self._rows(path, {**params(lower, upper), "format": "json"}, scope)
            frames.append(
                typed_frame(
                    rows,
                    kinds,
                    renames,
                    endpoint=path,
                    scope=scope,
                    optional=("nationalGridBmUnit", "amendmentFlag", "rrFlag"),
                )
            )
        frame = pd.concat(frames, ignore_index=True).drop_duplicates()
        if "settlement_date" in frame:
            return _in_days(frame, "settlement_date", first, last)
        return frame.reset_index(drop=True)

    def physical_notifications(self, first: dt.date, last: dt.date) -> pd.DataFrame:
        """Physical notifications (PN): one call per settlement period, as the API requires."""
        calendar = settlement_date_period(half_hourly_index(first, last))
        frames = []
        for settlement_date, period in zip(
            calendar["settlement_date"], calendar["settlement_period"], strict=True
        ):
            day = settlement_date.date().isoformat()
            scope = f"{day} period {int(period)}"
            rows = self._rows(
                PN_PATH,
                {"settlementDate": day, "settlementPeriod": int(period), "format": "json"},
                scope,
            )
            frames.append(
                typed_frame(
                    rows,
                    _PN_KINDS,
                    PN_FIELDS,
                    endpoint=PN_PATH,
                    scope=scope,
                    optional=("nationalGridBmUnit",),
                )
            )
        return pd.concat(frames, ignore_index=True)

    def frequency(self, first: dt.date, last: dt.date) -> pd.DataFrame:
        """System frequency samples [Hz] for UK days ``first``..``last`` (1-day windows).

        Returns:
            ``measurement_time``, ``frequency_hz`` and ``settlement_date`` (the UK day of
            the half-hour the sample falls in, from engine.settlement).
        """
        frame = self._windowed(
            FREQ_PATH,
            _FREQ_KINDS,
            FREQUENCY_FIELDS,
            first,
            last,
            FREQ_WINDOW,
            lambda lower, upper: {
                "measurementDateTimeFrom": _iso(lower),
                "measurementDateTimeTo": _iso(upper),
            },
        )
        start, end = day_bounds_utc(first, last)
        frame = frame.drop_duplicates("measurement_time")
        frame = frame[(frame["measurement_time"] >= start) & (frame["measurement_time"] < end)]
        half_hour = pd.DatetimeIndex(frame["measurement_time"]).floor("30min")
        frame["settlement_date"] = settlement_date_period(half_hour)["settlement_date"].to_numpy()
        return frame.reset_index(drop=True)

    def bm_units(self) -> pd.DataFrame:
        """Every BM unit (``reference/bmunits/all``, a bare array) in ``bm_units`` columns."""
        rows = self._rows(BM_UNITS_PATH, {}, "all units")
        frame = pd.DataFrame.from_records(rows, columns=list(BM_UNIT_FIELDS))
        missing = frame["elexonBmUnit"].isna()
        if missing.any():
            raise SourceUnavailableError(
                f"{BM_UNITS_PATH}: row {int(missing.to_numpy().nonzero()[0][0])} has no "
                "elexonBmUnit",
                field="elexonBmUnit",
            )
        out = bm_units_frame(frame)
        out["source"] = f"elexon:{BM_UNITS_PATH}"
        return out


def _in_days(frame: pd.DataFrame, column: str, first: dt.date, last: dt.date) -> pd.DataFrame:
    days = frame[column].dt.date
    kept: pd.DataFrame = frame[(days >= first) & (days <= last)].reset_index(drop=True)
    return kept


def read_dataset_csv(path: Path, dataset: str) -> pd.DataFrame:
    """An Elexon Insights CSV extract (BOALF, BOD or PN) in the warehouse's columns.

    The CSV columns are the API's JSON field names (``timeFrom``, ``levelFrom`` …), as in
    ``extra/elexon_boalf_T_LKSDB-1_2026-09-30.csv``; a leading ``dataset`` column is checked.

    Args:
        path: The CSV file.
        dataset: ``BOALF``, ``BOD`` or ``PN``.

    Raises:
        ValidationError: Unknown dataset, or a file holding another dataset's rows.
        SourceUnavailableError: A field missing or of the wrong type (naming the row).
    """
    kinds, renames = _CSV_DATASETS.get(dataset.upper(), (None, None))
    if kinds is None or renames is None:
        raise ValidationError(
            f"dataset: {dataset!r} is not one of {', '.join(_CSV_DATASETS)}", field="dataset"
        )
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    if "dataset" in raw and (raw["dataset"] != dataset.upper()).any():
        row = int((raw["dataset"] != dataset.upper()).to_numpy().nonzero()[0][0])
        raise ValidationError(
            f"{path.name}: row {row} is a {raw['dataset'].iloc[row]} row, not {dataset.upper()}",
            field="dataset",
        )
    records: list[dict[str, Any]] = [
        {str(k): (None if v == "" else v) for k, v in record.items() if k != "dataset"}
        for record in raw.to_dict("records")
    ]
    for record in records:
        for name, kind in kinds.items():
            value = record.get(name)
            if kind in ("int", "float") and value is not None:
                record[name] = float(value) if kind == "float" else int(value)
            elif kind == "bool" and value is not None:
                record[name] = value.strip().lower() == "true"
    return typed_frame(
        records,
        kinds,
        renames,
        endpoint=path.name,
        scope=dataset.upper(),
        optional=("nationalGridBmUnit", "amendmentFlag", "rrFlag"),
    )


_CSV_DATASETS: dict[str, tuple[dict[str, FieldKind], dict[str, str]]] = {
    "BOALF": (_BOALF_KINDS, BOALF_FIELDS),
    "BOD": (_BOD_KINDS, BOD_FIELDS),
    "PN": (_PN_KINDS, PN_FIELDS),
}
