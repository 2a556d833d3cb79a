"""Revenue of each project year: a sequence of price years valued on each year's usable energy.

The revenue input is **a sequence of years, each a** :class:`engine.revenue.MarketData` **with
the history before it** (:class:`PriceYear`): replayed historical years now, a scenario path
later, plug in the same way. Project year k is valued on price year ``k mod n`` (replayed in
turn when the life is longer than the sequence).

Valuing a capacity many times must not re-solve identical years: :class:`RevenueGrid` solves
each price year only at usable energies on a grid of nodes (nameplate x (1, 1 - step,
1 - 2 step ...); a sizing sweep at one power shares one grid whose nodes include every size's
nameplate), once each, and interpolates linearly between the two nodes around a year's usable
energy (exact at nodes). The nodes a case will need can be solved together up front
(:meth:`RevenueGrid.presolve`, e.g. on a process pool). The stack's ``degradation`` stream is
a wear *hurdle* the dispatch sees, not cash: the fade and augmentation carry the cost of
wear, so it is left out of the cashflow.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from engine.battery import MIN_ENERGY_MWH
from engine.errors import ValidationError
from engine.invest.project import Project
from engine.revenue import (
    ForecastPolicy,
    MarketData,
    NetworkCharges,
    ServiceSpec,
    revenue_stack,
)

#: Streams of a stack that are not cash in an investment case (see the module docstring).
NON_CASH_STREAMS = ("degradation",)
#: Default spacing of the usable-energy grid, as a fraction of nameplate [-].
DEFAULT_GRID_STEP_FRAC = 0.2


@dataclass(frozen=True)
class PriceYear:
    """One year of prices to value a project year on.

    Attributes:
        label: What it is (``"2024"`` for a replayed year, a scenario id later).
        data: The year's prices.
        history: Prices before it (the forecast mode's inputs), or None.
        network: The site's DUoS charges over ``data``'s half-hours, or None.
    """

    label: str
    data: MarketData
    history: MarketData | None = None
    network: NetworkCharges | None = None


@dataclass(frozen=True)
class YearRevenue:
    """What one price year earns a battery of one usable energy.

    Attributes:
        streams_gbp: Cash by stream (energy markets, services, DUoS), wear hurdle left out [£].
        charging_cost_gbp: Energy bought to charge [£] (for LCOS).
        discharged_mwh: Energy discharged to the grid [MWh].
        upper_bound_gbp: The same streams under perfect foresight (labelled upper bound),
            or None when not computed [£].
        assumptions: The stack's assumptions (first solve).
    """

    streams_gbp: dict[str, float]
    charging_cost_gbp: float
    discharged_mwh: float
    upper_bound_gbp: float | None = None
    assumptions: tuple[str, ...] = ()

    @property
    def revenue_gbp(self) -> float:
        """Sum of the cash streams [£]."""
        return float(sum(self.streams_gbp.values()))


#: Values a price year (by its index) for a usable energy [MWh].
Valuer = Callable[[int, float], YearRevenue]


def blend(a: YearRevenue, b: YearRevenue, weight_b: float) -> YearRevenue:
    """Linear interpolation ``(1 - w) a + w b`` of every figure (a stream absent is 0)."""
    w = weight_b
    names = list(dict.fromkeys([*a.streams_gbp, *b.streams_gbp]))
    streams = {
        n: (1 - w) * a.streams_gbp.get(n, 0.0) + w * b.streams_gbp.get(n, 0.0) for n in names
    }
    bound = (
        None
        if a.upper_bound_gbp is None or b.upper_bound_gbp is None
        else (1 - w) * a.upper_bound_gbp + w * b.upper_bound_gbp
    )
    return YearRevenue(
        streams,
        (1 - w) * a.charging_cost_gbp + w * b.charging_cost_gbp,
        (1 - w) * a.discharged_mwh + w * b.discharged_mwh,
        bound,
        a.assumptions or b.assumptions,
    )


NOTHING = YearRevenue({}, 0.0, 0.0, 0.0)


#: Values many (price year index, usable energy [MWh]) points at once (e.g. on a process
#: pool), in the order given.
BatchValuer = Callable[[Sequence[tuple[int, float]]], Sequence[YearRevenue]]


@dataclass
class RevenueGrid:
    """Revenue by (price year, usable energy at a node), each solved once, interpolated.

    The nodes are the nameplate energies of the sizes sharing the grid (one for a case, every
    duration of a sizing sweep at one power: a revenue stack depends on the battery, not on
    which size asked) and, below the smallest, that size's nameplate x (1 - step),
    (1 - 2 step) ... A usable energy between two nodes is valued by linear interpolation
    (exact at nodes); above the top node, at the top node (energy never exceeds nameplate).

    Attributes:
        valuer: Solves one price year at one usable energy.
        labels: The price years' labels (the sequence replayed).
        nameplate_mwh: The largest size's nameplate energy (the top node) [MWh].
        grid_step_frac: Spacing below the smallest size, as a fraction of its nameplate, in
            (0, 1] [-].
        max_solves: Refuse to start a solve beyond this many (None = no bound).
        sizes_mwh: Other sizes' nameplate energies sharing the grid (each a node) [MWh].
        batch: Solves many points at once (:meth:`presolve`); None = one by one.
        solved: Node values solved so far, by (price year index, node index).
    """

    valuer: Valuer
    labels: tuple[str, ...]
    nameplate_mwh: float
    grid_step_frac: float = DEFAULT_GRID_STEP_FRAC
    max_solves: int | None = None
    sizes_mwh: tuple[float, ...] = ()
    batch: BatchValuer | None = None
    solved: dict[tuple[int, int], YearRevenue] = field(default_factory=dict)
    nodes_mwh: tuple[float, ...] = field(init=False)

    def __post_init__(self) -> None:
        if not self.labels:
            raise ValidationError(
                "price_years: give at least one year of prices", field="price_years"
            )
        step = self.grid_step_frac
        if not (math.isfinite(step) and 0.0 < step <= 1.0):
            raise ValidationError(
                f"grid_step_frac: a fraction of nameplate in (0, 1], got {step:g}",
                field="grid_step_frac",
            )
        tops = sorted({self.nameplate_mwh, *self.sizes_mwh}, reverse=True)
        if tops[0] > self.nameplate_mwh:
            raise ValueError("sizes_mwh: every size must be at most nameplate_mwh")
        below = [
            tops[-1] * max(0.0, 1.0 - j * step) for j in range(1, math.ceil(1.0 / step - 1e-9) + 1)
        ]
        self.nodes_mwh = (*tops, *below)

    @property
    def solves(self) -> int:
        """Stacks solved so far."""
        return sum(1 for value in self.solved.values() if value is not NOTHING)

    def label(self, project_year_index: int) -> str:
        """The price year replayed in a project year (0-based)."""
        return self.labels[project_year_index % len(self.labels)]

    def _room(self, count: int) -> None:
        if self.max_solves is not None and self.solves + count > self.max_solves:
            raise ValidationError(
                f"price_years: valuing this case needs more than {self.max_solves} revenue "
                "stacks (price years x usable-energy grid points); replay fewer years, "
                "widen grid_step_frac or run it from the CLI (gbess invest)",
                field="price_years",
            )

    def _node(self, year: int, j: int) -> YearRevenue:
        key = (year, j)
        if key not in self.solved:
            energy = self.nodes_mwh[j]
            if energy < MIN_ENERGY_MWH:
                self.solved[key] = NOTHING
                return NOTHING
            self._room(1)
            self.solved[key] = self.valuer(year, energy)
        return self.solved[key]

    def _index(self, usable_mwh: float) -> tuple[int, int, float]:
        """The nodes around a usable energy and the weight of the upper one: ``(upper,
        lower, weight)``; ``upper == lower`` at a node."""
        nodes = self.nodes_mwh
        tol = 1e-9 * self.nameplate_mwh
        if usable_mwh >= nodes[0] - tol:
            return 0, 0, 1.0
        for j in range(1, len(nodes)):
            if abs(nodes[j] - usable_mwh) <= tol:
                return j, j, 1.0
            if nodes[j] < usable_mwh:
                return j - 1, j, (usable_mwh - nodes[j]) / (nodes[j - 1] - nodes[j])
        last = len(nodes) - 1
        return last, last, 1.0

    def nodes_for(self, top_mwh: float, lowest_mwh: float) -> list[int]:
        """Node indices needed to value any usable energy from ``lowest_mwh`` to
        ``top_mwh``."""
        upper, _, _ = self._index(top_mwh)
        _, lower, _ = self._index(lowest_mwh)
        return list(range(upper, lower + 1))

    def presolve(self, years: Sequence[int], nodes: Sequence[int]) -> int:
        """Solve every (price year, node) not yet solved in one :attr:`batch` (or one by
        one without it); returns how many were solved."""
        missing = [
            (year, j)
            for year in dict.fromkeys(years)
            for j in dict.fromkeys(nodes)
            if (year, j) not in self.solved
        ]
        for key in [k for k in missing if self.nodes_mwh[k[1]] < MIN_ENERGY_MWH]:
            self.solved[key] = NOTHING
            missing.remove(key)
        if not missing:
            return 0
        self._room(len(missing))
        points = [(year, self.nodes_mwh[j]) for year, j in missing]
        values = (
            list(self.batch(points))
            if self.batch is not None
            else [self.valuer(year, energy) for year, energy in points]
        )
        self.solved.update(zip(missing, values, strict=True))
        return len(missing)

    def note(self) -> str:
        """How the years were valued (for ``assumptions``)."""
        sizes = len(self.nodes_mwh) - math.ceil(1.0 / self.grid_step_frac - 1e-9)
        where = (
            f"on a grid of {self.grid_step_frac:g} x nameplate"
            if sizes == 1
            else f"at the {sizes} sizes' nameplates and below the smallest on a grid of "
            f"{self.grid_step_frac:g} x its nameplate"
        )
        return (
            f"Revenue: {self.solves} stacks solved (price year x usable energy {where}), "
            "other years interpolated linearly between them. A year's upper bound (perfect "
            "foresight) is that of the size's nameplate energy, faded or not: a ceiling for the "
            "faded battery too."
        )

    def value(
        self,
        project_year_index: int,
        usable_mwh: float,
        used: set[tuple[int, int]] | None = None,
        nameplate_mwh: float | None = None,
    ) -> YearRevenue:
        """Revenue of a project year with this usable energy (interpolated on the grid) for
        the size of ``nameplate_mwh`` (default :attr:`nameplate_mwh`); ``used`` collects the
        nodes it rests on.

        Its upper bound is the size's nameplate one, faded or not: perfect foresight with
        more stored energy never earns less (the smaller battery's schedule, shifted by the
        difference in initial energy, is feasible in the larger), so it bounds every faded
        year, where a line between two nodes of a concave curve would read a little below
        the ceiling. Only nameplate nodes need their ceiling solved (:attr:`bounded`)."""
        year = project_year_index % len(self.labels)
        upper, lower, weight = self._index(usable_mwh)
        top, _, _ = self._index(self.nameplate_mwh if nameplate_mwh is None else nameplate_mwh)
        if used is not None:
            used.update(
                (year, j) for j in {top, upper, lower} if self.nodes_mwh[j] >= MIN_ENERGY_MWH
            )
        got = (
            self._node(year, upper)
            if upper == lower
            else blend(self._node(year, lower), self._node(year, upper), weight)
        )
        return dataclasses.replace(got, upper_bound_gbp=self._node(year, top).upper_bound_gbp)

    def bounded(self, usable_mwh: float) -> bool:
        """Whether a node's stack needs its perfect-foresight ceiling: it is some size's
        nameplate (:meth:`value`)."""
        tol = 1e-9 * self.nameplate_mwh
        return any(abs(usable_mwh - size) <= tol for size in (self.nameplate_mwh, *self.sizes_mwh))


@dataclass
class SizeShare:
    """One size's view of a :class:`RevenueGrid` shared by a sizing sweep: its
    :attr:`solves` are the stacks its years rest on (shared with other sizes)."""

    grid: RevenueGrid
    nameplate_mwh: float
    used: set[tuple[int, int]] = field(default_factory=set)

    @property
    def solves(self) -> int:
        """Stacks this size's years rest on."""
        return len(self.used)

    def label(self, project_year_index: int) -> str:
        """The price year replayed in a project year (0-based)."""
        return self.grid.label(project_year_index)

    def value(self, project_year_index: int, usable_mwh: float) -> YearRevenue:
        """Revenue of a project year with this usable energy (the grid's, interpolated)."""
        return self.grid.value(project_year_index, usable_mwh, self.used, self.nameplate_mwh)

    def note(self) -> str:
        """How the years were valued (for ``assumptions``)."""
        return self.grid.note()


#: Throughput assumed when bounding a case's grid points before solving it: two equivalent
#: full cycles a day (the forecast mode measured 33-190 a year, docs/invest.md) [cycles/yr].
BOUND_CYCLES_PER_YEAR = 730.0


def lowest_usable_frac(project: Project, cycles_per_year: float) -> float:
    """Lowest usable energy (fraction of nameplate) ``project`` reaches over its life if it
    cycled ``cycles_per_year`` every year (fade and augmentation as given) [-]."""
    frac, lowest, done = 1.0, 1.0, 0.0
    for k in range(1, project.life_years + 1):
        frac = min(1.0, frac + (project.fade.augmented(frac) if k > 1 else 0.0))
        lowest = min(lowest, frac)
        frac = max(0.0, frac - project.fade.year_loss_frac(k - 1, done, cycles_per_year))
        done += cycles_per_year
    return lowest


class RevenueSource(Protocol):
    """What :func:`engine.invest.invest_case` reads the revenue of each project year from."""

    @property
    def solves(self) -> int:
        """Year valuations run so far."""
        ...  # pragma: no cover - a protocol

    def label(self, project_year_index: int) -> str:
        """The price year of a project year (0-based)."""
        ...  # pragma: no cover - a protocol

    def value(self, project_year_index: int, usable_mwh: float) -> YearRevenue:
        """Revenue of a project year with this usable energy."""
        ...  # pragma: no cover - a protocol

    def note(self) -> str:
        """How the years were valued (for ``assumptions``)."""
        ...  # pragma: no cover - a protocol


@dataclass
class PathRevenue:
    """Revenue of one scenario path: project year k is valued on the path's own year k at
    exactly its usable energy (no grid: a fast valuation costs less than interpolating).

    Attributes:
        valuer: Values year k of the path at a usable energy.
        labels: Each project year's scenario label (one per project year).
        method: How a year is valued, for ``assumptions``.
        solves: Valuations run so far.
    """

    valuer: Valuer
    labels: tuple[str, ...]
    method: str
    solves: int = 0

    def label(self, project_year_index: int) -> str:
        """The scenario-year of a project year (0-based)."""
        return self.labels[project_year_index]

    def value(self, project_year_index: int, usable_mwh: float) -> YearRevenue:
        """Revenue of the path's year at this usable energy (``NOTHING`` when none is left)."""
        if usable_mwh < MIN_ENERGY_MWH:
            return NOTHING
        self.solves += 1
        return self.valuer(project_year_index, usable_mwh)

    def note(self) -> str:
        """How the years were valued (for ``assumptions``)."""
        return (
            f"Revenue: each project year valued at its own usable energy on its own "
            f"scenario-year with the {self.method}."
        )


@dataclass(frozen=True)
class Toll:
    """A fixed-price floor (tolling share): a share of the MW is paid a fixed price a year
    and the rest earns merchant revenue (revenue = share x toll + (1 - share) x merchant).

    The battery is dispatched whole (the toller runs its share as the merchant share runs),
    so fade, discharged energy, variable opex, charging cost and LCOS are the whole
    battery's; only the revenue streams are split.

    Attributes:
        share_frac: Share of the MW under the toll [0-1].
        price_gbp_per_mw_per_year: The toll's fixed price [£/MW/yr].
        power_mw: The battery's power [MW].
    """

    share_frac: float
    price_gbp_per_mw_per_year: float
    power_mw: float

    def __post_init__(self) -> None:
        share = self.share_frac
        if isinstance(share, bool) or not (math.isfinite(share) and 0.0 <= share <= 1.0):
            raise ValidationError(
                f"toll_share_frac: a share of the MW in [0, 1], got {share!r}",
                field="toll_share_frac",
            )
        price = self.price_gbp_per_mw_per_year
        if not (math.isfinite(price) and price >= 0.0):
            raise ValidationError(
                f"toll_price_gbp_per_mw_per_year: a finite price ≥ 0, got {price!r}",
                field="toll_price_gbp_per_mw_per_year",
            )

    @property
    def toll_gbp(self) -> float:
        """The toll's payment a year [£]."""
        return self.share_frac * self.price_gbp_per_mw_per_year * self.power_mw

    def apply(self, year: YearRevenue) -> YearRevenue:
        """The year with its streams scaled by ``1 - share`` and a ``toll`` stream added."""
        keep = 1.0 - self.share_frac
        streams = {name: keep * value for name, value in year.streams_gbp.items()}
        streams["toll"] = self.toll_gbp
        bound = None if year.upper_bound_gbp is None else keep * year.upper_bound_gbp
        return YearRevenue(
            streams,
            year.charging_cost_gbp,
            year.discharged_mwh,
            None if bound is None else bound + self.toll_gbp,
            year.assumptions,
        )

    def note(self) -> str:
        """The toll in one sentence (for ``assumptions``)."""
        return (
            f"Fixed-price floor: {self.share_frac:g} of the MW tolled at "
            f"£{self.price_gbp_per_mw_per_year:,.0f}/MW/yr (£{self.toll_gbp:,.0f} a year, flat "
            f"in real terms), the other {1 - self.share_frac:g} merchant; the battery is "
            "dispatched whole, so fade, discharge, opex and LCOS are the whole battery's."
        )


def stack_valuer(
    project: Project,
    years: Sequence[PriceYear],
    services: tuple[ServiceSpec, ...],
    energy_markets: tuple[str, ...],
    *,
    mode: str = "forecast",
    forecast_method: str = "naive",
    policy: ForecastPolicy | None = None,
    assumptions: Sequence[str] = (),
) -> Valuer:
    """A valuer that runs :func:`engine.revenue.revenue_stack` (forecast mode by default) on a
    price year for the project's battery at a usable energy."""

    def value(index: int, usable_mwh: float) -> YearRevenue:
        year = years[index]
        stack = revenue_stack(
            year.data,
            project.battery(usable_mwh),
            services,
            energy_markets,
            mode=mode,
            history=year.history,
            policy=policy,
            network=year.network,
            forecast_method=forecast_method,
            assumptions=assumptions,
        )
        head = stack.headline
        cash = {k: v for k, v in head.streams.items() if k not in NON_CASH_STREAMS}
        bound = stack.upper_bound
        bound_cash = sum(v for k, v in bound.streams.items() if k not in NON_CASH_STREAMS)
        return YearRevenue(
            cash,
            head.costs["charging_cost_gbp"],
            head.equivalent_cycles * usable_mwh,
            float(bound_cash),
            tuple(head.assumptions),
        )

    return value
