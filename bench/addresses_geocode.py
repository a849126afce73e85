"""Geocoding check: the 108 南山 AED addresses (GCJ-02 points) against Nanshan street polygons.

Each address is parsed; its point is converted GCJ-02 → WGS-84 (iterative inverse) and
located among the street polygons (WGS-84) with an STRtree. Prints the counts as JSON,
with the same counts when the datum conversion is left out.

Usage (from the repository root):
    PYTHONPATH=src python bench/addresses_geocode.py [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from civicgrid.addresses.geocheck import check_poi_file


def main() -> None:
    """Run the check and print one JSON object."""
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--data", type=Path, default=Path("../shared/data"))
    opts = args.parse_args()
    check = check_poi_file(
        opts.data / "shenzhen-aed-poi" / "shenzhen_aed_pois_tencent_2020.csv",
        opts.data / "shenzhen-boundaries" / "nanshan_streets_2020_aedmap.geojson",
    )
    out = check.summary() | {
        "district_explicit": sum("district" not in d["inferred"] for d in check.details),
        "outside_all_streets": [d["address"] for d in check.details if not d["street_located"]],
    }
    json.dump(out, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
