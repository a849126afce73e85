"""Addresses: parsing Chinese addresses, coordinate datums and house-level keys.

Public entry points (each module's docstring explains its rules):

* :func:`civicgrid.addresses.parser.parse` — text → :class:`ParsedAddress` with levels,
  official codes, flags, the level reached and a confidence;
* :mod:`civicgrid.addresses.datums` — :class:`Point` (lon, lat, CRS) and conversions between
  WGS-84/CGCS2000, GCJ-02 and BD-09;
* :mod:`civicgrid.addresses.keys` — exact keys for building/unit/floor/room;
* :mod:`civicgrid.addresses.streets` — point → street polygon (STRtree);
* :func:`civicgrid.addresses.geocode.geocode` — text and/or point → :class:`Place` (street,
  level, confidence, flags for swapped, wrong-datum and out-of-area points);
* :mod:`civicgrid.addresses.crf` — the trainable character tagger (CRF) and its scoring;
* :mod:`civicgrid.addresses.geocheck` — the real-data geocoding check.
"""

from __future__ import annotations

from civicgrid.addresses.datums import CRS, Point, convert, convert_many
from civicgrid.addresses.keys import HouseKey, house_key_of, place_key
from civicgrid.addresses.parser import Jurisdiction, ParsedAddress, parse

__all__ = [
    "CRS", "HouseKey", "Jurisdiction", "ParsedAddress", "Point", "convert", "convert_many",
    "house_key_of", "parse", "place_key",
]
