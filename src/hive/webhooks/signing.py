"""The signature of a webhook POST (standard library only; receivers may copy it).

``X-Hive-Signature`` = lowercase hex HMAC-SHA256 keyed by the subscription's secret (UTF-8)
of ``X-Hive-Timestamp + "." + raw body``. Every attempt signs with a fresh timestamp, so a
retry hours later still passes a receiver's freshness check.
"""

from __future__ import annotations

import hashlib
import hmac

HEADER_EVENT = "X-Hive-Event"
HEADER_DELIVERY = "X-Hive-Delivery"
HEADER_TIMESTAMP = "X-Hive-Timestamp"
HEADER_SIGNATURE = "X-Hive-Signature"
TOLERANCE_S = 300


def sign(secret: str, timestamp: str, body: bytes) -> str:
    message = timestamp.encode("ascii") + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify(
    secret: str,
    timestamp: str,
    body: bytes,
    signature: str,
    *,
    now: float,
    tolerance_s: int = TOLERANCE_S,
) -> bool:
    """What a receiver checks: the timestamp is digits within ``tolerance_s`` of ``now`` and
    the signature matches (compared in constant time)."""
    if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
        return False
    if abs(now - int(timestamp)) > tolerance_s:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature)
