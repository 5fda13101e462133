"""The platform secret: HIVE_SECRET_KEY, else one generated per data dir.

It signs session cookies and keys the encryption of secrets at rest; the secrets it replaced
(HIVE_PREVIOUS_SECRET_KEYS) still decrypt what they encrypted (see ``hive.platform.crypto``).
"""

from __future__ import annotations

import os
import secrets

from hive.platform.config import Settings
from hive.platform.crypto import SecretBox
from hive.platform.errors import StartupError

MIN_SECRET_LENGTH = 32


def load_secret_key(settings: Settings) -> str:
    configured = settings.secret_key.get_secret_value()
    if configured:
        if len(configured) < MIN_SECRET_LENGTH:
            raise StartupError(f"HIVE_SECRET_KEY must be at least {MIN_SECRET_LENGTH} characters.")
        return configured
    path = settings.data_dir / "secret_key"
    try:
        if path.exists():
            return path.read_text().strip()
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(key)
        return key
    except FileExistsError:
        return path.read_text().strip()  # another process created it first
    except OSError as exc:
        raise StartupError(
            f"Cannot read or create the session key {path}: {exc.strerror}"
        ) from None


def previous_secret_keys(settings: Settings) -> list[str]:
    """The secrets HIVE_SECRET_KEY replaced (comma-separated), each as long as a secret key."""
    raw = settings.previous_secret_keys.get_secret_value()
    keys = [key.strip() for key in raw.split(",") if key.strip()]
    if any(len(key) < MIN_SECRET_LENGTH for key in keys):
        raise StartupError(
            f"Each of HIVE_PREVIOUS_SECRET_KEYS must be at least {MIN_SECRET_LENGTH} characters."
        )
    return keys


def load_secret_box(settings: Settings) -> SecretBox:
    """The box for secrets at rest: encrypts under the current secret, reads under any."""
    return SecretBox(load_secret_key(settings), previous_secret_keys(settings))
