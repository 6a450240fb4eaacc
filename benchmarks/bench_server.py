"""Load benchmark of `xlcase serve`: 2,000 custom-function calls (NPV and table validation), 50 at a time.

Starts `xlcase serve` on 127.0.0.1 (a free port) as a real process, sends the calls the Excel add-in
sends with httpx, prints throughput, p50/p95 latency and errors, and stops the server. Bounded: a fixed
number of calls and a time limit. Targets: zero errors, p95 below 100 ms.

    python benchmarks/bench_server.py [--calls 2000] [--concurrency 50]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from excel_payloads import function_call, table_values  # noqa: E402

HOST = "127.0.0.1"
START_TIMEOUT = 60.0
RUN_TIMEOUT = 300.0
P95_TARGET_MS = 100.0
EXAMPLE_CASE = ROOT / "examples" / "ward-assistant-practitioners.yaml"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def bodies(count: int) -> list[dict]:
    """Alternating NPV calls (ten years of costs and benefits) and validations of the example's Options table."""
    from xlcase.api import new_workbook

    with tempfile.TemporaryDirectory() as folder:
        options = table_values(new_workbook(Path(folder) / "case.xlsx", case_file=EXAMPLE_CASE), "Options")
    costs = [[120_000, 90_000, 40_000, 40_000, 40_000, 40_000, 40_000, 40_000, 40_000, 40_000]]
    benefits = [[0, 30_000, 110_000, 120_000, 120_000, 120_000, 120_000, 120_000, 120_000, 120_000]]
    npv = function_call("xlcase_npv", costs, benefits, [[0.035]], [[0.1]])
    validate = function_call("xlcase_validate", options, "options")
    return [npv if i % 2 == 0 else validate for i in range(count)]


async def load(base: str, payloads: list[dict], concurrency: int) -> tuple[list[float], list[str], float]:
    limit = asyncio.Semaphore(concurrency)
    latencies: list[float] = []
    errors: list[str] = []
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, timeout=30.0, limits=limits) as client:

        async def one(body: dict) -> None:
            async with limit:
                start = time.perf_counter()
                try:
                    response = await client.post("/xlwings/custom-functions-call", json=body)
                    if response.status_code != 200 or "result" not in response.json():
                        errors.append(f"{response.status_code} {response.text[:100]}")
                except httpx.HTTPError as error:
                    errors.append(repr(error))
                latencies.append((time.perf_counter() - start) * 1000)

        started = time.perf_counter()
        await asyncio.wait_for(asyncio.gather(*(one(b) for b in payloads)), RUN_TIMEOUT)
        return latencies, errors, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=50)
    args = parser.parse_args()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("XLWINGS_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    payloads = bodies(args.calls)
    with tempfile.TemporaryDirectory() as cwd:
        server = subprocess.Popen([sys.executable, "-m", "xlcase", "serve", "--host", HOST, "--port", str(port)],
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
            latencies, errors, elapsed = asyncio.run(load(base, payloads, args.concurrency))
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
    print(f"calls {len(latencies)} (NPV and validate alternating), concurrency {args.concurrency}")
    print(f"throughput {len(latencies) / elapsed:,.0f} calls/s over {elapsed:.2f} s")
    print(f"latency p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {ordered[-1]:.1f} ms")
    print(f"errors {len(errors)}" + (f" (first: {errors[0]})" if errors else ""))
    ok = not errors and p95 < P95_TARGET_MS
    print("targets met (zero errors, p95 < 100 ms)" if ok else "targets NOT met (zero errors, p95 < 100 ms)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
