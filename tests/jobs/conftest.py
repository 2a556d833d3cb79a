"""Fixtures shared by the jobs tests (warehouse and source fakes)."""

from tests.jobs.sources.conftest import elexon, neso
from tests.jobs.warehouse.conftest import empty_warehouse

__all__ = ["elexon", "empty_warehouse", "neso"]
