"""The Google Sheets sink: real gspread + google-auth over the in-process fake Sheets API."""

from __future__ import annotations

import copy
import datetime as dt

import numpy as np
import pandas as pd
import pytest

from engine.errors import SourceUnavailableError
from jobs.sheets.google import GoogleSheetsSink, RetryingHTTPClient, RetryPolicy
from jobs.sheets.plan import Chart, SheetGrid, Table, TabPlan, layout
from tests.jobs.sheets.fake_sheets import BadRequestError, FakeSheetsAPI, validate

BOOK = "book-1"
TOKEN = "token-ok"


def _plan(tab: str, n: int = 3) -> TabPlan:
    frame = pd.DataFrame(
        {
            "settlement_date": [dt.date(2024, 1, 1) + dt.timedelta(days=i) for i in range(n)],
            "mean_system_price_gbp_per_mwh": [50.0 + i for i in range(n)],
            "negative_price_periods": np.arange(n, dtype=np.int64),
        }
    )
    chart = Chart(
        "Mean price", "line", "daily", "settlement_date", ("mean_system_price_gbp_per_mwh",)
    )
    return TabPlan(
        tab, dt.datetime(2024, 1, n, 23, 30), (Table("daily", "Daily", frame),), (chart,)
    )


def _grids(tabs: list[str]) -> list[SheetGrid]:
    return [layout(_plan(t)) for t in tabs]


@pytest.fixture
def fake() -> FakeSheetsAPI:
    api = FakeSheetsAPI()
    api.add_spreadsheet(BOOK, TOKEN, ("Sheet1",))
    return api


def _sink(
    fake: FakeSheetsAPI, token: str = TOKEN, book: str = BOOK, sleeps: list[float] | None = None
) -> GoogleSheetsSink:
    record = sleeps if sleeps is not None else []
    client = RetryingHTTPClient(
        fake.session(token), RetryPolicy(max_attempts=3), record.append, lambda: 0.5
    )
    return GoogleSheetsSink(client, book, principal="svc@example.iam")


@pytest.mark.parametrize("n_tabs", [1, 8])
def test_any_number_of_tabs_costs_one_read_and_one_write(fake: FakeSheetsAPI, n_tabs: int) -> None:
    tabs = [f"Tab {i}" for i in range(n_tabs)]
    counts = _sink(fake).write(_grids(tabs))
    assert counts == {"reads": 1, "writes": 1}
    assert [m for m, _ in fake.log] == ["GET", "POST"]
    assert [s.title for s in fake.books[BOOK].sheets] == ["Sheet1", *tabs]


def test_stored_values_formats_and_charts(fake: FakeSheetsAPI) -> None:
    frame = pd.DataFrame(
        {
            "site_name": ['=HYPERLINK("x")', None],
            "rows": [2**60, np.int64(7)],
            "soc_mwh": [np.nan, np.float64(1.25)],
            "interval_start": pd.to_datetime(["2024-01-01T12:00Z", "2024-07-01T00:00Z"]),
        }
    )
    plan = TabPlan("Sites", dt.datetime(2024, 7, 1), (Table("t", "T", frame),))
    _sink(fake).write([layout(plan)])
    sheet = fake.books[BOOK].sheets[1]
    values = sheet.values()
    assert values[0][0] == "Sites — data as of 2024-07-01 00:00 UTC"
    assert values[3] == ["Site", "Rows [count]", "State of charge [MWh]", "Interval start [UTC]"]
    # text starting with "=" stays a string; 2**60 > 2**53 becomes text; NaN/None empty.
    assert sheet.cells[(4, 0)]["userEnteredValue"] == {"stringValue": '=HYPERLINK("x")'}
    assert values[4][1] == str(2**60)
    assert values[4][2] is None
    assert values[5][:3] == [None, 7, 1.25]
    # 2024-01-01 is 45292 days after 1899-12-30; 12:00 adds 0.5.
    assert values[4][3] == 45292.5
    fmt = sheet.cells[(4, 3)]["userEnteredFormat"]["numberFormat"]
    assert fmt == {"type": "DATE_TIME", "pattern": "yyyy-mm-dd hh:mm"}
    assert sheet.frozen_rows == 4
    assert (sheet.rows, sheet.cols) == (5 + 1, 4)  # 4 header rows + 2 data rows


def test_second_refresh_replaces_charts_and_shrinks(fake: FakeSheetsAPI) -> None:
    sink = _sink(fake)
    sink.write([layout(_plan("Market", 30))])
    sink.write([layout(_plan("Market", 3))])
    sheet = fake.books[BOOK].sheets[1]
    assert len(sheet.charts) == 1
    assert sheet.rows == 4 + 20  # header rows + one chart's height (> 3 data rows)
    assert sheet.values()[6][6:8] == [45294.0, 52.0]  # 2024-01-03, 50 + 2 (right of the charts)
    assert sheet.values()[7][0] is None


def test_transient_429_and_500_complete_with_bounded_jittered_backoff(fake: FakeSheetsAPI) -> None:
    sleeps: list[float] = []
    fake.faults = ["429", None, "500"]
    counts = _sink(fake, sleeps=sleeps).write(_grids(["Market"]))
    assert counts == {"reads": 2, "writes": 2}
    # rng 0.5 × ceiling min(32, 1 × 2**attempt): first retry of each request waits 0.5 s.
    assert sleeps == [0.5, 0.5]
    assert fake.books[BOOK].sheets[1].title == "Market"


def test_persistent_failure_leaves_every_tab_as_before(fake: FakeSheetsAPI) -> None:
    sink = _sink(fake)
    sink.write(_grids(["Market", "Fleet"]))
    before = copy.deepcopy(fake.books[BOOK])
    fake.faults = [None, "500", "500", "500"]
    with pytest.raises(SourceUnavailableError, match="failed after 3 attempts; no tab was changed"):
        sink.write([layout(_plan("Market", 9)), layout(_plan("Fleet", 9)), layout(_plan("New"))])
    assert fake.books[BOOK] == before


def test_write_timeouts_reread_and_never_duplicate(fake: FakeSheetsAPI) -> None:
    # The write's answer is lost after Google applied it: the sink re-reads, rebuilds the
    # batch against the new state (no second addSheet) and completes.
    fake.faults = [None, "late-timeout", None, "timeout"]
    counts = _sink(fake).write(_grids(["Market"]))
    assert counts == {"reads": 3, "writes": 3}
    sheets = fake.books[BOOK].sheets
    assert [s.title for s in sheets] == ["Sheet1", "Market"]
    assert len(sheets[1].charts) == 1


def test_renamed_tab_is_recreated_not_written_by_position(fake: FakeSheetsAPI) -> None:
    sink = _sink(fake)
    sink.write(_grids(["Market"]))
    fake.books[BOOK].sheets[1].title = "Market (my copy)"
    mine = copy.deepcopy(fake.books[BOOK].sheets[1])
    sink.write([layout(_plan("Market", 5))])
    sheets = fake.books[BOOK].sheets
    assert [s.title for s in sheets] == ["Sheet1", "Market (my copy)", "Market"]
    assert sheets[1] == mine
    assert sheets[2].values()[8][7] == 54.0  # fifth day: 50 + 4 (right of the charts)


@pytest.mark.parametrize(("token", "book"), [(TOKEN, "no-such-book"), ("token-other", BOOK)])
def test_missing_sheet_or_no_access_is_one_clear_message(
    fake: FakeSheetsAPI, token: str, book: str
) -> None:
    with pytest.raises(SourceUnavailableError) as exc:
        _sink(fake, token=token, book=book).write(_grids(["Market"]))
    message = exc.value.detail
    assert "\n" not in message
    assert f"spreadsheet {book!r} was not found or svc@example.iam has no edit access" in message
    assert len(fake.log) == 1  # 403/404 are not retried


def test_validator_rejects_what_google_would() -> None:
    with pytest.raises(BadRequestError, match='Unknown name "rowCont"'):
        validate(
            {
                "requests": [
                    {"updateSheetProperties": {"properties": {"gridProperties": {"rowCont": 1}}}}
                ]
            },
            {"$ref": "BatchUpdateSpreadsheetRequest"},
        )
    with pytest.raises(BadRequestError, match="invalid value"):
        validate({"dimension": "DIAGONAL"}, {"$ref": "DimensionRange"})
