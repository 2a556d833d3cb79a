"""An in-process stand-in for the BigQuery REST API (v2), mounted as the client's session.

The official ``google-cloud-bigquery`` client runs unchanged over it. It records every
request (so tests can assert the jobs submitted: SQL, parameters, labels, byte cap,
location), answers query jobs by running the submitted BigQuery SQL on a DuckDB fixture
and encoding the result the way the REST API does (``schema.fields`` plus ``rows[].f[].v``
strings; INT64 as strings, TIMESTAMP as microseconds when the client asks for
``formatOptions.useInt64Timestamp``), and accepts multipart load uploads, decoding the
Parquet payload so tests can inspect the rows loaded.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qs, urlparse

import pandas as pd
import pyarrow.parquet as pq
import requests
from google.auth.credentials import AnonymousCredentials
from google.auth.transport.requests import AuthorizedSession
from google.cloud import bigquery

from jobs.warehouse.duckdb_backend import DuckDBWarehouse
from tests.fake_transport import FakeTransport, Timeout

API = "/bigquery/v2/projects/"


@dataclass
class Upload:
    """One load job received through the upload endpoint."""

    configuration: dict[str, Any]
    frame: pd.DataFrame


@dataclass
class FakeBigQuery(FakeTransport):
    """The fake API. ``engine`` answers queries; ``fail_next`` injects HTTP errors."""

    engine: DuckDBWarehouse | None = None
    requests_seen: list[tuple[str, str, dict[str, list[str]], Any]] = field(default_factory=list)
    jobs: dict[str, dict[str, Any]] = field(default_factory=dict)
    uploads: list[Upload] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    fail_next: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__()

    def client(self, project: str = "proj") -> bigquery.Client:
        """A real BigQuery client whose HTTP goes to this fake."""
        # google-auth ships py.typed but leaves these constructors unannotated.
        credentials = AnonymousCredentials()  # type: ignore[no-untyped-call]  # google-auth: unannotated
        session = AuthorizedSession(credentials)  # type: ignore[no-untyped-call]  # google-auth: unannotated
        session.mount("https://", self)
        return bigquery.Client(
            project=project, credentials=credentials, _http=session,
            location="europe-west2",
        )  # fmt: skip

    @property
    def query_jobs(self) -> list[dict[str, Any]]:
        """Query job resources submitted, in order."""
        return [job for job in self.jobs.values() if "query" in job["configuration"]]

    def answer(self, request: requests.PreparedRequest, timeout: Timeout) -> requests.Response:
        url = urlparse(request.url or "")
        query = parse_qs(url.query)
        body = request.body
        self.requests_seen.append((request.method or "", url.path, query, body))
        if self.fail_next:
            return _response(request, self.fail_next.pop(0), {"error": {"message": "injected"}})
        path = url.path
        if path.startswith("/upload/bigquery/v2/projects/"):
            return self._upload(request, body)
        if not path.startswith(API):
            return _response(request, 404, {"error": {"message": f"no route {path}"}})
        parts = path[len(API) :].split("/")
        if request.method == "POST" and parts[1:] == ["jobs"]:
            return self._insert_job(request, json.loads(body or b"{}"))
        if request.method == "GET" and len(parts) == 3 and parts[1] == "jobs":
            return _response(request, 200, self.jobs[parts[2]])
        if request.method == "GET" and len(parts) == 3 and parts[1] == "queries":
            return self._query_results(request, parts[2], query)
        if request.method == "POST" and parts[1:] == ["datasets"]:
            return _response(request, 200, json.loads(body or b"{}"))
        if request.method == "DELETE" and len(parts) == 5 and parts[3] == "tables":
            self.deleted.append(f"{parts[2]}.{parts[4]}")
            return _response(request, 204, None)
        return _response(request, 404, {"error": {"message": f"no route {path}"}})

    def _insert_job(
        self, request: requests.PreparedRequest, job: dict[str, Any]
    ) -> requests.Response:
        job = json.loads(json.dumps(job))
        job["status"] = {"state": "DONE"}
        job["statistics"] = {"query": {"totalBytesProcessed": "0", "statementType": "SELECT"}}
        job.setdefault("jobReference", {})["location"] = job["jobReference"].get("location", "US")
        self.jobs[job["jobReference"]["jobId"]] = job
        return _response(request, 200, job)

    def _query_results(
        self, request: requests.PreparedRequest, job_id: str, query: dict[str, list[str]]
    ) -> requests.Response:
        job = self.jobs[job_id]
        config = job["configuration"]["query"]
        result = self._answer(config)
        int64_timestamps = query.get("formatOptions.useInt64Timestamp") == ["True"] or (
            query.get("formatOptions.useInt64Timestamp") == ["true"]
        )
        start = int(query.get("pageToken", query.get("startIndex", ["0"]))[0])
        limit = int(query.get("maxResults", [str(len(result))])[0])
        page = result.iloc[start : start + limit]
        payload: dict[str, Any] = {
            "kind": "bigquery#getQueryResultsResponse",
            "jobReference": job["jobReference"],
            "jobComplete": True,
            "totalRows": str(len(result)),
            "schema": {"fields": [_field(name, result[name]) for name in result.columns]},
            "rows": [
                {
                    "f": [
                        {"v": _encode(value, result[name].dtype, int64_timestamps)}
                        for name, value in zip(result.columns, row, strict=True)
                    ]
                }
                for row in page.itertuples(index=False)
            ],
            "totalBytesProcessed": "0",
            "cacheHit": False,
        }
        if start + limit < len(result):
            payload["pageToken"] = str(start + limit)
        return _response(request, 200, payload)

    def _answer(self, config: dict[str, Any]) -> pd.DataFrame:
        sql = config["query"]
        if self.engine is None or not sql.lstrip().upper().startswith(("SELECT", "WITH", "--")):
            return pd.DataFrame()
        params = {p["name"]: _decode_param(p) for p in config.get("queryParameters", [])}
        return self.engine.run_sql(sql, **params)

    def _upload(self, request: requests.PreparedRequest, body: Any) -> requests.Response:
        content_type = request.headers["content-type"]
        if isinstance(content_type, bytes):
            content_type = content_type.decode()
        message = message_from_bytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + bytes(body), policy=HTTP
        )
        parts = list(message.iter_parts())
        job = json.loads(_decoded(parts[0]))
        table = pq.read_table(io.BytesIO(_decoded(parts[1])))
        self.uploads.append(Upload(job["configuration"], table.to_pandas()))
        return self._insert_job(request, job)


def _decoded(part: Message) -> bytes:
    """A non-multipart MIME part's body, transfer-decoded."""
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        raise TypeError(f"expected a leaf part, got {part.get_content_type()}")
    return payload


def _response(request: requests.PreparedRequest, status: int, payload: Any) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response.request = request
    response.url = request.url or ""
    response.headers["content-type"] = "application/json"
    response._content = b"" if payload is None else json.dumps(payload).encode()
    return response


def _field(name: str, series: pd.Series) -> dict[str, str]:
    dtype = series.dtype
    if isinstance(dtype, pd.DatetimeTZDtype):
        kind = "TIMESTAMP"
    elif pd.api.types.is_datetime64_dtype(dtype):
        kind = "DATE"
    elif pd.api.types.is_bool_dtype(dtype):
        kind = "BOOLEAN"
    elif pd.api.types.is_integer_dtype(dtype):
        kind = "INTEGER"
    elif pd.api.types.is_float_dtype(dtype):
        kind = "FLOAT"
    else:
        kind = "STRING"
    return {"name": name, "type": kind, "mode": "NULLABLE"}


def _encode(value: Any, dtype: Any, int64_timestamps: bool) -> Any:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(dtype, pd.DatetimeTZDtype):
        micros = pd.Timestamp(value).value // 1000
        return str(micros) if int64_timestamps else repr(micros / 1e6)
    if pd.api.types.is_datetime64_dtype(dtype):
        return pd.Timestamp(value).date().isoformat()
    if pd.api.types.is_bool_dtype(dtype):
        return "true" if value else "false"
    if pd.api.types.is_integer_dtype(dtype):
        return str(int(value))
    if pd.api.types.is_float_dtype(dtype):
        return repr(float(value))
    return str(value)


def _decode_param(parameter: dict[str, Any]) -> Any:
    kind = parameter["parameterType"]["type"]
    value = parameter["parameterValue"]["value"]
    if kind == "DATE":
        return dt.date.fromisoformat(value)
    if kind == "INT64":
        return int(value)
    if kind == "FLOAT64":
        return float(value)
    if kind == "TIMESTAMP":
        return pd.Timestamp(re.sub(r"\+00:00$", "Z", value)).to_pydatetime()
    return value
