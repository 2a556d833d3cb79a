"""The earlier tool's BM formula, kept only so tests can show it is wrong.

It valued acceptances as Σ over BOALF rows of system price × (level_to − level_from): a sum of
MW *changes* priced as if they were MWh, with no time, no physical notification and no
bid-offer price. BOALF carries levels, not prices; volume is the time integral of the accepted
level against PN (:func:`engine.fleet.accepted_volumes`).
"""

from __future__ import annotations

import pandas as pd


def level_change_value_gbp(acceptances: pd.DataFrame, price_gbp_per_mwh: float) -> float:
    """The earlier tool's figure: Σ price × (level_to_mw − level_from_mw) over rows [£]."""
    change = acceptances["level_to_mw"] - acceptances["level_from_mw"]
    return float((price_gbp_per_mwh * change).sum())
