#!/usr/bin/env python
"""Load benchmark of the feed server: many clients polling feeds with revalidation, on loopback.

    python scripts/load_benchmark.py                  # 200 clients for 60 s
    python scripts/load_benchmark.py --clients 50 --seconds 10
    python scripts/load_benchmark.py --write docs/benchmarks.md   # append the table

It plans and publishes the example week into a temporary ledger, issues a token per leader,
starts `scheduler serve` as its own process on a free loopback port, and runs the clients
(asyncio, HTTP/1.1 keep-alive, If-None-Match after the first fetch; every 10th request a full
fetch). Errors are any answer but 200/304, a short body, or a failed connection.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def scheduler(*args: str, cwd: Path) -> str:
    return subprocess.run([sys.executable, "-m", "scheduler", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


async def client(host: str, port: int, paths: list[str], until: float, latencies: list[float], errors: list[str], n: int) -> None:
    reader = writer = None
    etags: dict[str, str] = {}
    i = n
    while time.monotonic() < until:
        path = paths[i % len(paths)]
        i += 1
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection(host, port)
            headers = f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: load\r\n"
            if path in etags and i % 10:
                headers += f"If-None-Match: {etags[path]}\r\n"
            started = time.perf_counter()
            writer.write((headers + "\r\n").encode())
            await writer.drain()
            status_line = await reader.readline()
            status = int(status_line.split()[1])
            length, etag = 0, None
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode().partition(":")
                if name.lower() == "content-length":
                    length = int(value)
                elif name.lower() == "etag":
                    etag = value.strip()
            body = await reader.readexactly(length) if length else b""
            latencies.append(time.perf_counter() - started)
            if status == 200:
                etags[path] = etag
                if not body.endswith(b"END:VCALENDAR\r\n"):
                    errors.append("short body")
            elif status != 304:
                errors.append(f"status {status}")
        except (OSError, asyncio.IncompleteReadError, ValueError, IndexError) as exc:
            errors.append(type(exc).__name__)
            writer = None
    if writer is not None:
        writer.close()


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):  # the peak resident set
            return int(line.split()[1]) / 1024
    return 0.0


async def run(host: str, port: int, paths: list[str], clients: int, seconds: float):
    latencies: list[float] = []
    errors: list[str] = []
    until = time.monotonic() + seconds
    started = time.monotonic()
    await asyncio.gather(*(client(host, port, paths, until, latencies, errors, n) for n in range(clients)))
    return latencies, errors, time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--write", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        ledger = tmp / "ledger.sqlite"
        print("planning and publishing the example week ...", file=sys.stderr, flush=True)
        scheduler("-q", "plan", str(ROOT / "calendars" / "example"), "-o", str(tmp / "out"), "--now", "2026-12-04T17:00:00+08:00", cwd=tmp)
        scheduler("publish", str(tmp / "out"), "--ledger", str(ledger), "--to", str(tmp / "pub"), cwd=tmp)
        paths = []
        for n in range(1, 13):
            out = scheduler("token", "issue", f"L{n:02d}", "--ledger", str(ledger), cwd=tmp)
            paths.append("/feeds/" + re.search(r"/feeds/([A-Za-z0-9_-]+)\.ics", out)[1] + ".ics")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        server = subprocess.Popen([sys.executable, "-m", "scheduler", "serve", "--port", str(port), "--ledger", str(ledger)], cwd=tmp, stderr=subprocess.DEVNULL)
        try:
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.1)
            print(f"{args.clients} clients for {args.seconds:g} s ...", file=sys.stderr, flush=True)
            latencies, errors, elapsed = asyncio.run(run("127.0.0.1", port, paths, args.clients, args.seconds))
            memory = rss_mb(server.pid)
        finally:
            server.terminate()
            server.wait(10)
    latencies.sort()
    p = lambda q: 1000 * latencies[min(len(latencies) - 1, int(q * len(latencies)))]  # noqa: E731
    table = (
        "| clients | seconds | requests | requests/s | p50 (ms) | p99 (ms) | errors | server peak memory (MB) |\n|---|---|---|---|---|---|---|---|\n"
        f"| {args.clients} | {elapsed:.0f} | {len(latencies)} | {len(latencies) / elapsed:.0f} | {p(0.5):.1f} | {p(0.99):.1f} | {len(errors)} | {memory:.0f} |"
    )
    print(table)
    if errors:
        print("errors:", statistics.multimode(errors), file=sys.stderr)
    if args.write:
        with args.write.open("a", encoding="utf-8") as f:
            f.write(f"\n## Feed server\n\nCommand: `python scripts/load_benchmark.py --write docs/benchmarks.md` ({os.cpu_count()} cores, clients and server on one machine, loopback; 12 leader feeds, revalidation with If-None-Match, every 10th request a full fetch).\n\n{table}\n")


if __name__ == "__main__":
    main()
