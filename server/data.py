"""``GET /v1/data/coverage``: the first and last day of each market dataset held.

What the sidebar shows beside its date fields (and defaults them inside), and what a
caller checks before asking for a period. Read from the warehouse (:mod:`jobs.coverage`).
"""

from __future__ import annotations

from pydantic import Field

import jobs.coverage
from engine.errors import DataMissingError, ValidationError
from server.api import ApiBlueprint
from server.config import server_config
from server.validation import ApiModel

bp = ApiBlueprint("data", __name__)

_NAME = "(" + "|".join(dataset.name for dataset in jobs.coverage.DATASETS) + ")"
# One or more known names, comma-separated (the schema says exactly what is accepted).
_DATASETS_PATTERN = f"^{_NAME}(,{_NAME})*$"


class CoverageQuery(ApiModel):
    """Optional filter: ``datasets=system_prices,market_index`` (default all)."""

    datasets: str | None = Field(
        None,
        description="Comma-separated warehouse tables (default: every market dataset)",
        pattern=_DATASETS_PATTERN,
    )


class DatasetCoverage(ApiModel):
    """One dataset's range (days are UK days; ``null`` when nothing is held)."""

    dataset: str = Field(description="Warehouse table, e.g. system_prices")
    label: str = Field(description="What it is called in messages, e.g. system prices")
    rows: int | None = Field(description="Rows held (null: the table does not exist)")
    first_day: str | None = Field(description="First UK day held, YYYY-MM-DD")
    last_day: str | None = Field(description="Last UK day held, YYYY-MM-DD")
    first_interval_start: str | None = Field(description="First interval start, UTC ISO 8601")
    last_interval_start: str | None = Field(description="Last interval start, UTC ISO 8601")
    range: str = Field(description='"2019-01-01 … 2026-03-18", or "none held"')


class CoverageResponse(ApiModel):
    """The range of every market dataset the warehouse holds."""

    warehouse_backend: str
    market_data: str | None = Field(
        description='The system prices\' range as "market data 2019-01-01 … 2026-03-18"'
    )
    summary: str = Field(description="One line naming every dataset's range")
    datasets: list[DatasetCoverage]


@bp.operation(
    "GET",
    "/data/coverage",
    query=CoverageQuery,
    response=CoverageResponse,
    summary="First and last day held per market dataset (system prices, APX, DC/DM/DR ...)",
    errors=(ValidationError, DataMissingError),
)
def coverage(query: CoverageQuery) -> CoverageResponse:
    """The data range, from the warehouse (an ingest of newer data moves it)."""
    names = tuple(query.datasets.split(",")) if query.datasets else ()
    request = jobs.coverage.CoverageRequest(datasets=names)
    document = jobs.coverage.run_coverage(request, server_config().settings)
    return CoverageResponse.model_validate(document)
