"""Dashboard refresh jobs, one module per tab, run by ``refresh.run_refresh``.

Kept free of imports so the CLI can name the tabs without loading the jobs.
"""

TABS = (
    "Market",
    "Frequency response",
    "DUoS",
    "Sites",
    "Fleet",
    "Response value",
    "Backtest",
    "Risk",
    "Investment",
    "Refresh log",
)
BACKENDS = ("local", "google")

#: How a tab names a money item when its code is not self-explanatory (services keep their
#: NESO codes: DCL … DRH).
_ITEM_NAMES = {
    "energy_apx": "Energy (APX index)",
    "energy_system": "Energy (imbalance)",
    "capacity_market": "Capacity Market",
    "fixed_opex": "Fixed opex",
    "variable_opex": "Variable opex",
    "capex": "Capex",
    "augmentation": "Augmentation",
    "decommissioning": "Decommissioning",
}


def item_label(code: str) -> str:
    """A revenue stream's or cashflow item's name as a tab shows it (``response_energy_DRL``
    → "Response energy DRL"); an unknown code is shown as it is."""
    if code in _ITEM_NAMES:
        return _ITEM_NAMES[code]
    if code.startswith("response_energy_"):
        return "Response energy " + code.removeprefix("response_energy_")
    return code
