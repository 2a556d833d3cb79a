"""Helpers for DUoS tests: profiles built on engine.settlement's index."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from engine.settlement import half_hourly_index

ProfileFactory = Callable[..., pd.DataFrame]


@pytest.fixture
def flat_profile() -> ProfileFactory:
    """A profile over UK days ``first``..``last`` with constant columns (kWh per period)."""

    def make(first: str, last: str, **columns: float) -> pd.DataFrame:
        index = half_hourly_index(first, last)
        return pd.DataFrame({k: np.full(len(index), v) for k, v in columns.items()}, index=index)

    return make
