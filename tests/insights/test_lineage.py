"""Stable class ids between runs and staff decisions surviving the next run."""

from __future__ import annotations

from functools import lru_cache

from civicgrid.insights.lineage import (
    MERGED,
    SPLIT,
    VANISHED,
    Merge,
    Rename,
    Split,
    SplitChild,
    decision_from_dict,
    reconcile,
)
from civicgrid.insights.mining import Clustering, MinedClass, MiningSettings, mine_classes
from civicgrid.insights.synthetic import generate_cases

SETTINGS = MiningSettings(min_cluster_size=5)


@lru_cache(maxsize=4)
def _run(seed: int, classes: int = 8) -> Clustering:
    cases = generate_cases(per_class=15, one_offs=10, classes=classes, seed=seed)
    return mine_classes([c.text for c in cases], settings=SETTINGS)


def _cls(terms: dict[str, float], size: int = 10) -> MinedClass:
    return MinedClass(list(range(size)), "·".join(list(terms)[:2]), terms)


NOISE = {"搅拌站": 0.5, "噪音": 0.4, "粉尘": 0.2}
PARKING = {"车位": 0.5, "捆绑": 0.4, "销售": 0.2}
SCHOOL = {"学位": 0.5, "入学": 0.4, "小学": 0.2}


def test_same_subject_keeps_its_id_next_month() -> None:
    first = reconcile([], [], Clustering([_cls(NOISE), _cls(PARKING)], [], 20), run="2026-10")
    second = reconcile(
        first.classes, [], Clustering([_cls(PARKING), _cls(NOISE)], [], 20), run="2026-11"
    )
    assert first.assignment == ["C0001", "C0002"]
    assert second.assignment == ["C0002", "C0001"]


def test_staff_rename_survives_the_next_run_on_mined_data() -> None:
    first = reconcile([], [], _run(seed=1), run="2026-10")
    noise_id = next(c.id for c in first.classes if "搅拌站" in c.terms)
    second = reconcile(first.classes, [Rename(noise_id, "丽发新城搅拌站扰民")], _run(seed=2),
                       run="2026-11")
    again = next(c for c in second.classes if c.id == noise_id)
    assert again.label == "丽发新城搅拌站扰民"
    assert again.label_source == "staff"
    assert again.status == "active" and again.size > 0


def test_most_classes_keep_their_ids_between_two_mined_runs() -> None:
    first = reconcile([], [], _run(seed=1), run="a")
    second = reconcile(first.classes, [], _run(seed=3), run="b")
    old_ids = {c.id for c in first.classes}
    kept = [i for i in second.assignment if i in old_ids]
    assert len(kept) >= 0.7 * len(second.assignment)


def test_new_subject_gets_a_fresh_id_never_reused() -> None:
    first = reconcile([], [], Clustering([_cls(NOISE)], [], 10), run="a")
    second = reconcile(first.classes, [], Clustering([_cls(SCHOOL)], [], 10), run="b")
    assert second.assignment == ["C0002"]


def test_class_without_cases_is_marked_vanished_with_a_note() -> None:
    first = reconcile([], [], Clustering([_cls(NOISE), _cls(PARKING)], [], 20), run="a")
    second = reconcile(first.classes, [], Clustering([_cls(NOISE)], [], 10), run="b")
    gone = next(c for c in second.classes if c.id == "C0002")
    assert gone.status == VANISHED and gone.size == 0
    assert any("C0002" in note for note in second.notes)


def test_merge_brings_both_subjects_under_the_target_next_run() -> None:
    first = reconcile([], [], Clustering([_cls(NOISE), _cls(PARKING)], [], 20), run="a")
    second = reconcile(
        first.classes, [Merge(("C0001", "C0002"), into="C0001")],
        Clustering([_cls(NOISE), _cls(PARKING)], [], 20), run="b",
    )
    assert second.assignment == ["C0001", "C0001"]
    merged = next(c for c in second.classes if c.id == "C0002")
    assert merged.status == MERGED and merged.merged_into == "C0001"
    assert next(c for c in second.classes if c.id == "C0001").size == 20


def test_split_children_receive_matching_clusters_next_run() -> None:
    mixed = {**NOISE, **PARKING}
    first = reconcile([], [], Clustering([_cls(mixed)], [], 10), run="a")
    split = Split("C0001", (SplitChild("搅拌站噪音", ("搅拌站", "噪音")),
                            SplitChild("车位捆绑", ("车位", "捆绑"))))
    second = reconcile(first.classes, [split], Clustering([_cls(PARKING), _cls(NOISE)], [], 20),
                       run="b")
    assert second.assignment == ["C0003", "C0002"]
    assert next(c for c in second.classes if c.id == "C0001").status == SPLIT
    assert next(c for c in second.classes if c.id == "C0002").label == "搅拌站噪音"


def test_decision_on_unknown_id_is_ignored_with_a_note() -> None:
    result = reconcile([], [Rename("C0099", "x")], Clustering([_cls(NOISE)], [], 10), run="a")
    assert any("C0099" in note for note in result.notes)


def test_decision_from_dict_rejects_unknown_kind() -> None:
    import pytest

    with pytest.raises(ValueError, match="rename, merge or split"):
        decision_from_dict({"kind": "delete"})
