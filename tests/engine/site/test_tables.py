"""The lookup tables: district rows checked at load, template caches bounded."""

from __future__ import annotations

import pandas as pd
import pytest

from engine.errors import DataMissingError
from engine.site.tables import MAX_TEMPLATES, LookupTables, build_district_index


def _frame(status: str, consensus: str | None, candidates: str | None) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "outward_code": ["BA10"],
            "match_status": [status],
            "gsp_group_id_consensus": [consensus],
            "candidate_gsp_group_ids": [candidates],
        }
    )


def test_district_rows() -> None:
    index = build_district_index(
        pd.concat([_frame("disagree", None, "_L _H"), _frame("agree", "_P", None)])
        .assign(outward_code=["BA10", "AB10"])
        .reset_index(drop=True)
    )
    assert index.districts["BA10"].gsp_group_ids == ("_H", "_L")
    assert index.districts["AB10"].gsp_group_ids == ("_P",)
    assert index.area_gsp_group_ids == {"BA": ("_H", "_L"), "AB": ("_P",)}


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (_frame("maybe", "_H", None), "BA10 has status 'maybe'"),
        (_frame("agree", None, None), "BA10 has no GSP group"),
    ],
)
def test_bad_district_rows_are_reported(frame: pd.DataFrame, message: str) -> None:
    with pytest.raises(DataMissingError, match=message):
        build_district_index(frame)


def test_template_cache_is_bounded() -> None:
    cache: dict[int, dict[str, object]] = {}
    for key in range(MAX_TEMPLATES + 5):
        LookupTables.remember(cache, key, {})
    assert len(cache) == 5
    assert MAX_TEMPLATES + 4 in cache
