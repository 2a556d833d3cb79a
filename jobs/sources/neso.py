"""NESO data portal client (CKAN datastore): dynamic response auction results in UTC.

NESO publishes the DC/DM/DR results in several CKAN resources whose ids change each
April; :data:`RESPONSE_RESOURCES` is the one table of them (add a row each April). The
2021-2023 results summary gives times in UK local clock time; the EAC results summaries
(from November 2023) in UTC without a zone suffix. Both become UTC here, with EFA dates
and blocks from :mod:`engine.settlement`, cross-checked against the published times.

The portal's API guidance asks for at most two datastore requests a minute, so the
:class:`JsonClient` for NESO keeps 30 s between calls (:data:`DATASTORE_MIN_INTERVAL_S`).
Queries use ``datastore_search_sql``; the SQL is built only from dates the caller has
already parsed and resource ids from the table below, never from free text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from engine.errors import SourceUnavailableError
from engine.settlement import UK_TZ, efa_block_bounds, efa_date_block, settlement_date_period
from jobs.sources.http import JsonClient
from jobs.sources.payload import FieldKind, records_of, typed_frame
from jobs.sources.windows import day_bounds_utc

NESO_BASE_URL = "https://api.neso.energy/api/3/action"
DATASTORE_SQL_PATH = "/datastore_search_sql"
DATASTORE_MIN_INTERVAL_S = 30.0
MAX_EFA_DAYS_PER_REQUEST = 90
RESPONSE_SERVICES = ("DCL", "DCH", "DML", "DMH", "DRL", "DRH")


@dataclass(frozen=True)
class NesoResource:
    """One CKAN resource of response results and the EFA days it covers.

    Attributes:
        resource_id: CKAN resource id.
        title: Resource title as published.
        first_efa_date: First EFA day in the resource.
        last_efa_date: Last EFA day in the resource (inclusive).
        layout: ``legacy`` (2021-2023 summary, UK local times) or ``eac`` (UTC).
    """

    resource_id: str
    title: str
    first_efa_date: dt.date
    last_efa_date: dt.date
    layout: Literal["legacy", "eac"]


RESPONSE_RESOURCES: tuple[NesoResource, ...] = (
    NesoResource(
        "888e5029-f786-41d2-bc15-cbfd1d285e96",
        "DC, DR & DM Results Summary Master Data 2021-2023",
        dt.date(2021, 9, 16),
        dt.date(2023, 11, 2),
        "legacy",
    ),
    NesoResource(
        "be5c6b0d-a335-4859-93f2-389585b4e9a1",
        "NESO Response-Reserve Results Summary FY2023 (Archive)",
        dt.date(2023, 11, 3),
        dt.date(2024, 3, 31),
        "eac",
    ),
    NesoResource(
        "ab130833-3ce4-4361-90fb-69fa3cf30f15",
        "NESO Response-Reserve Results Summary FY2024 (Archive)",
        dt.date(2024, 4, 1),
        dt.date(2025, 3, 31),
        "eac",
    ),
)

_EAC_KINDS: dict[str, FieldKind] = {
    "auctionID": "int",
    "auctionProduct": "str",
    "serviceType": "str",
    "deliveryStart": "str",
    "deliveryEnd": "str",
    "clearedVolume": "float",
    "clearingPrice": "float",
}
_EAC_NAMES = {
    "auctionID": "auction_id",
    "auctionProduct": "service",
    "serviceType": "service_type",
    "deliveryStart": "delivery_start_text",
    "deliveryEnd": "delivery_end_text",
    "clearedVolume": "cleared_volume_mw",
    "clearingPrice": "clearing_price_gbp_per_mw_per_h",
}
_LEGACY_KINDS: dict[str, FieldKind] = {
    "Service": "str",
    "EFA Date": "date",
    "Delivery Start": "str",
    "Delivery End": "str",
    "EFA": "int",
    "Cleared Volume": "float",
    "Clearing Price": "float",
}
_LEGACY_NAMES = {
    "Service": "service",
    "EFA Date": "efa_date",
    "Delivery Start": "delivery_start_text",
    "Delivery End": "delivery_end_text",
    "EFA": "efa_block",
    "Cleared Volume": "cleared_volume_mw",
    "Clearing Price": "clearing_price_gbp_per_mw_per_h",
}


def resources_for(first: dt.date, last: dt.date) -> list[tuple[NesoResource, dt.date, dt.date]]:
    """The resources covering EFA days ``first``..``last`` and the part each covers."""
    parts = []
    for resource in RESPONSE_RESOURCES:
        lower = max(first, resource.first_efa_date)
        upper = min(last, resource.last_efa_date)
        if lower <= upper:
            parts.append((resource, lower, upper))
    return parts


def _chunks(first: dt.date, last: dt.date) -> Iterator[tuple[dt.date, dt.date]]:
    cursor = first
    while cursor <= last:
        upper = min(last, cursor + dt.timedelta(days=MAX_EFA_DAYS_PER_REQUEST - 1))
        yield cursor, upper
        cursor = upper + dt.timedelta(days=1)


class NesoClient:
    """Dynamic response results from the NESO data portal.

    Args:
        http: A :class:`JsonClient` on ``NESO_BASE_URL`` with the datastore rate limit.
    """

    source = "neso-data-portal"

    def __init__(self, http: JsonClient) -> None:
        self.http = http

    def dynamic_response(self, first: dt.date, last: dt.date) -> pd.DataFrame:
        """DC/DM/DR results for EFA days ``first``..``last``, all times UTC.

        Returns:
            ``dynamic_response_results`` columns.

        Raises:
            SourceUnavailableError: Transport failure, malformed rows, or published times
                that disagree with the EFA calendar.
        """
        frames = []
        for resource, lower, upper in resources_for(first, last):
            for chunk_first, chunk_last in _chunks(lower, upper):
                frames.append(self._fetch(resource, chunk_first, chunk_last))
        if not frames:
            return pd.DataFrame(columns=["efa_date", "efa_block", "service", "delivery_start"])
        return pd.concat(frames, ignore_index=True)

    def quick_reserve(self, first: dt.date, last: dt.date) -> pd.DataFrame:
        """Positive/negative Quick Reserve results per half hour starting on UK settlement
        days ``first``..``last`` (EAC resources only; QR began in December 2024).

        Returns:
            ``quick_reserve_results`` columns, with settlement date and period of each
            delivery start from engine.settlement.
        """
        start, end = day_bounds_utc(first, last)
        frames = []
        for resource, _, _ in resources_for(first, last + dt.timedelta(days=1)):
            if resource.layout != "eac":
                continue
            scope = f"settlement days {first.isoformat()}..{last.isoformat()}"
            rows = self._eac_rows(resource, "Quick Reserve", start, end, scope)
            frame = rows.rename(
                columns={"delivery_start_text": "start", "delivery_end_text": "end"}
            )
            endpoint = f"{DATASTORE_SQL_PATH} ({resource.resource_id})"
            delivery_start = _parse_naive(frame["start"], "UTC", "deliveryStart", endpoint, scope)
            calendar = settlement_date_period(delivery_start)
            frames.append(
                pd.DataFrame(
                    {
                        "service": frame["service"].to_numpy(),
                        "delivery_start": delivery_start,
                        "delivery_end": _parse_naive(
                            frame["end"], "UTC", "deliveryEnd", endpoint, scope
                        ),
                        "settlement_date": calendar["settlement_date"].to_numpy(),
                        "settlement_period": calendar["settlement_period"].to_numpy(),
                        "cleared_volume_mw": frame["cleared_volume_mw"].to_numpy(),
                        "clearing_price_gbp_per_mw_per_h": frame[
                            "clearing_price_gbp_per_mw_per_h"
                        ].to_numpy(),
                        "auction_id": frame["auction_id"].to_numpy(),
                        "source": f"neso:{resource.resource_id}",
                    }
                )
            )
        if not frames:
            return pd.DataFrame(columns=["service", "delivery_start", "settlement_date"])
        return pd.concat(frames, ignore_index=True)

    def _eac_rows(
        self,
        resource: NesoResource,
        service_type: Literal["Response", "Quick Reserve"],
        start: pd.Timestamp,
        end: pd.Timestamp,
        scope: str,
    ) -> pd.DataFrame:
        """EAC rows of one service type delivered from ``start`` to before ``end`` (UTC)."""
        sql = (
            f'SELECT * FROM "{resource.resource_id}" WHERE "serviceType" = \'{service_type}\' '
            f"AND \"deliveryStart\" >= '{_naive_utc(start)}' "
            f"AND \"deliveryStart\" < '{_naive_utc(end)}'"
        )
        endpoint = f"{DATASTORE_SQL_PATH} ({resource.resource_id})"
        payload = self.http.get_json(DATASTORE_SQL_PATH, {"sql": sql}, scope=scope)
        rows = records_of(payload, endpoint, scope)
        return typed_frame(rows, _EAC_KINDS, _EAC_NAMES, endpoint=endpoint, scope=scope)

    def _fetch(self, resource: NesoResource, first: dt.date, last: dt.date) -> pd.DataFrame:
        scope = f"EFA days {first.isoformat()}..{last.isoformat()}"
        endpoint = f"{DATASTORE_SQL_PATH} ({resource.resource_id})"
        if resource.layout == "legacy":
            sql = (
                f'SELECT * FROM "{resource.resource_id}" WHERE "EFA Date" >= '
                f"'{first.isoformat()}' AND \"EFA Date\" <= '{last.isoformat()}'"
            )
            payload = self.http.get_json(DATASTORE_SQL_PATH, {"sql": sql}, scope=scope)
            rows = records_of(payload, endpoint, scope)
            frame = _legacy(
                typed_frame(rows, _LEGACY_KINDS, _LEGACY_NAMES, endpoint=endpoint, scope=scope),
                endpoint,
                scope,
            )
        else:
            start = efa_block_bounds([first], [1])[0][0]
            end = efa_block_bounds([last], [6])[1][0]
            frame = _eac(self._eac_rows(resource, "Response", start, end, scope), endpoint, scope)
        unknown = ~frame["service"].isin(RESPONSE_SERVICES)
        if unknown.any():
            raise SourceUnavailableError(
                f"{endpoint} for {scope}: unknown service {frame['service'][unknown].iloc[0]!r}",
                field="service",
            )
        frame["source"] = f"neso:{resource.resource_id}"
        return frame


def _naive_utc(stamp: pd.Timestamp) -> str:
    return str(stamp.tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%S"))


def _parse_naive(values: pd.Series, tz: str, field: str, endpoint: str, scope: str) -> Any:
    try:
        parsed = pd.DatetimeIndex(pd.to_datetime(values, format="ISO8601"))
    except (ValueError, TypeError) as exc:
        raise SourceUnavailableError(
            f"{endpoint} for {scope}: {field} is not a date-time: {exc}", field=field
        ) from exc
    if parsed.tz is not None:
        return parsed.tz_convert("UTC")
    return parsed.tz_localize(tz) if tz != "UTC" else parsed.tz_localize("UTC")


def _eac(frame: pd.DataFrame, endpoint: str, scope: str) -> pd.DataFrame:
    """EAC rows: times are UTC; EFA date and block come from the settlement calendar."""
    start = _parse_naive(frame["delivery_start_text"], "UTC", "deliveryStart", endpoint, scope)
    end = _parse_naive(frame["delivery_end_text"], "UTC", "deliveryEnd", endpoint, scope)
    efa = efa_date_block(start)
    out = pd.DataFrame(
        {
            "efa_date": efa["efa_date"].to_numpy(),
            "efa_block": efa["efa_block"].to_numpy(),
            "service": frame["service"].to_numpy(),
            "delivery_start": start,
            "delivery_end": end,
        }
    )
    _check_block_times(out, endpoint, scope, "deliveryStart")
    return _finish(out, frame)


def _legacy(frame: pd.DataFrame, endpoint: str, scope: str) -> pd.DataFrame:
    """2021-2023 rows: EFA date and block are given; local times are checked, then UTC."""
    start, end = efa_block_bounds(frame["efa_date"], frame["efa_block"])
    stated = _parse_naive(frame["delivery_start_text"], UK_TZ, "Delivery Start", endpoint, scope)
    off = np.flatnonzero(np.asarray(stated != start))
    if off.size:
        row = int(off[0])
        raise SourceUnavailableError(
            f"{endpoint} for {scope}: row {row} Delivery Start "
            f"{frame['delivery_start_text'].iloc[row]} (UK local) is not the start of EFA "
            f"block {int(frame['efa_block'].iloc[row])} of {frame['efa_date'].iloc[row].date()}",
            field="Delivery Start",
        )
    out = pd.DataFrame(
        {
            "efa_date": frame["efa_date"].to_numpy(),
            "efa_block": frame["efa_block"].to_numpy(),
            "service": frame["service"].to_numpy(),
            "delivery_start": start,
            "delivery_end": end,
        }
    )
    legacy = _finish(out, frame)
    legacy["auction_id"] = None
    return legacy


def _check_block_times(frame: pd.DataFrame, endpoint: str, scope: str, field: str) -> None:
    start, end = efa_block_bounds(frame["efa_date"], frame["efa_block"])
    off = np.flatnonzero(
        np.asarray(start != pd.DatetimeIndex(frame["delivery_start"]))
        | np.asarray(end != pd.DatetimeIndex(frame["delivery_end"]))
    )
    if off.size:
        row = int(off[0])
        raise SourceUnavailableError(
            f"{endpoint} for {scope}: row {row} delivery "
            f"{frame['delivery_start'].iloc[row].isoformat()}..."
            f"{frame['delivery_end'].iloc[row].isoformat()} is not an EFA block",
            field=field,
        )


def _finish(out: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    out["duration_h"] = (
        pd.DatetimeIndex(out["delivery_end"]) - pd.DatetimeIndex(out["delivery_start"])
    ) / pd.Timedelta(hours=1)
    out["cleared_volume_mw"] = frame["cleared_volume_mw"].to_numpy()
    out["clearing_price_gbp_per_mw_per_h"] = frame["clearing_price_gbp_per_mw_per_h"].to_numpy()
    if "auction_id" in frame:
        out["auction_id"] = frame["auction_id"].to_numpy()
    return out
