"""Dashboard refresh: run each tab's job, lay the tabs out, write them to one sink.

One job owns each tab (``JOBS``); a refresh takes a per-tab file lock (sorted order, so
overlapping triggers queue instead of interleaving), builds every requested tab, appends
the runs to the refresh log, and writes all tabs plus the ``Refresh log`` tab in one go:
the local sink (JSON grids + ``.xlsx``) or Google Sheets (1 read + 1 write). A job that
fails leaves its tab as it was and shows its error in the log; the others still land.
Refreshing is idempotent: the same data gives the same tabs.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import errno
import fcntl
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import pandas as pd

from engine.errors import GbessError, StorageUnavailableError, ValidationError
from engine.reference import reference_data
from engine.settlement import UK_TZ, charging_year_of_date, parse_charging_year
from jobs.dashboard import BACKENDS, TABS, data, item_label
from jobs.dashboard.backtest import backtest_job
from jobs.dashboard.duos_rates import build_duos_tab
from jobs.dashboard.fleet import fleet_job
from jobs.dashboard.frequency import frequency_job
from jobs.dashboard.investment import investment_job
from jobs.dashboard.market import last_settlement_day, market_job
from jobs.dashboard.refresh_log import JobRun, append_runs, build_log_tab
from jobs.dashboard.response import response_value_job
from jobs.dashboard.risk import risk_job
from jobs.dashboard.site_stages import (
    BTM_LEVIES_LEFT_OUT,
    DEFAULT_PROFILE_CLASS,
    REVENUE_WINDOW_DAYS,
    SITE_OUTPUT_COLUMNS,
    btm_year,
    site_stages,
)
from jobs.dashboard.sites import (
    DEFAULT_SITES_CSV,
    INPUT_TAB,
    SITES_CSV_SETTING,
    build_sites_tab,
    read_sites_csv,
    rows_from_cells,
)
from jobs.settings import Settings
from jobs.sheets.local import LocalSink, tab_slug
from jobs.sheets.plan import Chart, SheetGrid, Table, TabPlan, check_owners, layout
from jobs.warehouse import open_warehouse, seed_if_needed

LOG_TAB = "Refresh log"


@dataclass
class RefreshContext:
    """What every job may use.

    Attributes:
        settings: Settings.
        today: The refresh date, for "this charging year" choices.
        read_tab: Reads a tab of the user's spreadsheet as rows of cells, or None when
            the tab does not exist (Google backend only).
        stack: Closes what the jobs opened (the warehouse) when the refresh ends.
    """

    settings: Settings
    today: dt.date
    read_tab: Callable[[str], list[list[Any]] | None] | None = None
    stack: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)
    _warehouse: Any = None
    _freshness: dict[str, pd.Timestamp] | None = None

    @property
    def warehouse(self) -> Any:
        """The warehouse, opened (and seeded from the shipped files if needed) on first use."""
        if self._warehouse is None:
            warehouse = self.stack.enter_context(open_warehouse(self.settings))
            if warehouse.backend == "duckdb":
                seed_if_needed(warehouse, self.settings)
            self._warehouse = warehouse
        return self._warehouse

    @property
    def freshness(self) -> dict[str, pd.Timestamp]:
        """Last interval per market dataset (queried once per refresh)."""
        if self._freshness is None:
            self._freshness = data.freshness(self.warehouse)
        return self._freshness


def _market(ctx: RefreshContext) -> TabPlan:
    return market_job(ctx.warehouse, ctx.freshness)


def _frequency(ctx: RefreshContext) -> TabPlan:
    return frequency_job(ctx.warehouse, ctx.freshness)


def _duos(ctx: RefreshContext) -> TabPlan:
    ref = reference_data(ctx.settings.data_dir)
    return build_duos_tab(
        ref.table("duos_tariffs"),
        ref.table("duos_time_bands"),
        ref.table("dno_licence_areas"),
        ctx.today,
    )


def _fleet(ctx: RefreshContext) -> TabPlan:
    return fleet_job(ctx.warehouse, data.bm_unit_snapshot(ctx.settings))


def _investment(ctx: RefreshContext) -> TabPlan:
    return investment_job(ctx.settings)


def _response_value(ctx: RefreshContext) -> TabPlan:
    return response_value_job(ctx.settings, ctx.freshness.get("system_prices"))


def _sites(ctx: RefreshContext) -> TabPlan:
    cells = ctx.read_tab(INPUT_TAB) if ctx.read_tab is not None else None
    if cells is not None:
        rows, source = rows_from_cells(cells, f"the {INPUT_TAB!r} tab"), f"the {INPUT_TAB!r} tab"
    else:
        path = Path(ctx.settings.extra.get(SITES_CSV_SETTING) or DEFAULT_SITES_CSV)
        rows, source = read_sites_csv(path), path.name
    ref = reference_data(ctx.settings.data_dir)
    year = charging_year_of_date(ctx.today)
    stamp = dt.datetime.combine(parse_charging_year(year)[0], dt.time())
    last_day = last_settlement_day(ctx.freshness["system_prices"])
    streams: dict[str, float] = {}
    stages = site_stages(ctx.settings, ref, ctx.today, last_day, streams, lambda: ctx.warehouse)
    plan = build_sites_tab(rows, stages, source, stamp, SITE_OUTPUT_COLUMNS)
    first_day = last_day - dt.timedelta(days=REVENUE_WINDOW_DAYS - 1)
    notes = (
        f"DUoS bill: charging year {year}, a standard profile-class shape (class "
        f"{DEFAULT_PROFILE_CLASS} unless the row gives profile_class) scaled to the annual import",
        f"battery revenue: {first_day} to {last_day}, forecast mode (the chart and the "
        "headline columns; the ceiling only in its 'upper bound (perfect foresight)' column), "
        "88 % round trip, APX + imbalance + DC/DM/DR, no Capacity Market",
        f"behind the meter: calendar year {btm_year(last_day)}, the scaled profile as load, "
        "system price, no PV or export; levies without a published rate left out: "
        + ", ".join(BTM_LEVIES_LEFT_OUT),
    )
    by_stream = pd.DataFrame(
        [{"stream": item_label(k), "revenue_gbp": v} for k, v in streams.items() if v],
        columns=["stream", "revenue_gbp"],
    )
    title = f"Battery revenue by stream (forecast mode), all sites, {first_day} to {last_day}"
    chart = Chart(title, "column", "streams", "stream", ("revenue_gbp",))
    return dataclasses.replace(
        plan,
        tables=(*plan.tables, Table("streams", title, by_stream)),
        charts=(chart,) if streams else (),
        notes=(*plan.notes, *notes),
    )


JOBS: dict[str, Callable[[RefreshContext], TabPlan]] = {
    "Market": _market,
    "Frequency response": _frequency,
    "DUoS": _duos,
    "Sites": _sites,
    "Fleet": _fleet,
    "Response value": _response_value,
    "Backtest": lambda ctx: backtest_job(ctx.settings),  # the last saved gbess backtest
    "Risk": lambda ctx: risk_job(ctx.warehouse),
    "Investment": _investment,
}
TAB_ORDER = (*JOBS, LOG_TAB)
if TAB_ORDER != TABS:  # pragma: no cover - a wiring mistake, caught on import
    raise RuntimeError(f"jobs.dashboard.TABS {TABS} differs from the jobs {TAB_ORDER}")


class Sink(Protocol):
    """Where grids go (local files or Google Sheets)."""

    def write(self, grids: Sequence[SheetGrid]) -> dict[str, int]: ...


def dashboard_dir(settings: Settings) -> Path:
    """Folder of the local dashboard, the refresh log and the tab locks."""
    return settings.var_dir / "dashboard"


def local_sink(settings: Settings) -> LocalSink:
    """The embedded sink under ``<var_dir>/dashboard``."""
    return LocalSink(dashboard_dir(settings), TAB_ORDER)


def resolve_tabs(names: Sequence[str]) -> list[str]:
    """Tab titles from user input (case-insensitive; empty = all job tabs).

    Raises:
        ValidationError: Naming the unknown tab and listing the valid ones.
    """
    if not names:
        return list(JOBS)
    by_lower = {t.lower(): t for t in TAB_ORDER}
    out = []
    for name in names:
        tab = by_lower.get(name.strip().lower())
        if tab is None:
            raise ValidationError(
                f"tabs: unknown tab {name!r}; choose from {', '.join(TAB_ORDER)}", field="tabs"
            )
        if tab != LOG_TAB and tab not in out:
            out.append(tab)
    return out


@contextlib.contextmanager
def tab_locks(folder: Path, tabs: Sequence[str]) -> Iterator[None]:
    """Hold an exclusive file lock per tab (taken in sorted order; waits for other runs)."""
    folder.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:
        for tab in sorted(set(tabs)):
            handle = stack.enter_context(open(folder / f"{tab_slug(tab)}.lock", "w"))
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield


@contextlib.contextmanager
def state_dir_faults(settings: Settings) -> Iterator[None]:
    """A read-only or full ``GBESS_VAR_DIR`` becomes :class:`StorageUnavailableError`
    (503 / exit 1 naming the setting), not a bare ``PermissionError`` (500 / traceback)."""
    try:
        yield
    except OSError as exc:
        if exc.errno not in {errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC}:
            raise
        raise StorageUnavailableError(
            f"cannot write the dashboard under {settings.var_dir}: {exc.strerror}: "
            f"{exc.filename} (GBESS_VAR_DIR must be a writable directory with free space)",
            check="not-writable",
        ) from exc


@dataclass(frozen=True, kw_only=True)
class RefreshRequest:
    """Which tabs to refresh, and where to write them (``gbess refresh``, ``POST
    /v1/jobs/refresh``).

    Attributes:
        tabs: Tab titles, any case (checked by :func:`resolve_tabs`); empty: every tab.
        backend: ``local`` or ``google``; ``None``: the settings' ``dashboard_backend``.

    Raises:
        ValidationError: If the backend is not one of :data:`jobs.dashboard.BACKENDS`.
    """

    tabs: tuple[str, ...] = ()
    backend: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.tabs, tuple):  # a list from JSON or argparse
            object.__setattr__(self, "tabs", tuple(self.tabs))
        if self.backend is not None and self.backend not in BACKENDS:
            raise ValidationError(
                f"backend: expected {' or '.join(BACKENDS)}, got {self.backend!r}",
                field="backend",
            )


def _naive_utc(now: dt.datetime) -> dt.datetime:
    return now.astimezone(dt.UTC).replace(tzinfo=None)


class SinkNotConfiguredError(StorageUnavailableError):
    """The chosen dashboard backend lacks a server setting (``GBESS_SHEETS_*``): the
    operator's fix, not the caller's (HTTP 503 naming the setting; the CLI exits 1).

    Args:
        detail: The operator's sentence (may name the credentials file's path).
        setting: The setting to configure.
    """

    type_slug = "not-configured"

    def __init__(self, detail: str, *, setting: str = "GBESS_SHEETS_SPREADSHEET_ID") -> None:
        super().__init__(detail, check="not-configured", setting=setting)

    @property
    def public_detail(self) -> str:
        """What to configure, without a path."""
        return (
            f"the server is not set up to write Google Sheets: set {self.setting} "
            "(docs/dashboard.md, 'Google Sheets setup'), or refresh the local workbook "
            "(backend local)"
        )


def google_sink(settings: Settings) -> Any:
    """The Google Sheets sink of the settings.

    Raises:
        SinkNotConfiguredError: A ``GBESS_SHEETS_*`` setting is missing or unusable,
            naming it and what to set.
    """
    from jobs.sheets.google import sink_from_settings

    try:
        return sink_from_settings(settings)
    except ValidationError as exc:
        raise SinkNotConfiguredError(
            f"the server is not set up to write Google Sheets: {exc.detail}; or refresh "
            "the local workbook instead (backend local)",
            setting=exc.field or "GBESS_SHEETS_SPREADSHEET_ID",
        ) from exc


def run_refresh(
    request: RefreshRequest,
    settings: Settings,
    *,
    sink: Sink | None = None,
    clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
) -> dict[str, Any]:
    """Refresh tabs and write them; return the run summary.

    Args:
        request: The tabs, and the backend if not the settings' one.
        settings: Settings (``dashboard_backend`` picks the sink unless one is given).
        sink: Where to write (default: from the request, else the settings).
        clock: Current time (tz-aware), for the refresh log and "this charging year".

    Raises:
        ValidationError: Unknown tab or backend settings.
        SourceUnavailableError: The sink failed (nothing written).
    """
    if request.backend is not None:
        settings = dataclasses.replace(settings, dashboard_backend=request.backend)
    chosen = resolve_tabs(request.tabs)
    backend = settings.dashboard_backend if sink is None else type(sink).__name__
    if sink is None:
        if settings.dashboard_backend == "google":
            sink = google_sink(settings)
        else:
            sink = local_sink(settings)
    folder = dashboard_dir(settings)
    began = time.perf_counter()
    today = clock().astimezone(ZoneInfo(UK_TZ)).date()
    ctx = RefreshContext(settings, today, getattr(sink, "read_tab", None))
    with state_dir_faults(settings), tab_locks(folder / "locks", [*chosen, LOG_TAB]), ctx.stack:
        plans: list[TabPlan] = []
        runs: list[JobRun] = []
        for tab in chosen:
            started = _naive_utc(clock())
            try:
                plan = JOBS[tab](ctx)
                layout(plan)  # validates the plan before anything is written
            except (GbessError, KeyError, ValueError, OSError) as exc:
                detail = exc.detail if isinstance(exc, GbessError) else str(exc)
                runs.append(JobRun(tab, started, _naive_utc(clock()), 0, "error", None, detail))
                continue
            rows = sum(len(t.frame) for t in plan.tables)
            runs.append(JobRun(tab, started, _naive_utc(clock()), rows, "ok", plan.data_as_of))
            plans.append(plan)
        log = append_runs(folder / "refresh_log.json", runs)
        plans.append(build_log_tab(log))
        check_owners(plans)
        requests = sink.write([layout(p) for p in plans])
    summary: dict[str, Any] = {
        "backend": backend,
        "tabs": [r.to_json() for r in runs],
        "ok": all(r.status == "ok" for r in runs),
        "requests": requests,
        "duration_s": round(time.perf_counter() - began, 3),
    }
    if isinstance(sink, LocalSink):
        summary["workbook"] = str(sink.workbook_path)
    return summary
