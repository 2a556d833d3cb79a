"""Responses in the published formats, built from the shipped raw excerpts.

Nothing is copied into the repository: each builder reads ``../shared/data`` and lays the
rows out the way the API publishes them (field names and shapes from
``market/elexon_insights_api_schema_subset.json``; CKAN ``datastore_search_sql`` results
for NESO). Where no real capture exists (BOD, FREQ) the builder says what it invents.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd

from engine.settlement import interval_start_from_settlement, iso_utc

RAW = Path("market/raw")


def system_prices_rows(data_dir: Path, day: dt.date) -> list[dict[str, Any]]:
    """SystemPriceResponse rows for a day of the BMRS CSV excerpt (SD 2024-03-30/31,
    2024-10-26/27)."""
    raw = pd.read_csv(data_dir / RAW / "elexon_bmrs_system_prices_csv_excerpt.csv")
    raw["date"] = pd.to_datetime(raw["Settlement Date"], format="%d/%m/%Y").dt.date
    rows = raw[raw["date"] == day]
    starts = iso_utc(interval_start_from_settlement([day] * len(rows), rows["Settlement Period"]))
    return [
        {
            "settlementDate": day.isoformat(),
            "settlementPeriod": int(r["Settlement Period"]),
            "startTime": start,
            "createdDateTime": start,
            "systemSellPrice": float(r["System Sell Price(GBP/MWh)"]),
            "systemBuyPrice": float(r["System Buy Price(GBP/MWh)"]),
            "bsadDefaulted": False,
            "priceDerivationCode": "P",
            "reserveScarcityPrice": 0,
            "netImbalanceVolume": float(r["Net Imbalance Volume(MWh)"]),
        }
        for (_, r), start in zip(rows.iterrows(), starts, strict=True)
    ]


def system_prices_response(data_dir: Path, day: dt.date) -> dict[str, Any]:
    """``{data, metadata}`` as served by /balancing/settlement/system-prices/{date}."""
    return {"data": system_prices_rows(data_dir, day), "metadata": {"datasets": ["DISEBSP"]}}


def mid_rows(data_dir: Path) -> list[dict[str, Any]]:
    """MarketIndexDatasetResponse rows of the MID excerpt (31 March and 27 October 2024).

    The CSV header has a Latin-1 "£" and provider ids padded with a space, as published.
    """
    raw = pd.read_csv(
        data_dir / RAW / "elexon_bmrs_market_index_csv_excerpt.csv", encoding="latin-1"
    )
    raw.columns = ["date", "period", "provider", "volume", "price"]
    dates = pd.to_datetime(raw["date"], format="%d %B %Y")
    starts = iso_utc(interval_start_from_settlement(dates, raw["period"]))
    return [
        {
            "dataset": "MID",
            "startTime": start,
            "dataProvider": str(r["provider"]),  # padded as published; the client strips
            "settlementDate": day.date().isoformat(),
            "settlementPeriod": int(r["period"]),
            "price": float(r["price"]),
            "volume": float(r["volume"]),
        }
        for (_, r), start, day in zip(raw.iterrows(), starts, dates, strict=True)
    ]


def _extra_rows(data_dir: Path, name: str) -> list[dict[str, Any]]:
    frame = pd.read_csv(data_dir / "extra" / name, dtype=str)
    rows = []
    for record in frame.to_dict(orient="records"):
        row: dict[str, Any] = {}
        for key, value in record.items():
            if value in {"True", "False"}:
                row[str(key)] = value == "True"
            elif key in {
                "levelFrom",
                "levelTo",
                "settlementPeriod",
                "settlementPeriodFrom",
                "settlementPeriodTo",
                "acceptanceNumber",
            }:
                row[str(key)] = int(value)
            else:
                row[str(key)] = value
        rows.append(row)
    return rows


def boalf_rows(data_dir: Path) -> list[dict[str, Any]]:
    """BOALF rows of T_LKSDB-1 on 2026-09-30 (real, 205 segments of 80 acceptances)."""
    return _extra_rows(data_dir, "elexon_boalf_T_LKSDB-1_2026-09-30.csv")


def pn_rows(data_dir: Path) -> list[dict[str, Any]]:
    """PN rows of T_LKSDB-1 on 2026-09-30 (real, all 48 periods)."""
    return _extra_rows(data_dir, "elexon_pn_T_LKSDB-1_2026-09-30.csv")


def bod_rows() -> list[dict[str, Any]]:
    """BOD rows: no real capture exists, so these repeat the schema's example row
    (pairId 1, offer -71.5, bid 668.67, levels 5 -> 46 MW) for two pairs."""
    example = {
        "dataset": "BOD",
        "settlementDate": "2024-03-31",
        "settlementPeriod": 3,
        "timeFrom": "2024-03-31T01:00:00Z",
        "levelFrom": 5,
        "timeTo": "2024-03-31T01:30:00Z",
        "levelTo": 46,
        "pairId": 1,
        "offer": -71.5,
        "bid": 668.67,
        "nationalGridBmUnit": "ABRBO-1",
        "bmUnit": "T_ABRBO-1",
    }
    return [example, {**example, "pairId": -1, "offer": 50.0, "bid": 40.0}]


def bm_unit_rows(data_dir: Path) -> list[dict[str, Any]]:
    """BmUnitData rows (a bare array) from the shipped registry snapshot; capacities are
    strings as the API serves them."""
    frame = pd.read_csv(
        data_dir / "market" / "gb_bm_units_battery_snapshot_2025-11-10.csv",
        dtype=str,
        keep_default_na=False,
    )
    rows = []
    for record in frame.to_dict(orient="records"):
        rows.append(
            {
                str(key): (value == "True" if value in {"True", "False"} else (value or None))
                for key, value in record.items()
            }
        )
    return rows


def ckan(records: list[dict[str, Any]], sql: str) -> dict[str, Any]:
    """A CKAN ``datastore_search_sql`` success envelope."""
    return {
        "help": "https://api.neso.energy/api/3/action/help_show?name=datastore_search_sql",
        "success": True,
        "result": {
            "records": records,
            "fields": [{"id": k} for k in (records or [{}])[0]],
            "sql": sql,
        },
    }


def eac_records(data_dir: Path) -> list[dict[str, Any]]:
    """EAC results summary rows (deliveries from 2024-10-26, UTC without a zone)."""
    frame = pd.read_csv(data_dir / RAW / "neso_eac_results_summary_fy2024_archive_excerpt.csv")
    return [
        {
            "_id": i + 1,
            "auctionID": int(r["auctionID"]),
            "auctionProduct": r["auctionProduct"],
            "serviceType": r["serviceType"],
            "deliveryStart": r["deliveryStart"],
            "deliveryEnd": r["deliveryEnd"],
            "clearedVolume": float(r["clearedVolume"]),
            "clearingPrice": float(r["clearingPrice"]),
            "linkedServiceWindowID": None,
        }
        for i, (_, r) in enumerate(frame.iterrows())
    ]


def legacy_records(data_dir: Path) -> list[dict[str, Any]]:
    """2021-2023 results summary rows (UK local times, EFA dates 2021-09-16, 2022-03-27,
    2022-10-30)."""
    frame = pd.read_csv(data_dir / RAW / "neso_dc_dm_dr_results_summary_2021_2023_excerpt.csv")
    return [
        {
            "_id": i + 1,
            "Service": r["Service"],
            "EFA Date": r["EFA Date"],
            "Delivery Start": r["Delivery Start"],
            "Delivery End": r["Delivery End"],
            "EFA": int(r["EFA"]),
            "Cleared Volume": float(r["Cleared Volume"]),
            "Clearing Price": float(r["Clearing Price"]),
        }
        for i, (_, r) in enumerate(frame.iterrows())
    ]
