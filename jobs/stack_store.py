"""Revenue stacks kept by everything they depend on, so that an investment case re-run with new
finance inputs (capex, opex, discount rate, Capacity Market, toll), or a sweep after a case on
the same power, solves no stack it has solved before.

A stack is a pure function of four things, and its key is the SHA-256 of all four:

* the revenue request as valued (battery, period, services, markets, mode, forecast method,
  registration, site tariffs, wear hurdle: :class:`jobs.revenue.RevenueRequest`'s fields);
* the warehouse's data: its ``load_log`` (every dataset range loaded, when and from where);
* the reference data: every file under ``GBESS_DATA_DIR`` (path, size, modification time);
* the code: every module under ``engine/`` and the jobs modules a stack runs through.

A load, a changed reference file or a code change gives new keys, so nothing stale is read.
Values are JSON files ``GBESS_VAR_DIR/stacks/<key>.json``, each written atomically (a
temporary file renamed), one per stack, so pool processes never share a file. Each Cloud Run
instance keeps its own store on its disk; a miss only costs the solve.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from jobs.settings import Settings
from jobs.warehouse import open_warehouse, seed_if_needed

#: The jobs modules a stack runs through (with every engine module).
_JOBS_MODULES = ("revenue.py", "response.py", "invest.py", "stack_store.py")
_ROOT = Path(__file__).resolve().parents[1]


@functools.cache
def _code_digest() -> str:
    digest = hashlib.sha256()
    files = sorted((_ROOT / "engine").rglob("*.py")) + [_ROOT / "jobs" / m for m in _JOBS_MODULES]
    for path in files:
        digest.update(str(path.relative_to(_ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def fingerprint(settings: Settings) -> str:
    """The state every stack of this call depends on besides its request: the warehouse's
    load log, the reference files and the code (a few milliseconds; read once per call).

    The embedded warehouse is seeded first if it needs it, as every read of a stack's prices
    does (:func:`jobs.revenue.read_span`), so the state is the one those reads see and a
    call can take it once, before it reads."""
    digest = hashlib.sha256(_code_digest().encode())
    with open_warehouse(settings) as warehouse:
        if warehouse.backend == "duckdb":
            seed_if_needed(warehouse, settings)
        log = warehouse.run_sql(
            "SELECT dataset, range_start, range_end, rows, loaded_at, source FROM load_log "
            "ORDER BY dataset, range_start, range_end"
        )
    digest.update(log.to_csv(index=False).encode())
    data_dir = Path(settings.data_dir)
    for path in sorted(p for p in data_dir.rglob("*") if p.is_file()):
        stat = path.stat()
        digest.update(f"{path.relative_to(data_dir)}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()


def stack_key(state: str, request: Any) -> str:
    """The key of one stack: ``state`` (:func:`fingerprint`) and the request's fields."""
    fields = json.dumps(
        {f.name: repr(getattr(request, f.name)) for f in dataclasses.fields(request)},
        sort_keys=True,
    )
    return hashlib.sha256(f"{state}\n{type(request).__name__}\n{fields}".encode()).hexdigest()


def _path(settings: Settings, key: str) -> Path:
    return Path(settings.var_dir) / "stacks" / f"{key}.json"


def load(settings: Settings, key: str) -> dict[str, Any] | None:
    """The value kept under ``key``, or None (never kept, or unreadable: solved again)."""
    try:
        value: dict[str, Any] = json.loads(_path(settings, key).read_text())
    except (OSError, ValueError):
        return None
    return value


def keep(settings: Settings, key: str, value: dict[str, Any]) -> None:
    """Keep ``value`` under ``key`` (atomically; a store that cannot be written is skipped:
    the value was computed and is returned all the same)."""
    path = _path(settings, key)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "w", dir=path.parent, suffix=".part", delete=False
        ) as part:  # one file per writer: pool processes never share a part file
            json.dump(value, part)
        os.replace(part.name, path)
    except OSError:
        return
