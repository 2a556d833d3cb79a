"""Fleet use cases: the battery fleet leaderboard, and BM volumes/cashflows from Elexon files.

``run_fleet`` reads the BM unit registry and — for a requested span of settlement dates — the
BOALF, PN and BOD held in the warehouse (``gbess ingest elexon boalf|pn|bod``), computes
accepted volumes and cashflows with :mod:`engine.fleet`, and shapes the JSON document that
``gbess fleet``, ``GET /v1/fleet`` and the Fleet tab show. BM figures are computed only when
BOALF and PN are loaded for every day asked for; cash only when BOD is too. Otherwise they are
absent with the reason.

``run_fleet_volumes`` computes the same from Elexon Insights CSV extracts (the shipped
Lakeside day), for ``gbess fleet volumes``.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from engine.errors import DataMissingError, ValidationError
from engine.fleet import (
    REGISTRATION_TYPES,
    ROUTES,
    Leaderboard,
    accepted_volumes,
    bm_cashflows,
    bm_monthly,
    fleet_leaderboard,
)
from engine.settlement import to_date
from jobs.ingest import DATASETS, IngestDataset, IngestSummary, ingest
from jobs.settings import Settings
from jobs.sources.elexon import ElexonClient, read_dataset_csv
from jobs.warehouse import open_warehouse, seed_if_needed

MAX_DAYS = 92
DYNAMIC_RESPONSE_REASON = (
    "unit-level DC/DM/DR results are not in the warehouse (it holds clearing prices per EFA "
    "block, not which unit won what)"
)
REGISTRY_SOURCE = "Elexon reference/bmunits/all (battery units; warehouse table bm_units)"


@dataclass(frozen=True)
class FleetRequest:
    """The fleet leaderboard, optionally with BM figures for settlement dates first..last.

    Attributes:
        first: First UK settlement date of BM figures (``from``), or None for none.
        last: Last UK settlement date, inclusive (``to``); defaults to ``first``.
    """

    first: dt.date | None = None
    last: dt.date | None = None

    def __post_init__(self) -> None:
        if self.first is None:
            if self.last is not None:
                raise ValidationError("from: required when to is given", field="from")
            return
        first = to_date(self.first, "from")
        last = first if self.last is None else to_date(self.last, "to")
        if last < first:
            raise ValidationError(f"to: {last} is before from {first}", field="to")
        if (last - first).days + 1 > MAX_DAYS:
            raise ValidationError(
                f"to: at most {MAX_DAYS} days of BM figures per request", field="to"
            )
        object.__setattr__(self, "first", first)
        object.__setattr__(self, "last", last)


def _days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def _loaded(warehouse: Any, table: str, first: dt.date, last: dt.date) -> set[dt.date]:
    log = warehouse.run_sql(
        "SELECT range_start, range_end FROM load_log WHERE dataset = @dataset "
        "AND range_end >= @from_date AND range_start <= @to_date",
        dataset=table,
        from_date=first,
        to_date=last,
    )
    days: set[dt.date] = set()
    for start, end in zip(log["range_start"], log["range_end"], strict=True):
        days.update(d.date() for d in pd.date_range(start, end, freq="D"))
    return days


def _read_bm(warehouse: Any, table: str, first: dt.date, last: dt.date) -> pd.DataFrame:
    # Rows are per settlement date: an acceptance in force across midnight is listed on both.
    frame: pd.DataFrame = warehouse.run_sql(
        f"SELECT * FROM {table} WHERE settlement_date BETWEEN @from_date AND @to_date",
        from_date=first,
        to_date=last,
    )
    return frame


def _missing_days(wanted: list[dt.date], held: set[dt.date]) -> list[str]:
    return [d.isoformat() for d in wanted if d not in held]


def _in_days(frame: pd.DataFrame, first: dt.date, last: dt.date) -> pd.DataFrame:
    days = pd.DatetimeIndex(frame["settlement_date"]).date
    kept: pd.DataFrame = frame[(days >= first) & (days <= last)]
    return kept


def run_fleet(request: FleetRequest, settings: Settings) -> dict[str, Any]:
    """The fleet document (see module docstring)."""
    with open_warehouse(settings) as warehouse:
        registry = warehouse.query("bm_units")
        if registry.empty and warehouse.backend == "duckdb":  # a fresh embedded warehouse
            seed_if_needed(warehouse, settings)
            registry = warehouse.query("bm_units")
        board, notes = leaderboard_from_warehouse(warehouse, registry, request.first, request.last)
    return fleet_document(board, request, notes)


def latest_bm_day(warehouse: Any) -> dt.date | None:
    """The last settlement date with BOALF loaded (``load_log``), or None."""
    log = warehouse.run_sql(
        "SELECT MAX(range_end) AS last_day FROM load_log WHERE dataset = @dataset",
        dataset="bid_offer_acceptances",
    )
    value = log["last_day"].iloc[0] if len(log) else None
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()


def leaderboard_from_warehouse(
    warehouse: Any, registry: pd.DataFrame, first: dt.date | None, last: dt.date | None
) -> tuple[Leaderboard, list[str]]:
    """The leaderboard, with BM figures for ``first..last`` when the warehouse holds them.

    Returns:
        The leaderboard and notes (data absent, units left out, price-out bands reached).
    """
    notes: list[str] = []
    if first is None or last is None:
        reason = "no BM period asked for (from/to)"
        return fleet_leaderboard(registry, bm_absent_reason=reason), notes
    wanted = _days(first, last)
    missing = {
        name: _missing_days(wanted, _loaded(warehouse, table, first, last))
        for name, table in (
            ("BOALF", "bid_offer_acceptances"),
            ("PN", "physical_notifications"),
            ("BOD", "bid_offer_data"),
        )
    }
    absent = [f"{name} not loaded for {', '.join(days)}" for name, days in missing.items() if days]
    if missing["BOALF"] or missing["PN"]:
        reason = "; ".join(absent[:2]) + " (gbess ingest elexon boalf|pn)"
        return fleet_leaderboard(registry, bm_absent_reason=reason), [reason]
    acc, pn, bod = (
        _read_bm(warehouse, table, first, last)
        for table in ("bid_offer_acceptances", "physical_notifications", "bid_offer_data")
    )
    battery = set(registry["elexon_bm_unit"])
    others = sorted(set(acc["elexon_bm_unit"].dropna()) - battery)
    if others:
        notes.append(
            f"{len(others)} BM unit(s) with acceptances are not battery units in the registry "
            f"and are left out (e.g. {', '.join(others[:3])})"
        )
    acc, pn, bod = (f[f["elexon_bm_unit"].isin(battery)] for f in (acc, pn, bod))
    volumes = accepted_volumes(acc, pn)
    periods = _in_days(volumes.by_period, first, last)
    notes.extend(volumes.warnings)
    if missing["BOD"]:
        cash = None
        cash_reason = f"BOD not loaded for {', '.join(missing['BOD'])} (gbess ingest elexon bod)"
    else:
        flows = bm_cashflows(acc, pn, bod)
        cash = _in_days(flows.by_period, first, last)
        cash_reason = ""
        notes.extend(flows.warnings)
    monthly = bm_monthly(periods, cash, cash_reason)
    return fleet_leaderboard(registry, monthly, bm_absent_reason=None), notes


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-ready rows: NaN/NA → None, timestamps → ISO strings, numpy → Python."""
    out: list[dict[str, Any]] = []
    for record in frame.to_dict("records"):
        row: dict[str, Any] = {}
        for key, value in record.items():
            if (
                value is None
                or (isinstance(value, float) and math.isnan(value))
                or value is pd.NA
                or value is pd.NaT
            ):
                row[str(key)] = None
            elif isinstance(value, pd.Timestamp):
                row[str(key)] = value.isoformat()
            elif hasattr(value, "item"):
                row[str(key)] = value.item()
            else:
                row[str(key)] = value
        out.append(row)
    return out


def fleet_document(board: Leaderboard, request: FleetRequest, notes: list[str]) -> dict[str, Any]:
    """The JSON document of a leaderboard."""
    units = board.units.assign(
        dynamic_response_revenue_gbp=None, dynamic_response_missing_reason=DYNAMIC_RESPONSE_REASON
    )
    return {
        "registry": {"source": REGISTRY_SOURCE, "units": len(board.units)},
        "period": None
        if request.first is None or request.last is None
        else {"from": request.first.isoformat(), "to": request.last.isoformat()},
        "units": _records(units),
        "by_lead_party": _records(board.by_party),
        "by_region": _records(board.by_region),
        "by_route": _records(board.by_route),
        "monthly": _records(board.monthly),
        "registration_types": dict(REGISTRATION_TYPES),
        "routes": [
            {"lead_party_id": r.lead_party_id, "route": r.route, "source": r.source} for r in ROUTES
        ],
        "dynamic_response": {"available": False, "reason": DYNAMIC_RESPONSE_REASON},
        "warnings": [*board.warnings, *notes],
    }


@dataclass(frozen=True)
class FleetVolumesRequest:
    """BM volumes (and cash, with BOD) from Elexon Insights CSV extracts.

    Attributes:
        boalf: BOALF CSV (API field names as columns).
        pn: PN CSV.
        bod: BOD CSV, or None: volumes only, cash absent.
    """

    boalf: Path
    pn: Path
    bod: Path | None = None

    def __post_init__(self) -> None:
        for name in ("boalf", "pn", "bod"):
            path = getattr(self, name)
            if path is not None and not Path(path).is_file():
                raise ValidationError(f"{name}: no such file {path}", field=name)


def run_fleet_volumes(request: FleetVolumesRequest, settings: Settings) -> dict[str, Any]:
    """Accepted bid/offer volume per unit and settlement period (and cash with BOD)."""
    acc = read_dataset_csv(Path(request.boalf), "BOALF")
    pn = read_dataset_csv(Path(request.pn), "PN")
    volumes = accepted_volumes(acc, pn)
    periods = volumes.by_period
    warnings = list(volumes.warnings)
    if request.bod is not None:
        flows = bm_cashflows(acc, pn, read_dataset_csv(Path(request.bod), "BOD"))
        cash = flows.by_period[
            ["elexon_bm_unit", "interval_start", "cashflow_gbp", "missing_reason"]
        ].rename(columns={"missing_reason": "cash_missing_reason"})
        periods = periods.merge(cash, on=["elexon_bm_unit", "interval_start"], how="left")
        warnings.extend(flows.warnings)
    else:
        periods = periods.assign(
            cashflow_gbp=None, cash_missing_reason="no BOD given: prices come from bid-offer pairs"
        )
    totals = {
        "offer_volume_mwh": float(periods["offer_volume_mwh"].sum(min_count=1)),
        "bid_volume_mwh": float(periods["bid_volume_mwh"].sum(min_count=1)),
        "acceptances": int(volumes.by_acceptance["acceptance_number"].nunique()),
    }
    return {
        "units": sorted(periods["elexon_bm_unit"].unique().tolist()),
        "periods": _records(periods),
        "totals": {k: (None if isinstance(v, float) and math.isnan(v) else v)
                   for k, v in totals.items()},
        "by_flag": _records(volumes.by_flag),
        "warnings": warnings,
    }  # fmt: skip


def battery_bod_dataset(units: list[str]) -> IngestDataset:
    """The ``bod`` dataset asking Elexon only for ``units`` (``bmUnit``), same table and checks.

    Days are recorded in ``load_log`` as BOD days like a market-wide load: a later
    market-wide ``gbess ingest elexon bod`` of the same days skips them unless forced.
    """
    base = DATASETS["bod"]
    return IngestDataset(
        "bod-battery",
        base.source,
        base.table,
        lambda client, first, last: client.bid_offers(first, last, units),
        base.day_column,
        base.check_day,
        base.days_per_fetch,
    )


def ingest_battery_bod(
    settings: Settings,
    client: ElexonClient,
    first: dt.date,
    last: dt.date,
    *,
    force: bool = False,
    now: Any = None,
) -> IngestSummary:
    """Load BOD of the registry's battery units, day by day (idempotent, resumable).

    Raises:
        DataMissingError: The warehouse holds no BM unit registry.
    """
    with open_warehouse(settings) as warehouse:
        registry = warehouse.query("bm_units")
        if registry.empty and warehouse.backend == "duckdb":
            seed_if_needed(warehouse, settings)
            registry = warehouse.query("bm_units")
        if registry.empty:
            raise DataMissingError(
                "bm_units: the warehouse holds no BM unit registry (gbess ingest elexon bm-units)",
                field="bm_units",
            )
        units = sorted(registry["elexon_bm_unit"].dropna().astype(str))
        extra = {} if now is None else {"now": now}
        return ingest(
            warehouse, battery_bod_dataset(units), client, first, last, force=force, **extra
        )
