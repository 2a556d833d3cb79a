"""What the BM unit registry says about each battery, and a cited route-to-market table.

**Registration types** (``bm_unit_type`` in Elexon ``reference/bmunits/all``), per BSC Section
K and Elexon's guidance note "BM Units – Registration of Balancing Mechanism (BM) Units"
(https://bscdocs.elexon.co.uk/guidance-notes/bm-units-registration-of-balancing-mechanism-bm-units)
and its knowledgebase page "How are BM Units categorised?"
(https://www.elexon.co.uk/knowledgebase/how-are-bm-units-categorised/):

* ``T`` — directly connected to the Transmission System (ids ``T_…``), a primary BM unit;
* ``E`` — embedded in a Distribution System (``E_…``), a primary BM unit;
* ``S`` — a Supplier BM unit (``2__…``, and ``C__…`` additional units for CfD assets), holding a
  supplier's meters in one GSP group;
* ``I`` — an interconnector BM unit (``I_…``);
* ``V`` — a **secondary** BM unit registered by a Virtual Lead Party (VLP or AMVLP) to offer
  balancing services from HH-metered equipment in one GSP group; the same equipment stays in a
  supplier's primary BM unit, which Settlement adjusts when the secondary unit is dispatched;
* ``G`` and any other letter — shown as published; its meaning was not found in the sources
  checked (Elexon's ``M_`` "miscellaneous" prefix is for units that fit no other category).

**Route to market** is who trades the battery, judged from the lead party:

* ``optimiser/aggregator`` — a lead party that trades other owners' assets, with a source;
* ``site company`` — the lead party is the project company named for the site (the registry row
  is the evidence: e.g. "Lakeside Energy Storage Ltd" for "Lakeside BESS"); it holds the BSC
  obligations itself, though it may still buy optimisation under a contract the registry
  cannot show;
* otherwise absent, with the reason: no source was checked for that lead party. Nothing is
  guessed from a name.
"""

from __future__ import annotations

from dataclasses import dataclass

REGISTRATION_TYPES: dict[str, str] = {
    "T": "transmission-connected primary BM unit",
    "E": "embedded (distribution-connected) primary BM unit",
    "S": "supplier BM unit",
    "I": "interconnector BM unit",
    "V": "secondary BM unit of a Virtual Lead Party",
}

OPTIMISER = "optimiser/aggregator"
SITE_COMPANY = "site company"


@dataclass(frozen=True)
class RouteSource:
    """One cited route-to-market classification of a lead party (by ``lead_party_id``)."""

    lead_party_id: str
    route: str
    source: str


ROUTES: tuple[RouteSource, ...] = (
    RouteSource(
        "TESLA",
        OPTIMISER,
        "theenergyst.com 'Tesla enters UK flex market as National Grid upgrades balancing "
        "mechanism tech': Tesla's Autobidder bid the Holes Bay battery (E_BHOLB-1) into the BM",
    ),
    RouteSource(
        "FLEXTRCY",
        OPTIMISER,
        "flexitricity.com/more/blog/revenue-opportunities-battery-storage: Flexitricity "
        "aggregates and optimises a portfolio including front-of-the-meter batteries",
    ),
    RouteSource(
        "ANGEL",
        OPTIMISER,
        "utilityweek.co.uk 'First virtual power plant enters balancing mechanism': Limejump "
        "operates a virtual power plant aggregating third-party storage into BM units",
    ),
)
"""Lead parties with a cited route. Extend with a source, never from a name alone."""

GENERIC_WORDS = frozenset({"battery", "bess", "storage", "energy", "the", "ltd", "limited"})


def registration_meaning(bm_unit_type: str | None) -> str:
    """What a ``bm_unit_type`` letter means (BSC Section K), or says it was not found."""
    if not bm_unit_type:
        return "not stated in the registry"
    return REGISTRATION_TYPES.get(
        bm_unit_type, f"type {bm_unit_type!r}: meaning not found in the sources checked"
    )


def route_to_market(
    lead_party_id: str | None, lead_party_name: str | None, bm_unit_name: str | None
) -> tuple[str | None, str]:
    """The route to market of a unit and why: ``(route or None, source or reason)``.

    A cited lead party wins; else a lead party whose name contains the first (non-generic)
    word of the unit's name is the site company; else absent.
    """
    for entry in ROUTES:
        if lead_party_id == entry.lead_party_id:
            return entry.route, entry.source
    party = set((lead_party_name or "").lower().split())
    unit = [w for w in (bm_unit_name or "").lower().split() if w not in GENERIC_WORDS]
    if unit and unit[0] in party:
        return SITE_COMPANY, (
            f"registry: lead party {lead_party_name!r} is named for the site {bm_unit_name!r}"
        )
    return None, f"no source checked for lead party {lead_party_name or lead_party_id!r}"
