"""Personal data at rest: ID numbers and phones encrypted with Fernet, plus a keyed hash.

The key comes from configuration (``Settings.pii_secret()``). From that one secret two keys
are derived: a Fernet key (AES-128-CBC + HMAC-SHA256, random IV, so the same number encrypts
differently each time) and an HMAC key whose digest of the normalised value is stored beside
the ciphertext, so equality lookups ("is this ID number registered elsewhere?") need no
decryption.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken


def _derive(secret: str, purpose: bytes) -> bytes:
    return hmac.new(secret.encode(), purpose, hashlib.sha256).digest()


def normalise(value: str) -> str:
    """The form that is hashed: no spaces or hyphens, capital X."""
    return value.replace(" ", "").replace("-", "").strip().upper()


@dataclass(frozen=True)
class Vault:
    """Encrypts, decrypts and hashes personal data with keys derived from one secret."""

    secret: str

    @property
    def _fernet(self) -> Fernet:
        return Fernet(base64.urlsafe_b64encode(_derive(self.secret, b"ground-fernet")))

    def seal(self, value: str | None) -> str | None:
        """The ciphertext of ``value`` (None stays None)."""
        if value is None or value == "":
            return None
        return self._fernet.encrypt(normalise(value).encode()).decode()

    def open(self, token: str | None) -> str | None:
        """The plain value of a ciphertext made by :meth:`seal`."""
        if token is None:
            return None
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken as error:
            raise ValueError("ciphertext does not open with the configured pii key; "
                             "was CIVICGRID_PII_KEY changed?") from error

    def digest(self, value: str | None) -> str | None:
        """The keyed hash (HMAC-SHA256, hex) of the normalised value, for equality lookups."""
        if value is None or value == "":
            return None
        key = _derive(self.secret, b"ground-lookup")
        return hmac.new(key, normalise(value).encode(), hashlib.sha256).hexdigest()


def vault_from_settings() -> Vault:
    """The vault keyed by the configured ``pii_secret``."""
    from civicgrid.settings import get_settings

    return Vault(get_settings().pii_secret())
