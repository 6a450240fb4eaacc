"""A batch always finishes: each file in a worker process with a time and memory budget (XC008 past it)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest

from hostile import inline_text, member, rewrite, table_place
from xlcase.package import column_letters
from xlcase.budget import DEFAULT_MEMORY_MB, DEFAULT_SECONDS, Budget, Stopped, run_budgeted

ROOT = Path(__file__).parent.parent
SLOW_ROWS = 19_000  # a Costs table of 19,000 lines (under the reader's 20,000-row and element limits): slow to read
TIMEOUT = "0.5"  # a copy of the example takes some 30 ms in a warm worker (more on a loaded machine)
BATCH_SECONDS = 30  # the whole command, worker start-up on a busy machine included


def stretched_costs(source: bytes, rows: int) -> bytes:
    """The workbook with its Costs table holding ``rows`` lines (found by name, wherever the template puts it)."""
    costs = table_place(source, "Costs")
    xml = member(source, costs.sheet_part).decode()
    first, end = xml.index(f'<row r="{costs.top + 1}"'), xml.index("</sheetData>")
    years = [h for h in costs.columns if h.startswith("Year ")]
    lines = []
    for r in range(costs.top + 1, costs.top + 1 + rows):
        texts = "".join(inline_text(costs.ref(r - costs.top, header), text)
                        for header, text in (("Option", "O1"), ("Category", "Training"), ("Description", f"line {r}")))
        amounts = "".join(f'<c r="{costs.ref(r - costs.top, header)}"><v>{(r * 7919 + k * 104729) % 99991}</v></c>'
                          for k, header in enumerate(years))
        lines.append(f'<row r="{r}">{texts}{amounts}</row>')
    table = member(source, costs.table_part).decode()
    old = f'ref="{column_letters(costs.left)}{costs.top}:{column_letters(costs.right)}{costs.bottom}"'
    new = f'ref="{column_letters(costs.left)}{costs.top}:{column_letters(costs.right)}{costs.top + rows}"'
    return rewrite(source, replace={costs.sheet_part: (xml[:first] + "".join(lines) + xml[end:]).encode(),
                                    costs.table_part: table.replace(old, new).encode()})


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def xlcase(*args: str, timeout: float = 120) -> tuple[subprocess.CompletedProcess[str], float]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "xlcase", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=timeout)
    return done, time.perf_counter() - start


@pytest.fixture(scope="module")
def batch(tmp_path_factory, example_workbook) -> Path:
    """Three copies of the example and, second in order, a workbook far slower to read than the budget."""
    folder = tmp_path_factory.mktemp("batch")
    for name in ("a.xlsx", "c.xlsx", "d.xlsx"):
        shutil.copyfile(example_workbook, folder / name)
    (folder / "b-slow.xlsx").write_bytes(stretched_costs(example_workbook.read_bytes(), SLOW_ROWS))
    return folder


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_file_over_its_time_budget_is_reported_and_the_batch_finishes(batch, jobs):
    before = {p.name: sha256(p) for p in batch.iterdir()}
    done, seconds = xlcase("validate", str(batch), "--timeout", TIMEOUT, "--jobs", jobs, "--format", "json")
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 2  # DESIGN.md: a file could not be read
    data = json.loads(done.stdout)
    reports = {Path(r["file"]).name: r for r in data["files"]}
    assert list(reports) == ["a.xlsx", "b-slow.xlsx", "c.xlsx", "d.xlsx"]  # every file, in order
    assert [reports[n]["valid"] for n in ("a.xlsx", "c.xlsx", "d.xlsx")] == [True, True, True]
    slow = reports["b-slow.xlsx"]
    assert slow["readable"] is False and [f["rule"] for f in slow["findings"]] == ["XC008"]
    assert f"took longer than {TIMEOUT} s" in slow["findings"][0]["message"]
    assert data["summary"] == {"files": 4, "valid": 3, "invalid": 0, "unreadable": 1}
    assert seconds < BATCH_SECONDS, seconds
    assert {p.name: sha256(p) for p in batch.iterdir()} == before


def test_collect_lists_a_file_over_its_budget_and_writes_the_portfolio(batch, tmp_path):
    out = tmp_path / "portfolio.xlsx"
    done, seconds = xlcase("collect", str(batch), "-o", str(out), "--timeout", TIMEOUT)
    assert done.returncode == 0, done.stderr
    rows = list(openpyxl.load_workbook(out)["Cases"].iter_rows(values_only=True))
    status = {Path(r[-1]).name: r[rows[0].index("Status")] for r in rows[1:]}
    assert status == {"a.xlsx": "valid", "b-slow.xlsx": "unreadable", "c.xlsx": "valid", "d.xlsx": "valid"}
    assert seconds < BATCH_SECONDS, seconds


def test_the_budget_is_documented_with_its_defaults():
    for command in ("validate", "collect"):
        done, _ = xlcase(command, "--help")
        text = " ".join(done.stdout.replace("│", " ").split())
        assert f"(default {DEFAULT_SECONDS:g})" in text and f"(default {DEFAULT_MEMORY_MB})" in text
        assert "--timeout" in text and "--max-memory" in text and "XC008" in text


def test_a_task_over_its_time_budget_is_killed_and_a_fresh_worker_takes_the_next():
    start = time.perf_counter()
    outcomes = run_budgeted(time.sleep, [0, 600, 0, 0], budget=Budget(seconds=0.5))
    assert outcomes == [None, Stopped("took longer than 0.5 s", True), None, None]
    assert time.perf_counter() - start < BATCH_SECONDS


def test_a_task_over_its_memory_budget_is_stopped_and_the_rest_run():
    outcomes = run_budgeted(bytearray, [10, 4 * 1024**3, 20], budget=Budget(memory_mb=256), jobs=2)
    assert outcomes[0] == bytearray(10) and outcomes[2] == bytearray(20)
    assert outcomes[1] == Stopped("needed more than 256 MB of memory", True)
    assert Budget(memory_mb=1536).memory_reason == "needed more than 1.5 GB of memory"


def test_a_worker_that_dies_or_fails_gives_a_reason_and_the_batch_ends():
    assert run_budgeted(os._exit, [3, 3], budget=Budget()) == [
        Stopped("the worker process stopped (exit status 3)", False)] * 2
    assert run_budgeted(int, ["7", "seven"], budget=Budget()) == [
        7, Stopped("the task failed (ValueError: invalid literal for int() with base 10: 'seven')", False)]


def _parents() -> dict[int, int]:
    """Parent of every live (not zombie) process, from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] != "Z":
            parents[int(entry.name)] = int(fields[1])
    return parents


def _children(pid: int) -> set[int]:
    return {child for child, parent in _parents().items() if parent == pid}


def _alive(pids: set[int]) -> set[int]:
    out = set()
    for pid in pids:
        try:
            if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
                out.add(pid)
        except OSError:
            pass
    return out


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process tree from /proc")
@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGKILL])
def test_no_worker_outlives_a_stopped_batch(batch, stop):
    command = subprocess.Popen([sys.executable, "-m", "xlcase", "validate", str(batch), "--format", "json"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
    deadline = time.monotonic() + 60
    workers: set[int] = set()
    while not workers and time.monotonic() < deadline:
        time.sleep(0.1)
        workers = _children(command.pid)
    assert workers, "no worker process started"
    time.sleep(3)  # warm, done with a.xlsx, and at work on the slow file
    assert _alive(workers)
    command.send_signal(stop)
    assert command.wait(30) in (-stop, 128 + stop)
    deadline = time.monotonic() + 5  # the slow file alone would keep a worker busy far longer
    while _alive(workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(workers)
    assert b"Traceback" not in command.stderr.read()


def test_a_single_file_runs_under_a_budget_when_one_is_given(batch):
    done, seconds = xlcase("validate", str(batch / "b-slow.xlsx"), "--timeout", TIMEOUT, "--format", "json")
    assert done.returncode == 2, done.stderr
    report = json.loads(done.stdout)
    assert report["readable"] is False and [f["rule"] for f in report["findings"]] == ["XC008"]
    assert seconds < BATCH_SECONDS


def test_a_lone_file_out_of_memory_in_this_process_is_a_finding_not_a_crash():
    from xlcase.validation import check_files, stopped_report

    (report,) = check_files(bytearray, [2**62], stopped=lambda item, why: stopped_report("huge.xlsx", why))
    assert [f.rule for f in report.findings] == ["XC008"] and not report.readable
    assert "needed more memory than this process may use" in report.findings[0].message
