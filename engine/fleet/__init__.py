"""Balancing Mechanism volumes and cashflows, and the battery fleet (BSC Sections K and T).

Accepted volumes from BOALF against PN (:func:`accepted_volumes`), cashflows from BOD bid-offer
pairs (:func:`bm_cashflows`), and the earlier tool's wrong formula kept for comparison
(:func:`level_change_value_gbp`).
"""

from engine.fleet.cashflows import (
    PRICE_OUT_GBP_PER_MWH,
    BmCashflows,
    bm_cashflows,
    check_bid_offers,
)
from engine.fleet.legacy import level_change_value_gbp
from engine.fleet.volumes import AcceptedVolumes, accepted_volumes

__all__ = [
    "PRICE_OUT_GBP_PER_MWH",
    "AcceptedVolumes",
    "BmCashflows",
    "accepted_volumes",
    "bm_cashflows",
    "check_bid_offers",
    "level_change_value_gbp",
]
