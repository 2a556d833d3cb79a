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
