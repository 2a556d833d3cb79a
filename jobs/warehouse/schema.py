"""Warehouse tables: one declaration per table, rendered as BigQuery and DuckDB DDL.

Every table is declared once here (columns with units in their names, the key that makes
loads idempotent, the partitioning and clustering used on BigQuery, and the time column
that ``status`` reports on). The DuckDB DDL is the same schema with DuckDB's type names.
Timestamps are absolute instants (BigQuery ``TIMESTAMP``; DuckDB ``TIMESTAMPTZ`` read in
UTC). Dates are UK local calendar days from :mod:`engine.settlement`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from engine.errors import ValidationError

ColumnType = Literal["TIMESTAMP", "DATE", "INT64", "FLOAT64", "STRING", "BOOL"]

DUCKDB_TYPES: dict[str, str] = {
    "TIMESTAMP": "TIMESTAMPTZ",
    "DATE": "DATE",
    "INT64": "BIGINT",
    "FLOAT64": "DOUBLE",
    "STRING": "VARCHAR",
    "BOOL": "BOOLEAN",
}


@dataclass(frozen=True)
class Column:
    """One column: name (with its unit), type, and a one-line description."""

    name: str
    type: ColumnType
    description: str
    required: bool = False


@dataclass(frozen=True)
class Table:
    """A warehouse table.

    Attributes:
        name: Table name (the same on DuckDB and BigQuery).
        description: What one row is.
        columns: Columns in order.
        key: Columns identifying a row; loads replace rows with the same key.
        partition_by: BigQuery partitioning expression, or None.
        cluster_by: BigQuery clustering columns.
        time_column: TIMESTAMP column that ``status`` reports first/last of, or None.
        end_column: Column holding each row's end, for gap detection; None means
            ``time_column`` + ``step_seconds``.
        step_seconds: Length of one interval [s] when there is no end column.
        series: Columns that split the table into separately checked series for gaps.
    """

    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    partition_by: str | None = None
    cluster_by: tuple[str, ...] = ()
    time_column: str | None = None
    end_column: str | None = None
    step_seconds: int | None = None
    series: tuple[str, ...] = ()

    @property
    def column_names(self) -> tuple[str, ...]:
        """Names of the columns in order."""
        return tuple(column.name for column in self.columns)

    def column(self, name: str) -> Column:
        """The column called ``name``."""
        for column in self.columns:
            if column.name == name:
                return column
        raise ValidationError(f"{self.name}: no column named {name!r}", field=name)


def _c(name: str, type_: ColumnType, description: str, *, key: bool = False) -> Column:
    return Column(name, type_, description, required=key)


_SP = (
    _c("interval_start", "TIMESTAMP", "UTC start of the settlement period", key=True),
    _c("settlement_date", "DATE", "UK local settlement day"),
    _c("settlement_period", "INT64", "settlement period 1..46/48/50"),
)
_BMU = (
    _c("national_grid_bm_unit", "STRING", "NESO BM unit id, e.g. ARBRB-1"),
    _c("elexon_bm_unit", "STRING", "Elexon BM unit id, e.g. E_ARBRB-1", key=True),
)
_SOURCE = _c("source", "STRING", "where the row came from (file or API endpoint)")
_VINTAGE = _c(
    "vintage",
    "STRING",
    "which publication the row was read from (e.g. the BMRS CSV download or the Insights "
    "API), since vintages of the same figure can differ",
)

TABLES: dict[str, Table] = {
    table.name: table
    for table in (
        Table(
            "system_prices",
            "GB imbalance price per settlement period (BMRS DISEBSP; single price since "
            "BSC P305, so SSP = SBP)",
            (
                *_SP,
                _c("system_sell_price_gbp_per_mwh", "FLOAT64", "system sell price [£/MWh]"),
                _c("system_buy_price_gbp_per_mwh", "FLOAT64", "system buy price [£/MWh]"),
                _c("net_imbalance_volume_mwh", "FLOAT64", "net imbalance volume [MWh]"),
                _SOURCE,
                _VINTAGE,
            ),
            key=("interval_start",),
            partition_by="DATE_TRUNC(settlement_date, MONTH)",
            cluster_by=("settlement_period",),
            time_column="interval_start",
            step_seconds=1800,
        ),
        Table(
            "market_index",
            "Market Index Data (MID) per provider and settlement period; a row with zero "
            "volume is 'no trade' (queries expose its price as NULL)",
            (
                *_SP,
                _c("data_provider", "STRING", "APXMIDP or N2EXMIDP", key=True),
                _c("market_index_price_gbp_per_mwh", "FLOAT64", "market index price [£/MWh]"),
                _c("market_index_volume_mwh", "FLOAT64", "traded volume [MWh]"),
                _SOURCE,
                _VINTAGE,
            ),
            key=("interval_start", "data_provider"),
            partition_by="DATE_TRUNC(settlement_date, MONTH)",
            cluster_by=("data_provider",),
            time_column="interval_start",
            step_seconds=1800,
            series=("data_provider",),
        ),
        Table(
            "dynamic_response_results",
            "DC/DM/DR clearing results per EFA block and service (NESO EAC auction; "
            "2021-2023 pre-EAC results summary)",
            (
                _c("efa_date", "DATE", "EFA day (starts 23:00 UK local the day before)"),
                _c("efa_block", "INT64", "EFA block 1..6"),
                _c("service", "STRING", "DCL, DCH, DML, DMH, DRL or DRH", key=True),
                _c("delivery_start", "TIMESTAMP", "UTC start of the block", key=True),
                _c("delivery_end", "TIMESTAMP", "UTC end of the block"),
                _c("duration_h", "FLOAT64", "block length [h] (3/5 on clock-change days)"),
                _c("cleared_volume_mw", "FLOAT64", "cleared volume [MW]"),
                _c(
                    "clearing_price_gbp_per_mw_per_h",
                    "FLOAT64",
                    "clearing price [£/MW/h]; 0 MW cleared means nothing cleared",
                ),
                _c("auction_id", "STRING", "EAC auction id (NULL before the EAC)"),
                _SOURCE,
                _VINTAGE,
            ),
            key=("service", "delivery_start"),
            partition_by="DATE_TRUNC(efa_date, MONTH)",
            cluster_by=("service",),
            time_column="delivery_start",
            end_column="delivery_end",
            series=("service",),
        ),
        Table(
            "quick_reserve_results",
            "Positive/negative Quick Reserve (PQR/NQR) clearing results per half hour "
            "(NESO EAC auction, from December 2024)",
            (
                _c("service", "STRING", "PQR or NQR", key=True),
                _c("delivery_start", "TIMESTAMP", "UTC start", key=True),
                _c("delivery_end", "TIMESTAMP", "UTC end"),
                _c("settlement_date", "DATE", "UK local settlement day of delivery_start"),
                _c("settlement_period", "INT64", "settlement period of delivery_start"),
                _c("cleared_volume_mw", "FLOAT64", "cleared volume [MW]"),
                _c("clearing_price_gbp_per_mw_per_h", "FLOAT64", "clearing price [£/MW/h]"),
                _c("auction_id", "STRING", "EAC auction id"),
                _SOURCE,
                _VINTAGE,
            ),
            key=("service", "delivery_start"),
            partition_by="DATE_TRUNC(settlement_date, MONTH)",
            cluster_by=("service",),
            time_column="delivery_start",
            end_column="delivery_end",
            series=("service",),
        ),
        Table(
            "demand_forecast_day_ahead",
            "NESO day-ahead national demand forecast, cardinal points, every published "
            "vintage (choose the latest issued before a decision)",
            (
                _c("target_date", "DATE", "UK local day forecast", key=True),
                _c("days_ahead", "INT64", "days between issue and target (1)"),
                _c("forecast_timestamp", "TIMESTAMP", "UTC time the vintage was issued", key=True),
                _c("cardinal_point", "STRING", "cardinal point code (1A, 2B, DP ...)", key=True),
                _c("cp_type", "STRING", "F (fixed time), P (peak) or T (trough)"),
                _c("cp_start_hhmm", "INT64", "window start, UK clock time as hhmm (30 = 00:30)"),
                _c("cp_end_hhmm", "INT64", "window end, UK clock time as hhmm (2400 = 24:00)"),
                _c("f_point", "STRING", "NESO point label (Om, DM, EM ...), often empty"),
                _c("forecast_demand_mw", "FLOAT64", "forecast national demand [MW]"),
                _SOURCE,
                _VINTAGE,
            ),
            key=("target_date", "forecast_timestamp", "cardinal_point"),
            partition_by="DATE_TRUNC(target_date, MONTH)",
            cluster_by=("cardinal_point",),
            time_column="forecast_timestamp",
        ),
        Table(
            "bm_units",
            "Elexon BM unit registry rows (reference/bmunits/all), fields in snake_case",
            (
                *_BMU,
                _c("eic", "STRING", "Energy Identification Code"),
                _c("fuel_type", "STRING", "Elexon fuel type (blank/OTHER for batteries)"),
                _c("lead_party_name", "STRING", "lead party name"),
                _c("lead_party_id", "STRING", "lead party id"),
                _c("bm_unit_type", "STRING", "T, E, S, I, G or V (virtual lead party)"),
                _c("fpn_flag", "BOOL", "submits final physical notifications"),
                _c("bm_unit_name", "STRING", "unit name"),
                _c("demand_capacity_mw", "FLOAT64", "demand capacity [MW] (negative)"),
                _c("generation_capacity_mw", "FLOAT64", "generation capacity [MW]"),
                _c("production_or_consumption_flag", "STRING", "P or C"),
                _c("transmission_loss_factor", "FLOAT64", "TLF [-]"),
                _c(
                    "working_day_credit_assessment_import_capability_mw",
                    "FLOAT64",
                    "working-day credit assessment import capability [MW]",
                ),
                _c(
                    "non_working_day_credit_assessment_import_capability_mw",
                    "FLOAT64",
                    "non-working-day credit assessment import capability [MW]",
                ),
                _c(
                    "working_day_credit_assessment_export_capability_mw",
                    "FLOAT64",
                    "working-day credit assessment export capability [MW]",
                ),
                _c(
                    "non_working_day_credit_assessment_export_capability_mw",
                    "FLOAT64",
                    "non-working-day credit assessment export capability [MW]",
                ),
                _c("credit_qualifying_status", "BOOL", "credit qualifying status"),
                _c("demand_in_production_flag", "BOOL", "demand in production flag"),
                _c("gsp_group_id", "STRING", "GSP group _A.._P"),
                _c("gsp_group_name", "STRING", "GSP group name"),
                _c("interconnector_id", "STRING", "interconnector id"),
                _SOURCE,
                _VINTAGE,
            ),
            key=("elexon_bm_unit",),
            cluster_by=("lead_party_id", "gsp_group_id"),
        ),
        Table(
            "bid_offer_acceptances",
            "Bid-offer acceptance levels (BOALF): accepted MW levels, no prices "
            "(prices come from bid_offer_data)",
            (
                _c("settlement_date", "DATE", "UK local settlement day", key=True),
                _c("settlement_period_from", "INT64", "first settlement period covered"),
                _c("settlement_period_to", "INT64", "last settlement period covered"),
                _c("time_from", "TIMESTAMP", "UTC start of the level segment", key=True),
                _c("time_to", "TIMESTAMP", "UTC end of the level segment"),
                _c("level_from_mw", "FLOAT64", "accepted level at time_from [MW]"),
                _c("level_to_mw", "FLOAT64", "accepted level at time_to [MW]"),
                _c("acceptance_number", "INT64", "acceptance number", key=True),
                _c("acceptance_time", "TIMESTAMP", "UTC time of the acceptance"),
                _c("deemed_bo_flag", "BOOL", "deemed bid-offer flag"),
                _c("so_flag", "BOOL", "system operator flag"),
                _c("amendment_flag", "STRING", "ORI, INS or AMD"),
                _c("stor_flag", "BOOL", "STOR flag"),
                _c("rr_flag", "BOOL", "replacement reserve flag"),
                *_BMU,
            ),
            key=("elexon_bm_unit", "acceptance_number", "time_from", "settlement_date"),
            partition_by="settlement_date",
            cluster_by=("elexon_bm_unit",),
            time_column="time_from",
        ),
        Table(
            "bid_offer_data",
            "Bid-offer pairs per BM unit and settlement period (BOD)",
            (
                _c("settlement_date", "DATE", "UK local settlement day", key=True),
                _c("settlement_period", "INT64", "settlement period", key=True),
                _c("time_from", "TIMESTAMP", "UTC start of the pair's level segment", key=True),
                _c("time_to", "TIMESTAMP", "UTC end of the pair's level segment"),
                _c("level_from_mw", "FLOAT64", "pair level at time_from [MW]"),
                _c("level_to_mw", "FLOAT64", "pair level at time_to [MW]"),
                _c("pair_id", "INT64", "bid-offer pair number (+ offers, - bids)", key=True),
                _c("offer_price_gbp_per_mwh", "FLOAT64", "offer price [£/MWh]"),
                _c("bid_price_gbp_per_mwh", "FLOAT64", "bid price [£/MWh]"),
                *_BMU,
            ),
            key=("elexon_bm_unit", "settlement_date", "settlement_period", "pair_id", "time_from"),
            partition_by="settlement_date",
            cluster_by=("elexon_bm_unit",),
            time_column="time_from",
        ),
        Table(
            "physical_notifications",
            "Physical notifications (PN): a BM unit's intended MW levels",
            (
                _c("settlement_date", "DATE", "UK local settlement day", key=True),
                _c("settlement_period", "INT64", "settlement period", key=True),
                _c("time_from", "TIMESTAMP", "UTC start of the level segment", key=True),
                _c("time_to", "TIMESTAMP", "UTC end of the level segment"),
                _c("level_from_mw", "FLOAT64", "level at time_from [MW]"),
                _c("level_to_mw", "FLOAT64", "level at time_to [MW]"),
                *_BMU,
            ),
            key=("elexon_bm_unit", "settlement_date", "settlement_period", "time_from"),
            partition_by="settlement_date",
            cluster_by=("elexon_bm_unit",),
            time_column="time_from",
        ),
        Table(
            "system_frequency",
            "GB system frequency samples (FREQ, 15 s)",
            (
                _c("measurement_time", "TIMESTAMP", "UTC time of the sample", key=True),
                _c("frequency_hz", "FLOAT64", "system frequency [Hz]"),
            ),
            key=("measurement_time",),
            partition_by="DATE(measurement_time)",
            time_column="measurement_time",
            step_seconds=15,
        ),
        Table(
            "load_log",
            "One row per dataset range loaded: what, when and from where",
            (
                _c("dataset", "STRING", "warehouse table or source dataset", key=True),
                _c("range_start", "DATE", "first UK local day loaded", key=True),
                _c("range_end", "DATE", "last UK local day loaded", key=True),
                _c("rows", "INT64", "rows written"),
                _c("loaded_at", "TIMESTAMP", "UTC time of the load"),
                _SOURCE,
            ),
            key=("dataset", "range_start", "range_end"),
            cluster_by=("dataset",),
            time_column=None,
        ),
        Table(
            "risk_runs",
            "One risk run (gbess risk): its request, state and, once merged, its figures",
            (
                _c("run_id", "STRING", "run identifier (the shards' common key)", key=True),
                _c("status", "STRING", "running, complete or failed"),
                _c("request_json", "STRING", "the validated request, as JSON"),
                _c("scenario_count", "INT64", "scenarios of the run (replays + bootstrap)"),
                _c("shard_count", "INT64", "shards the run was cut into"),
                _c("started_at", "TIMESTAMP", "UTC time the run was registered"),
                _c("finished_at", "TIMESTAMP", "UTC time it completed or failed"),
                _c("detail", "STRING", "why it failed, if it did"),
                _c("result_json", "STRING", "the merged figures (complete runs only), as JSON"),
            ),
            key=("run_id",),
            time_column=None,
        ),
        Table(
            "risk_scenarios",
            "One scenario-year of a risk run valued under one strategy (written by its shard)",
            (
                _c("run_id", "STRING", "run identifier", key=True),
                _c("strategy", "STRING", "stack (energy + services) or merchant", key=True),
                _c("scenario_id", "INT64", "scenario number within the run", key=True),
                _c("shard_index", "INT64", "shard that wrote the row"),
                _c("kind", "STRING", "replay or bootstrap"),
                _c("year", "INT64", "calendar year valued"),
                _c("net_gbp", "FLOAT64", "net revenue of the year [£]"),
                _c("streams_gbp_json", "STRING", "net by stream [£], as JSON"),
                *(
                    _c(f"net_m{m:02d}_gbp", "FLOAT64", f"net revenue of month {m} [£]")
                    for m in range(1, 13)
                ),
                _c("max_drawdown_gbp", "FLOAT64", "largest fall of cumulative daily P&L [£]"),
                _c("worst_day_gbp", "FLOAT64", "lowest daily P&L [£]"),
                _c("discharged_mwh", "FLOAT64", "grid energy discharged [MWh]"),
            ),
            key=("run_id", "strategy", "scenario_id"),
            cluster_by=("run_id",),
            time_column=None,
        ),
    )
}


def table(name: str) -> Table:
    """The declared table called ``name``.

    Raises:
        ValidationError: If there is no such table.
    """
    try:
        return TABLES[name]
    except KeyError:
        raise ValidationError(
            f"table: no warehouse table named {name!r} (known: {', '.join(TABLES)})",
            field="table",
        ) from None


def duckdb_ddl(spec: Table) -> str:
    """``CREATE TABLE IF NOT EXISTS`` for DuckDB (keys enforced by the loader, not DDL)."""
    columns = ",\n  ".join(f"{c.name} {DUCKDB_TYPES[c.type]}" for c in spec.columns)
    return f"CREATE TABLE IF NOT EXISTS {spec.name} (\n  {columns}\n)"


def bigquery_ddl(spec: Table, dataset: str) -> str:
    """``CREATE TABLE IF NOT EXISTS`` for BigQuery with partitioning and clustering.

    Args:
        spec: The table.
        dataset: ``project.dataset`` or ``dataset`` (from settings, never user input).
    """
    columns = ",\n  ".join(
        f"{c.name} {c.type}{' NOT NULL' if c.required else ''} "
        f"OPTIONS(description={_bq_string(c.description)})"
        for c in spec.columns
    )
    parts = [f"CREATE TABLE IF NOT EXISTS `{dataset}.{spec.name}` (\n  {columns}\n)"]
    if spec.partition_by:
        parts.append(f"PARTITION BY {spec.partition_by}")
    if spec.cluster_by:
        parts.append(f"CLUSTER BY {', '.join(spec.cluster_by)}")
    parts.append(f"OPTIONS(description={_bq_string(spec.description)})")
    return "\n".join(parts)


def _bq_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
