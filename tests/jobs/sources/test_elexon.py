"""Elexon Insights client against recorded responses served in-process."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from engine.errors import SourceUnavailableError
from jobs.ingest import DATASETS, ingest
from jobs.sources.elexon import ElexonClient
from jobs.sources.payload import check_whole_day, records_of
from jobs.warehouse.duckdb_backend import DuckDBWarehouse
from tests.jobs.sources import recorded
from tests.jobs.sources.fake_api import FakeApi

Elexon = tuple[ElexonClient, FakeApi, list[float]]
SPRING = dt.date(2024, 3, 31)
AUTUMN = dt.date(2024, 10, 27)


@pytest.mark.parametrize(
    ("day", "periods"), [(SPRING, 46), (AUTUMN, 50), (dt.date(2024, 3, 30), 48)]
)
def test_system_prices_whole_days(elexon: Elexon, day: dt.date, periods: int) -> None:
    client, fake, _ = elexon
    frame = client.system_prices(day)
    check_whole_day(frame, day, endpoint="system-prices")
    assert len(frame) == periods
    assert fake.seen[0][0] == f"/balancing/settlement/system-prices/{day.isoformat()}"
    assert str(frame["interval_start"].dtype) == "datetime64[ns, UTC]"


def test_system_prices_values_and_names(elexon: Elexon) -> None:
    frame = elexon[0].system_prices(dt.date(2024, 3, 30))
    first = frame.iloc[0]
    # First excerpt row: 30/03/2024, SP 1, SSP = SBP = 85, NIV 737.361 (GMT: starts 00:00Z).
    assert first["interval_start"] == pd.Timestamp("2024-03-30T00:00Z")
    assert first["system_sell_price_gbp_per_mwh"] == 85.0
    assert first["net_imbalance_volume_mwh"] == 737.361
    assert first["source"] == "elexon:/balancing/settlement/system-prices/{settlementDate}"


def test_a_46_period_day_sent_as_48_is_refused(elexon: Elexon, data_dir: Path) -> None:
    client, fake, _ = elexon
    rows = recorded.system_prices_rows(data_dir, SPRING)
    extra = [{**rows[-1], "settlementPeriod": p} for p in (47, 48)]
    fake.routes["/balancing/settlement/system-prices/2024-03-31"] = lambda q: {"data": rows + extra}
    frame = client.system_prices(SPRING)
    with pytest.raises(
        SourceUnavailableError, match="period 47 is not a period of 2024-03-31"
    ) as e:
        check_whole_day(frame, SPRING, endpoint="system-prices")
    assert e.value.field == "settlementPeriod"


@pytest.mark.parametrize(
    ("mutate", "message", "field"),
    [
        (lambda r: r.pop("systemSellPrice"), "row 3 has no systemSellPrice", "systemSellPrice"),
        (lambda r: r.update(systemBuyPrice="n/a"), "row 3 field systemBuyPrice should be a number",
         "systemBuyPrice"),
        (lambda r: r.update(settlementPeriod=2.5), "should be a whole number", "settlementPeriod"),
    ],
)  # fmt: skip
def test_malformed_rows_name_endpoint_date_and_field(
    elexon: Elexon,
    data_dir: Path,
    mutate: Callable[[dict[str, Any]], object],
    message: str,
    field: str,
) -> None:
    client, fake, _ = elexon
    rows = recorded.system_prices_rows(data_dir, SPRING)
    mutate(rows[3])
    fake.routes["/balancing/settlement/system-prices/2024-03-31"] = lambda q: {"data": rows}
    with pytest.raises(SourceUnavailableError, match=message) as caught:
        client.system_prices(SPRING)
    assert (
        "/balancing/settlement/system-prices/{settlementDate} for 2024-03-31" in caught.value.detail
    )
    assert caught.value.field == field


def test_duplicated_period_is_refused(elexon: Elexon, data_dir: Path) -> None:
    client, fake, _ = elexon
    rows = recorded.system_prices_rows(data_dir, SPRING)
    rows[5] = dict(rows[4])
    fake.routes["/balancing/settlement/system-prices/2024-03-31"] = lambda q: {"data": rows}
    with pytest.raises(SourceUnavailableError, match="period 5 appears twice"):
        check_whole_day(client.system_prices(SPRING), SPRING, endpoint="system-prices")


def test_market_index_strips_padding_and_checks_each_provider(elexon: Elexon) -> None:
    client, fake, _ = elexon
    frame = client.market_index(AUTUMN, AUTUMN)
    assert set(frame["data_provider"]) == {"APXMIDP", "N2EXMIDP"}
    assert len(frame) == 100  # 50 periods x 2 providers
    check_whole_day(frame, AUTUMN, endpoint="MID", series=("data_provider",))
    path, query = fake.seen[0]
    # The UK day 2024-10-27 runs 2024-10-26T23:00Z (BST midnight) to 2024-10-28T00:00Z.
    assert (path, query["from"], query["to"]) == (
        "/datasets/MID",
        ["2024-10-26T23:00:00Z"],
        ["2024-10-27T23:30:00Z"],
    )


def test_market_index_chunks_by_seven_days(elexon: Elexon) -> None:
    client, fake, _ = elexon
    client.market_index(dt.date(2024, 3, 25), dt.date(2024, 4, 3))  # 10 days -> 7 + 3
    assert fake.paths() == ["/datasets/MID", "/datasets/MID"]
    # Windows are 7 x 24 h from the UTC start of 25 March (GMT): the second starts
    # 2024-04-01T00:00Z and ends at the end of UK day 3 April (BST) = 2024-04-03T23:00Z.
    assert fake.seen[1][1]["from"] == ["2024-04-01T00:00:00Z"]
    assert fake.seen[1][1]["to"] == ["2024-04-03T22:30:00Z"]


@pytest.mark.parametrize(
    "payload",
    [{"data": [{"a": 1}], "metadata": {"datasets": ["X"]}}, {"data": [{"a": 1}]}, [{"a": 1}]],
)
def test_three_response_shapes(payload: object) -> None:
    assert records_of(payload, "/x", "d") == [{"a": 1}]


def test_unexpected_shape() -> None:
    with pytest.raises(SourceUnavailableError, match="unexpected response shape"):
        records_of({"items": []}, "/x", "d")


def test_boalf_real_day(elexon: Elexon) -> None:
    client, fake, _ = elexon
    day = dt.date(2026, 9, 30)
    frame = client.acceptances(day, day)
    assert len(frame) == 205
    assert frame["acceptance_number"].nunique() == 80  # 58001..58080
    assert frame["elexon_bm_unit"].unique().tolist() == ["T_LKSDB-1"]
    assert fake.paths() == ["/datasets/BOALF"]  # one day = one window


def _valid_bod(fake: FakeApi) -> None:
    """The recorded example row (pair 1, levels 5 → 46 MW) with a bid pair below PN."""
    rows = recorded.bod_rows()
    rows[1] = {**rows[1], "levelFrom": -5, "levelTo": -46}
    fake.routes["/datasets/BOD"] = lambda q: {
        "data": [r for r in rows if q["from"][0] <= r["timeFrom"] < q["to"][0]]
    }


def test_bod_is_fetched_in_one_hour_windows(elexon: Elexon) -> None:
    client, fake, _ = elexon
    _valid_bod(fake)
    frame = client.bid_offers(SPRING, SPRING)
    assert len(fake.seen) == 23  # a 23-hour day (spring clock change)
    assert frame["offer_price_gbp_per_mwh"].tolist() == [-71.5, 50.0]


def test_bod_with_a_bid_pair_above_pn_is_refused_naming_it(elexon: Elexon) -> None:
    # As recorded, pair -1 repeats pair 1's levels (+5 → +46 MW): not ordered outwards.
    with pytest.raises(SourceUnavailableError) as caught:
        elexon[0].bid_offers(SPRING, SPRING)
    detail = caught.value.detail
    assert "levels not ordered" in detail
    assert "T_ABRBO-1 settlement date 2024-03-31 period 3, pair -1" in detail


def test_bod_ingest_day_by_day_idempotent_and_nothing_half_loaded(
    elexon: Elexon, empty_warehouse: DuckDBWarehouse
) -> None:
    client, fake, _ = elexon
    now = lambda: dt.datetime(2026, 1, 1, tzinfo=dt.UTC)  # noqa: E731
    bad = ingest(empty_warehouse, DATASETS["bod"], client, SPRING, SPRING, now=now)
    assert bad.failed_day == SPRING
    assert "pair -1" in (bad.error or "")
    count = "SELECT COUNT(*) AS n FROM bid_offer_data"
    assert empty_warehouse.run_sql(count)["n"].iloc[0] == 0  # nothing half-loaded
    _valid_bod(fake)
    first = ingest(empty_warehouse, DATASETS["bod"], client, SPRING, SPRING, now=now)
    assert (first.days_loaded, first.rows) == (1, 2)
    again = ingest(empty_warehouse, DATASETS["bod"], client, SPRING, SPRING, now=now)
    assert (again.days_loaded, again.days_skipped) == (0, 1)  # resumable: already loaded
    assert empty_warehouse.run_sql(count)["n"].iloc[0] == 2


def test_pn_one_call_per_period(elexon: Elexon) -> None:
    client, fake, _ = elexon
    day = dt.date(2026, 9, 30)
    frame = client.physical_notifications(day, day)
    assert len(fake.seen) == 48
    assert len(frame) == 73  # 48 periods, some with several level segments
    assert fake.seen[0][1]["settlementPeriod"] == ["1"]


def test_bm_units_bare_array(elexon: Elexon) -> None:
    frame = elexon[0].bm_units()
    assert len(frame) == 64
    arbroath = frame.set_index("elexon_bm_unit").loc["E_ARBRB-1"]
    assert arbroath["demand_capacity_mw"] == -35.597  # served as the string "-35.597"
    assert arbroath["lead_party_name"] == "Octopus Energy Trading Limited"


def test_frequency_assigns_settlement_days(elexon: Elexon) -> None:
    client, fake, _ = elexon
    # No FREQ capture exists: samples invented at 15 s around UK midnight (BST).
    times = pd.date_range("2024-06-01T22:59:30Z", periods=5, freq="15s")
    rows = [{"dataset": "FREQ", "measurementTime": t.strftime("%Y-%m-%dT%H:%M:%SZ"),
             "frequency": 50.01} for t in times]  # fmt: skip
    fake.routes["/datasets/FREQ"] = lambda q: {"data": rows}
    frame = client.frequency(dt.date(2024, 6, 2), dt.date(2024, 6, 2))
    # 23:00Z is 00:00 BST on 2 June: the samples at and after it belong to that day.
    assert len(frame) == 3
    assert (frame["settlement_date"] == pd.Timestamp("2024-06-02")).all()
