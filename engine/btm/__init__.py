"""Behind-the-meter PPA: a site's load, optional PV and a battery under DUoS, levies and a
PPA price; the battery's dispatch, value and the supply margin.
"""

from engine.btm.forecast import MODES, UPPER_BOUND_LABEL, wholesale_forecast
from engine.btm.levies import LEVIES, LevySchedule, parse_levy_overrides, resolve_levies
from engine.btm.ppa import BtmResult, btm_ppa, optimise_site
from engine.btm.pv import PvSystem, describe_pv, model_pv_kw, parse_clearness
from engine.btm.scenario import Scenario
from engine.btm.site import SiteIntervals

__all__ = [
    "LEVIES",
    "MODES",
    "UPPER_BOUND_LABEL",
    "BtmResult",
    "LevySchedule",
    "PvSystem",
    "Scenario",
    "SiteIntervals",
    "btm_ppa",
    "describe_pv",
    "model_pv_kw",
    "optimise_site",
    "parse_clearness",
    "parse_levy_overrides",
    "resolve_levies",
    "wholesale_forecast",
]
