"""The ``Refresh log`` tab: one row per job run, newest first, kept under ``var/``.

Unlike the other tabs its times come from the clock (when each job started and
finished); its "data as of" stamp is the newest data any job in the log has seen.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd

from jobs.sheets.plan import Table, TabPlan

TAB = "Refresh log"
KEEP_ROWS = 200


@dataclass(frozen=True)
class JobRun:
    """One job's run: times are naive UTC."""

    job: str
    started_utc: dt.datetime
    finished_utc: dt.datetime
    rows: int
    status: str  # "ok" or "error"
    data_as_of_utc: dt.datetime | None
    error: str | None = None

    def to_json(self) -> dict[str, object]:
        """JSON-ready form (ISO times)."""
        out: dict[str, object] = asdict(self)
        for key in ("started_utc", "finished_utc", "data_as_of_utc"):
            value = out[key]
            out[key] = value.isoformat() if isinstance(value, dt.datetime) else None
        return out

    @classmethod
    def from_json(cls, data: dict[str, object]) -> JobRun:
        """Inverse of :meth:`to_json`."""
        times = {
            k: dt.datetime.fromisoformat(str(data[k])) if data.get(k) else None
            for k in ("started_utc", "finished_utc", "data_as_of_utc")
        }
        return cls(
            job=str(data["job"]),
            started_utc=times["started_utc"] or dt.datetime.min,
            finished_utc=times["finished_utc"] or dt.datetime.min,
            rows=int(str(data["rows"])),
            status=str(data["status"]),
            data_as_of_utc=times["data_as_of_utc"],
            error=str(data["error"]) if data.get("error") else None,
        )


def append_runs(path: Path, runs: Sequence[JobRun]) -> list[JobRun]:
    """Add runs to the log file (newest first, at most ``KEEP_ROWS``); return the log."""
    old = []
    if path.exists():
        old = [JobRun.from_json(r) for r in json.loads(path.read_text(encoding="utf-8"))]
    log = sorted([*runs, *old], key=lambda r: r.started_utc, reverse=True)[:KEEP_ROWS]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps([r.to_json() for r in log]), encoding="utf-8")
    tmp.replace(path)
    return log


def build_log_tab(log: Sequence[JobRun]) -> TabPlan:
    """The Refresh log tab from the stored log (newest first)."""
    frame = pd.DataFrame(
        [asdict(r) for r in log],
        columns=["job", "started_utc", "finished_utc", "rows", "status", "data_as_of_utc", "error"],
    )
    stamps = [r.data_as_of_utc for r in log if r.data_as_of_utc is not None]
    return TabPlan(
        TAB, max(stamps, default=None), (Table("runs", "Job runs, newest first", frame),)
    )
