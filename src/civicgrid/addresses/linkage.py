"""Batch linkage of a large outside list to the base on splink + DuckDB (extra ``matching``).

The same parts and levels as :mod:`.matching`, run as a splink ``link_only`` model so the work
is done by DuckDB (and, with splink's Spark backend, beyond one machine) — never by a
home-made distributed layer:

* inputs: base rows and outside rows as dicts of :class:`~.matching.AddressParts` fields
  (``ref``, ``place``, ``estate``, ``road``, ``road_number``, ``building``, ``unit``, ``floor``,
  ``room``); :func:`parse_outside` parses texts on several processes;
* blocking: same place key, or same road + number (which catches a typo in the estate), or
  same road number + room (an old road name and a typo in the estate together);
* comparisons: place (exact / estate Jaro-Winkler ≥ 0.8 / road + number where one side writes
  no estate — two different estates at one gate number are no evidence / else); building,
  unit, floor exact; room exact with the levels "both missing" and "outside missing";
* training: u by random sampling on the data; m from :data:`M_PROBABILITIES` (how often a
  true pair shows each level). Unsupervised EM was tried and converges on "same floor of the
  same estate" rather than "same house" (building and unit get m ≈ 0.5), so it is not used.
  The prior is one in the size of the base (each outside address names at most one house);
* decision per outside address as in :func:`.matching.decide`: the best candidate by match
  weight; ``match`` at p ≥ 0.9 with a lead of 2 over the runner-up, ``review`` at p ≥ 0.5,
  else ``no_match``.

:func:`plain_baseline` is splink used plainly on whole address strings (Jaro-Winkler and
Jaccard at splink's documented thresholds, blocking on the last four characters), the
comparison the benchmark reports beside this model.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict
from typing import Any

from civicgrid.addresses.matching import AUTO_AT, LEAD, REVIEW_AT, parts_of_text

log = logging.getLogger(__name__)

COLUMNS = ("ref", "place", "estate", "road", "road_number", "building", "unit", "floor", "room")


def _require_splink() -> Any:
    try:
        import duckdb  # noqa: F401
        import splink
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("batch address linkage needs splink and duckdb: "
                          "pip install 'civicgrid[matching]'") from exc
    return splink


def _parse_chunk(rows: list[tuple[str, str]]) -> list[dict[str, Any]]:
    return [asdict(parts_of_text(ref, text)) for ref, text in rows]


def parse_outside(rows: Sequence[tuple[str, str]], workers: int = 2,
                  chunk: int = 5000) -> list[dict[str, Any]]:
    """(ref, text) pairs → part dicts, parsed on ``workers`` processes."""
    chunks = [list(rows[i:i + chunk]) for i in range(0, len(rows), chunk)]
    if workers <= 1:
        return [p for c in chunks for p in _parse_chunk(c)]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return [p for part in pool.map(_parse_chunk, chunks) for p in part]


def _frame(rows: list[dict[str, Any]], source: str) -> Any:
    import pyarrow as pa

    data = {"unique_id": [r["ref"] for r in rows], "source_dataset": [source] * len(rows)}
    for column in COLUMNS[1:]:
        data[column] = [r.get(column) or None for r in rows]
    return pa.table(data)


# m: how often each level is seen for a true match (domain defaults: parsed house keys agree
# for ~97% of true pairs; the rest are parse slips). u is estimated from the data.
M_PROBABILITIES = {
    "place": (0.85, 0.08, 0.05, 0.02),
    "key": (0.97, 0.03),
    "room": (0.05, 0.0005, 0.92, 0.01),
}


def _exact(column: str) -> Any:
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    agree, other = M_PROBABILITIES["key"]
    return cl.CustomComparison(output_column_name=column, comparison_levels=[
        cll.NullLevel(column),
        cll.ExactMatchLevel(column).configure(m_probability=agree),
        cll.ElseLevel().configure(m_probability=other),
    ])


def _model(size_of_base: int) -> Any:
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    exact, typo, road, other = M_PROBABILITIES["place"]
    place = cl.CustomComparison(output_column_name="place", comparison_levels=[
        cll.NullLevel("place"),
        cll.ExactMatchLevel("place").configure(m_probability=exact),
        cll.JaroWinklerLevel("estate", 0.8).configure(m_probability=typo),
        cll.CustomLevel("road_l = road_r AND road_number_l = road_number_r"
                        " AND (estate_l IS NULL OR estate_r IS NULL)",
                        "same road and number, an estate unwritten")
        .configure(m_probability=road),
        cll.ElseLevel().configure(m_probability=other),
    ])
    both, one, agree, differ = M_PROBABILITIES["room"]
    room = cl.CustomComparison(output_column_name="room", comparison_levels=[
        cll.CustomLevel("room_l IS NULL AND room_r IS NULL", "both missing")
        .configure(m_probability=both),
        cll.CustomLevel("room_l IS NULL OR room_r IS NULL", "one missing")
        .configure(m_probability=one),
        cll.ExactMatchLevel("room").configure(m_probability=agree),
        cll.ElseLevel().configure(m_probability=differ),
    ])
    return SettingsCreator(
        link_type="link_only",
        comparisons=[place, _exact("building"), _exact("unit"), _exact("floor"), room],
        blocking_rules_to_generate_predictions=[block_on("place"),
                                                block_on("road", "road_number"),
                                                block_on("road_number", "room")],
        probability_two_random_records_match=1.0 / max(size_of_base, 1),
        retain_matching_columns=False,
    )


def link(base: list[dict[str, Any]], outside: list[dict[str, Any]], *,
         seed: int = 20261204) -> dict[str, dict[str, Any]]:
    """Outside ref → {decision, code, probability} through the splink model."""
    _require_splink()
    import duckdb
    from splink import Linker
    from splink.backends.duckdb import DuckDBAPI

    con = duckdb.connect()
    api = DuckDBAPI(connection=con)
    left = api.register(_frame(base, "base"), table_name="base_houses")
    right = api.register(_frame(outside, "outside"), table_name="outside_rows")
    linker = Linker([left, right], _model(len(base)), log_level=logging.ERROR)
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=seed)
    scored = linker.inference.predict(threshold_match_probability=0.01)
    return _decide(con, scored.physical_name, outside, weight_column="match_weight")


def _decide(con: Any, table: str, outside: list[dict[str, Any]],
            weight_column: str) -> dict[str, dict[str, Any]]:
    rows = con.execute(f"""
        WITH pairs AS (
          SELECT CASE WHEN source_dataset_l = 'outside' THEN unique_id_l ELSE unique_id_r END
                   AS ref,
                 CASE WHEN source_dataset_l = 'outside' THEN unique_id_r ELSE unique_id_l END
                   AS code,
                 {weight_column} AS w, match_probability AS p
          FROM {table}),
        ranked AS (
          SELECT *, row_number() OVER (PARTITION BY ref ORDER BY w DESC, code) AS k,
                 lead(w) OVER (PARTITION BY ref ORDER BY w DESC, code) AS runner_up
          FROM pairs)
        SELECT ref, code, p, w - coalesce(runner_up, -1e9) FROM ranked WHERE k = 1
    """).fetchall()
    best = {ref: (code, p, lead) for ref, code, p, lead in rows}
    decisions: dict[str, dict[str, Any]] = {}
    for row in outside:
        code, p, lead = best.get(row["ref"], (None, 0.0, 0.0))
        if code is None or p < REVIEW_AT:
            decisions[row["ref"]] = {"decision": "no_match", "code": None, "probability": p}
        elif p >= AUTO_AT and lead >= LEAD:
            decisions[row["ref"]] = {"decision": "match", "code": code, "probability": p}
        else:
            decisions[row["ref"]] = {"decision": "review", "code": code, "probability": p}
    return decisions


def plain_baseline(base: list[tuple[str, str]], outside: list[tuple[str, str]], *,
                   seed: int = 20261204) -> dict[str, dict[str, Any]]:
    """Splink on whole address strings: (code, text) base and (ref, text) outside."""
    _require_splink()
    import duckdb
    import pyarrow as pa
    import splink.comparison_library as cl
    from splink import Linker, SettingsCreator, block_on
    from splink.backends.duckdb import DuckDBAPI

    def frame(rows: list[tuple[str, str]], source: str) -> Any:
        return pa.table({"unique_id": [r for r, _ in rows], "source_dataset": [source] * len(rows),
                         "address": [t for _, t in rows],
                         "tail": [t[-4:] for _, t in rows]})

    con = duckdb.connect()
    api = DuckDBAPI(connection=con)
    left = api.register(frame(base, "base"), table_name="base_text")
    right = api.register(frame(outside, "outside"), table_name="outside_text")
    settings = SettingsCreator(
        link_type="link_only",
        comparisons=[cl.JaroWinklerAtThresholds("address"), cl.JaccardAtThresholds("address")],
        blocking_rules_to_generate_predictions=[block_on("tail")],
        probability_two_random_records_match=1.0 / max(len(base), 1),
        retain_matching_columns=False)
    linker = Linker([left, right], settings, log_level=logging.ERROR)
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=seed)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("tail"))
    scored = linker.inference.predict(threshold_match_probability=0.01)
    rows = [{"ref": r} for r, _ in outside]
    return _decide(con, scored.physical_name, rows, weight_column="match_weight")
