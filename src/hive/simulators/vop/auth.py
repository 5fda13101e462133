"""OAuth2 as VOP does it: md5 password, an md5 request signature, expiring tokens.

``sign = UPPER(md5(client_secret + timestamp + client_id + username + password + grant_type
+ scope + client_secret))`` where ``password`` is the lower-hex md5 of the plain password.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from hive.simulators.vop.clock import Clock, parse_wire_time
from hive.simulators.vop.codes import Code, VopError
from hive.simulators.vop.config import SimulatorConfig
from hive.simulators.vop.envelope import Form, require
from hive.simulators.vop.store import Store


def md5_hex(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def sign(
    *,
    client_secret: str,
    timestamp: str,
    client_id: str,
    username: str,
    password_md5: str,
    grant_type: str,
    scope: str,
) -> str:
    """The request signature of ``oauth2/accessToken``."""
    raw = client_secret + timestamp + client_id + username + password_md5 + grant_type + scope
    return md5_hex(raw + client_secret).upper()


@dataclass(frozen=True, slots=True)
class Token:
    access_token: str
    refresh_token: str
    expires_at: float
    refresh_expires_at: float


class Auth:
    def __init__(self, config: SimulatorConfig, store: Store, clock: Clock) -> None:
        self.config = config
        self.store = store
        self.clock = clock
        self._cache: dict[str, float] = {}

    def access_token(self, form: Form) -> dict[str, object]:
        """Check an ``oauth2/accessToken`` request and issue a token."""
        fields = {
            name: require(form, name)
            for name in ("grant_type", "client_id", "username", "password", "timestamp", "sign")
        }
        if fields["grant_type"] != "access_token":
            raise VopError(Code.BAD_PARAMETER, "grant_type must be access_token")
        if fields["client_id"] != self.config.client_id:
            raise VopError(Code.CLIENT_INVALID)
        self._check_timestamp(fields["timestamp"])
        expected = sign(
            client_secret=self.config.client_secret,
            timestamp=fields["timestamp"],
            client_id=fields["client_id"],
            username=fields["username"],
            password_md5=fields["password"],
            grant_type=fields["grant_type"],
            scope=form.get("scope", ""),
        )
        if not secrets.compare_digest(expected, fields["sign"].upper()):
            raise VopError(Code.SIGN_INVALID)
        good_user = fields["username"] == self.config.username
        if not good_user or fields["password"].lower() != md5_hex(self.config.password):
            raise VopError(Code.BAD_CREDENTIALS)
        return self._token_json(self._issue())

    def refresh(self, form: Form) -> dict[str, object]:
        refresh_token = require(form, "refresh_token")
        if require(form, "client_id") != self.config.client_id:
            raise VopError(Code.CLIENT_INVALID)
        if not secrets.compare_digest(require(form, "client_secret"), self.config.client_secret):
            raise VopError(Code.CLIENT_INVALID, "client_secret")
        rows = self.store.query(
            "SELECT refresh_expires_at FROM tokens WHERE refresh_token = ? AND revoked = 0",
            (refresh_token,),
        )
        if not rows or float(str(rows[0][0])) <= self.clock.now():
            raise VopError(Code.REFRESH_TOKEN_INVALID)
        with self.store.transaction() as conn:
            conn.execute("UPDATE tokens SET revoked = 1 WHERE refresh_token = ?", (refresh_token,))
            token = self._issue()
        self._cache.clear()
        return self._token_json(token)

    def check(self, access_token: str) -> None:
        """Raise 2007 unless the token is known, not revoked and not expired."""
        expires_at = self._cache.get(access_token)
        if expires_at is None:
            rows = self.store.query(
                "SELECT expires_at FROM tokens WHERE access_token = ? AND revoked = 0",
                (access_token,),
            )
            if not rows:
                raise VopError(Code.TOKEN_EXPIRED, "token不存在")
            expires_at = float(str(rows[0][0]))
            self._cache[access_token] = expires_at
        if expires_at <= self.clock.now():
            raise VopError(Code.TOKEN_EXPIRED)

    def expire_all(self) -> int:
        """Fault on demand: every live access token expires now (refresh tokens stay valid)."""
        with self.store.transaction() as conn:
            count = conn.execute(
                "UPDATE tokens SET expires_at = ? WHERE expires_at > ?",
                (self.clock.now(), self.clock.now()),
            ).rowcount
        self._cache.clear()
        return count

    def _check_timestamp(self, timestamp: str) -> None:
        try:
            sent = parse_wire_time(timestamp)
        except ValueError:
            raise VopError(Code.BAD_PARAMETER, "timestamp must read yyyy-MM-dd HH:mm:ss") from None
        if abs(self.clock.now() - sent) > self.config.timestamp_window_s:
            raise VopError(Code.TIMESTAMP_EXPIRED)

    def _issue(self) -> Token:
        now = self.clock.now()
        token = Token(
            access_token=secrets.token_hex(16),
            refresh_token=secrets.token_hex(16),
            expires_at=now + self.config.token_ttl_s,
            refresh_expires_at=now + self.config.refresh_token_ttl_s,
        )
        with self.store.transaction() as conn:
            conn.execute(
                "INSERT INTO tokens (access_token, refresh_token, expires_at, refresh_expires_at) "
                "VALUES (?, ?, ?, ?)",
                (
                    token.access_token,
                    token.refresh_token,
                    token.expires_at,
                    token.refresh_expires_at,
                ),
            )
        return token

    def _token_json(self, token: Token) -> dict[str, object]:
        now = self.clock.now()
        return {
            "uid": md5_hex(self.config.username)[:12],
            "access_token": token.access_token,
            "refresh_token": token.refresh_token,
            "time": int(now * 1000),
            "expires_in": self.config.token_ttl_s,
            "refresh_token_expires": int(token.refresh_expires_at * 1000),
        }
