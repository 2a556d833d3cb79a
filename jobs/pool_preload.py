"""Imported once by :mod:`jobs.pool`'s fork server: the task modules and their compiled
kernels, so that every worker forked from it starts warm."""

# The modules whose functions jobs.pool runs (imported for their side effect: loaded once).
import jobs.backtest
import jobs.invest
import jobs.risk  # noqa: F401
from engine.dispatch import warm_up

warm_up()
