"""The site-lookup tables: built once from the reference data, then read-only dicts.

Loading reads seven reference tables (through :mod:`engine.reference`) and turns them
into dicts keyed by distributor id, outward code and (distributor, LLFC); queries then
never touch pandas. Result templates per district and per MPAN top line are memoised
in bounded dicts.
"""

from __future__ import annotations

from typing import Any, TypeVar

import pandas as pd

from engine.errors import DataMissingError
from engine.reference import ReferenceData
from engine.site.network import NetworkRegistry, build_network_registry
from engine.site.postcode import District, DistrictIndex
from engine.site.topline import TopLineCatalogue, build_topline_catalogue

MAX_TEMPLATES = 20_000
_STATUSES = frozenset({"agree", "disagree", "source_a_only", "source_b_only", "outside_gb"})

K = TypeVar("K")


class LookupTables:
    """Everything a site lookup reads, precomputed.

    Args:
        network: Distributors and licence areas.
        districts: Outward code → GSP group(s).
        topline: Profile classes, MTCs, LLFCs and LLFC → DUoS tariff.
    """

    def __init__(
        self, network: NetworkRegistry, districts: DistrictIndex, topline: TopLineCatalogue
    ) -> None:
        self.network = network
        self.districts = districts
        self.topline = topline
        self.postcode_templates: dict[str, dict[str, Any]] = {}
        self.mpan_templates: dict[Any, dict[str, Any]] = {}

    @staticmethod
    def remember(cache: dict[K, dict[str, Any]], key: K, value: dict[str, Any]) -> None:
        """Store a template, emptying the cache first if it is full (bounds memory)."""
        if len(cache) >= MAX_TEMPLATES:
            cache.clear()
        cache[key] = value


def build_district_index(frame: pd.DataFrame) -> DistrictIndex:
    """The :class:`DistrictIndex` of the ``postcode_district_gsp_group`` table.

    Raises:
        DataMissingError: On an unknown ``match_status`` or a mainland row without a GSP
            group.
    """
    rows = []
    for outward, status, consensus, candidates in zip(
        frame["outward_code"],
        frame["match_status"],
        frame["gsp_group_id_consensus"],
        frame["candidate_gsp_group_ids"],
        strict=True,
    ):
        if status not in _STATUSES:
            raise DataMissingError(
                f"postcode_district_gsp_group.csv: {outward} has status {status!r}"
            )
        if status == "disagree":
            groups = tuple(sorted(str(candidates).split()))
        elif status == "outside_gb":
            groups = ()
        else:
            groups = (consensus,)
        if status != "outside_gb" and not all(isinstance(g, str) and g for g in groups):
            raise DataMissingError(f"postcode_district_gsp_group.csv: {outward} has no GSP group")
        rows.append(District(outward, status, groups))
    return DistrictIndex(rows)


def build_lookup_tables(ref: ReferenceData) -> LookupTables:
    """Load and index every table a site lookup needs (uncached; see
    :func:`engine.site.lookup.load_lookup_tables`)."""
    return LookupTables(
        network=build_network_registry(ref.table("distributors"), ref.table("dno_licence_areas")),
        districts=build_district_index(ref.table("postcode_district_gsp_group")),
        topline=build_topline_catalogue(
            ref.table("mdd_profile_classes"),
            ref.table("mdd_meter_timeswitch_classes"),
            ref.table("mdd_llfc"),
            ref.table("duos_tariffs"),
        ),
    )
