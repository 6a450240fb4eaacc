"""Load benchmark of `xlcase serve`: 2,000 custom-function calls (NPV and table validation), 50 at a time.

Starts `xlcase serve [--workers N]` on 127.0.0.1 (a free port) as a real process, sends the calls the Excel
add-in sends over raw asyncio connections (httpx took as much CPU as the server), prints throughput, p50/p95 latency and errors, and stops the server. Bounded: a fixed
number of calls and a time limit. Targets: zero errors, p95 below 100 ms.

With --hostile it measures instead what one user can do to the others: a slow call (validating a
195,000-cell table) and how long a one-cell NPV call waits beside it; a 5,000,000-cell body (25 MB)
and the server's peak memory; a call over the cell limit.

    python benchmarks/bench_server.py [--calls 2000] [--concurrency 50] [--workers 2] [--hostile]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from excel_payloads import function_call, table_values  # noqa: E402

HOST = "127.0.0.1"
START_TIMEOUT = 90.0
RUN_TIMEOUT = 300.0
CALL = "/xlwings/custom-functions-call"
SLOW_ROWS = 15_000  # a Costs table of 195,000 cells
HUGE_CELLS = 5_000_000
P95_TARGET_MS = 100.0
EXAMPLE_CASE = ROOT / "examples" / "ward-assistant-practitioners.yaml"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def example_table(name: str) -> list[list]:
    from xlcase.api import new_workbook

    with tempfile.TemporaryDirectory() as folder:
        return table_values(new_workbook(Path(folder) / "case.xlsx", case_file=EXAMPLE_CASE), name)


def bodies(count: int) -> list[dict]:
    """Alternating NPV calls (ten years of costs and benefits) and validations of the example's Options table."""
    options = example_table("Options")
    costs = [[120_000, 90_000, 40_000, 40_000, 40_000, 40_000, 40_000, 40_000, 40_000, 40_000]]
    benefits = [[0, 30_000, 110_000, 120_000, 120_000, 120_000, 120_000, 120_000, 120_000, 120_000]]
    npv = function_call("xlcase_npv", costs, benefits, [[0.035]], [[0.1]])
    validate = function_call("xlcase_validate", options, "options")
    return [npv if i % 2 == 0 else validate for i in range(count)]


async def load(port: int, payloads: list[dict], concurrency: int) -> tuple[list[float], list[str], float]:
    """Send the calls over `concurrency` keep-alive connections, one call in flight on each, and time each.

    A small HTTP/1.1 client on raw asyncio streams: the server shares the machine's two cores with it, and
    this costs the client far less CPU a call than httpx does, so the figures are the server's."""
    requests = [_request(port, json.dumps(body).encode()) for body in payloads]
    latencies: list[float] = []
    errors: list[str] = []
    pending = iter(requests)

    async def connection() -> None:
        reader, writer = await asyncio.open_connection(HOST, port)
        try:
            for request in pending:
                start = time.perf_counter()
                try:
                    writer.write(request)
                    status, body = await _response(reader)
                    if status != 200 or "result" not in json.loads(body):
                        errors.append(f"{status} {body[:100]!r}")
                except (OSError, asyncio.IncompleteReadError, ValueError) as error:
                    errors.append(repr(error))
                    writer.close()
                    reader, writer = await asyncio.open_connection(HOST, port)
                latencies.append((time.perf_counter() - start) * 1000)
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.wait_for(asyncio.gather(*(connection() for _ in range(concurrency))), RUN_TIMEOUT)
    return latencies, errors, time.perf_counter() - started


def _request(port: int, body: bytes) -> bytes:
    head = (f"POST {CALL} HTTP/1.1\r\nHost: {HOST}:{port}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n")
    return head.encode("ascii") + body


async def _response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """The status and body of one HTTP/1.1 response (Content-Length or chunked)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in lines[1:] if line)}
    if "content-length" in headers:
        return status, await reader.readexactly(int(headers["content-length"]))
    chunks = []
    while (size := int((await reader.readuntil(b"\r\n")).strip(), 16)) > 0:
        chunks.append(await reader.readexactly(size))
        await reader.readexactly(2)
    await reader.readuntil(b"\r\n")
    return status, b"".join(chunks)


def tree_cpu_seconds(root: int) -> float:
    """User and system CPU seconds of a process and all its live descendants (the server's processes)."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        times[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    total, stack = 0.0, [root]
    while stack:
        pid = stack.pop()
        total += times.get(pid, 0.0)
        stack.extend(child for child, parent in parents.items() if parent == pid)
    return total


def peak_rss_mb(pid: int) -> tuple[float, float]:
    """The peak resident memory of the server process, and of its live children (the workers) added up, in MB."""
    children = [int(c) for task in Path(f"/proc/{pid}/task").iterdir() for c in (task / "children").read_text().split()]
    peaks = []
    for one in [pid, *children]:
        status = Path(f"/proc/{one}/status").read_text().splitlines()
        peaks.append(next(int(line.split()[1]) / 1024 for line in status if line.startswith("VmHWM:")))
    return peaks[0], sum(peaks[1:])


def timed_post(base: str, body: bytes) -> tuple[float, str]:
    """Seconds until the answer to a prepared body (on a client already made), and the answer's start."""
    with httpx.Client(base_url=base, timeout=RUN_TIMEOUT) as client:
        started = time.perf_counter()
        try:
            response = client.post(CALL, content=body, headers={"content-type": "application/json"})
            answer = f"{response.status_code} {response.text[:110]}"
        except httpx.HTTPError as error:
            answer = repr(error)[:110]
        return time.perf_counter() - started, answer


def hostile(base: str, server_pid: int) -> None:
    """What one user's call does to the others (see the module doc)."""
    costs = example_table("Costs")
    slow = json.dumps(function_call("xlcase_validate", [costs[0]] + [costs[1 + i % (len(costs) - 1)]
                                                                     for i in range(SLOW_ROWS)], "costs")).encode()
    npv = json.dumps(function_call("xlcase_npv", [[100]], [[0, 200]], None, None)).encode()
    with ThreadPoolExecutor(1) as background:
        slow_call = background.submit(timed_post, base, slow)
        time.sleep(1.0)
        fast, answer = timed_post(base, npv)
        slow_time, slow_answer = slow_call.result()
    print(f"slow call (validate {SLOW_ROWS * len(costs[0]):,} cells): {slow_time:.2f} s, {slow_answer[:60]}")
    print(f"one-cell NPV sent 1 s into it: {fast * 1000:.0f} ms, {answer[:40]}")
    cells = [[1.0] * 1000 for _ in range(HUGE_CELLS // 1000)]
    huge = json.dumps(function_call("xlcase_pv", cells, None)).encode()
    before, _ = peak_rss_mb(server_pid)
    took, answer = timed_post(base, huge)
    after, workers = peak_rss_mb(server_pid)
    print(f"{HUGE_CELLS:,} cells ({len(huge) / 1e6:.0f} MB body): {took:.2f} s, {answer[:90]}")
    print(f"server process peak memory {before:.0f} MB before that call, {after:.0f} MB after "
          f"(worker processes' peaks together: {workers:.0f} MB)")
    over = json.dumps(function_call("xlcase_pv", cells[:201], None)).encode()
    took, answer = timed_post(base, over)
    print(f"201,000 cells ({len(over) / 1e6:.1f} MB body): {took:.2f} s, {answer[:100]}")
    fast, answer = timed_post(base, npv)
    print(f"one-cell NPV afterwards: {fast * 1000:.0f} ms, {answer[:40]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--workers", type=int, default=1, help="server processes (xlcase serve --workers N)")
    parser.add_argument("--hostile", action="store_true", help="measure hostile calls instead of the load")
    args = parser.parse_args()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XLWINGS_", "XLCASE_SERVE_"))}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    payloads = [] if args.hostile else bodies(args.calls)
    with tempfile.TemporaryDirectory() as cwd:
        workers = ["--workers", str(args.workers)] if args.workers != 1 else []
        server = subprocess.Popen([sys.executable, "-m", "xlcase", "serve", "--host", HOST, "--port", str(port), *workers],
                                  cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://{HOST}:{port}"
        try:
            deadline = time.monotonic() + START_TIMEOUT
            while True:
                if server.poll() is not None or time.monotonic() > deadline:
                    print("xlcase serve did not start", file=sys.stderr)
                    return 2
                try:
                    if httpx.get(f"{base}/xlwings/custom-functions-meta", timeout=1.0).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.2)
            if args.hostile:
                hostile(base, server.pid)
                return 0
            time.sleep(1.0 if args.workers > 1 else 0.0)  # the first process answered: let the others start too
            cpu_before, client_before = tree_cpu_seconds(server.pid), time.process_time()
            latencies, errors, elapsed = asyncio.run(load(port, payloads, args.concurrency))
            server_cpu = tree_cpu_seconds(server.pid) - cpu_before
            client_cpu = time.process_time() - client_before
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=5)
    ordered = sorted(latencies)
    p50 = statistics.median(ordered)
    p95 = ordered[max(0, int(round(0.95 * len(ordered))) - 1)]
    print(f"calls {len(latencies)} (NPV and validate alternating), concurrency {args.concurrency}, "
          f"xlcase serve --workers {args.workers}, client: raw asyncio HTTP/1.1")
    print(f"throughput {len(latencies) / elapsed:,.0f} calls/s over {elapsed:.2f} s")
    print(f"latency p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {ordered[-1]:.1f} ms")
    print(f"CPU a call: server processes {server_cpu / len(latencies) * 1000:.2f} ms, load generator "
          f"{client_cpu / len(latencies) * 1000:.2f} ms; the server's processes were busy "
          f"{server_cpu / elapsed:.2f} cores of {os.cpu_count()}")
    print(f"errors {len(errors)}" + (f" (first: {errors[0]})" if errors else ""))
    ok = not errors and p95 < P95_TARGET_MS
    print("targets met (zero errors, p95 < 100 ms)" if ok else "targets NOT met (zero errors, p95 < 100 ms)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
