"""``POST /v1/jobs/refresh``: refresh dashboard tabs (Cloud Scheduler, the Apps Script menu).

Idempotent: a refresh rebuilds each tab from the data, so repeating a request gives the
same tabs. Overlapping requests are serialised per tab by file locks in the refresh job,
so two triggers never interleave their writes to one tab.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

import jobs.dashboard.refresh
from engine.errors import SourceUnavailableError, ValidationError
from jobs.inputs import request_from
from server.api import ApiBlueprint
from server.config import server_config
from server.validation import ApiModel

bp = ApiBlueprint("jobs", __name__)


class RefreshRequest(ApiModel):  # the wire form of jobs.dashboard.refresh.RefreshRequest
    """Which tabs to refresh, and where to write them.

    Attributes:
        tabs: Tab titles (case-insensitive); empty or absent = every tab.
        backend: ``local`` or ``google``; absent = the server's ``GBESS_DASHBOARD``.
    """

    tabs: list[str] = Field(
        default_factory=list,
        max_length=20,
        json_schema_extra={"items": {"enum": list(jobs.dashboard.refresh.TAB_ORDER)}},
    )
    backend: Literal["local", "google"] | None = None


class JobRunModel(ApiModel):
    """One job's run in the summary (times ISO 8601 UTC, naive)."""

    job: str
    started_utc: str
    finished_utc: str
    rows: int
    status: str
    data_as_of_utc: str | None
    error: str | None


class RefreshSummary(ApiModel):
    """What a refresh did.

    Attributes:
        backend: Sink used.
        tabs: One entry per refreshed tab (the ``Refresh log`` tab is always rewritten).
        ok: Every job succeeded.
        requests: Writes by kind (Google: ``reads``/``writes``; local: files).
        duration_s: Wall time [s].
        workbook: Path of the local workbook (local backend).
    """

    backend: str
    tabs: list[JobRunModel]
    ok: bool
    requests: dict[str, int]
    duration_s: float
    workbook: str | None = None


@bp.operation(
    "POST",
    "/jobs/refresh",
    request=RefreshRequest,
    response=RefreshSummary,
    summary="Refresh dashboard tabs and return the run summary",
    errors=(ValidationError, SourceUnavailableError, jobs.dashboard.refresh.SinkNotConfiguredError),
    heavy=True,
)
def refresh(body: RefreshRequest) -> RefreshSummary:
    """Rebuild the requested tabs from the warehouse and reference data and write them.

    A Google Sheets refresh on a server without its ``GBESS_SHEETS_*`` settings is 503
    naming the setting to configure (the server's fault, not the request's).
    """
    request = request_from(jobs.dashboard.refresh.RefreshRequest, body)
    summary = jobs.dashboard.refresh.run_refresh(request, server_config().settings)
    return RefreshSummary.model_validate(summary)
