"""Checking that a TCP port is free before a server tries to bind it."""

from __future__ import annotations

import errno
import socket

from hive.platform.errors import StartupError


def ensure_port_free(host: str, port: int, *, setting: str) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise StartupError(
                    f"Port {port} on {host} is already in use. Stop what is using it, "
                    f"or choose another port with {setting}."
                ) from None
            raise StartupError(f"Cannot listen on {host}:{port}: {exc.strerror}.") from None
