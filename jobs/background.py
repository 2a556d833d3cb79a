"""Background jobs: work that outlives an HTTP request (a risk run, an investment case).

``submit`` returns a job id at once and runs the work on a thread of this process; the job's
state lives in one JSON file per job under ``GBESS_VAR_DIR/jobs/`` (written atomically), so
``status`` answers from any gunicorn worker of the instance, not only the one running it.
At most ``GBESS_BACKGROUND_SLOTS`` jobs (default 1) run at once per process; the rest wait
as ``queued`` (at most :data:`MAX_QUEUED` per process, beyond which ``submit`` refuses with
:class:`engine.errors.StorageUnavailableError`, 503).

States: ``queued`` → ``running`` (with ``progress``) → ``complete`` (with ``result``) or
``failed`` (with ``detail`` and ``field``: the error's own words, never a stack trace). A job
whose process died stops writing; one not updated for ``GBESS_JOB_STALE_S`` seconds (default
900) is reported ``failed`` ("stopped"), so it is never shown as running forever, and a
failed or lost job never shows a result.

Interface (for any use case):

* ``submit(settings, kind, work) -> job_id`` where ``work(progress) -> dict`` (JSON-ready)
  and ``progress(done, total)`` may be called as often as liked (written at most twice a
  second);
* ``status(settings, job_id) -> dict`` with ``job_id``, ``kind``, ``status``,
  ``progress_done``, ``progress_total``, ``submitted_utc``, ``updated_utc``,
  ``finished_utc``, ``detail``, ``field``, ``result``;
* ``wait(settings, job_id, timeout_s)`` for tests and the CLI.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import secrets
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from engine.errors import DataMissingError, GbessError, StorageUnavailableError
from jobs.settings import Settings

ProgressFn = Callable[[int, int], None]
Work = Callable[[ProgressFn], dict[str, Any]]

STATES = ("queued", "running", "complete", "failed")
#: Jobs that may wait per process before ``submit`` refuses.
MAX_QUEUED = 50
DEFAULT_SLOTS = 1
DEFAULT_STALE_S = 900.0
_WRITE_EVERY_S = 0.5
_JOB_ID = re.compile(r"^[1-9][0-9]{17}$")
_lock = threading.Lock()
_gates: dict[int, threading.BoundedSemaphore] = {}
_threads: dict[str, threading.Thread] = {}
_waiting = 0


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(timespec="seconds")


def jobs_dir(settings: Settings) -> Path:
    """Where job files live (``GBESS_VAR_DIR/jobs``)."""
    return settings.var_dir / "jobs"


def _path(settings: Settings, job_id: str) -> Path:
    return jobs_dir(settings) / f"{job_id}.json"


def _write(settings: Settings, state: dict[str, Any]) -> None:
    folder = jobs_dir(settings)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        temporary = folder / f".{state['job_id']}.{os.getpid()}.{threading.get_ident()}.tmp"
        temporary.write_text(json.dumps(state, allow_nan=False, default=str))
        os.replace(temporary, _path(settings, state["job_id"]))
    except OSError as exc:
        raise StorageUnavailableError(
            f"jobs: cannot write {folder} ({exc.strerror}); set GBESS_VAR_DIR to a writable folder",
            check="not-writable",
            setting="GBESS_VAR_DIR",
        ) from exc


def _slots(settings: Settings) -> int:
    text = settings.extra.get("GBESS_BACKGROUND_SLOTS", "").strip()
    return max(1, min(int(text), 16)) if text.isdigit() else DEFAULT_SLOTS


def _stale_s(settings: Settings) -> float:
    text = settings.extra.get("GBESS_JOB_STALE_S", "").strip()
    try:
        return max(float(text), 1.0) if text else DEFAULT_STALE_S
    except ValueError:
        return DEFAULT_STALE_S


def new_job_id() -> str:
    """An unguessable job id: 18 decimal digits (a number, so it is safe in any URL)."""
    return str(10**17 + secrets.randbelow(9 * 10**17))


def submit(settings: Settings, kind: str, work: Work) -> str:
    """Start ``work`` on a background thread and return its job id at once.

    Args:
        settings: Where the job files go (``var_dir``) and the slot setting.
        kind: What the job is (``risk``, ``invest`` ...), shown in its status.
        work: Called as ``work(progress)``; returns the JSON-ready result. A
            :class:`engine.errors.GbessError` it raises becomes the job's ``detail`` and
            ``field``; any other exception is reported as an internal error by type only.

    Raises:
        StorageUnavailableError: ``var/`` not writable, or :data:`MAX_QUEUED` jobs already
            waiting in this process.
    """
    global _waiting
    job_id = new_job_id()
    stamp = _now()
    state: dict[str, Any] = {
        "job_id": job_id,
        "kind": kind,
        "status": "queued",
        "progress_done": 0,
        "progress_total": 0,
        "submitted_utc": stamp,
        "updated_utc": stamp,
        "finished_utc": None,
        "detail": None,
        "field": None,
        "result": None,
    }
    with _lock:
        if _waiting >= MAX_QUEUED:
            raise StorageUnavailableError(
                f"jobs: {MAX_QUEUED} jobs already wait on this worker; retry later",
                check="jobs-full",
                setting="GBESS_BACKGROUND_SLOTS",
            )
        _write(settings, state)
        _waiting += 1
        gate = _gates.setdefault(_slots(settings), threading.BoundedSemaphore(_slots(settings)))
    thread = threading.Thread(
        target=_run, args=(settings, state, work, gate), name=f"job-{job_id}", daemon=True
    )
    with _lock:
        _threads[job_id] = thread
    thread.start()
    return job_id


def _run(
    settings: Settings, state: dict[str, Any], work: Work, gate: threading.BoundedSemaphore
) -> None:
    global _waiting
    with gate:
        with _lock:
            _waiting -= 1
        state.update(status="running", updated_utc=_now())
        _write(settings, state)
        last = [0.0]

        def progress(done: int, total: int) -> None:
            state.update(progress_done=int(done), progress_total=int(total))
            now = time.monotonic()
            if now - last[0] >= _WRITE_EVERY_S or done >= total:
                last[0] = now
                state["updated_utc"] = _now()
                _write(settings, state)

        try:
            result = work(progress)
            json.dumps(result, allow_nan=False, default=str)  # refuse NaN before "complete"
        except GbessError as error:
            state.update(status="failed", detail=error.public_detail, field=error.field)
        except Exception as error:  # a bug: its type only, never a trace or internals
            state.update(status="failed", detail=f"internal error ({type(error).__name__})")
        else:
            state.update(status="complete", result=result)
        state.update(updated_utc=_now(), finished_utc=_now())
        _write(settings, state)
        with _lock:
            _threads.pop(state["job_id"], None)


def status(settings: Settings, job_id: str | int) -> dict[str, Any]:
    """The job's state as last written (a job silent for too long is reported failed).

    Raises:
        DataMissingError: No such job here (field ``job_id``): an id of the wrong form, one
            never submitted, or one submitted to another instance's ``var/``.
    """
    job_id = str(job_id)
    if not _JOB_ID.match(job_id):
        raise DataMissingError(f"job_id: no job {job_id!r}", field="job_id")
    try:
        state: dict[str, Any] = json.loads(_path(settings, job_id).read_text())
    except FileNotFoundError:
        raise DataMissingError(f"job_id: no job {job_id!r}", field="job_id") from None
    except (OSError, ValueError) as exc:
        raise StorageUnavailableError(
            f"jobs: cannot read job {job_id} ({exc})", check="unreadable", setting="GBESS_VAR_DIR"
        ) from exc
    if state["status"] in ("queued", "running"):
        updated = dt.datetime.fromisoformat(state["updated_utc"])
        silent = (dt.datetime.now(dt.UTC).replace(tzinfo=None) - updated).total_seconds()
        if silent > _stale_s(settings):
            state.update(
                status="failed",
                detail=f"job_id: the worker running this job stopped (silent {silent:.0f} s)",
                field="job_id",
                result=None,
            )
    if state["status"] != "complete":
        state["result"] = None
    return state


def wait(settings: Settings, job_id: str, timeout_s: float = 600.0) -> dict[str, Any]:
    """The job's status once it is complete or failed (or ``timeout_s`` has passed): joins
    its thread when it runs in this process, else polls its file."""
    with _lock:
        thread = _threads.get(job_id)
    if thread is not None:
        thread.join(timeout_s)
        return status(settings, job_id)
    deadline = time.monotonic() + timeout_s
    while True:
        state = status(settings, job_id)
        if state["status"] in ("complete", "failed") or time.monotonic() > deadline:
            return state
        time.sleep(0.05)
