"""Balancing Mechanism volumes and cashflows, and the battery fleet (BSC Sections K and T).

Accepted volumes from BOALF against PN (:func:`accepted_volumes`), cashflows from BOD bid-offer
pairs (:func:`bm_cashflows`), and the earlier tool's wrong formula kept for comparison
(:func:`level_change_value_gbp`), and the fleet leaderboard from the BM unit registry with a
cited route-to-market table (:func:`fleet_leaderboard`).
"""

from engine.fleet.cashflows import (
    PRICE_OUT_GBP_PER_MWH,
    BmCashflows,
    bm_cashflows,
    check_bid_offers,
)
from engine.fleet.leaderboard import Leaderboard, bm_monthly, fleet_leaderboard
from engine.fleet.legacy import level_change_value_gbp
from engine.fleet.registry import REGISTRATION_TYPES, ROUTES, registration_meaning, route_to_market
from engine.fleet.volumes import AcceptedVolumes, accepted_volumes

__all__ = [
    "PRICE_OUT_GBP_PER_MWH",
    "REGISTRATION_TYPES",
    "ROUTES",
    "AcceptedVolumes",
    "BmCashflows",
    "Leaderboard",
    "accepted_volumes",
    "bm_cashflows",
    "bm_monthly",
    "check_bid_offers",
    "fleet_leaderboard",
    "level_change_value_gbp",
    "registration_meaning",
    "route_to_market",
]
