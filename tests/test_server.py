"""`xlcase serve`: the xlwings Server app with xlcase registered, through HTTP (in process and as a real process).

The real-process tests show what the in-process client cannot: that a slow call runs beside the
others (worker processes), that a call past its time budget is answered and its worker replaced,
and that an oversized body is refused without the server's memory growing.
"""

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

pytest.importorskip("xlwings_server")
httpx = pytest.importorskip("httpx")

from excel_payloads import book_payload, function_call, table_values  # noqa: E402
from xlcase.api import new_workbook  # noqa: E402
from xlcase.appraisal import present_value  # noqa: E402
from xlcase.template import load_template  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_CASE = ROOT / "examples" / "ward-assistant-practitioners.yaml"
LOCALHOST = "127.0.0.1"
START_TIMEOUT = 90.0
CALL = "/xlwings/custom-functions-call"
SLOW_ROWS = 15_000  # a Costs table of about 200,000 cells: seconds of work (capped under the cell limit)
TEST_TIME_LIMIT = 0.25  # seconds, for the real server: the slow call above takes longer (0.7 s in 2026)
FAST_ENOUGH = 0.5  # seconds for a one-cell call while the slow call runs (it waited for it before)
MAX_BODY_GROWTH_MB = 50  # the server's peak memory may grow by this much on a 25 MB body it refuses
FUNCTION_NAMES = {"XLCASE_DISCOUNT_FACTORS", "XLCASE_PV", "XLCASE_NPV", "XLCASE_BCR", "XLCASE_PAYBACK",
                  "XLCASE_SWITCHING_VALUES", "XLCASE_VALIDATE"}


@pytest.fixture(scope="module")
def client():
    from fastapi.testclient import TestClient

    from xlcase.server import create_app

    with TestClient(create_app()) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def workbook(tmp_path_factory) -> Path:
    return new_workbook(tmp_path_factory.mktemp("server") / "case.xlsx", case_file=EXAMPLE_CASE)


def test_meta_lists_xlcase_functions_and_no_examples(client):
    response = client.get("/xlwings/custom-functions-meta")
    assert response.status_code == 200
    assert {f["name"] for f in response.json()["functions"]} == FUNCTION_NAMES


def test_scripts_meta(client):
    names = {s["function_name"] for s in client.get("/xlwings/custom-scripts-meta").json()}
    assert names == {"validate_book_script", "recalc_book_script"}


def test_the_served_stand_ins_have_the_metadata_of_xlcase_excel(client):
    import xlwings.server

    import xlcase.excel as excel

    assert client.get("/xlwings/custom-functions-meta").json() == xlwings.server.custom_functions_meta(excel)
    assert client.get("/xlwings/custom-scripts-meta").json() == xlwings.server.custom_scripts_meta(excel)
    code = client.get("/xlwings/custom-functions-code").text
    assert all(f'CustomFunctions.associate("{f.__name__.upper()}"' in code for f in excel.FUNCTIONS)


def test_function_call_npv(client):
    response = client.post("/xlwings/custom-functions-call",
                           json=function_call("xlcase_npv", [[100, 50]], [[0, 200]], None, None))
    assert response.status_code == 200
    expected = present_value([0, 200]) - present_value([100, 50])
    assert response.json() == {"result": [[pytest.approx(expected)]]}


def test_arguments_are_converted_in_the_worker_as_xlwings_would(client):
    error_cell = {"type": "Error", "basicValue": "#DIV/0!", "errorType": "Div0"}
    response = client.post(CALL, json=function_call("xlcase_pv", [[1, error_cell]], None))
    assert response.json() == {"result": [[{"type": "Error", "errorType": "Div0"}]]}
    empty = client.post(CALL, json=function_call("xlcase_npv", [[100, 50]], [[0, 200]], [[""]], [[""]]))
    omitted = client.post(CALL, json=function_call("xlcase_npv", [[100, 50]], [[0, 200]], None, None))
    assert empty.json() == omitted.json() == {"result": [[pytest.approx(present_value([0, 200]) - present_value([100, 50]))]]}


def test_a_call_over_the_cell_limit_is_a_cell_error_before_any_work(client):
    from xlcase.server import Limits

    limit = Limits().max_cells
    rows = [[1] * 1000 for _ in range(limit // 1000)] + [[1]]
    response = client.post(CALL, json=function_call("xlcase_pv", rows, None))
    assert response.status_code == 400
    assert response.text == (f"xlcase: the arguments have {limit + 1:,} cells; xlcase serve takes at most {limit:,} "
                             "in one call (XLCASE_SERVE_MAX_CELLS)")


def test_a_script_over_the_cell_limit_says_so_on_its_sheet(client, workbook):
    from xlcase.server import Limits

    payload = book_payload(workbook)
    side = int(Limits().max_cells ** 0.5) + 1
    payload["sheets"][0]["values"] = [[1] * side for _ in range(side)]
    actions = client.post("/xlwings/custom-scripts-call/validate_book_script", json=payload).json()["actions"]
    values = next(a for a in actions if a["func"] == "setValues")["values"]
    assert values[0] == ["Rule", "Severity", "Section", "Sheet", "Cell", "Message"]
    assert values[1][1] == "error" and "xlcase serve takes at most" in values[1][5]


def test_a_body_over_the_limit_is_413_with_a_message(client):
    from xlcase.server import Limits

    limit = Limits().max_body_bytes
    response = client.post(CALL, content=b" " * (limit + 1), headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert response.text.startswith(f"xlcase: the request is larger than {limit:,} bytes")
    chunked = client.post(CALL, content=iter([b" " * 1_000_000] * (limit // 1_000_000 + 1)))
    assert chunked.status_code == 413


def test_bodies_beyond_the_bytes_in_flight_are_busy_until_the_others_are_answered():
    import asyncio

    from xlcase.server import BodyLimit

    release = asyncio.Event()

    async def held(scope, receive, send):  # an app that answers only when told to, so its request stays in flight
        body = (await receive())["body"]
        await release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": str(len(body)).encode()})

    limited = BodyLimit(held, max_bytes=100, max_in_flight=150)

    async def scenario() -> list[tuple[int, str]]:
        transport = httpx.ASGITransport(app=limited)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            first = asyncio.ensure_future(client.post("/", content=b"x" * 100))
            await asyncio.sleep(0.1)
            busy = await client.post("/", content=b"x" * 100)
            release.set()
            answered = await first
            after = await client.post("/", content=b"x" * 100)
        return [(r.status_code, r.text) for r in (busy, answered, after)]

    busy, answered, after = asyncio.run(scenario())
    assert busy == (503, "xlcase: the server is busy with other large requests; try again")
    assert answered == after == (200, "100") and limited.in_flight == 0


def test_limits_are_read_from_the_environment():
    from xlcase.errors import BadInputError
    from xlcase.server import Limits

    assert Limits.from_environment({}) == Limits()
    assert Limits.from_environment({"XLCASE_SERVE_MAX_CELLS": "50", "XLCASE_SERVE_TIME_LIMIT": "2.5"}) == Limits(
        max_cells=50, time_limit=2.5)
    for name, value in (("XLCASE_SERVE_MAX_CELLS", "lots"), ("XLCASE_SERVE_WORKERS", "0"),
                        ("XLCASE_SERVE_MAX_BODY_BYTES", "1.5"), ("XLCASE_SERVE_TIME_LIMIT", "-1")):
        with pytest.raises(BadInputError, match=f"{name} must be a positive"):
            Limits.from_environment({name: value})


def test_function_call_never_paid_back_is_na(client):
    response = client.post("/xlwings/custom-functions-call",
                           json=function_call("xlcase_payback", [[100]], [[1]], None, None))
    assert response.json() == {"result": [[{"type": "Error", "errorType": "NotAvailable"}]]}


def test_bad_input_is_a_400_with_the_message_so_excel_shows_it_and_does_not_retry(client):
    response = client.post("/xlwings/custom-functions-call",
                           json=function_call("xlcase_pv", [["twelve"]], None))
    assert response.status_code == 400
    assert response.text.startswith("xlcase: values must hold numbers") and "Traceback" not in response.text


def test_validate_function_call(client, workbook):
    table = table_values(workbook, "Options")
    table[1][table[0].index("Do nothing")] = "No"
    response = client.post("/xlwings/custom-functions-call", json=function_call("xlcase_validate", table, "options"))
    rows = response.json()["result"]
    assert rows[0] == ["Rule", "Severity", "Message", "Row"] and any(r[0] == "XC201" for r in rows[1:])


def test_script_call_writes_the_validation_sheet(client, workbook):
    response = client.post("/xlwings/custom-scripts-call/validate_book_script", json=book_payload(workbook))
    assert response.status_code == 200
    actions = response.json()["actions"]
    assert actions[0]["func"] == "addSheet" and actions[0]["args"][1] == "Validation"
    assert actions[1]["func"] == "setValues" and actions[1]["values"][0][0] == "Rule"


def test_script_call_recalc(client, workbook):
    actions = client.post("/xlwings/custom-scripts-call/recalc_book_script", json=book_payload(workbook)).json()["actions"]
    headers = [c.header for c in load_template().results.columns]
    assert any(a["func"] == "setValues" and a["values"][2] == headers for a in actions)


def test_the_manifest_is_served(client):
    response = client.get("/manifest")
    assert response.status_code == 200 and "<OfficeApp" in response.text


# --- the worker pool on its own: budget, busy, crash, errors passed on ---------------------------------


def test_a_pool_call_past_its_budget_is_answered_and_the_worker_replaced():
    import asyncio

    from xlcase.workers import CallFailed, WorkerPool

    pool = WorkerPool(1, 0.5)
    try:
        async def scenario() -> tuple[int, float, int]:
            first = await pool.run(os.getpid)
            started = time.monotonic()
            with pytest.raises(CallFailed, match=r"took longer than 0.5 s"):
                await pool.run(time.sleep, 30)
            took = time.monotonic() - started
            pool.budget = START_TIMEOUT  # the replacement has to start first
            return first, took, await pool.run(os.getpid)

        first, took, second = asyncio.run(scenario())
        assert 0.5 <= took < 3 and second != first and not running(first)
    finally:
        pool.close()


def test_a_pool_answers_busy_a_worker_crash_and_passes_exceptions_on():
    import asyncio
    import math

    from xlcase.workers import CallFailed, WorkerPool

    pool = WorkerPool(1, 2.0)
    try:
        async def scenario() -> None:
            with pytest.raises(ValueError, match="math domain error"):
                await pool.run(math.sqrt, -1)
            assert await pool.run(math.sqrt, 4) == 2  # the worker carries on after an exception
            slow = asyncio.ensure_future(pool.run(time.sleep, 30))  # has 2 s
            await asyncio.sleep(0.1)
            pool.budget = 0.5  # for the next call: it gives up waiting while the slow one still runs
            with pytest.raises(CallFailed, match="the server is busy: no worker was free within 0.5 s"):
                await pool.run(math.sqrt, 4)
            with pytest.raises(CallFailed, match="took longer than 2 s"):
                await slow
            pool.budget = START_TIMEOUT
            with pytest.raises(CallFailed, match="its worker process ended"):
                await pool.run(os._exit, 3)
            assert await pool.run(math.sqrt, 9) == 3

        asyncio.run(scenario())
    finally:
        pool.close()


@pytest.mark.parametrize("loop", ["asyncio", "uvloop"])
def test_a_pool_passes_large_arguments_call_after_call_on_either_event_loop(loop):
    import asyncio

    from xlcase.workers import WorkerPool

    run = pytest.importorskip("uvloop").run if loop == "uvloop" else asyncio.run  # uvicorn takes uvloop when it can
    pool = WorkerPool(1, START_TIMEOUT)
    try:
        async def scenario() -> list[int]:
            return [await pool.run(len, b"x" * 2_000_000) for _ in range(3)]  # more than a pipe holds at once

        assert run(scenario()) == [2_000_000] * 3
    finally:
        pool.close()


def test_the_stand_ins_answer_a_missed_budget_in_the_cell_and_on_the_sheet(workbook):
    import asyncio

    import xlwings as xw
    import xlwings.server

    from xlcase.serving import served_module
    from xlcase.workers import WorkerPool

    pool = WorkerPool(1, 0.001)  # no call can be answered in a millisecond
    try:
        module = served_module(pool, 1000)
        with pytest.raises(xw.XlwingsError, match=r"^xlcase: took longer than 0.001 s"):
            asyncio.run(xlwings.server.custom_functions_call(function_call("xlcase_pv", [[1, 2]], None), module))
        book = xw.Book(json=book_payload(workbook))
        module = served_module(pool, 10**6)
        asyncio.run(xlwings.server.custom_scripts_call(module, "validate_book_script", typehint_to_value={xw.Book: book}))
        values = next(a for a in book.json()["actions"] if a["func"] == "setValues")["values"]
        assert values[1][1] == "error" and values[1][5].startswith("xlcase: took longer than 0.001 s")
    finally:
        pool.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOCALHOST, 0))
        return probe.getsockname()[1]


def server_env(**settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XLWINGS_", "XLCASE_SERVE_"))}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return {**env, **settings}


def wait_until_up(base: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"xlcase serve exited with {process.returncode}: {process.stderr.read()}")
        try:
            if httpx.get(f"{base}/xlwings/custom-functions-meta", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError("xlcase serve did not start in time")


@contextlib.contextmanager
def serving(cwd: Path, *args: str, **settings: str):
    """A real `xlcase serve [args]` process on a free port: yields (base URL, process)."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "xlcase", "serve", "--host", LOCALHOST, "--port", str(port), *args],
                               cwd=cwd, env=server_env(**settings), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               text=True)
    base = f"http://{LOCALHOST}:{port}"
    try:
        wait_until_up(base, process)
        yield base, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@pytest.mark.slow
def test_xlcase_serve_as_a_real_process(tmp_path):
    with serving(tmp_path) as (base, process):
        meta = httpx.get(f"{base}/xlwings/custom-functions-meta", timeout=10).json()
        assert {f["name"] for f in meta["functions"]} == FUNCTION_NAMES
        response = httpx.post(f"{base}{CALL}", json=function_call("xlcase_pv", [[100, 100]], None), timeout=10)
        assert response.json() == {"result": [[pytest.approx(present_value([100, 100]))]]}
        workers = worker_pids(process.pid)
        assert len(workers) == default_workers()
    assert "noncommercial" in process.stderr.read().lower()  # the licence notice when no key is set
    deadline = time.monotonic() + 15
    while any(running(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [pid for pid in workers if running(pid)], "worker processes outlived the server"


@pytest.mark.slow
def test_xlcase_serve_with_two_server_processes(tmp_path):
    with serving(tmp_path, "--workers", "2") as (base, process):
        with httpx.Client(base_url=base, timeout=10) as client:
            answers = [client.post(CALL, json=function_call("xlcase_pv", [[100, 100]], None)) for _ in range(6)]
        assert all(a.json() == {"result": [[pytest.approx(present_value([100, 100]))]]} for a in answers)
        servers = worker_pids(process.pid)  # uvicorn's server processes, each with its own worker processes
        assert len(servers) == 2
        everything = servers | {pid for server in servers for pid in worker_pids(server)}
        assert len(everything) == 2 + 2 * default_workers()
    deadline = time.monotonic() + 15
    while any(running(pid) for pid in everything) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [pid for pid in everything if running(pid)], "server or worker processes outlived the command"


def running(pid: int) -> bool:
    """The process exists and is not a zombie waiting to be reaped."""
    with contextlib.suppress(FileNotFoundError):
        return "\tZ" not in next(line for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                                 if line.startswith("State:"))
    return False


def test_xlcase_serve_refuses_a_bad_limit_in_one_line(tmp_path):
    done = subprocess.run([sys.executable, "-m", "xlcase", "serve", "--port", str(free_port())], cwd=tmp_path,
                          env=server_env(XLCASE_SERVE_MAX_CELLS="lots"), capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "XC100 XLCASE_SERVE_MAX_CELLS must be a positive whole number, got 'lots'" in done.stderr
    assert "Traceback" not in done.stderr


def npv_call(client: httpx.Client) -> tuple[float, httpx.Response]:
    """A one-cell XLCASE_NPV call: seconds to its answer (on a client already made: making one takes ~0.1 s), answer."""
    body = json.dumps(function_call("xlcase_npv", [[100]], [[0, 200]], None, None)).encode()
    started = time.monotonic()
    response = client.post(CALL, content=body, headers={"content-type": "application/json"})
    return time.monotonic() - started, response


def post_at(base: str, body: bytes) -> tuple[httpx.Response, float]:
    """Post a prepared JSON body; the response and when it came (time.monotonic)."""
    with httpx.Client(base_url=base, timeout=60) as client:
        response = client.post(CALL, content=body, headers={"content-type": "application/json"})
    return response, time.monotonic()


def worker_pids(server_pid: int) -> set[int]:
    """The server's worker processes (multiprocessing's spawned children, not its resource tracker)."""
    children = {int(pid) for task in Path(f"/proc/{server_pid}/task").iterdir()
                for pid in (task / "children").read_text().split()}
    with_cmdline = {pid: Path(f"/proc/{pid}/cmdline") for pid in children}
    return {pid for pid, cmdline in with_cmdline.items() if cmdline.exists() and b"spawn_main" in cmdline.read_bytes()}


def cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def default_workers() -> int:
    from xlcase.server import Limits

    return Limits().workers


def workers_idle(server_pid: int, count: int | None = None) -> set[int]:
    """Wait until the server has ``count`` worker processes (by default as many as it starts), none of them
    using the CPU (started, waiting for calls)."""
    count = default_workers() if count is None else count
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        pids = worker_pids(server_pid)
        with contextlib.suppress(FileNotFoundError):
            ticks = {pid: cpu_ticks(pid) for pid in pids}
            time.sleep(0.5)
            if len(pids) == count and all(cpu_ticks(pid) == t for pid, t in ticks.items()):
                return pids
    raise AssertionError("the worker processes did not come back")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


@pytest.fixture(scope="module")
def real_server(tmp_path_factory):
    """One `xlcase serve` with a short time budget: (base URL, process, a client of it)."""
    with serving(tmp_path_factory.mktemp("serve"), XLCASE_SERVE_TIME_LIMIT=str(TEST_TIME_LIMIT)) as (base, process):
        with httpx.Client(base_url=base, timeout=30) as client:
            yield base, process, client


@pytest.fixture(scope="module")
def slow_body(workbook) -> bytes:
    from xlcase.server import Limits

    costs = table_values(workbook, "Costs")
    rows_under_the_limit = (Limits().max_cells - 1_000) // len(costs[0]) - 1  # as many as one call may have
    rows = [costs[0]] + [costs[1 + i % (len(costs) - 1)] for i in range(min(SLOW_ROWS, rows_under_the_limit))]
    return json.dumps(function_call("xlcase_validate", rows, "costs")).encode()


@pytest.mark.slow
def test_a_slow_call_does_not_delay_a_fast_one(real_server, slow_body):
    base, process, client = real_server
    workers_idle(process.pid)
    with ThreadPoolExecutor(1) as background:
        slow = background.submit(post_at, base, slow_body)
        time.sleep(0.1)  # the slow call is being parsed or computed (it is stopped 0.25 s into computing)
        took, fast = npv_call(client)
        fast_done = time.monotonic()
        slow_response, slow_done = slow.result()
    assert fast.json() == {"result": [[pytest.approx(present_value([0, 200]) - present_value([100]))]]}
    assert took < FAST_ENOUGH, f"a one-cell call took {took:.2f} s beside a slow call"
    assert slow_done > fast_done and slow_response.status_code in (200, 400)


@pytest.mark.slow
def test_a_call_past_its_time_budget_is_answered_and_its_worker_replaced(real_server, slow_body):
    base, process, client = real_server
    before = workers_idle(process.pid)
    started = time.monotonic()
    response, done = post_at(base, slow_body)
    assert response.status_code == 400
    assert response.text == f"xlcase: took longer than {TEST_TIME_LIMIT} s; try a smaller range or workbook"
    assert TEST_TIME_LIMIT <= done - started < TEST_TIME_LIMIT + 5
    took, after = npv_call(client)  # the other worker answers at once
    assert after.status_code == 200 and took < FAST_ENOUGH, after.text
    after_restart = workers_idle(process.pid)
    assert len(before - after_restart) == 1, "the worker past its budget was not replaced"


@pytest.mark.slow
def test_an_oversized_body_is_refused_at_once_and_memory_stays_bounded(real_server):
    base, process, client = real_server
    workers_idle(process.pid)
    body = json.dumps(function_call("xlcase_pv", [[1.0] * 1000 for _ in range(5000)], None)).encode()  # 5,000,000 cells
    peak_before = peak_rss_mb(process.pid)
    started = time.monotonic()
    response, done = post_at(base, body)
    assert response.status_code == 413 and response.text.startswith("xlcase: the request is larger than 5,000,000 bytes")
    assert done - started < 5
    assert peak_rss_mb(process.pid) - peak_before < MAX_BODY_GROWTH_MB
    assert npv_call(client)[1].status_code == 200
