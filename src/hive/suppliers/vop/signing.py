"""VOP's token request signature and timestamp format."""

from __future__ import annotations

import hashlib
from datetime import datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"


def md5_hex(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def vop_timestamp(now: datetime) -> str:
    return now.astimezone(SHANGHAI).strftime(TIMESTAMP_FORMAT)


def parse_vop_time(text: str) -> datetime:
    return datetime.strptime(text, TIMESTAMP_FORMAT).replace(tzinfo=SHANGHAI)


def token_request_sign(
    *,
    client_secret: str,
    timestamp: str,
    client_id: str,
    username: str,
    password_md5: str,
    grant_type: str,
    scope: str,
) -> str:
    """UPPER(md5(secret + timestamp + client_id + username + password + grant_type + scope +
    secret)), as VOP defines it."""
    raw = (
        client_secret
        + timestamp
        + client_id
        + username
        + password_md5
        + grant_type
        + scope
        + client_secret
    )
    return md5_hex(raw).upper()
