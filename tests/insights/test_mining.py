"""Mining internals: the blockwise path for large runs, labels, the embedding store."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from civicgrid.insights.embeddings import EmbeddingStore, text_key
from civicgrid.insights.mining import MiningSettings, label_from_terms, mine_classes
from civicgrid.insights.synthetic import GeneratedCase


def test_blockwise_path_merges_classes_split_across_blocks(
    planted_cases: list[GeneratedCase],
) -> None:
    texts = [c.text for c in planted_cases]
    result = mine_classes(texts, settings=MiningSettings(min_cluster_size=5, block_size=60))
    rows = sorted(r for c in result.classes for r in c.rows) + result.noise
    assert sorted(rows) == list(range(len(texts)))
    assert 4 <= len(result.classes) <= 30


def test_label_skips_words_contained_in_another() -> None:
    assert label_from_terms({"丽发新城": 0.9, "丽发": 0.8, "搅拌站": 0.7, "噪音": 0.5}) == (
        "丽发新城·搅拌站·噪音"
    )


def test_too_small_min_class_size_is_rejected_with_the_fix() -> None:
    with pytest.raises(ValueError, match="at least 2"):
        MiningSettings(min_cluster_size=1)


def test_embeddings_of_wrong_length_are_rejected() -> None:
    with pytest.raises(ValueError, match="one embedding per text"):
        mine_classes(["噪音扰民", "油烟扰民"], embeddings=np.zeros((3, 4)))


def test_embedding_store_reuses_stored_vectors_without_the_model(tmp_path: Path) -> None:
    path = tmp_path / "e5.npz"
    store = EmbeddingStore(path)
    store._vectors = {
        text_key("甲"): np.ones(384, np.float32),
        text_key("乙"): np.zeros(384, np.float32),
    }
    store.save()
    again = EmbeddingStore(path)
    vectors = again.embed(["乙", "甲"])
    assert len(again) == 2
    assert vectors[0].sum() == 0 and vectors[1].sum() == 384


def test_month_with_few_cases_gives_a_note_not_a_crash() -> None:
    result = mine_classes(
        ["丽发新城搅拌站噪音", "伊景园车位捆绑销售", "学位入学划片"],
        settings=MiningSettings(min_cluster_size=5),
    )
    assert result.classes == [] and result.noise == [0, 1, 2]
    assert any("too few" in note for note in result.notes)


SAME_PLACE = "海悦花园3栋楼下烧烤店油烟太大，每天开到凌晨2点"


def test_a_month_of_one_problem_is_one_class_not_noise() -> None:
    texts = [
        SAME_PLACE,
        SAME_PLACE.replace("太大", "很大"),
        "海悦花园3栋烧烤店油烟扰民到凌晨",
        f"{SAME_PLACE}，请尽快处理",
    ] * 3
    result = mine_classes(texts)
    assert [c.size for c in result.classes] == [12] and result.noise == []
    assert {"油烟", "烧烤店", "海悦"} <= set(result.classes[0].terms)


def test_unrelated_one_offs_do_not_become_a_single_class() -> None:
    texts = [
        "路灯坏了",
        "井盖缺失很危险",
        "施工噪音扰民",
        "垃圾没人清理",
        "占道经营",
        "违章停车堵路",
        "楼上漏水严重",
        "台风后树木倒伏",
        "小区有狗咬人",
        "外墙瓷砖脱落",
        "电梯故障困人",
        "暴雨后路面积水",
    ]
    assert mine_classes(texts).classes == []
