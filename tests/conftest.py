"""Shared fixtures: the real data directory (``GBESS_DATA_DIR`` or ``../shared/data``)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from engine.reference import ReferenceData, reference_data
from jobs.settings import DEFAULT_DATA_DIR


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return Path(os.environ.get("GBESS_DATA_DIR") or DEFAULT_DATA_DIR).resolve()


@pytest.fixture(scope="session")
def ref(data_dir: Path) -> ReferenceData:
    return reference_data(data_dir)
