"""Background jobs: state in var/ files any worker can read; failures never show a result."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest

from engine.errors import DataMissingError, ValidationError
from jobs import background
from jobs.settings import Settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(var_dir=tmp_path / "var")


def test_a_job_runs_reports_progress_and_keeps_its_result(settings: Settings) -> None:
    def work(progress: background.ProgressFn) -> dict[str, Any]:
        for done in range(1, 4):
            progress(done, 3)
        return {"answer": 42}

    job_id = background.submit(settings, "demo", work)
    state = background.wait(settings, job_id)
    assert state["status"] == "complete"
    assert state["result"] == {"answer": 42}
    assert (state["progress_done"], state["progress_total"]) == (3, 3)
    # Another worker (a fresh Settings over the same var/) reads the same file.
    other = background.status(Settings(var_dir=settings.var_dir), job_id)
    assert other == state


def test_a_job_is_queued_then_running(settings: Settings) -> None:
    release = threading.Event()
    started = threading.Event()

    def work(progress: background.ProgressFn) -> dict[str, Any]:
        started.set()
        progress(1, 2)
        release.wait()
        return {}

    job_id = background.submit(settings, "demo", work)
    started.wait()
    assert background.status(settings, job_id)["status"] == "running"
    assert background.status(settings, job_id)["result"] is None
    release.set()
    assert background.wait(settings, job_id)["status"] == "complete"


def test_a_failed_job_names_the_field_and_shows_no_result(settings: Settings) -> None:
    def bad(progress: background.ProgressFn) -> dict[str, Any]:
        raise ValidationError("regime: too little history", field="regime")

    state = background.wait(settings, background.submit(settings, "demo", bad))
    assert state["status"] == "failed"
    assert (state["field"], state["detail"]) == ("regime", "regime: too little history")
    assert state["result"] is None


def test_a_bug_is_reported_by_type_only(settings: Settings) -> None:
    def bug(progress: background.ProgressFn) -> dict[str, Any]:
        raise KeyError("/secret/path")

    state = background.wait(settings, background.submit(settings, "demo", bug))
    assert state["status"] == "failed"
    assert state["detail"] == "internal error (KeyError)"


def test_a_job_whose_worker_died_is_reported_failed(settings: Settings) -> None:
    folder = background.jobs_dir(settings)
    folder.mkdir(parents=True)
    job_id = "1" * 18
    lost = {
        "job_id": job_id,
        "kind": "risk",
        "status": "running",
        "progress_done": 5,
        "progress_total": 10,
        "submitted_utc": "2026-01-01T00:00:00",
        "updated_utc": "2026-01-01T00:00:00",
        "finished_utc": None,
        "detail": None,
        "field": None,
        "result": {"half": "done"},
    }
    (folder / f"{job_id}.json").write_text(json.dumps(lost))
    state = background.status(settings, job_id)
    assert state["status"] == "failed"
    assert "stopped" in state["detail"]
    assert state["result"] is None


@pytest.mark.parametrize("job_id", ["nope", "../etc/passwd", "0" * 18, "9" * 18])
def test_unknown_or_malformed_ids_are_missing(settings: Settings, job_id: str) -> None:
    with pytest.raises(DataMissingError) as error:
        background.status(settings, job_id)
    assert error.value.field == "job_id"
