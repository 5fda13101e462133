"""The Open API request signature, exactly as docs/open-api.md states it.

Pure standard library and no other Hive import, so an integrator can copy this file (with
``client.py``) into any Python project. The server verifies with the same functions.

::

    string_to_sign = METHOD + "\\n" + PATH + "\\n" + CANONICAL_QUERY + "\\n"
                     + TIMESTAMP + "\\n" + NONCE + "\\n" + hex(SHA-256(raw body bytes))
    X-Hive-Signature = hex(HMAC-SHA256(AppSecret, string_to_sign))   (lowercase)

CANONICAL_QUERY is built from the raw query string: split on ``&`` and each part on its first
``=``; every name and value is percent-decoded to bytes (``+`` is a literal plus, never a
space; a ``%`` not followed by two hex digits is a literal ``%``), then encoded again per
RFC 3986: the unreserved characters ``A-Z a-z 0-9 - _ . ~`` as they are, every other byte as
``%XX`` with uppercase hex digits. Pairs are sorted by encoded name, then encoded value, and
joined as ``name=value`` with ``&``. Empty parts (``a=1&&b=2``) are dropped; a part without
``=`` is a name with an empty value; repeated names stay. No Unicode normalisation.
"""

from __future__ import annotations

import hashlib
import hmac

HEADER_APP_KEY = "X-Hive-AppKey"
HEADER_TIMESTAMP = "X-Hive-Timestamp"
HEADER_NONCE = "X-Hive-Nonce"
HEADER_SIGNATURE = "X-Hive-Signature"

_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")
_HEX = frozenset(b"0123456789abcdefABCDEF")


def percent_decode(text: str) -> bytes:
    """The bytes ``text`` stands for: ``%XX`` decoded, everything else (``+`` included) as its
    UTF-8 bytes."""
    raw = text.encode("utf-8", "surrogateescape")
    out = bytearray()
    i = 0
    while i < len(raw):
        if raw[i] == 0x25 and _is_escape(raw, i):
            out.append(int(raw[i + 1 : i + 3], 16))
            i += 3
        else:
            out.append(raw[i])
            i += 1
    return bytes(out)


def _is_escape(raw: bytes, i: int) -> bool:
    return i + 2 < len(raw) and raw[i + 1] in _HEX and raw[i + 2] in _HEX


def rfc3986_encode(value: str | bytes) -> str:
    """``value`` (text as UTF-8, or bytes) percent-encoded per RFC 3986, uppercase hex."""
    data = value.encode("utf-8") if isinstance(value, str) else value
    return "".join(chr(b) if b in _UNRESERVED else f"%{b:02X}" for b in data)


def canonical_query(raw_query: str) -> str:
    """The canonical form of a raw query string (without the ``?``); ``""`` for none."""
    pairs = []
    for part in raw_query.split("&"):
        if not part:
            continue
        name, _, value = part.partition("=")
        pairs.append((rfc3986_encode(percent_decode(name)), rfc3986_encode(percent_decode(value))))
    pairs.sort()
    return "&".join(f"{name}={value}" for name, value in pairs)


def encode_query(params: list[tuple[str, str]]) -> str:
    """A query string for ``params`` in which every name and value is RFC 3986 encoded: send
    exactly this (it is already canonical once sorted)."""
    return "&".join(f"{rfc3986_encode(name)}={rfc3986_encode(value)}" for name, value in params)


def body_hash(body: bytes) -> str:
    """Lowercase hex SHA-256 of the exact body bytes (of ``b""`` for no body)."""
    return hashlib.sha256(body).hexdigest()


def string_to_sign(
    method: str, path: str, raw_query: str, timestamp: str, nonce: str, body: bytes
) -> str:
    return "\n".join(
        [method.upper(), path, canonical_query(raw_query), timestamp, nonce, body_hash(body)]
    )


def sign(
    secret: str,
    method: str,
    path: str,
    raw_query: str,
    timestamp: str,
    nonce: str,
    body: bytes,
) -> str:
    """Lowercase hex HMAC-SHA256 of the string to sign, keyed by the AppSecret (UTF-8)."""
    message = string_to_sign(method, path, raw_query, timestamp, nonce, body)
    return hmac.new(secret.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).hexdigest()


def signatures_match(expected: str, given: str) -> bool:
    """Constant-time comparison (a timing difference must not reveal the signature)."""
    return hmac.compare_digest(expected.encode("ascii"), given.encode("ascii", "replace"))
