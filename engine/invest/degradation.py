"""Capacity fade of a battery over its life, given as data, and augmentation back to a target.

Usable energy fades with throughput and with calendar time along two curves, each a table of
points (equivalent full cycles → remaining fraction, years → remaining fraction) read by linear
interpolation (and along the last segment beyond the last point, never below 0). The two
losses add: remaining = 1 - (1 - cycles curve) - (1 - years curve), the usual
separation of cycle and calendar ageing (e.g. NREL's BLAST-Lite models).

An equivalent full cycle is energy discharged equal to the **nameplate** energy (how most
warranties and Modo Energy count them: a cycle in year 10 is the same throughput as in year 1).

**Default curve** (cited, stated in every result's ``assumptions``): Modo Energy's GB forecast
methodology, which models fade as a function of cycles only — "~60 % of usable capacity after
8,000 cycles" (https://forecastdocs.modoenergy.com/v2.0/docs/battery-degredation) — and its
metered GB fleet analysis, ~4.4 % lost after 365 cycles on average, "in line with expected
industry degradation curves" (Modo Energy research, 2025, as reported at
https://litharv.com/battery-degradation-impacts/). Points: (0, 1.0), (365, 0.956),
(8000, 0.60); no calendar fade, as in Modo's simplifying assumption.

Augmentation: at the start of a project year, when the remaining fraction is below the
threshold, cells are added to bring usable energy back to the target (never above the
nameplate, target ≤ 1); the added fraction costs the augmentation price per kWh. After it the
losses of the original curve continue (the added cells are taken to fade as the rest do).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from engine.errors import ValidationError


@dataclass(frozen=True)
class FadeCurve:
    """Remaining fraction of nameplate energy against cycles or years, validated on creation.

    Attributes:
        points: ``((x, remaining_frac), ...)``; x (cycles or years) strictly increasing from
            0; remaining starting at 1 and never increasing, within 0..1.
        field: The caller's name of this curve, for error messages.
    """

    points: tuple[tuple[float, float], ...]
    field: str = "fade_cycles_curve"

    def __post_init__(self) -> None:
        points = tuple((float(x), float(y)) for x, y in self.points)
        object.__setattr__(self, "points", points)
        name = self.field
        if not points:
            raise ValidationError(f"{name}: give at least the point (0, 1)", field=name)
        if any(not (math.isfinite(x) and math.isfinite(y)) for x, y in points):
            raise ValidationError(f"{name}: every point must be finite numbers", field=name)
        if points[0][0] != 0.0 or points[0][1] != 1.0:
            raise ValidationError(
                f"{name}: the curve must start at (0, 1) — a new battery keeps all its energy; "
                f"got {points[0]}",
                field=name,
            )
        for (x0, y0), (x1, y1) in itertools.pairwise(points):
            if x1 <= x0:
                raise ValidationError(
                    f"{name}: x must strictly increase, got {x0:g} then {x1:g}", field=name
                )
            if y1 > y0:
                raise ValidationError(
                    f"{name}: the remaining fraction must not increase (fade only), got "
                    f"{y0:g} at {x0:g} then {y1:g} at {x1:g}",
                    field=name,
                )
        if any(not 0.0 <= y <= 1.0 for _, y in points):
            raise ValidationError(f"{name}: remaining fractions lie in 0..1", field=name)

    def remaining_frac(self, x: float) -> float:
        """Remaining fraction at ``x`` cycles or years [-] (last segment extended, ≥ 0)."""
        xs = np.array([p[0] for p in self.points])
        ys = np.array([p[1] for p in self.points])
        if xs.size == 1:
            return 1.0
        if x <= xs[-1]:
            return float(np.interp(x, xs, ys))
        slope = (ys[-1] - ys[-2]) / (xs[-1] - xs[-2])
        return max(0.0, float(ys[-1] + slope * (x - xs[-1])))

    def loss_frac(self, x: float) -> float:
        """Lost fraction at ``x`` (1 - remaining) [-]."""
        return 1.0 - self.remaining_frac(x)

    def describe(self) -> str:
        """The points in one phrase."""
        return ", ".join(f"({x:g}, {y:g})" for x, y in self.points)


#: Modo Energy's GB curve (see the module docstring): cycles → remaining fraction.
DEFAULT_CYCLES_CURVE = FadeCurve(((0.0, 1.0), (365.0, 0.956), (8000.0, 0.60)), "fade_cycles_curve")
#: No calendar fade by default (Modo's simplifying assumption); give a curve to add one.
DEFAULT_YEARS_CURVE = FadeCurve(((0.0, 1.0),), "fade_years_curve")
DEFAULT_FADE_SOURCE = (
    "Modo Energy GB forecast methodology (~60 % after 8,000 cycles, "
    "https://forecastdocs.modoenergy.com/v2.0/docs/battery-degredation) and its metered GB "
    "fleet analysis (~4.4 % lost after 365 cycles)"
)


def curve_from_pairs(pairs: Sequence[Sequence[float]] | None, field: str) -> FadeCurve | None:
    """A curve from ``[[x, remaining], ...]`` (None → None), naming ``field`` on error.

    Raises:
        ValidationError: A point that is not two numbers, or a curve that fails its checks.
    """
    if pairs is None:
        return None
    points = []
    for pair in pairs:
        if len(pair) != 2:
            raise ValidationError(
                f"{field}: each point is [x, remaining_frac], got {pair!r}", field=field
            )
        try:
            points.append((float(pair[0]), float(pair[1])))
        except (TypeError, ValueError):
            raise ValidationError(
                f"{field}: points are numbers, got {pair!r}", field=field
            ) from None
    return FadeCurve(tuple(points), field)


@dataclass(frozen=True)
class Fade:
    """The two curves and the augmentation rule of a project.

    Attributes:
        cycles_curve: Equivalent full cycles → remaining fraction.
        years_curve: Years in service → remaining fraction.
        augmentation_threshold_frac: Augment when the remaining fraction at the start of a
            year is below this [0-1]; None = never augment.
        augmentation_target_frac: Fraction of nameplate restored to [threshold..1].
    """

    cycles_curve: FadeCurve = DEFAULT_CYCLES_CURVE
    years_curve: FadeCurve = DEFAULT_YEARS_CURVE
    augmentation_threshold_frac: float | None = None
    augmentation_target_frac: float = 1.0

    def __post_init__(self) -> None:
        threshold = self.augmentation_threshold_frac
        target = self.augmentation_target_frac
        if not (math.isfinite(target) and 0.0 < target <= 1.0):
            raise ValidationError(
                f"augmentation_target_frac: a fraction of nameplate in (0, 1] (energy never "
                f"exceeds the nameplate), got {target:g}",
                field="augmentation_target_frac",
            )
        if threshold is None:
            return
        if not math.isfinite(threshold) or threshold > 1.0:
            raise ValidationError(
                f"augmentation_threshold_frac: a fraction of nameplate, at most 1, got "
                f"{threshold:g}",
                field="augmentation_threshold_frac",
            )
        if threshold <= 0.0:
            raise ValidationError(
                f"augmentation_threshold_frac: must be above 0, got {threshold:g} (leave it "
                "out to never augment)",
                field="augmentation_threshold_frac",
            )
        if target < threshold:
            raise ValidationError(
                f"augmentation_target_frac: {target:g} is below the threshold {threshold:g}",
                field="augmentation_target_frac",
            )

    def year_loss_frac(self, age_years: int, cycles_before: float, cycles_in_year: float) -> float:
        """Fraction of nameplate lost over year ``age_years + 1`` [-]: the calendar loss of
        the year plus the cycle loss of its cycles (losses add)."""
        calendar = self.years_curve.loss_frac(age_years + 1) - self.years_curve.loss_frac(age_years)
        cycling = self.cycles_curve.loss_frac(
            cycles_before + cycles_in_year
        ) - self.cycles_curve.loss_frac(cycles_before)
        return calendar + cycling

    def augmented(self, remaining_frac: float) -> float:
        """The fraction of nameplate to add at the start of a year (0 if none) [-]."""
        threshold = self.augmentation_threshold_frac
        if threshold is None or remaining_frac >= threshold - 1e-12:
            return 0.0
        return max(0.0, self.augmentation_target_frac - remaining_frac)

    def describe(self) -> str:
        """The curves and the rule in one sentence (for ``assumptions``)."""
        source = (
            f" (default: {DEFAULT_FADE_SOURCE})"
            if self.cycles_curve == DEFAULT_CYCLES_CURVE
            else ""
        )
        years = (
            "no calendar fade"
            if len(self.years_curve.points) == 1
            else f"years → remaining {self.years_curve.describe()}"
        )
        rule = (
            "no augmentation"
            if self.augmentation_threshold_frac is None
            else f"augmented back to {self.augmentation_target_frac:g} of nameplate at the start "
            f"of any year that begins below {self.augmentation_threshold_frac:g}"
        )
        return (
            f"Capacity fade: equivalent full cycles (discharge ÷ nameplate energy) → remaining "
            f"{self.cycles_curve.describe()}{source}; {years}; losses add, linear between points; "
            f"each year is valued on its usable energy at its start; {rule}."
        )
