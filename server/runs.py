"""``GET /v1/jobs/{job_id}``: the state of a background job (:mod:`jobs.background`) —
queued, running with progress, complete with its result, or failed with the reason.

Any worker of the instance answers (the state is a file under ``GBESS_VAR_DIR/jobs``). Job
ids are 18-digit numbers (safe in any URL); an unknown id is a 404. ``POST /v1/jobs/refresh``
(:mod:`server.jobs`) is a different route.
"""

from __future__ import annotations

from typing import Any, Literal

from engine.errors import DataMissingError
from jobs import background
from server.api import ApiBlueprint
from server.config import server_config
from server.validation import ApiModel

bp = ApiBlueprint("runs", __name__)


class JobAccepted(ApiModel):
    """A submitted job (the 202 answer of any operation that runs as a job): poll
    ``status_url`` (``GET /v1/jobs/{job_id}``)."""

    job_id: str
    status: str
    status_url: str


def accepted(job_id: str) -> JobAccepted:
    """The 202 body for a job :func:`jobs.background.submit` just queued."""
    return JobAccepted(job_id=job_id, status="queued", status_url=f"/v1/jobs/{job_id}")


class JobStatus(ApiModel):
    """A background job's state (times ISO 8601 UTC, naive).

    Attributes:
        job_id: The job.
        kind: What it runs (``risk`` ...).
        status: ``queued``, ``running``, ``complete`` or ``failed``.
        progress_done: Units done (scenario-years for a risk run).
        progress_total: Units in all (0 until known).
        result: The use case's document, only when ``complete``.
        detail: Why it failed, only when ``failed``.
        field: The input at fault, if any.
    """

    job_id: str
    kind: str
    status: Literal["queued", "running", "complete", "failed"]
    progress_done: int
    progress_total: int
    submitted_utc: str
    updated_utc: str
    finished_utc: str | None = None
    detail: str | None = None
    field: str | None = None
    result: dict[str, Any] | None = None


@bp.operation(
    "GET",
    "/jobs/<int:job_id>",
    response=JobStatus,
    summary="A background job's progress and, once complete, its result",
    errors=(DataMissingError,),
)
def job_status(job_id: int) -> JobStatus:
    """Read the job's state file; a job silent for too long is reported failed."""
    return JobStatus.model_validate(background.status(server_config().settings, job_id))
