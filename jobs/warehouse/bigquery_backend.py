"""The production warehouse: BigQuery through the official client (google-cloud-bigquery).

Queries are the same BigQuery-dialect ``.sql`` files as DuckDB runs, sent as they are with
typed query parameters, job labels, a ``maximum_bytes_billed`` cap and the dataset's
location, and with the dataset as default so table names need no qualification. Loads
write the frame as Parquet into a staging table with an explicit schema (``WRITE_APPEND``
into a fresh table), then ``MERGE`` it into the target by key (idempotent upsert), then drop the
staging table.

Settings (``GBESS_*`` environment variables, read once into ``Settings.extra``):
``GBESS_BQ_PROJECT`` (required), ``GBESS_BQ_DATASET`` (default ``gbess``),
``GBESS_BQ_LOCATION`` (default ``europe-west2``, London), ``GBESS_BQ_MAX_BYTES_BILLED``
(default 10 GiB per query), ``GBESS_BQ_TIMEOUT_S`` (default 120). Credentials are
Application Default Credentials (google-auth).
"""

from __future__ import annotations

import io
import uuid
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import requests
from google.api_core import exceptions as google_exceptions
from google.auth import exceptions as auth_exceptions
from google.cloud import bigquery

from engine.errors import DataMissingError, SourceUnavailableError, ValidationError
from jobs.settings import Settings
from jobs.warehouse.base import Warehouse
from jobs.warehouse.dialect import bigquery_type_of
from jobs.warehouse.schema import TABLES, Table, bigquery_ddl

DEFAULT_DATASET = "gbess"
DEFAULT_LOCATION = "europe-west2"
DEFAULT_MAX_BYTES_BILLED = 10 * 1024**3
DEFAULT_TIMEOUT_S = 120.0
JOB_LABELS = {"app": "gbess"}


class BigQueryWarehouse(Warehouse):
    """The BigQuery backend.

    Args:
        client: A ``google.cloud.bigquery.Client`` (its project runs the jobs).
        dataset: Dataset id (in the client's project) holding the tables.
        location: Dataset location, e.g. ``europe-west2``.
        maximum_bytes_billed: Cap on bytes billed per query [bytes]; larger queries fail.
        timeout_s: Timeout for each API call and job wait [s].
        labels: Labels added to every job (``app=gbess`` plus the query name).
    """

    backend = "bigquery"

    def __init__(
        self,
        client: bigquery.Client,
        dataset: str,
        *,
        location: str = DEFAULT_LOCATION,
        maximum_bytes_billed: int = DEFAULT_MAX_BYTES_BILLED,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        labels: dict[str, str] | None = None,
    ) -> None:
        self.client = client
        self.dataset = f"{client.project}.{dataset}"
        self.location_name = location
        self.maximum_bytes_billed = maximum_bytes_billed
        self.timeout_s = timeout_s
        self.labels = {**JOB_LABELS, **(labels or {})}
        self._tables_checked = False

    @classmethod
    def from_settings(cls, settings: Settings) -> BigQueryWarehouse:
        """Build from ``GBESS_BQ_*`` settings with Application Default Credentials.

        Raises:
            ValidationError: ``GBESS_BQ_PROJECT`` missing, or a malformed number.
            SourceUnavailableError: No usable Application Default Credentials.
        """
        extra = settings.extra
        project = extra.get("GBESS_BQ_PROJECT", "").strip()
        if not project:
            raise ValidationError(
                "GBESS_BQ_PROJECT: set the Google Cloud project for the BigQuery warehouse",
                field="GBESS_BQ_PROJECT",
            )
        location = extra.get("GBESS_BQ_LOCATION", DEFAULT_LOCATION)
        maximum_bytes_billed = _positive(
            extra, "GBESS_BQ_MAX_BYTES_BILLED", DEFAULT_MAX_BYTES_BILLED
        )
        timeout_s = float(_positive(extra, "GBESS_BQ_TIMEOUT_S", DEFAULT_TIMEOUT_S))
        try:
            client = bigquery.Client(project=project, location=location)
        except auth_exceptions.GoogleAuthError as exc:
            raise SourceUnavailableError(
                f"BigQuery {project}: no usable Google credentials ({exc}); run `gcloud auth "
                "application-default login` or set GOOGLE_APPLICATION_CREDENTIALS",
                field="GBESS_WAREHOUSE",
            ) from None
        return cls(
            client,
            extra.get("GBESS_BQ_DATASET", DEFAULT_DATASET),
            location=location,
            maximum_bytes_billed=maximum_bytes_billed,
            timeout_s=timeout_s,
        )

    @property
    def location(self) -> str:
        """``project.dataset`` (location)."""
        return f"{self.dataset} ({self.location_name})"

    def close(self) -> None:
        """Close the client's HTTP session."""
        self.client.close()  # type: ignore[no-untyped-call]  # google-cloud-bigquery leaves close() unannotated

    def ensure_tables(self) -> None:
        """Create the dataset and every declared table if missing (``IF NOT EXISTS``)."""
        if self._tables_checked:
            return
        dataset = bigquery.Dataset(self.dataset)
        dataset.location = self.location_name
        self._call(
            "create dataset",
            lambda: self.client.create_dataset(dataset, exists_ok=True, timeout=self.timeout_s),
        )
        for spec in TABLES.values():
            job = self._submit(bigquery_ddl(spec, self.dataset), {}, label="ddl")
            self._call(f"create {spec.name}", lambda job=job: job.result(timeout=self.timeout_s))
        self._tables_checked = True

    def _run(
        self, bigquery_sql: str, params: dict[str, Any], *, duckdb_sql: str | None
    ) -> pd.DataFrame:
        job = self._submit(bigquery_sql, params, label="query")
        rows = self._call("fetch results", lambda: job.result(timeout=self.timeout_s))
        # Arrow, then pandas: the client's own to_dataframe is deprecated in 3.x.
        arrow = rows.to_arrow(create_bqstorage_client=False)
        nullable = {pa.int64(): pd.Int64Dtype(), pa.bool_(): pd.BooleanDtype()}
        frame: pd.DataFrame = arrow.to_pandas(types_mapper=nullable.get)
        for arrow_field in arrow.schema:
            if pa.types.is_date32(arrow_field.type):  # datetime.date objects → datetime64
                frame[arrow_field.name] = pd.to_datetime(frame[arrow_field.name]).astype(
                    "datetime64[ns]"
                )
        return frame

    def _submit(self, sql: str, params: dict[str, Any], *, label: str) -> bigquery.QueryJob:
        config = bigquery.QueryJobConfig(
            query_parameters=[
                bigquery.ScalarQueryParameter(name, bigquery_type_of(value, name), value)
                for name, value in params.items()
            ],
            labels={**self.labels, "kind": label},
            maximum_bytes_billed=self.maximum_bytes_billed,
            default_dataset=self.dataset,
            use_legacy_sql=False,
        )
        job: bigquery.QueryJob = self._call(
            "submit query",
            lambda: self.client.query(
                sql, job_config=config, location=self.location_name, timeout=self.timeout_s
            ),
        )
        return job

    def _upsert(self, spec: Table, frame: pd.DataFrame) -> None:
        self.ensure_tables()
        payload = parquet_bytes(spec, frame)
        staging = f"{self.dataset}._staging_{spec.name}_{uuid.uuid4().hex[:12]}"
        config = bigquery.LoadJobConfig(
            schema=[
                bigquery.SchemaField(c.name, c.type, mode="REQUIRED" if c.required else "NULLABLE")
                for c in spec.columns
            ],
            source_format=bigquery.SourceFormat.PARQUET,
            write_disposition=bigquery.WriteDisposition.WRITE_APPEND,
            labels={**self.labels, "kind": "load", "table": spec.name},
        )
        load = self._call(
            f"load {spec.name}",
            lambda: self.client.load_table_from_file(
                io.BytesIO(payload),
                staging,
                size=len(payload),
                job_config=config,
                location=self.location_name,
                timeout=self.timeout_s,
            ),
        )
        try:
            self._call(f"load {spec.name}", lambda: load.result(timeout=self.timeout_s))
            merge = self._submit(merge_sql(spec, staging), {}, label="merge")
            self._call(f"merge {spec.name}", lambda: merge.result(timeout=self.timeout_s))
        finally:
            self._call(
                "drop staging",
                lambda: self.client.delete_table(
                    staging, not_found_ok=True, timeout=self.timeout_s
                ),
            )

    def _call(self, what: str, action: Any) -> Any:
        try:
            return action()
        except google_exceptions.NotFound as exc:
            raise DataMissingError(
                f"BigQuery {self.dataset}: {what}: {exc.message}", field="GBESS_BQ_DATASET"
            ) from exc
        except google_exceptions.BadRequest as exc:
            raise ValidationError(f"BigQuery {what}: {exc.message}", field="query") from exc
        except (
            google_exceptions.GoogleAPIError,
            auth_exceptions.GoogleAuthError,  # credentials expired or token endpoint unreachable
            requests.RequestException,  # the connection itself failed
            TimeoutError,
        ) as exc:
            raise SourceUnavailableError(
                f"BigQuery {self.dataset}: {what} failed: {exc}", field="GBESS_WAREHOUSE"
            ) from exc


ARROW_TYPES: dict[str, pa.DataType] = {
    "TIMESTAMP": pa.timestamp("us", tz="UTC"),
    "DATE": pa.date32(),
    "INT64": pa.int64(),
    "FLOAT64": pa.float64(),
    "STRING": pa.string(),
    "BOOL": pa.bool_(),
}


def parquet_bytes(spec: Table, frame: pd.DataFrame) -> bytes:
    """A typed frame as Parquet with the table's explicit schema (the load job's payload)."""
    columns = {}
    for column in spec.columns:
        values = frame[column.name]
        if column.type == "DATE":  # date32 is built from datetime.date values
            values = values.dt.date
        columns[column.name] = pa.array(values, type=ARROW_TYPES[column.type], from_pandas=True)
    buffer = io.BytesIO()
    pq.write_table(pa.table(columns), buffer)
    return buffer.getvalue()


def merge_sql(spec: Table, staging: str) -> str:
    """MERGE a staging table into a target by key: update matches, insert the rest.

    Identifiers come from the schema declaration and a generated staging name only.
    """
    on = " AND ".join(f"T.{k} = S.{k}" for k in spec.key)
    updates = ", ".join(f"{c} = S.{c}" for c in spec.column_names if c not in spec.key)
    columns = ", ".join(spec.column_names)
    values = ", ".join(f"S.{c}" for c in spec.column_names)
    return (
        f"MERGE `{spec.name}` T USING `{staging}` S ON {on} "
        f"WHEN MATCHED THEN UPDATE SET {updates} "
        f"WHEN NOT MATCHED THEN INSERT ({columns}) VALUES ({values})"
    )


def _positive(extra: Any, name: str, default: float) -> int:
    raw = extra.get(name)
    if raw is None or not str(raw).strip():
        return int(default)
    try:
        value = int(str(raw).strip())
    except ValueError:
        raise ValidationError(
            f"{name}: expected a positive whole number, got {raw!r}", field=name
        ) from None
    if value <= 0:
        raise ValidationError(f"{name}: must be positive, got {value}", field=name)
    return value
