"""Ingestion: idempotent, resumable, whole days only, against recorded responses."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from engine.errors import ValidationError
from jobs.ingest import DATASETS, ingest, ingest_bm_units, loaded_days
from jobs.sources.elexon import ElexonClient
from jobs.sources.neso import NesoClient
from jobs.warehouse.duckdb_backend import DuckDBWarehouse
from tests.jobs.sources import recorded
from tests.jobs.sources.fake_api import FakeApi

NOW = dt.datetime(2026, 11, 21, 6, 0, tzinfo=dt.UTC)
D30, D31 = dt.date(2024, 3, 30), dt.date(2024, 3, 31)


def _now() -> dt.datetime:
    return NOW


def _prices(warehouse: DuckDBWarehouse, day: dt.date) -> pd.DataFrame:
    return warehouse.query("system_prices", from_date=day, to_date=day)


def test_backfill_then_rerun_changes_nothing(
    empty_warehouse: DuckDBWarehouse, elexon: tuple[ElexonClient, FakeApi, list[float]]
) -> None:
    client, fake, _ = elexon
    spec = DATASETS["system-prices"]
    seen: list[tuple[int, int, dt.date]] = []
    summary = ingest(empty_warehouse, spec, client, D30, D31, now=_now,
                     progress=lambda a, b, c: seen.append((a, b, c)))  # fmt: skip
    assert (summary.days_loaded, summary.rows, summary.failed_day) == (2, 48 + 46, None)
    assert seen == [(1, 2, D30), (2, 2, D31)]
    assert loaded_days(empty_warehouse, "system_prices") == {D30, D31}
    before = _prices(empty_warehouse, D31)
    calls = len(fake.seen)
    again = ingest(empty_warehouse, spec, client, D30, D31, now=_now)
    assert (again.days_loaded, again.days_skipped) == (0, 2)
    assert len(fake.seen) == calls  # nothing fetched
    forced = ingest(empty_warehouse, spec, client, D30, D31, force=True, now=_now)
    assert forced.days_loaded == 2
    pd.testing.assert_frame_equal(_prices(empty_warehouse, D31), before)
    assert "2 day(s) loaded (94 rows), 0 already loaded" in summary.line()


def test_failure_half_way_keeps_completed_days_and_resumes(
    empty_warehouse: DuckDBWarehouse,
    elexon: tuple[ElexonClient, FakeApi, list[float]],
    data_dir: Path,
) -> None:
    client, fake, _ = elexon
    spec = DATASETS["system-prices"]
    good = recorded.system_prices_rows(data_dir, D31)
    bad = [*good, {**good[-1], "settlementPeriod": 47}, {**good[-1], "settlementPeriod": 48}]
    fake.routes["/balancing/settlement/system-prices/2024-03-31"] = lambda q: {"data": bad}
    summary = ingest(empty_warehouse, spec, client, D30, D31, now=_now)
    assert summary.days_loaded == 1
    assert summary.failed_day == D31
    assert "period 47 is not a period of 2024-03-31" in (summary.error or "")
    assert len(_prices(empty_warehouse, D30)) == 48
    assert _prices(empty_warehouse, D31).empty  # nothing partial written
    fake.routes["/balancing/settlement/system-prices/2024-03-31"] = lambda q: {"data": good}
    fake.seen.clear()
    resumed = ingest(empty_warehouse, spec, client, D30, D31, now=_now)
    assert (resumed.days_skipped, resumed.days_loaded) == (1, 1)
    assert fake.paths() == ["/balancing/settlement/system-prices/2024-03-31"]
    assert len(_prices(empty_warehouse, D31)) == 46


def test_transport_failure_is_recorded_not_raised(
    empty_warehouse: DuckDBWarehouse, elexon: tuple[ElexonClient, FakeApi, list[float]]
) -> None:
    client, fake, _ = elexon
    fake.faults = [503, 503, 503]  # every attempt for the first day
    summary = ingest(empty_warehouse, DATASETS["system-prices"], client, D30, D31, now=_now)
    assert summary.failed_day == D30
    assert "after 3 attempts" in (summary.error or "")
    assert summary.days_loaded == 0


def test_market_index_day(
    empty_warehouse: DuckDBWarehouse, elexon: tuple[ElexonClient, FakeApi, list[float]]
) -> None:
    client, _, _ = elexon
    summary = ingest(empty_warehouse, DATASETS["market-index"], client, D31, D31, now=_now)
    assert summary.rows == 92  # 46 periods x 2 providers
    frame = empty_warehouse.query("market_index", from_date=D31, to_date=D31)
    assert frame["data_provider"].unique().tolist() == ["APXMIDP", "N2EXMIDP"]
    assert frame["market_index_price_gbp_per_mwh"].iloc[0] == 62.03  # excerpt row 1


def test_response_results_incomplete_day_refused(
    empty_warehouse: DuckDBWarehouse, neso: tuple[NesoClient, FakeApi, list[float]]
) -> None:
    client, _, _ = neso
    spec = DATASETS["dynamic-response"]
    # The excerpt has blocks 2-6 of EFA day 26 October (block 1 is not in it) and all of 27.
    summary = ingest(empty_warehouse, spec, client, dt.date(2024, 10, 26),
                     dt.date(2024, 10, 27), now=_now)  # fmt: skip
    assert summary.failed_day == dt.date(2024, 10, 26)
    assert "blocks [2, 3, 4, 5, 6]" in (summary.error or "")
    whole = ingest(empty_warehouse, spec, client, dt.date(2024, 10, 27), dt.date(2024, 10, 27),
                   now=_now)  # fmt: skip
    assert (whole.days_loaded, whole.rows) == (1, 36)
    stored = empty_warehouse.query(
        "dynamic_response", from_date=dt.date(2024, 10, 27), to_date=dt.date(2024, 10, 27)
    )
    assert stored["duration_h"].iloc[0] == 5.0
    assert stored["auction_id"].iloc[0] == "745"


def test_boalf_and_pn_days(
    empty_warehouse: DuckDBWarehouse, elexon: tuple[ElexonClient, FakeApi, list[float]]
) -> None:
    client, _, _ = elexon
    day = dt.date(2026, 9, 30)
    assert ingest(empty_warehouse, DATASETS["boalf"], client, day, day, now=_now).rows == 205
    assert ingest(empty_warehouse, DATASETS["pn"], client, day, day, now=_now).rows == 73
    again = ingest(empty_warehouse, DATASETS["boalf"], client, day, day, force=True, now=_now)
    assert again.rows == 205
    count = empty_warehouse.run_sql("SELECT COUNT(*) AS n FROM bid_offer_acceptances")
    assert count["n"].iloc[0] == 205  # upsert by key: no duplicates


def test_bm_units(
    empty_warehouse: DuckDBWarehouse, elexon: tuple[ElexonClient, FakeApi, list[float]]
) -> None:
    assert ingest_bm_units(empty_warehouse, elexon[0], now=NOW) == 64
    assert len(empty_warehouse.query("bm_units")) == 64


def test_reversed_range(
    empty_warehouse: DuckDBWarehouse, elexon: tuple[ElexonClient, FakeApi, list[float]]
) -> None:
    with pytest.raises(ValidationError, match="before from"):
        ingest(empty_warehouse, DATASETS["system-prices"], elexon[0], D31, D30)


def test_quick_reserve_day(
    empty_warehouse: DuckDBWarehouse, neso: tuple[NesoClient, FakeApi, list[float]]
) -> None:
    client, _, _ = neso
    day = dt.date(2024, 12, 4)
    summary = ingest(empty_warehouse, DATASETS["quick-reserve"], client, day, day, now=_now)
    assert (summary.days_loaded, summary.rows) == (1, 12)
    stored = empty_warehouse.query("quick_reserve", from_date=day, to_date=day)
    assert stored["service"].tolist()[:2] == ["NQR", "PQR"]


def test_no_lock_is_held_while_the_source_is_fetched(
    empty_warehouse: DuckDBWarehouse, elexon: tuple[ElexonClient, FakeApi, list[float]]
) -> None:
    # Issue 19: an ingest held the warehouse while it waited on network retries, so every
    # valuation meanwhile failed. During each fetch another reader and another writer must
    # get in at once (lock timeout 0); the days still load.
    client, _, _ = elexon
    empty_warehouse.ensure_tables()
    others: list[str] = []

    def fetch_while_probing(c: object, first: dt.date, last: dt.date) -> pd.DataFrame:
        reader = DuckDBWarehouse(empty_warehouse.path, read_only=True, lock_timeout_s=0)
        others.append(f"read {len(reader.run_sql('SELECT 1 AS one'))}")
        writer = DuckDBWarehouse(empty_warehouse.path, lock_timeout_s=0)
        with writer.writing():
            others.append("wrote")
        return DATASETS["system-prices"].fetch(c, first, last)

    spec = dataclasses.replace(DATASETS["system-prices"], fetch=fetch_while_probing)
    summary = ingest(empty_warehouse, spec, client, D30, D31, now=_now)
    assert (summary.days_loaded, summary.failed_day) == (2, None)
    assert others == ["read 1", "wrote"] * 2
