"""Servers under gunicorn and the load generator (wrk, or a Python client when wrk is missing)."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

WRK = shutil.which("wrk")
GENERATOR = "wrk" if WRK else "Python client (wrk missing: `make wrk` installs Debian's)"

#: wrk script: requests from a file (one per line: method, path, cookie, body; tab-separated)
#: or one fixed request; prints rate, latency percentiles and refused answers as JSON.
WRK_SCRIPT = r"""
local requests = {}
local index = 0
local threads = {}
bad = 0
function setup(thread) table.insert(threads, thread) end
function init(args)
  local path = args[1]
  if path then
    for line in io.lines(path) do
      local method, target, cookie, body = line:match("([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)")
      local headers = {}
      if cookie ~= "" then headers["Cookie"] = cookie end
      if method == "POST" then headers["Content-Type"] = "application/x-www-form-urlencoded" end
      table.insert(requests, wrk.format(method, target, headers, body ~= "" and body or nil))
    end
  end
end
function request()
  if #requests == 0 then return wrk.request() end
  index = index % #requests + 1
  return requests[index]
end
function response(status, headers, body)
  if status >= 400 then bad = bad + 1 end
end
function done(summary, latency, requests)
  local refused = 0
  for _, thread in ipairs(threads) do refused = refused + thread:get("bad") end
  io.write(string.format(
    'BENCH {"requests": %d, "seconds": %f, "p50": %f, "p95": %f, "p99": %f, "refused": %d,' ..
    ' "errors": %d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3,
    latency:percentile(95) / 1e3, latency:percentile(99) / 1e3, refused,
    summary.errors.connect + summary.errors.read + summary.errors.write +
    summary.errors.status + summary.errors.timeout))
end
"""


@dataclass
class Load:
    """What one load run gave: rate, latency percentiles in ms, refused answers (≥ 400)."""

    rate: float
    p50: float
    p95: float
    p99: float
    refused: int
    requests: int


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """A gunicorn with 2 sync workers on loopback, for as long as the benchmark needs it."""

    def __init__(self, app: str, env: dict[str, str], name: str, port: int | None = None) -> None:
        self.port = port or free_port()
        self.name = name
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.NamedTemporaryFile(prefix=f"bench-{name}-", suffix=".log", delete=False)
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.process = subprocess.Popen(
            [
                str(gunicorn),
                "-w",
                "2",
                "-k",
                "sync",
                # Nothing from ./gunicorn.conf.py (production settings): its 4 threads would
                # turn the sync workers into gthread ones, and its max_requests would restart
                # workers in the middle of a measurement.
                "--config",
                os.devnull,
                "--threads",
                "1",
                "--max-requests",
                "0",
                "-b",
                f"127.0.0.1:{self.port}",
                "--log-level",
                "warning",
                "--timeout",
                "120",
                app,
            ],
            env={**os.environ, **env},
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{name} did not start: {Path(self.log.name).read_text()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"{name} did not listen within 60 s")

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]

    def worker_rss_mb(self) -> list[float]:
        sizes = []
        for pid in self.worker_pids():
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes.append(int(line.split()[1]) / 1024)
        return sizes

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def run_load(
    base_url: str,
    *,
    path: str = "/",
    cookie: str = "",
    request_file: Path | None = None,
    seconds: float = 3.0,
    connections: int = 4,
    max_requests: int | None = None,
) -> Load:
    """Load a URL (or a file of distinct requests) for ``seconds`` and return what it gave."""
    if WRK:
        return _wrk(base_url, path, cookie, request_file, seconds, connections)
    return _python(base_url, path, cookie, request_file, seconds, connections, max_requests)


def _wrk(
    base_url: str, path: str, cookie: str, request_file: Path | None, seconds: float, conns: int
) -> Load:
    script = Path(tempfile.gettempdir()) / "bench-wrk.lua"
    script.write_text(WRK_SCRIPT)
    command = [WRK, "-t1", f"-c{conns}", f"-d{max(1, round(seconds))}s", "-s", str(script)]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    command.append(base_url + path)
    if request_file is not None:
        command += ["--", str(request_file)]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("BENCH "))
    data = json.loads(line[6:])
    return Load(
        rate=data["requests"] / data["seconds"],
        p50=data["p50"],
        p95=data["p95"],
        p99=data["p99"],
        refused=data["refused"] + data["errors"],
        requests=data["requests"],
    )


def read_request_file(path: Path) -> list[tuple[str, str, str, str]]:
    rows = []
    for line in path.read_text().splitlines():
        method, target, cookie, body = line.split("\t", 3)
        rows.append((method, target, cookie, body))
    return rows


def _python(
    base_url: str,
    path: str,
    cookie: str,
    request_file: Path | None,
    seconds: float,
    conns: int,
    max_requests: int | None,
) -> Load:
    """A keep-alive HTTP/1.1 client per thread (the GIL makes it slower than wrk)."""
    rows = read_request_file(request_file) if request_file else [("GET", path, cookie, "")]
    netloc = urlsplit(base_url).netloc
    latencies: list[float] = []
    refused = [0]
    counter = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker() -> None:
        connection = http.client.HTTPConnection(netloc, timeout=30)
        while time.monotonic() < deadline:
            with lock:
                index = counter[0]
                counter[0] += 1
            if max_requests is not None and index >= max_requests:
                return
            method, target, row_cookie, body = rows[index % len(rows)]
            headers = {"Cookie": row_cookie} if row_cookie else {}
            if method == "POST":
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            started = time.perf_counter()
            connection.request(method, target, body=body or None, headers=headers)
            response = connection.getresponse()
            response.read()
            elapsed = 1000 * (time.perf_counter() - started)
            with lock:
                latencies.append(elapsed)
                if response.status >= 400:
                    refused[0] += 1

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(conns)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    return _summary(latencies, elapsed, refused[0])


def _summary(latencies: list[float], elapsed: float, refused: int) -> Load:
    ordered = sorted(latencies) or [0.0]

    def pct(share: float) -> float:
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]

    return Load(
        rate=len(latencies) / elapsed if elapsed else 0.0,
        p50=statistics.median(ordered),
        p95=pct(0.95),
        p99=pct(0.99),
        refused=refused,
        requests=len(latencies),
    )


def median_load(loads: list[Load]) -> Load:
    """The run with the median rate (its latencies go with it)."""
    ordered = sorted(loads, key=lambda load: load.rate)
    return ordered[len(ordered) // 2]


def timed(action: Any, repeats: int) -> list[float]:
    """Run ``action`` ``repeats`` times and return the durations in ms."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        times.append(1000 * (time.perf_counter() - started))
    return times
