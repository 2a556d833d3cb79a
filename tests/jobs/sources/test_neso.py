"""NESO data portal client: EAC (UTC) and 2021-2023 (UK local) results, one UTC convention."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import pandas as pd
import pytest

from engine.errors import SourceUnavailableError
from jobs.sources.neso import RESPONSE_RESOURCES, NesoClient, resources_for
from tests.jobs.sources import recorded
from tests.jobs.sources.fake_api import FakeApi

Neso = tuple[NesoClient, FakeApi, list[float]]


def test_eac_autumn_day_is_utc_with_a_5_hour_block(neso: Neso) -> None:
    client, fake, _ = neso
    frame = client.dynamic_response(dt.date(2024, 10, 27), dt.date(2024, 10, 27))
    dch = frame[frame["service"] == "DCH"].sort_values("efa_block")
    assert dch["efa_block"].tolist() == [1, 2, 3, 4, 5, 6]
    first = dch.iloc[0]
    # Published 2024-10-26T22:00:00 (UTC, no zone) = 23:00 BST: block 1 of EFA day 27 Oct,
    # ending 03:00Z (03:00 GMT) after 5 h.
    assert first["delivery_start"] == pd.Timestamp("2024-10-26T22:00Z")
    assert first["duration_h"] == 5.0
    assert first["clearing_price_gbp_per_mw_per_h"] == 1.76
    assert first["auction_id"] == 745
    assert frame["source"].iloc[0] == "neso:ab130833-3ce4-4361-90fb-69fa3cf30f15"
    sql = fake.seen[0][1]["sql"][0]
    assert '"ab130833-3ce4-4361-90fb-69fa3cf30f15"' in sql
    assert "'2024-10-26T22:00:00'" in sql  # EFA day start in UTC


def test_legacy_local_times_become_utc(neso: Neso) -> None:
    client, _, _ = neso
    frame = client.dynamic_response(dt.date(2022, 3, 27), dt.date(2022, 3, 27))
    dcl = frame[frame["service"] == "DCL"].sort_values("efa_block")
    # Published "2022-03-26T23:00:00" UK local (GMT) = 23:00Z; block 1 ends 03:00 BST
    # = 02:00Z, so it lasts 3 h on the spring change.
    assert dcl["delivery_start"].iloc[0] == pd.Timestamp("2022-03-26T23:00Z")
    assert dcl["delivery_end"].iloc[0] == pd.Timestamp("2022-03-27T02:00Z")
    assert dcl["duration_h"].tolist() == [3.0, 4.0, 4.0, 4.0, 4.0, 4.0]
    assert dcl["auction_id"].isna().all()


def test_range_across_resources_respects_the_rate_limit(neso: Neso) -> None:
    client, fake, sleeps = neso
    client.dynamic_response(dt.date(2023, 11, 1), dt.date(2024, 4, 2))
    # Three resources overlap; FY2023's part (3 Nov - 31 Mar, 150 EFA days) takes two
    # 90-day requests: four datastore calls, 30 s apart (two a minute).
    assert len(fake.seen) == 4
    assert sleeps == [30.0, 30.0, 30.0]


def test_resource_table_is_contiguous() -> None:
    for before, after in itertools.pairwise(RESPONSE_RESOURCES):
        assert after.first_efa_date == before.last_efa_date + dt.timedelta(days=1)
    assert [r[0].layout for r in resources_for(dt.date(2023, 11, 2), dt.date(2023, 11, 3))] == [
        "legacy",
        "eac",
    ]


def test_local_time_that_is_not_the_block_start_is_refused(neso: Neso, data_dir: Path) -> None:
    client, fake, _ = neso
    records = recorded.legacy_records(data_dir)
    records[0]["Delivery Start"] = "2021-09-15T22:00:00"  # a UTC time in a local-time file
    fake.routes["/datastore_search_sql"] = lambda q: recorded.ckan(records, q["sql"][0])
    with pytest.raises(SourceUnavailableError, match="is not the start of EFA block 1") as caught:
        client.dynamic_response(dt.date(2021, 9, 16), dt.date(2021, 9, 16))
    assert caught.value.field == "Delivery Start"


def test_portal_failure_envelope(neso: Neso) -> None:
    client, fake, _ = neso
    fake.routes["/datastore_search_sql"] = lambda q: {
        "success": False, "result": {}, "error": {"message": "Access denied"}
    }  # fmt: skip
    with pytest.raises(SourceUnavailableError, match="portal reported failure"):
        client.dynamic_response(dt.date(2024, 10, 27), dt.date(2024, 10, 27))


def test_quick_reserve_half_hours(neso: Neso) -> None:
    client, fake, _ = neso
    frame = client.quick_reserve(dt.date(2024, 12, 4), dt.date(2024, 12, 4))
    # Excerpt: PQR and NQR for 2024-12-04T00:00..02:30Z, six half-hours each (GMT, so
    # settlement periods 1..6 of 4 December).
    assert len(frame) == 12
    pqr = frame[frame["service"] == "PQR"].sort_values("delivery_start")
    assert pqr["settlement_period"].tolist() == [1, 2, 3, 4, 5, 6]
    assert pqr["clearing_price_gbp_per_mw_per_h"].iloc[-1] == 7.5  # 02:30Z row
    sql = fake.seen[0][1]["sql"][0]
    assert "\"serviceType\" = 'Quick Reserve'" in sql
    assert all('"888e5029' not in q["sql"][0] for _, q in fake.seen)  # no QR before EAC
