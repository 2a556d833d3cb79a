"""Day-ahead price forecasts made only from data published before each D-1 decision.

``day_ahead_forecasts`` forecasts APX (Market Index), the imbalance (system) price and each
response service's clearing price, either naively (same time last week) or with
gradient-boosted models refitted walk-forward (trained only on data before each decision).
The decision timeline and its sources are in :mod:`engine.forecast.timeline`.
"""

from engine.forecast.day_ahead import METHODS, Forecasts, day_ahead_forecasts
from engine.forecast.naive import naive_day_ahead
from engine.forecast.timeline import (
    DECISION_LOCAL_TIME,
    KNOWN_SLOTS_OF_PREVIOUS_DAY,
    PUBLICATION_LAG,
    decision_time,
)

__all__ = [
    "DECISION_LOCAL_TIME",
    "KNOWN_SLOTS_OF_PREVIOUS_DAY",
    "METHODS",
    "PUBLICATION_LAG",
    "Forecasts",
    "day_ahead_forecasts",
    "decision_time",
    "naive_day_ahead",
]
