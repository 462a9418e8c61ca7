"""Load generators.

- `wrk_run`: closed-loop throughput with wrk (Debian's package; installed when missing, as root), a
  Lua script rotating over many prepared requests (different ids and bearer tokens), reporting
  requests/s, p50/p90/p99 and errors (non-2xx responses count as errors).
- `paced`: an open-loop client on asyncio that sends at a fixed rate whatever the answers (request i
  goes at t0 + i/rate on a free keep-alive connection, or a new one), and measures each latency from
  the moment the request was due, so a slow answer delays no later request and hides no queueing
  (no "coordinated omission"). Used for the steady 200 requests/s and for the enrollments.
- `sequential`: one keep-alive connection, one request at a time: the cost of a single page.
"""
from __future__ import annotations

import asyncio
import http.client
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Req:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100) of a list; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-q * len(ordered) // 100))))
    return ordered[rank - 1]


# --- wrk --------------------------------------------------------------------------------------------

def ensure_wrk() -> str:
    """The wrk binary; installed from Debian's packages when missing (needs root)."""
    path = shutil.which("wrk")
    if path:
        return path
    if os.geteuid() != 0:
        raise RuntimeError("wrk is not installed and this is not root: run `apt-get install -y wrk` first")
    print("wrk is missing: installing it with apt-get (Debian package 'wrk')", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    result = subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], env=env, capture_output=True, text=True)
    if result.returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True, text=True)
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], env=env, check=True, capture_output=True,
                       text=True)
    path = shutil.which("wrk")
    if not path:
        raise RuntimeError("wrk could not be installed (apt-get install -y wrk)")
    return path


def wrk_version() -> str:
    path = shutil.which("wrk")
    if not path:
        return "not installed"
    out = subprocess.run([path, "-v"], capture_output=True, text=True)
    return (out.stdout + out.stderr).strip().splitlines()[0] if (out.stdout + out.stderr).strip() else "wrk"


def _lua_string(text: str) -> str:
    if "]==]" in text:
        raise ValueError("request text cannot hold ]==]")
    return f"[==[{text}]==]"


_LUA_TAIL = r"""
local reqs = {}
local idx = 0
init = function(args)
  for i, s in ipairs(specs) do
    local headers = {}
    for k, v in pairs(s[3]) do headers[k] = v end
    reqs[i] = wrk.format(s[1], s[2], headers, s[4])
  end
  math.randomseed(os.time())
  idx = math.random(#reqs) - 1
end
request = function()
  idx = idx % #reqs + 1
  return reqs[idx]
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('BENCHJSON {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"errors_connect": %d, "errors_read": %d, "errors_write": %d, "errors_status": %d, "errors_timeout": %d, ' ..
    '"p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %.1f}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
"""


def wrk_script(requests: list[Req], directory: Path) -> Path:
    lines = ["specs = {"]
    for r in requests:
        headers = ", ".join(f"[ {_lua_string(k)} ] = {_lua_string(v)}" for k, v in r.headers.items())
        body = _lua_string(r.body.decode()) if r.body else "nil"
        lines.append(f"  {{{_lua_string(r.method)}, {_lua_string(r.path)}, {{{headers}}}, {body}}},")
    lines.append("}")
    fd, name = tempfile.mkstemp(suffix=".lua", dir=directory)
    with os.fdopen(fd, "w") as f:
        f.write("\n".join(lines) + _LUA_TAIL)
    return Path(name)


def wrk_run(base_url: str, requests: list[Req], *, connections: int, duration: float, threads: int = 1,
            warmup: float = 0.0, work_dir: Path) -> dict:
    """Closed-loop load with `connections` connections for `duration` seconds (after a warm-up run)."""
    wrk = ensure_wrk()
    script = wrk_script(requests, work_dir)
    try:
        if warmup > 0:
            _wrk(wrk, base_url, script, connections, warmup, threads)
        result = _wrk(wrk, base_url, script, connections, duration, threads)
    finally:
        script.unlink(missing_ok=True)
    seconds = result["duration_us"] / 1e6
    errors = sum(result[k] for k in result if k.startswith("errors_"))
    return {
        "tool": "wrk", "connections": connections, "threads": threads, "seconds": round(seconds, 2),
        "requests": result["requests"], "requests_per_second": round(result["requests"] / seconds, 1),
        "p50_ms": round(result["p50_us"] / 1000, 2), "p90_ms": round(result["p90_us"] / 1000, 2),
        "p99_ms": round(result["p99_us"] / 1000, 2), "max_ms": round(result["max_us"] / 1000, 2),
        "errors": errors, "non_2xx": result["errors_status"], "distinct_requests": len(requests),
    }


def _wrk(wrk: str, base_url: str, script: Path, connections: int, duration: float, threads: int) -> dict:
    argv = [wrk, "-t", str(threads), "-c", str(connections), "-d", f"{max(1, round(duration))}s",
            "--timeout", "10s", "-s", str(script), base_url]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=duration + 60)
    for line in out.stdout.splitlines():
        if line.startswith("BENCHJSON "):
            return json.loads(line.removeprefix("BENCHJSON "))
    raise RuntimeError(f"wrk gave no result (exit {out.returncode}):\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}")


# --- open-loop paced client ---------------------------------------------------------------------

@dataclass
class Sent:
    index: int
    due_wall: float  # unix time the request was due (and sent, unless every connection was busy)
    latency_ms: float | None  # from due to the last byte of the answer; None if it failed
    status: int | None
    body: bytes = b""


class _Client:
    def __init__(self, host: str, port: int, source: str | None = None):
        self.host, self.port, self.source = host, port, source  # source: a loopback address to send from
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self.opened = 0

    async def _connect(self):
        self.opened += 1
        return await asyncio.open_connection(self.host, self.port,
                                             local_addr=(self.source, 0) if self.source else None)

    async def request(self, req: Req) -> tuple[int, bytes]:
        reused = bool(self.idle)
        conn = self.idle.pop() if self.idle else await self._connect()
        try:
            try:
                status, body, keep = await self._exchange(conn, req)
            except (asyncio.IncompleteReadError, ConnectionError, OSError):
                conn[1].close()
                if not reused:
                    raise
                conn = await self._connect()  # the server closed an idle keep-alive connection: once more
                status, body, keep = await self._exchange(conn, req)
        except BaseException:  # failed, or cancelled by a timeout mid-answer: the connection is spent
            conn[1].close()
            raise
        if keep:
            self.idle.append(conn)
        else:
            conn[1].close()
        return status, body

    async def _exchange(self, conn, req: Req) -> tuple[int, bytes, bool]:
        reader, writer = conn
        head = [f"{req.method} {req.path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        head += [f"{k}: {v}" for k, v in req.headers.items()]
        if req.body is not None:
            head.append(f"Content-Length: {len(req.body)}")
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + (req.body or b""))
        raw = await reader.readuntil(b"\r\n\r\n")
        lines = raw.split(b"\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            if b":" in line:
                key, value = line.split(b":", 1)
                headers[key.strip().lower()] = value.strip().lower()
        if b"content-length" in headers:
            body = await reader.readexactly(int(headers[b"content-length"]))
        elif headers.get(b"transfer-encoding") == b"chunked":
            body = b""
            while True:
                size = int((await reader.readuntil(b"\r\n")).strip().split(b";")[0], 16)
                chunk = await reader.readexactly(size + 2)
                if size == 0:
                    break
                body += chunk[:-2]
        else:
            body = await reader.read()
            return status, body, False
        return status, body, headers.get(b"connection") != b"close"

    def close(self) -> None:
        for _, writer in self.idle:
            writer.close()


MAX_CONNECTIONS = 256  # beyond this, due requests wait for a connection (and that wait counts)


async def _paced(host: str, port: int, requests: list[Req], rate: float, count: int,
                 timeout: float, sources: list[str] | None = None) -> tuple[list[Sent], int]:
    client = _Client(host, port)
    by_source = {source: _Client(host, port, source) for source in dict.fromkeys(sources or [])}
    loop = asyncio.get_running_loop()
    slots = asyncio.Semaphore(MAX_CONNECTIONS)
    results: list[Sent | None] = [None] * count
    start = loop.time() + 0.05
    wall_offset = time.time() - loop.time()

    async def one(i: int, due: float) -> None:
        req = requests[i % len(requests)]
        sender = by_source[sources[i % len(sources)]] if sources else client

        async def bounded():
            async with slots:
                return await sender.request(req)

        try:  # `timeout` from the due time, waiting for a free connection included
            status, body = await asyncio.wait_for(bounded(), timeout)
            results[i] = Sent(i, due + wall_offset, (loop.time() - due) * 1000, status, body)
        except Exception:  # noqa: BLE001 - a failed or late request is counted, not fatal
            results[i] = Sent(i, due + wall_offset, None, None)

    tasks = []
    for i in range(count):
        due = start + i / rate
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i, due)))
    await asyncio.gather(*tasks)
    for each in (client, *by_source.values()):
        each.close()
    return [r for r in results if r is not None], client.opened + sum(c.opened for c in by_source.values())


def paced(base_url: str, requests: list[Req], *, rate: float, count: int, timeout: float = 10.0,
          sources: list[str] | None = None, ok_statuses: range = range(200, 300)) -> dict:
    """Send `count` requests at `rate` per second (open loop); latencies from each request's due time.

    `sources`, one per request, sends each from that loopback address (as many clients would)."""
    host, port = base_url.removeprefix("http://").split(":")
    sent, opened = asyncio.run(_paced(host, int(port), requests, rate, count, timeout, sources))
    ok = [s.latency_ms for s in sent if s.status is not None and s.status in ok_statuses]
    failures = len(sent) - len(ok)
    span = (max(s.due_wall for s in sent) - min(s.due_wall for s in sent)) if sent else 0
    return {
        "tool": "bench.loadgen.paced (asyncio, open loop)", "target_rate": rate, "requests": len(sent),
        "achieved_rate": round((len(sent) - 1) / span, 1) if span else None,
        "p50_ms": _r(percentile(ok, 50)), "p90_ms": _r(percentile(ok, 90)), "p99_ms": _r(percentile(ok, 99)),
        "max_ms": _r(max(ok) if ok else None), "errors": failures, "connections_opened": opened,
        "_sent": sent,
    }


async def _closed(host: str, port: int, requests: list[Req], concurrency: int, timeout: float) -> list[Sent]:
    loop = asyncio.get_running_loop()
    wall_offset = time.time() - loop.time()
    results: list[Sent | None] = [None] * len(requests)
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(len(requests)):
        queue.put_nowait(i)

    async def worker() -> None:
        client = _Client(host, port)
        while not queue.empty():
            i = queue.get_nowait()
            started = loop.time()
            try:
                status, body = await asyncio.wait_for(client.request(requests[i]), timeout)
                results[i] = Sent(i, started + wall_offset, (loop.time() - started) * 1000, status, body)
            except Exception:  # noqa: BLE001
                results[i] = Sent(i, started + wall_offset, None, None)
        client.close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return [r for r in results if r is not None]


def closed_loop(base_url: str, requests: list[Req], *, concurrency: int = 8, timeout: float = 120.0) -> list[Sent]:
    """Each request once, `concurrency` at a time: for setting things up, not for measuring."""
    host, port = base_url.removeprefix("http://").split(":")
    return asyncio.run(_closed(host, int(port), requests, concurrency, timeout))


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


# --- one at a time ------------------------------------------------------------------------------

def sequential(base_url: str, req: Req, repeat: int, warmup: int = 5) -> dict:
    """Median (and p90) time of one request on a warm keep-alive connection."""
    host, port = base_url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    times = []
    try:
        for i in range(warmup + repeat):
            started = time.perf_counter()
            conn.request(req.method, req.path, body=req.body, headers=req.headers)
            response = conn.getresponse()
            body = response.read()
            elapsed = (time.perf_counter() - started) * 1000
            if response.status != 200:
                raise RuntimeError(f"{req.path} answered {response.status}: {body[:300]!r}")
            if i >= warmup:
                times.append(elapsed)
    finally:
        conn.close()
    return {"median_ms": round(statistics.median(times), 3), "p90_ms": round(percentile(times, 90), 3),
            "requests": repeat, "items": len(json.loads(body).get("items", []))}
