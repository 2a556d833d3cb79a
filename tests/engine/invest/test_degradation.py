"""Fade curves as data: validation, interpolation, losses and the augmentation rule."""

from __future__ import annotations

import pytest

from engine.errors import ValidationError
from engine.invest import DEFAULT_CYCLES_CURVE, Fade, FadeCurve, curve_from_pairs


def test_default_curve_is_modos_points() -> None:
    assert DEFAULT_CYCLES_CURVE.remaining_frac(0) == 1.0
    assert DEFAULT_CYCLES_CURVE.remaining_frac(365) == pytest.approx(0.956)
    assert DEFAULT_CYCLES_CURVE.remaining_frac(8000) == pytest.approx(0.60)
    # Halfway between 365 and 8000 cycles: halfway between 0.956 and 0.60.
    assert DEFAULT_CYCLES_CURVE.remaining_frac((365 + 8000) / 2) == pytest.approx(0.778)


def test_curve_extends_its_last_segment_and_never_goes_below_zero() -> None:
    curve = FadeCurve(((0, 1), (10, 0.9)), "fade_years_curve")
    assert curve.remaining_frac(20) == pytest.approx(0.8)
    assert curve.remaining_frac(500) == 0.0


@pytest.mark.parametrize(
    ("points", "message"),
    [
        (((0, 1), (100, 0.9), (200, 0.95)), "must not increase"),
        (((0, 0.98), (100, 0.9)), r"must start at \(0, 1\)"),
        (((5, 1), (100, 0.9)), r"must start at \(0, 1\)"),
        (((0, 1), (100, 0.9), (100, 0.8)), "strictly increase"),
        (((0, 1), (100, -0.1)), "must not increase|0..1"),
        ((), "at least"),
    ],
)
def test_bad_curves_name_the_field(points: tuple[tuple[float, float], ...], message: str) -> None:
    with pytest.raises(ValidationError, match=message) as caught:
        FadeCurve(points, "fade_cycles_curve")
    assert caught.value.field == "fade_cycles_curve"


def test_curve_from_pairs_names_the_field() -> None:
    with pytest.raises(ValidationError) as caught:
        curve_from_pairs([[0, 1], [1, 2, 3]], "fade_years_curve")
    assert caught.value.field == "fade_years_curve"
    assert curve_from_pairs(None, "fade_years_curve") is None


def test_losses_of_a_year_add() -> None:
    fade = Fade(
        FadeCurve(((0, 1), (1000, 0.9))),
        FadeCurve(((0, 1), (10, 0.95)), "fade_years_curve"),
    )
    # 500 cycles in year 3 (after 1000): 0.05 of cycling; a year of calendar: 0.005.
    assert fade.year_loss_frac(2, 1000, 500) == pytest.approx(0.05 + 0.005)


def test_augmentation_rule() -> None:
    fade = Fade(augmentation_threshold_frac=0.8, augmentation_target_frac=0.95)
    assert fade.augmented(0.81) == 0.0
    assert fade.augmented(0.8) == 0.0
    assert fade.augmented(0.75) == pytest.approx(0.20)
    assert Fade().augmented(0.1) == 0.0


@pytest.mark.parametrize(
    ("threshold", "target", "field"),
    [
        (1.2, 1.0, "augmentation_threshold_frac"),
        (0.0, 1.0, "augmentation_threshold_frac"),
        (0.8, 1.05, "augmentation_target_frac"),
        (0.8, 0.7, "augmentation_target_frac"),
    ],
)
def test_bad_augmentation_names_the_field(threshold: float, target: float, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Fade(augmentation_threshold_frac=threshold, augmentation_target_frac=target)
    assert caught.value.field == field
