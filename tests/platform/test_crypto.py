"""Secrets at rest: HKDF-derived keys with key ids, rotation, tampering and legacy ciphertexts."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
from cryptography.fernet import Fernet

from hive.platform.crypto import SecretBox, SecretUnreadable, key_id

OLD = "old-platform-secret-old-platform-secret"
NEW = "new-platform-secret-new-platform-secret"
PLAINTEXT = b'{"username": "hive", "password": "s3cret"}'


def rfc5869_hkdf(secret: bytes, salt: bytes, info: bytes, length: int) -> bytes:
    """HKDF-SHA256 written out from RFC 5869 (independent of the code under test)."""
    prk = hmac.new(salt, secret, hashlib.sha256).digest()
    okm, block, counter = b"", b"", 1
    while len(okm) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        okm, counter = okm + block, counter + 1
    return okm[:length]


def legacy_ciphertext(secret: str, plaintext: bytes) -> bytes:
    """What the code before key ids stored: Fernet under SHA-256(context + secret)."""
    digest = hashlib.sha256(b"hive:secrets-at-rest:v1" + secret.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest)).encrypt(plaintext)


def test_keys_and_key_ids_are_hkdf_sha256_of_the_secret() -> None:
    salt = b"hive:secrets-at-rest"
    expected_id = rfc5869_hkdf(NEW.encode(), salt, b"key-id", 8).hex()
    fernet_key = rfc5869_hkdf(NEW.encode(), salt, b"fernet-key", 32)
    assert key_id(NEW) == expected_id and len(expected_id) == 16
    ciphertext = SecretBox(NEW).encrypt(PLAINTEXT)
    prefix, id_, token = ciphertext.split(b":")
    assert (prefix, id_) == (b"hive2", expected_id.encode())
    # The token opens with the HKDF key itself, and not with the old SHA-256 one.
    assert Fernet(base64.urlsafe_b64encode(fernet_key)).decrypt(token) == PLAINTEXT
    sha_key = hashlib.sha256(b"hive:secrets-at-rest:v1" + NEW.encode()).digest()
    assert fernet_key != sha_key


def test_round_trip_under_the_current_key() -> None:
    box = SecretBox(NEW)
    ciphertext = box.encrypt(PLAINTEXT)
    assert PLAINTEXT not in ciphertext
    assert box.decrypt(ciphertext) == PLAINTEXT
    assert box.is_current(ciphertext) and box.reencrypt(ciphertext) == ciphertext
    assert box.encrypt(PLAINTEXT) != ciphertext  # a fresh IV each time


def test_after_rotation_old_ciphertexts_decrypt_and_new_ones_use_the_new_key() -> None:
    old_ciphertext = SecretBox(OLD).encrypt(PLAINTEXT)
    rotated = SecretBox(NEW, previous=[OLD])

    assert rotated.decrypt(old_ciphertext) == PLAINTEXT
    assert rotated.current_key_id == key_id(NEW) != key_id(OLD)
    assert rotated.encrypt(PLAINTEXT).startswith(b"hive2:" + key_id(NEW).encode() + b":")
    assert not rotated.is_current(old_ciphertext)
    rewritten = rotated.reencrypt(old_ciphertext)
    assert rotated.is_current(rewritten) and rotated.decrypt(rewritten) == PLAINTEXT
    assert SecretBox(NEW).decrypt(rewritten) == PLAINTEXT  # the old key is no longer needed
    with pytest.raises(SecretUnreadable):
        SecretBox(NEW).decrypt(old_ciphertext)  # without the previous key: refused


def test_a_ciphertext_from_a_secret_never_configured_is_refused() -> None:
    stranger = SecretBox("someone-elses-secret-someone-elses-secret").encrypt(PLAINTEXT)
    with pytest.raises(SecretUnreadable):
        SecretBox(NEW, previous=[OLD]).decrypt(stranger)


def _replace_tail(data: bytes, size: int) -> bytes:
    replacement = b"A" * size if data[-size:] != b"A" * size else b"B" * size
    return data[:-size] + replacement


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda c: _replace_tail(c, 6), id="mac"),
        pytest.param(lambda c: c[:30] + bytes([c[30] ^ 1]) + c[31:], id="token-byte"),
        pytest.param(lambda c: c.replace(key_id(NEW).encode(), key_id(OLD).encode()), id="key-id"),
        pytest.param(lambda c: c[:-1], id="truncated"),
        pytest.param(lambda c: c.replace(b"hive2:", b"hive2:x"), id="malformed"),
        pytest.param(lambda c: b"hive2:" + c.split(b":", 2)[2], id="no-key-id"),
    ],
)
def test_a_tampered_ciphertext_is_refused(tamper: object) -> None:
    box = SecretBox(NEW, previous=[OLD])  # the other key id is known, so it is tried for real
    ciphertext = box.encrypt(PLAINTEXT)
    tampered = tamper(ciphertext)  # type: ignore[operator]
    assert tampered != ciphertext
    with pytest.raises(SecretUnreadable):
        box.decrypt(tampered)


def test_legacy_ciphertexts_without_key_id_stay_readable() -> None:
    legacy = legacy_ciphertext(OLD, PLAINTEXT)
    assert SecretBox(OLD).decrypt(legacy) == PLAINTEXT  # same secret, before any rotation
    rotated = SecretBox(NEW, previous=[OLD])
    assert rotated.decrypt(legacy) == PLAINTEXT  # and after one
    assert not rotated.is_current(legacy)
    assert rotated.decrypt(rotated.reencrypt(legacy)) == PLAINTEXT
    assert rotated.is_current(rotated.reencrypt(legacy))
    with pytest.raises(SecretUnreadable):
        SecretBox(NEW).decrypt(legacy)
    tampered = _replace_tail(legacy, 4)
    with pytest.raises(SecretUnreadable):
        SecretBox(OLD).decrypt(tampered)
