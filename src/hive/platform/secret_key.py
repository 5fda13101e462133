"""The key that signs session cookies: HIVE_SECRET_KEY, else one generated per data dir."""

from __future__ import annotations

import os
import secrets

from hive.platform.config import Settings
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
