"""The Open API client against a gateway closing keep-alive connections: it gives up an idle
connection before the gateway would, and a request that changes nothing, met by a connection
the server closed, is sent once more (signed afresh); any other request is not."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from hive.launcher import KEEP_ALIVE_S
from hive.openapi.client import IDLE_CONNECTION_EXPIRY_S, OpenApiClient
from hive.openapi.signature import HEADER_NONCE

ANSWER = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"


class KeepAliveServer:
    """A raw HTTP/1.1 server on 127.0.0.1. ``closing[n]`` lists, for its n-th connection, the
    requests (counted from 0 on that connection) it reads and then answers by closing the
    connection, as a gateway's keep-alive close crossing a request does."""

    def __init__(self, closing: dict[int, set[int]] | None = None):
        self.closing = closing or {}
        self.connections = 0
        self.requests: list[dict[str, str]] = []
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen()
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            number = self.connections
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn, number), daemon=True).start()

    def _serve(self, conn: socket.socket, number: int) -> None:
        with conn:
            buffer = b""
            for index in range(1_000):
                while b"\r\n\r\n" not in buffer:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    buffer += chunk
                head, _, buffer = buffer.partition(b"\r\n\r\n")
                headers = dict(
                    line.split(": ", 1) for line in head.decode("latin-1").split("\r\n")[1:]
                )
                length = int(headers.get("Content-Length", headers.get("content-length", "0")))
                while len(buffer) < length:
                    buffer += conn.recv(65536)
                buffer = buffer[length:]
                self.requests.append({k.lower(): v for k, v in headers.items()})
                if index in self.closing.get(number, set()):
                    return  # closed under the request, no byte of an answer
                conn.sendall(ANSWER)

    def close(self) -> None:
        self._sock.close()


@pytest.fixture
def server_factory() -> Iterator[type[KeepAliveServer]]:
    made: list[KeepAliveServer] = []

    class Made(KeepAliveServer):
        def __init__(self, closing: dict[int, set[int]] | None = None):
            super().__init__(closing)
            made.append(self)

    yield Made
    for server in made:
        server.close()


def test_a_get_met_by_a_closed_connection_is_sent_once_more_signed_afresh(
    server_factory: type[KeepAliveServer],
) -> None:
    server = server_factory({0: {1}})  # the first connection's second request: closed
    with OpenApiClient(server.url, "ak", "secret") as client:
        assert client.get("/open/v1/categories").status_code == 200
        assert client.get("/open/v1/categories").status_code == 200
    assert len(server.requests) == 3
    assert server.connections == 2
    resent, again = server.requests[1], server.requests[2]
    assert resent[HEADER_NONCE.lower()] != again[HEADER_NONCE.lower()]


def test_a_post_met_by_a_closed_connection_is_not_sent_again(
    server_factory: type[KeepAliveServer],
) -> None:
    server = server_factory({0: {1}})
    with OpenApiClient(server.url, "ak", "secret") as client:
        assert client.get("/open/v1/categories").status_code == 200
        with pytest.raises(httpx.RemoteProtocolError):
            client.post("/open/v1/library/items", json={"product_ids": [1]})
    assert len(server.requests) == 2


def test_the_client_gives_up_an_idle_connection_before_the_gateway_closes_it(
    server_factory: type[KeepAliveServer],
) -> None:
    assert IDLE_CONNECTION_EXPIRY_S < KEEP_ALIVE_S
    server = server_factory()
    with OpenApiClient(server.url, "ak", "secret", idle_expiry_s=0.2) as client:
        client.get("/a")
        client.get("/b")  # at once: the same connection
        assert server.connections == 1
        time.sleep(0.5)  # idle past the client's expiry
        client.get("/c")
    assert server.connections == 2
