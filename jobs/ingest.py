"""Ingestion: fetch source data day by day, check each day whole, load it, log it.

Idempotent (loads are upserts by key), resumable (a day recorded in ``load_log`` is
skipped unless forced) and atomic per day: a day is checked completely before any of it
is written, so a failure half-way through a backfill leaves every completed day loaded
and the failed day absent; re-running picks up from there.

The warehouse's write lock is held only while a checked day is written (its rows and its
``load_log`` entry, together), never while a source is fetched or retried, so valuations
reading the embedded warehouse wait at most one day's write.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from engine.errors import GbessError, SourceUnavailableError, ValidationError
from engine.settlement import to_date
from jobs.sources.elexon import ElexonClient
from jobs.sources.payload import check_periods_and_keys, check_whole_day
from jobs.warehouse.base import Warehouse
from jobs.warehouse.schema import table as table_spec

Progress = Callable[[int, int, dt.date], None]


def _check_response_day(frame: pd.DataFrame, day: dt.date, endpoint: str) -> None:
    """Each service present has EFA blocks 1-6 exactly once."""
    for service, part in frame.groupby("service"):
        blocks = sorted(part["efa_block"].tolist())
        if blocks != [1, 2, 3, 4, 5, 6]:
            raise SourceUnavailableError(
                f"{endpoint} for EFA day {day.isoformat()} ({service}): blocks {blocks}, "
                "expected 1-6 once each",
                field="efa_block",
            )


@dataclass(frozen=True)
class IngestDataset:
    """One ingestible dataset.

    Attributes:
        name: CLI name (``system-prices``).
        source: ``elexon`` or ``neso``.
        table: Warehouse table loaded (also the ``load_log`` dataset).
        fetch: ``(client, first_day, last_day) -> frame`` in warehouse columns.
        day_column: Column giving each row's day (``settlement_date`` or ``efa_date``).
        check_day: ``(frame_of_one_day, day)`` raising on an incomplete or bad day.
        days_per_fetch: Days fetched per call to ``fetch`` (bounded by source windows).
    """

    name: str
    source: str
    table: str
    fetch: Callable[[Any, dt.date, dt.date], pd.DataFrame]
    day_column: str
    check_day: Callable[[pd.DataFrame, dt.date], None]
    days_per_fetch: int = 1


def _whole_day(
    endpoint: str, series: tuple[str, ...] = ()
) -> Callable[[pd.DataFrame, dt.date], None]:
    def check(frame: pd.DataFrame, day: dt.date) -> None:
        check_whole_day(frame, day, endpoint=endpoint, series=series)

    return check


def _events(
    endpoint: str, period_column: str, table: str
) -> Callable[[pd.DataFrame, dt.date], None]:
    key = table_spec(table).key

    def check(frame: pd.DataFrame, day: dt.date) -> None:
        check_periods_and_keys(frame, day, endpoint=endpoint, period_column=period_column, key=key)

    return check


def _no_check(frame: pd.DataFrame, day: dt.date) -> None:
    """Frequency samples: any count is valid (gaps are reported by status)."""


DATASETS: dict[str, IngestDataset] = {
    d.name: d
    for d in (
        IngestDataset(
            "system-prices", "elexon", "system_prices",
            lambda c, a, b: c.system_prices(a), "settlement_date",
            _whole_day("/balancing/settlement/system-prices"),
        ),
        IngestDataset(
            "market-index", "elexon", "market_index",
            lambda c, a, b: c.market_index(a, b), "settlement_date",
            _whole_day("/datasets/MID", ("data_provider",)), days_per_fetch=7,
        ),
        IngestDataset(
            "boalf", "elexon", "bid_offer_acceptances",
            lambda c, a, b: c.acceptances(a, b), "settlement_date",
            _events("/datasets/BOALF", "settlement_period_from", "bid_offer_acceptances"),
        ),
        IngestDataset(
            "bod", "elexon", "bid_offer_data",
            lambda c, a, b: c.bid_offers(a, b), "settlement_date",
            _events("/datasets/BOD", "settlement_period", "bid_offer_data"),
        ),
        IngestDataset(
            "pn", "elexon", "physical_notifications",
            lambda c, a, b: c.physical_notifications(a, b), "settlement_date",
            _events("/datasets/PN", "settlement_period", "physical_notifications"),
        ),
        IngestDataset(
            "frequency", "elexon", "system_frequency",
            lambda c, a, b: c.frequency(a, b), "settlement_date", _no_check,
        ),
        IngestDataset(
            "quick-reserve", "neso", "quick_reserve_results",
            lambda c, a, b: c.quick_reserve(a, b), "settlement_date",
            _events("NESO datastore (Quick Reserve)", "settlement_period",
                    "quick_reserve_results"),
            days_per_fetch=90,
        ),
        IngestDataset(
            "dynamic-response", "neso", "dynamic_response_results",
            lambda c, a, b: c.dynamic_response(a, b), "efa_date",
            lambda f, d: _check_response_day(f, d, "NESO datastore"), days_per_fetch=90,
        ),
    )
}  # fmt: skip


@dataclass
class IngestSummary:
    """What an ingest run did."""

    dataset: str
    first: dt.date
    last: dt.date
    days_requested: int = 0
    days_loaded: int = 0
    days_skipped: int = 0
    rows: int = 0
    failed_day: dt.date | None = None
    error: str | None = None
    elapsed_s: float = 0.0
    loaded: list[str] = field(default_factory=list)

    def line(self) -> str:
        """One-line human summary."""
        text = (
            f"{self.dataset} {self.first}..{self.last}: {self.days_loaded} day(s) loaded "
            f"({self.rows} rows), {self.days_skipped} already loaded"
        )
        if self.failed_day:
            text += f", failed on {self.failed_day}: {self.error}"
        return text + f" in {self.elapsed_s:.1f} s"

    def as_json(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "dataset": self.dataset,
            "from": self.first.isoformat(),
            "to": self.last.isoformat(),
            "days_requested": self.days_requested,
            "days_loaded": self.days_loaded,
            "days_skipped": self.days_skipped,
            "rows": self.rows,
            "failed_day": self.failed_day.isoformat() if self.failed_day else None,
            "error": self.error,
            "elapsed_s": round(self.elapsed_s, 3),
        }


def loaded_days(warehouse: Warehouse, table: str) -> set[dt.date]:
    """UK days already recorded in ``load_log`` for a table."""
    log = warehouse.run_sql(
        "SELECT range_start, range_end FROM load_log WHERE dataset = @dataset", dataset=table
    )
    days: set[dt.date] = set()
    for start, end in zip(log["range_start"], log["range_end"], strict=True):
        days.update(d.date() for d in pd.date_range(start, end, freq="D"))
    return days


def ingest(
    warehouse: Warehouse,
    dataset: IngestDataset,
    client: Any,
    first: object,
    last: object,
    *,
    force: bool = False,
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    progress: Progress | None = None,
) -> IngestSummary:
    """Load UK days ``first``..``last`` of a dataset, a whole day at a time.

    Args:
        warehouse: Target warehouse.
        dataset: What to load (see :data:`DATASETS`).
        client: The source client (:class:`ElexonClient` or :class:`NesoClient`).
        first: First day (settlement date, or EFA date for response results).
        last: Last day, inclusive.
        force: Reload days already in ``load_log``.
        now: Clock for ``loaded_at`` [UTC].
        progress: Called ``(days_done, days_total, day)`` after each day.

    Returns:
        The summary; on a failure ``failed_day`` and ``error`` are set and the days
        before it stay loaded.

    Raises:
        ValidationError: ``last`` before ``first``.
    """
    started = time.perf_counter()
    first_day, last_day = to_date(first, "from"), to_date(last, "to")
    if last_day < first_day:
        raise ValidationError(f"to: {last_day} is before from {first_day}", field="to")
    days = [first_day + dt.timedelta(days=i) for i in range((last_day - first_day).days + 1)]
    summary = IngestSummary(dataset.name, first_day, last_day, days_requested=len(days))
    done = set() if force else loaded_days(warehouse, dataset.table)
    todo = [day for day in days if day not in done]
    summary.days_skipped = len(days) - len(todo)
    finished = summary.days_skipped
    for chunk in _runs(todo, dataset.days_per_fetch):
        current = chunk[0]
        try:
            frame = dataset.fetch(client, chunk[0], chunk[-1])
            for day in chunk:
                current = day
                part = frame[frame[dataset.day_column].dt.date == day]
                dataset.check_day(part, day)
                _load_day(warehouse, dataset, part, day, client.source, now())
                summary.days_loaded += 1
                summary.rows += len(part)
                finished += 1
                if progress:
                    progress(finished, len(days), day)
        except GbessError as exc:
            summary.failed_day = current
            summary.error = exc.detail
            break
    summary.elapsed_s = time.perf_counter() - started
    return summary


def _runs(days: list[dt.date], size: int) -> list[list[dt.date]]:
    """Consecutive days grouped into runs of at most ``size``."""
    runs: list[list[dt.date]] = []
    for day in days:
        if runs and len(runs[-1]) < size and runs[-1][-1] + dt.timedelta(days=1) == day:
            runs[-1].append(day)
        else:
            runs.append([day])
    return runs


def _load_day(
    warehouse: Warehouse,
    dataset: IngestDataset,
    part: pd.DataFrame,
    day: dt.date,
    source: str,
    loaded_at: dt.datetime,
) -> None:
    columns = [c for c in part.columns if c in table_spec(dataset.table).column_names]
    with warehouse.writing():
        rows = warehouse.load(dataset.table, part[columns])
        warehouse.record_load(dataset.table, day, day, rows, loaded_at, f"{source}:{dataset.name}")


def ingest_bm_units(
    warehouse: Warehouse, client: ElexonClient, *, now: dt.datetime | None = None
) -> int:
    """Load the whole BM unit registry (``reference/bmunits/all``); returns rows."""
    frame = client.bm_units()  # fetched (and retried) before the write lock is taken
    stamp = now or dt.datetime.now(dt.UTC)
    with warehouse.writing():
        rows = warehouse.load("bm_units", frame)
        warehouse.record_load(
            "bm_units", stamp.date(), stamp.date(), rows, stamp, f"{client.source}:bm-units"
        )
    return rows
