"""Benchmark of the VOP simulator: search and price calls per second on one server core.

The simulator runs in a subprocess pinned to one CPU (uvicorn, one worker). A baseline of a
trivial route (``GET /healthz``) on the same server is measured in the same run, and every
figure is printed with its ratio to that baseline. Load comes from keep-alive connections over
raw asyncio streams (a cheap client, so the server is what is measured), pinned to another CPU
where there is one. Traffic goes to 127.0.0.1 only; the whole run takes well under 60 s.

Goal: the simulator is never the bottleneck of the other benchmarks. The method they drive
hardest is ``price/getSellPrice`` (the refresh bench: 50 calls/s; the feed bench: about 100
calls/s), so it must serve at least ``GOAL_CALLS_PER_S`` (200, twice that) on its one core.
Search is reported beside it; no other benchmark drives it.

    .venv/bin/python bench/vop_sim_bench.py [--quick] [--seconds 4] [--connections 16]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import itertools
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from urllib.parse import urlencode

HOST = "127.0.0.1"
STARTUP_DEADLINE_S = 20.0
GOAL_CALLS_PER_S = 200.0
QUICK_SECONDS = 2.0
SERVER_CODE = """
import os, pathlib, sys
if hasattr(os, "sched_setaffinity"):
    os.sched_setaffinity(0, {int(sys.argv[3])})
from hive.simulators.vop.server import serve
serve("127.0.0.1", int(sys.argv[1]), pathlib.Path(sys.argv[2]))
"""
KEYWORDS = ("手机", "华为", "笔记本", "美的 空调", "黑色", "牛奶", "运动鞋", "保温杯")
SORTS = ("", "price_asc", "price_desc", "sale_desc", "winsdate_desc")

RequestFactory = Callable[[int], bytes]
BASELINE = "baseline GET /healthz"
PRICE = "price/getSellPrice (20 SKUs)"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def http_request(method: str, path: str, port: int, form: dict[str, str] | None = None) -> bytes:
    body = urlencode(form).encode() if form is not None else b""
    head = f"{method} {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nContent-Length: {len(body)}\r\n"
    if form is not None:
        head += "Content-Type: application/x-www-form-urlencoded\r\n"
    return (head + "\r\n").encode() + body


async def roundtrip(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, raw: bytes
) -> bytes:
    writer.write(raw)
    head = await reader.readuntil(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 200"):
        raise RuntimeError(head.decode(errors="replace").splitlines()[0])
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    return await reader.readexactly(length)


async def worker(
    port: int, factory: RequestFactory, deadline: float, seed: int, latencies: list[float]
) -> int:
    reader, writer = await asyncio.open_connection(HOST, port)
    done = 0
    try:
        for n in itertools.count(seed):
            if time.perf_counter() >= deadline:
                break
            started = time.perf_counter()
            body = await roundtrip(reader, writer, factory(n))
            latencies.append(time.perf_counter() - started)
            if body.startswith(b'{"success"') and b'"success":true' not in body[:20]:
                raise RuntimeError(body[:200].decode(errors="replace"))
            done += 1
    finally:
        writer.close()
    return done


async def measure(
    port: int, factory: RequestFactory, seconds: float, connections: int
) -> tuple[float, float, float]:
    """Calls per second, p50 and p99 latency (ms) with ``connections`` keep-alive clients."""
    await worker(port, factory, time.perf_counter() + 0.5, 0, [])  # warm up
    latencies: list[float] = []
    started = time.perf_counter()
    deadline = started + seconds
    counts = await asyncio.gather(
        *(worker(port, factory, deadline, i * 1000, latencies) for i in range(connections))
    )
    elapsed = time.perf_counter() - started
    latencies.sort()
    p50 = latencies[len(latencies) // 2] * 1000
    p99 = latencies[int(len(latencies) * 0.99)] * 1000
    return sum(counts) / elapsed, p50, p99


def access_token(port: int) -> str:
    import httpx

    from hive.simulators.vop.auth import md5_hex, sign
    from hive.simulators.vop.clock import format_wire_time
    from hive.simulators.vop.config import SimulatorConfig

    config = SimulatorConfig()
    form = {
        "grant_type": "access_token",
        "client_id": config.client_id,
        "username": config.username,
        "password": md5_hex(config.password),
        "timestamp": format_wire_time(time.time()),
        "scope": "",
    }
    form["sign"] = sign(
        client_secret=config.client_secret,
        timestamp=form["timestamp"],
        client_id=form["client_id"],
        username=form["username"],
        password_md5=form["password"],
        grant_type=form["grant_type"],
        scope="",
    )
    body = httpx.post(f"http://{HOST}:{port}/oauth2/accessToken", data=form).json()
    if not body["success"]:
        raise RuntimeError(body)
    return str(body["result"]["access_token"])


def pool_skus(port: int, token: str) -> list[int]:
    import httpx

    page = httpx.post(
        f"http://{HOST}:{port}/api/product/getSkuByPage",
        data={"token": token, "pageNum": "70000", "pageNo": "1"},
    ).json()
    return [int(s) for s in page["result"]["skuIds"]]


def scenarios(port: int, token: str) -> dict[str, RequestFactory]:
    skus = pool_skus(port, token)
    healthz = http_request("GET", "/healthz", port)

    def search(n: int, *, fresh: bool = False) -> bytes:
        digest = hashlib.blake2b(str(n).encode(), digest_size=4).digest()
        form = {
            "token": token,
            "Keyword": KEYWORDS[digest[0] % len(KEYWORDS)],
            "sortType": SORTS[digest[1] % len(SORTS)],
            "pageIndex": str(1 + digest[2] % 20),
            "pageSize": "20",
        }
        if fresh:  # a price range never asked before: the plan is computed, not cached
            form["Min"] = f"{n % 997}.{n % 89:02d}"
            form["Max"] = str(2_000 + n)
        return http_request("POST", "/api/search/search", port, form)

    def price(n: int) -> bytes:
        start = (n * 20) % (len(skus) - 20)
        ids = ",".join(str(s) for s in skus[start : start + 20])
        return http_request("POST", "/api/price/getSellPrice", port, {"token": token, "sku": ids})

    return {
        BASELINE: lambda n: healthz,
        "search/search, repeated filters": search,
        "search/search, new price range each": lambda n: search(n, fresh=True),
        PRICE: price,
    }


def wait_until_up(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_DEADLINE_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("simulator exited during startup")
        try:
            with socket.create_connection((HOST, port), 0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("simulator did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0, help="measuring time per scenario")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_SECONDS:.0f} s per scenario")
    args = parser.parse_args()
    if args.quick:
        args.seconds = min(args.seconds, QUICK_SECONDS)
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from harness import print_conditions

    print_conditions(f"{'quick' if args.quick else 'full'}: {args.seconds:.0f} s per scenario")
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else [0]
    server_cpu, client_cpus = cpus[0], set(cpus[1:]) or {cpus[0]}
    port = free_port()
    with tempfile.TemporaryDirectory() as data_dir:
        env = {**os.environ, "HIVE_VOP_SIM_DRIFT_FRACTION": "0"}
        process = subprocess.Popen(
            [sys.executable, "-c", SERVER_CODE, str(port), data_dir, str(server_cpu)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_until_up(port, process)
            if hasattr(os, "sched_setaffinity"):
                os.sched_setaffinity(0, client_cpus)
            run(port, args.seconds, args.connections, server_cpu)
        finally:
            process.terminate()
            process.wait(timeout=10)


def run(port: int, seconds: float, connections: int, server_cpu: int) -> None:
    token = access_token(port)
    print(
        f"VOP simulator on CPU {server_cpu}, {connections} keep-alive connections, "
        f"{seconds:.0f} s per scenario"
    )
    from harness import finish

    baseline = price = 0.0
    for name, factory in scenarios(port, token).items():
        rate, p50, p99 = asyncio.run(measure(port, factory, seconds, connections))
        baseline = baseline or rate
        price = rate if name == PRICE else price
        print(
            f"  {name:40s} {rate:8.0f} calls/s  p50 {p50:6.2f} ms  p99 {p99:6.2f} ms  "
            f"ratio to baseline {rate / baseline:5.2f}"
        )
    finish(
        "vop_sim",
        "price_calls_per_s",
        f"{price:.0f} ({price / baseline:.2f} of the baseline)",
        f">= {GOAL_CALLS_PER_S:.0f}",
        price >= GOAL_CALLS_PER_S,
    )


if __name__ == "__main__":
    main()
