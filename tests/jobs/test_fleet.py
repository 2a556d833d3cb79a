"""run_fleet over a seeded warehouse with the real Lakeside day (BOALF, PN) and hand BOD."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from engine.errors import ValidationError
from engine.fleet import accepted_volumes, bm_cashflows
from jobs.fleet import (
    FleetRequest,
    FleetVolumesRequest,
    ingest_battery_bod,
    run_fleet,
    run_fleet_volumes,
)
from jobs.settings import Settings
from jobs.sources.elexon import ElexonClient, read_dataset_csv
from tests.jobs.fleet_fixtures import DAY, UNIT, fleet_settings, fleet_warehouse, lakeside_bod
from tests.jobs.sources.fake_api import FakeApi

__all__ = ["fleet_settings"]


def _lakeside(data_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    extra = data_dir / "extra"
    return (
        read_dataset_csv(extra / "elexon_boalf_T_LKSDB-1_2026-09-30.csv", "BOALF"),
        read_dataset_csv(extra / "elexon_pn_T_LKSDB-1_2026-09-30.csv", "PN"),
    )


def test_registry_only_without_a_period(fleet_settings: Settings) -> None:
    document = run_fleet(FleetRequest(), fleet_settings)
    assert document["registry"]["units"] == 64
    assert document["period"] is None
    lakeside = next(u for u in document["units"] if u["elexon_bm_unit"] == UNIT)
    assert lakeside["bm_cashflow_gbp"] is None
    assert "no BM period" in lakeside["bm_missing_reason"]
    assert lakeside["route_to_market"] == "site company"
    assert lakeside["registration"].startswith("transmission-connected")
    shares = sum(u["fleet_share_frac"] or 0 for u in document["units"])
    assert shares == pytest.approx(1.0)
    assert sum(r["units"] for r in document["by_route"]) == 64
    assert document["dynamic_response"]["available"] is False


def test_lakeside_day_volumes_and_cash(fleet_settings: Settings, data_dir: Path) -> None:
    document = run_fleet(FleetRequest(DAY, DAY), fleet_settings)
    units = {u["elexon_bm_unit"]: u for u in document["units"]}
    lakeside = units[UNIT]
    acc, pn = _lakeside(data_dir)
    volumes = accepted_volumes(acc, pn).by_period
    cash = bm_cashflows(acc, pn, lakeside_bod()).by_period
    assert lakeside["bm_offer_volume_mwh"] == pytest.approx(volumes["offer_volume_mwh"].sum())
    assert lakeside["bm_bid_volume_mwh"] == pytest.approx(volumes["bid_volume_mwh"].sum())
    assert lakeside["bm_cashflow_gbp"] == pytest.approx(cash["cashflow_gbp"].sum())
    assert lakeside["bm_cashflow_gbp_per_mw"] == pytest.approx(lakeside["bm_cashflow_gbp"] / 105)
    # The whole day's BOALF is loaded, so a battery without acceptances earned a real 0.
    assert units["E_DOLLB-1"]["bm_cashflow_gbp"] == 0.0
    assert document["monthly"][0]["month"] == "2026-09"
    # Every period stays inside the real pairs: no price-out band reached.
    assert not any("price-out" in w for w in document["warnings"])


def test_cash_absent_with_the_reason_when_bod_is_not_loaded(data_dir: Path, tmp_path: Path) -> None:
    settings = fleet_warehouse(data_dir, tmp_path / "g.duckdb", with_bod=False)
    lakeside = next(
        u for u in run_fleet(FleetRequest(DAY), settings)["units"] if u["elexon_bm_unit"] == UNIT
    )
    assert lakeside["bm_offer_volume_mwh"] > 0
    assert lakeside["bm_cashflow_gbp"] is None
    assert "BOD not loaded for 2026-09-30" in lakeside["bm_missing_reason"]


def test_days_without_boalf_are_absent_not_zero(fleet_settings: Settings) -> None:
    document = run_fleet(FleetRequest(DAY.replace(day=29), DAY), fleet_settings)
    lakeside = next(u for u in document["units"] if u["elexon_bm_unit"] == UNIT)
    assert lakeside["bm_offer_volume_mwh"] is None
    assert "BOALF not loaded for 2026-09-29" in lakeside["bm_missing_reason"]


def test_request_checks_its_dates() -> None:
    with pytest.raises(ValidationError, match="before from"):
        FleetRequest(DAY, DAY.replace(day=1))
    with pytest.raises(ValidationError, match="from: required"):
        FleetRequest(None, DAY)


def test_fleet_volumes_from_files(data_dir: Path, fleet_settings: Settings) -> None:
    extra = data_dir / "extra"
    document = run_fleet_volumes(
        FleetVolumesRequest(
            extra / "elexon_boalf_T_LKSDB-1_2026-09-30.csv",
            extra / "elexon_pn_T_LKSDB-1_2026-09-30.csv",
        ),
        fleet_settings,
    )
    assert len(document["periods"]) == 48
    assert document["totals"]["acceptances"] == 80
    assert all(p["cashflow_gbp"] is None for p in document["periods"])
    with pytest.raises(ValidationError, match="boalf: no such file"):
        FleetVolumesRequest(extra / "nope.csv", extra / "nope.csv")


def _bod_row(unit: str, pair: int, level: float) -> dict[str, object]:
    return {
        "dataset": "BOD", "settlementDate": "2026-09-30", "settlementPeriod": 21,
        "timeFrom": "2026-09-30T09:00:00Z", "timeTo": "2026-09-30T09:30:00Z",
        "levelFrom": level, "levelTo": level, "pairId": pair, "offer": 120.0, "bid": 110.0,
        "nationalGridBmUnit": unit[2:], "bmUnit": unit,
    }  # fmt: skip


def test_battery_bod_ingest_asks_for_registry_units_only(
    fleet_settings: Settings, elexon: tuple[ElexonClient, FakeApi, list[float]]
) -> None:
    client, fake, _ = elexon
    rows = [_bod_row(UNIT, 1, 100.0), _bod_row(UNIT, -1, -100.0), _bod_row("T_CCGT-1", 1, 50.0)]
    asked: list[list[str]] = []

    def answer(query: dict[str, list[str]]) -> dict[str, object]:
        asked.append(query.get("bmUnit", []))
        return {
            "data": [r for r in rows if query["from"][0] <= str(r["timeFrom"]) < query["to"][0]]
        }

    fake.routes["/datasets/BOD"] = answer
    now = lambda: dt.datetime(2026, 10, 1, tzinfo=dt.UTC)  # noqa: E731
    day = dt.date(2026, 9, 29)  # not yet loaded in the fixture warehouse
    summary = ingest_battery_bod(fleet_settings, client, day, day, now=now)
    assert summary.failed_day is None
    assert len(asked) == 24  # one call per hour
    assert UNIT in asked[0]
    assert "T_CCGT-1" not in asked[0]
    assert len(asked[0]) == 64  # the registry's battery units
    for row in rows:  # the same pairs one day earlier
        for key in ("settlementDate", "timeFrom", "timeTo"):
            row[key] = str(row[key]).replace("2026-09-30", "2026-09-29")
    summary = ingest_battery_bod(fleet_settings, client, day, day, now=now, force=True)
    assert (summary.days_loaded, summary.rows) == (1, 2)  # the CCGT row dropped
    again = ingest_battery_bod(fleet_settings, client, day, day, now=now)
    assert (again.days_loaded, again.days_skipped) == (0, 1)  # resumable
