"""Encrypting secrets at rest (supplier credentials) with Fernet, keyed by the platform secret."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken

from hive.platform.errors import HiveError

_KEY_CONTEXT = b"hive:secrets-at-rest:v1"


class SecretUnreadable(HiveError):
    code = "secret_unreadable"
    http_status = 500
    default_message = "无法解密已保存的凭据 / Stored credentials cannot be decrypted"


class SecretBox:
    """Encrypts and decrypts small secrets; the key is derived from the platform secret key."""

    def __init__(self, secret_key: str):
        digest = hashlib.sha256(_KEY_CONTEXT + secret_key.encode()).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(digest))

    def encrypt(self, plaintext: bytes) -> bytes:
        return self._fernet.encrypt(plaintext)

    def decrypt(self, token: bytes) -> bytes:
        try:
            return self._fernet.decrypt(token)
        except InvalidToken:
            raise SecretUnreadable() from None
