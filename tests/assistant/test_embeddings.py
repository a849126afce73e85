"""The on-disk cache of passage embeddings (the e5 model itself is too slow for unit tests)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from civicgrid.assistant.embeddings import (
    CachedEmbedder,
    passage_windows,
    query_vectors,
    vector_bytes,
    vector_from_bytes,
)


class _CountingEmbedder:
    name = "test/counting"

    def __init__(self) -> None:
        self.embedded: list[str] = []

    def passages(self, texts: list[str]) -> np.ndarray:
        self.embedded.extend(texts)
        return np.vstack([self.query(text) for text in texts])

    def query(self, text: str) -> np.ndarray:
        vector = np.asarray([len(text), text.count("占") + 1.0], dtype=np.float32)
        return vector / np.linalg.norm(vector)


def test_cached_vectors_are_reused_by_a_new_process(tmp_path: Path) -> None:
    first_model, second_model = _CountingEmbedder(), _CountingEmbedder()
    first = CachedEmbedder(first_model, tmp_path)
    vectors = first.passages(["占道经营先劝导。", "噪声扰民报环保。"])

    second = CachedEmbedder(second_model, tmp_path)
    again = second.passages(["噪声扰民报环保。", "占道经营先劝导。", "新段落。"])

    assert second_model.embedded == ["新段落。"]
    np.testing.assert_allclose(again[0], vectors[1])
    np.testing.assert_allclose(again[1], vectors[0])


def test_query_vectors_fall_back_to_one_by_one() -> None:
    model = _CountingEmbedder()

    matrix = query_vectors(model, ["占道", "噪声扰民"])

    assert matrix.shape == (2, 2)
    np.testing.assert_allclose(matrix[1], model.query("噪声扰民"))


def test_passage_windows_overlap_and_cover_the_whole_passage() -> None:
    text = "".join(chr(0x4E00 + i) for i in range(500))

    windows = passage_windows(text)

    assert [len(w) for w in windows] == [192, 192, 192, 116]
    assert windows[0] == text[:192] and windows[1].startswith(text[128:140])
    assert windows[-1].endswith(text[-1])
    assert passage_windows(text[:150]) == [text[:150]]
    assert passage_windows(text, limit=1) == [text[:192]]


def test_window_matrix_survives_the_database_bytes() -> None:
    matrix = np.arange(12, dtype=np.float32).reshape(3, 4) / 10

    again = vector_from_bytes(vector_bytes(matrix))

    assert again.dtype == np.float32 and again.shape == (3, 4)
    np.testing.assert_array_equal(again, matrix)
