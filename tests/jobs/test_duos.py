"""The DUoS use cases shared by CLI and HTTP: profile files and the documents."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.duos import find_tariff
from engine.errors import ValidationError
from engine.reference import ReferenceData
from jobs.duos import cost_profile, rates_document, read_profile_csv


def test_read_profile_csv_errors(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="no such file"):
        read_profile_csv(tmp_path / "missing.csv")
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(ValidationError, match="not a readable CSV"):
        read_profile_csv(empty)


def test_cost_profile_needs_a_profile_or_a_shape(ref: ReferenceData) -> None:
    with pytest.raises(ValidationError, match="shape with annual_kwh and year"):
        cost_profile(ref, None, distributor=14, tariff="HV Site Specific Band 1", shape="5")


def test_rates_document_sources_resolve(ref: ReferenceData) -> None:
    doc = rates_document(ref, find_tariff(ref, 22, tariff="Unmetered Supplies", on="2025/26"))
    assert doc["band_names"] == ["black", "yellow", "green"]
    windows = doc["years"][0]["band_windows"]
    assert any(w["date_exception"] == "excluding 22nd Dec to 4th Jan inclusive" for w in windows)
    assert all(source["title"] for source in doc["sources"])
