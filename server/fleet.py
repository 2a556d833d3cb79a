"""``GET /v1/fleet``: the battery fleet leaderboard, with BM volumes and cashflows if asked."""

from __future__ import annotations

from pydantic import Field

import jobs.fleet
from engine.errors import DataMissingError, ValidationError
from engine.settlement import to_date
from server.api import ApiBlueprint
from server.config import server_config
from server.validation import ApiModel

bp = ApiBlueprint("fleet", __name__)


class FleetQuery(ApiModel):
    """Optional settlement dates of the BM figures (``from``, ``to``: YYYY-MM-DD)."""

    first: str | None = Field(None, alias="from", description="first settlement date")
    last: str | None = Field(None, alias="to", description="last settlement date (default from)")


class FleetUnit(ApiModel):
    """One battery BM unit (registry fields, route to market, BM figures or why absent)."""

    elexon_bm_unit: str
    bm_unit_name: str | None
    lead_party_name: str | None
    lead_party_id: str | None
    bm_unit_type: str | None
    registration: str | None
    gsp_group_id: str | None
    region: str | None
    generation_capacity_mw: float | None
    import_capacity_mw: float | None
    fleet_share_frac: float | None
    route_to_market: str | None
    route_source: str | None
    bm_offer_volume_mwh: float | None
    bm_bid_volume_mwh: float | None
    bm_cashflow_gbp: float | None
    bm_cashflow_gbp_per_mw: float | None
    bm_missing_reason: str | None
    dynamic_response_revenue_gbp: float | None
    dynamic_response_missing_reason: str | None


class FleetGroupFigures(ApiModel):
    """Units, capacity, share and BM sums of a group (BM NaN → null with the reason)."""

    units: int
    generation_capacity_mw: float | None
    import_capacity_mw: float | None
    fleet_share_frac: float | None
    bm_offer_volume_mwh: float | None
    bm_bid_volume_mwh: float | None
    bm_cashflow_gbp: float | None
    bm_cashflow_gbp_per_mw: float | None
    bm_missing_reason: str | None


class FleetParty(FleetGroupFigures):
    """A lead party's units."""

    lead_party_name: str


class FleetRegion(FleetGroupFigures):
    """A region's (GSP group's) units."""

    region: str


class FleetRoute(FleetGroupFigures):
    """A route to market's units."""

    route_to_market: str


class FleetMonth(ApiModel):
    """BM figures of one unit and calendar month."""

    elexon_bm_unit: str
    month: str
    bm_offer_volume_mwh: float | None
    bm_bid_volume_mwh: float | None
    bm_cashflow_gbp: float | None
    bm_missing_reason: str | None


class FleetRoutesSource(ApiModel):
    """A cited route-to-market classification."""

    lead_party_id: str
    route: str
    source: str


class FleetRegistry(ApiModel):
    """Where the units come from."""

    source: str
    units: int


class FleetPeriod(ApiModel):
    """Settlement dates of the BM figures."""

    from_: str = Field(alias="from")
    to: str


class FleetAbsence(ApiModel):
    """A figure not available, and why."""

    available: bool
    reason: str


class FleetResponse(ApiModel):
    """The fleet leaderboard."""

    registry: FleetRegistry
    period: FleetPeriod | None
    units: list[FleetUnit]
    by_lead_party: list[FleetParty]
    by_region: list[FleetRegion]
    by_route: list[FleetRoute]
    monthly: list[FleetMonth]
    registration_types: dict[str, str]
    routes: list[FleetRoutesSource]
    dynamic_response: FleetAbsence
    warnings: list[str]


@bp.operation(
    "GET",
    "/fleet",
    query=FleetQuery,
    response=FleetResponse,
    summary="Battery BM units by lead party, region and route to market, with BM cashflows",
    errors=(ValidationError, DataMissingError),
    heavy=True,
)
def fleet(query: FleetQuery) -> FleetResponse:
    """The leaderboard; BM figures for ``from``..``to`` when the warehouse holds them."""
    first = None if query.first is None else to_date(query.first, "from")
    last = None if query.last is None else to_date(query.last, "to")
    request = jobs.fleet.FleetRequest(first, last)
    document = jobs.fleet.run_fleet(request, server_config().settings)
    return FleetResponse.model_validate(document)
