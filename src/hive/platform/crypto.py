"""Encrypting secrets at rest (supplier credentials) with Fernet, keyed by the platform secrets.

Each Fernet key is derived from a platform secret with HKDF-SHA256 (RFC 5869), and so is a
short key id naming that secret without revealing it. A ciphertext carries the id of the key
that made it::

    hive2:<key id, 16 hex digits>:<Fernet token>

so keys can rotate: ``HIVE_SECRET_KEY`` makes every new ciphertext, and the secrets it replaced,
listed in ``HIVE_PREVIOUS_SECRET_KEYS``, still decrypt theirs (chosen by id, never by trial).
Ciphertexts written before key ids existed are a bare Fernet token under the old derivation
(SHA-256 of a context string and the secret); any known secret still reads them. ``hive
reencrypt-secrets`` rewrites every stored secret under the current key, after which the
previous secrets can be dropped (see docs/suppliers.md).
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from hive.platform.errors import HiveError

PREFIX = b"hive2:"
_SALT = b"hive:secrets-at-rest"
_LEGACY_CONTEXT = b"hive:secrets-at-rest:v1"
_KEY_ID_BYTES = 8
_TOKEN = re.compile(rb"^hive2:(?P<key_id>[0-9a-f]{16}):(?P<token>[A-Za-z0-9_=-]+)$")


class SecretUnreadable(HiveError):
    code = "secret_unreadable"
    http_status = 500
    default_message = "无法解密已保存的凭据 / Stored credentials cannot be decrypted"


def _hkdf(secret: str, info: bytes, length: int) -> bytes:
    kdf = HKDF(algorithm=hashes.SHA256(), length=length, salt=_SALT, info=info)
    return kdf.derive(secret.encode())


def key_id(secret: str) -> str:
    """The id that ciphertexts made with ``secret`` carry (16 hex digits)."""
    return _hkdf(secret, b"key-id", _KEY_ID_BYTES).hex()


def _fernet(secret: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_hkdf(secret, b"fernet-key", 32)))


def _legacy_fernet(secret: str) -> Fernet:
    digest = hashlib.sha256(_LEGACY_CONTEXT + secret.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


class SecretBox:
    """Encrypts small secrets under the current platform secret; decrypts under any known one.

    ``secret_key`` makes new ciphertexts; ``previous`` are secrets it replaced, kept so the
    ciphertexts they made stay readable until they are re-encrypted.
    """

    def __init__(self, secret_key: str, previous: Sequence[str] = ()):
        secrets = [secret_key, *previous]
        self.current_key_id = key_id(secret_key)
        self._current = _fernet(secret_key)
        self._by_id = {key_id(secret): _fernet(secret) for secret in reversed(secrets)}
        self._legacy = [_legacy_fernet(secret) for secret in secrets]

    def encrypt(self, plaintext: bytes) -> bytes:
        token = self._current.encrypt(plaintext)
        return PREFIX + self.current_key_id.encode() + b":" + token

    def decrypt(self, ciphertext: bytes) -> bytes:
        """The plaintext; :class:`SecretUnreadable` for a tampered ciphertext or unknown key."""
        if not ciphertext.startswith(PREFIX):
            return self._decrypt_legacy(ciphertext)
        match = _TOKEN.fullmatch(ciphertext)
        fernet = self._by_id.get(match["key_id"].decode()) if match else None
        if match is None or fernet is None:
            raise SecretUnreadable()
        try:
            return fernet.decrypt(match["token"])
        except InvalidToken:
            raise SecretUnreadable() from None

    def is_current(self, ciphertext: bytes) -> bool:
        """Whether ``ciphertext`` is already under the current key (re-encrypting is a no-op)."""
        return ciphertext.startswith(PREFIX + self.current_key_id.encode() + b":")

    def reencrypt(self, ciphertext: bytes) -> bytes:
        """``ciphertext`` under the current key (unchanged when it already is)."""
        if self.is_current(ciphertext):
            return ciphertext
        return self.encrypt(self.decrypt(ciphertext))

    def _decrypt_legacy(self, token: bytes) -> bytes:
        for fernet in self._legacy:
            try:
                return fernet.decrypt(token)
            except InvalidToken:
                continue
        raise SecretUnreadable()
