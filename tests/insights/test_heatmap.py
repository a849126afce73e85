"""Heat-map counts by region, category and time range, and H3 hexagons."""

from __future__ import annotations

import datetime as dt

import pytest

from civicgrid.insights.heatmap import UNKNOWN, count_by, count_by_pair, h3_counts, h3_geojson

CASES = [
    {"region": "粤海街道", "category": "噪音", "time": "2026-11-03 09:00", "lat": 22.54, "lng": 113.94},
    {"region": "粤海街道", "category": "油烟", "time": "2026-11-20 09:00", "lat": 22.54, "lng": 113.94},
    {"region": "蛇口街道", "category": "噪音", "time": "2026-12-01 09:00", "lat": 22.48, "lng": 113.91},
    {"region": None, "category": "噪音", "time": None},
]


def test_counts_by_region_within_time_range() -> None:
    result = count_by(CASES, key="region", start=dt.datetime(2026, 11, 1),
                      end=dt.datetime(2026, 12, 1))
    assert result.counts == {"粤海街道": 2}
    assert result.left_out == {"outside the time range": 1, "no readable time": 1}


def test_case_without_region_is_shown_as_unknown_with_a_note() -> None:
    result = count_by(CASES, key="region")
    assert result.counts[UNKNOWN] == 1
    assert any("no region" in n for n in result.notes)


def test_empty_range_says_so() -> None:
    result = count_by(CASES, key="category", start=dt.datetime(2030, 1, 1))
    assert result.counts == {} and "empty" in result.notes[0]


def test_cross_counts_region_by_category() -> None:
    assert count_by_pair(CASES, row_key="region", column_key="category")["粤海街道"] == {
        "噪音": 1, "油烟": 1}


def test_h3_counts_and_geojson() -> None:
    pytest.importorskip("h3")
    result = h3_counts(CASES, resolution=8)
    assert result.total == 3 and len(result.counts) == 2
    assert result.left_out == {"no coordinates": 1}
    geojson = h3_geojson(result.counts)
    ring = geojson["features"][0]["geometry"]["coordinates"][0]
    assert ring[0] == ring[-1] and len(ring) == 7
