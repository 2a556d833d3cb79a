"""Fakes of the Elexon Insights and NESO data portal APIs, serving recorded responses."""

from __future__ import annotations

import datetime as dt
import random
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from jobs.sources.elexon import ELEXON_BASE_URL, ElexonClient
from jobs.sources.http import JsonClient, RetryPolicy
from jobs.sources.neso import NESO_BASE_URL, NesoClient
from tests.jobs.sources import recorded
from tests.jobs.sources.fake_api import FakeApi, Handler


def _between(
    rows: list[dict[str, Any]], key: str, query: dict[str, list[str]], lower: str, upper: str
) -> list[dict[str, Any]]:
    low = pd.Timestamp(query[lower][0])
    high = pd.Timestamp(query[upper][0])
    return [row for row in rows if low <= pd.Timestamp(row[key]) <= high]


def _starting_in(rows: list[dict[str, Any]], query: dict[str, list[str]]) -> list[dict[str, Any]]:
    low, high = pd.Timestamp(query["from"][0]), pd.Timestamp(query["to"][0])
    return [row for row in rows if low <= pd.Timestamp(row["timeFrom"]) < high]


def _system_prices_route(data_dir: Path, day: dt.date) -> Handler:
    """The system-prices route of one recorded day (``day`` bound now, not when called)."""
    return lambda query: recorded.system_prices_response(data_dir, day)


def elexon_fake(data_dir: Path) -> FakeApi:
    """Elexon routes: system prices for the four excerpt days, MID, BOALF, BOD, PN, units."""
    fake = FakeApi(ELEXON_BASE_URL)
    for day in ("2024-03-30", "2024-03-31", "2024-10-26", "2024-10-27"):
        fake.routes[f"/balancing/settlement/system-prices/{day}"] = _system_prices_route(
            data_dir, dt.date.fromisoformat(day)
        )
    mid = recorded.mid_rows(data_dir)
    fake.routes["/datasets/MID"] = lambda q: {"data": _between(mid, "startTime", q, "from", "to")}
    boalf = recorded.boalf_rows(data_dir)
    fake.routes["/datasets/BOALF"] = lambda q: {"data": _starting_in(boalf, q)}
    bod = recorded.bod_rows()
    fake.routes["/datasets/BOD"] = lambda q: {"data": _starting_in(bod, q)}
    pn = recorded.pn_rows(data_dir)
    fake.routes["/datasets/PN"] = lambda q: {
        "data": [r for r in pn if r["settlementDate"] == q["settlementDate"][0]
                 and r["settlementPeriod"] == int(q["settlementPeriod"][0])]
    }  # fmt: skip
    units = recorded.bm_unit_rows(data_dir)
    fake.routes["/reference/bmunits/all"] = lambda q: units  # a bare array, as published
    return fake


def neso_fake(data_dir: Path) -> FakeApi:
    """NESO datastore_search_sql answering the client's WHERE bounds from the excerpts."""
    eac = recorded.eac_records(data_dir)
    legacy = recorded.legacy_records(data_dir)

    def answer(query: dict[str, list[str]]) -> Any:
        sql = query["sql"][0]
        if '"EFA Date"' in sql:
            low, high = re.findall(r"'(\d{4}-\d{2}-\d{2})'", sql)
            rows = [r for r in legacy if low <= r["EFA Date"] <= high]
        else:
            low, high = re.findall(r"'(\d{4}-\d{2}-\d{2}T[\d:]+)'", sql)
            (service_type,) = re.findall(r"\"serviceType\" = '([^']+)'", sql)
            rows = [
                r
                for r in eac
                if r["serviceType"] == service_type and low <= r["deliveryStart"] < high
            ]
        return recorded.ckan(rows, sql)

    return FakeApi(NESO_BASE_URL, routes={"/datastore_search_sql": answer})


def no_sleep_http(fake: FakeApi, name: str, sleeps: list[float], policy: RetryPolicy) -> JsonClient:
    """A client that records sleeps instead of sleeping; its clock advances by them."""
    return JsonClient(
        fake.session(), fake.base_url, name, policy,
        sleep=sleeps.append, clock=lambda: sum(sleeps), rng=random.Random(1),
    )  # fmt: skip


@pytest.fixture
def elexon(data_dir: Path) -> tuple[ElexonClient, FakeApi, list[float]]:
    fake = elexon_fake(data_dir)
    sleeps: list[float] = []
    return (
        ElexonClient(no_sleep_http(fake, "Elexon Insights", sleeps, RetryPolicy(max_attempts=3))),
        fake,
        sleeps,
    )


@pytest.fixture
def neso(data_dir: Path) -> tuple[NesoClient, FakeApi, list[float]]:
    fake = neso_fake(data_dir)
    sleeps: list[float] = []
    http = no_sleep_http(
        fake, "NESO data portal", sleeps, RetryPolicy(max_attempts=3, min_interval_s=30.0)
    )
    return NesoClient(http), fake, sleeps
