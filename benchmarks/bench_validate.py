"""Benchmark `xlcase validate` against LibreOffice recalculating the same workbooks, small and large.

Run ``python benchmarks/bench_validate.py [--copies 500] [--sample 20] [--large-runs 3]``. Prints:
- the wall time of the whole `xlcase validate` command on one example workbook (median of 5 runs,
  each a fresh subprocess, start-up included);
- batch throughput (workbooks per second) of `xlcase validate --jobs 2` on N copies, the CPU per
  workbook of the workers and their peak resident memory (resource.getrusage(RUSAGE_CHILDREN));
- validation of one example workbook in this process, warm (the work a batch worker does per file):
  median CPU time (target <= 6 ms) and wall time;
- the large case (50 options, 2,000 cost lines, 60 years): its cells, and validation in this
  process: median CPU time, per cell (target <= 1.5 µs), and wall time;
- LibreOffice recalculating a sample of the example workbooks and the large one in one headless
  process (tests/libreoffice.py, recalculate_timed: load, recalculate, save), per workbook, and the
  ratios measured side by side: LibreOffice's seconds a workbook over xlcase's in one process
  (targets: >= 50x on the example, >= 10x on the large case), and the batch throughput ratio.
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

EXAMPLE = ROOT / "examples" / "ward-assistant-practitioners.yaml"
SINGLE_RUNS = 5
IN_PROCESS_RUNS = 30
TARGET_SINGLE_SECONDS = 0.15
TARGET_SMALL_CPU_MS = 6.0
TARGET_CELL_US = 1.5
TARGET_SMALL_RATIO = 50.0
TARGET_LARGE_RATIO = 10.0
LARGE = {"options": 50, "cost_lines": 2_000, "benefit_lines": 0, "years": 60}


def _command(*args: str) -> list[str]:
    return [sys.executable, "-m", "xlcase", *args]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}


def single_workbook(path: Path) -> float:
    times = []
    for _ in range(SINGLE_RUNS):
        start = time.perf_counter()
        subprocess.run(_command("validate", str(path)), stdout=subprocess.DEVNULL, env=_env(), check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def batch(folder: Path, copies: int) -> tuple[float, float, float]:
    """(seconds, workbooks per second, CPU seconds per workbook) of `validate --jobs 2` on the folder."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(_command("validate", str(folder), "--jobs", "2", "--format", "json"),
                          stdout=subprocess.DEVNULL, env=_env(), check=False)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"validate exited {done.returncode}")
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return seconds, copies / seconds, cpu / copies


def libreoffice(sources: list[Path], out: Path) -> tuple[float, list[float], float] | None:
    """(start-up seconds, seconds of each workbook, total seconds), or None if LibreOffice is missing."""
    sys.path.insert(0, str(ROOT / "tests"))  # the LibreOffice test tool
    import libreoffice as lo

    if not lo.available():
        return None
    out.mkdir(exist_ok=True)
    timing = lo.recalculate_timed([(s, out / s.name) for s in sources])
    return timing.startup_seconds, timing.seconds, timing.total_seconds


def in_process(path: Path, runs: int) -> tuple[float, float]:
    """(median CPU seconds, median wall seconds) of validating a workbook in this process, warm, with the
    garbage collector settled as in a batch worker."""
    from xlcase.validation import validate_workbook, warm_worker

    try:
        from xlcase.budget import settle_garbage_collector
    except ImportError:  # the code before issue 15, for before-and-after figures
        settle_garbage_collector = gc.collect

    warm_worker()
    validate_workbook(path)
    settle_garbage_collector()
    cpu, wall = [], []
    for _ in range(runs):
        start_cpu, start_wall = time.process_time(), time.perf_counter()
        validate_workbook(path)
        cpu.append(time.process_time() - start_cpu)
        wall.append(time.perf_counter() - start_wall)
    return statistics.median(cpu), statistics.median(wall)


def large_workbook(folder: Path) -> tuple[Path, int]:
    """The large case as a workbook, and the cells its sheets hold."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_engine import build_case

    from xlcase.api import new_workbook
    from xlcase.package import Limits, open_workbook

    path = new_workbook(folder / "large.xlsx", case=build_case(**LARGE))
    cells = sum(len(sheet.cells) for sheet in open_workbook(path, Limits()).sheets.values())
    return path, cells


def _verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=500)
    parser.add_argument("--sample", type=int, default=20)
    parser.add_argument("--large-runs", type=int, default=3)
    args = parser.parse_args()
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "xlcase")], stdout=subprocess.DEVNULL,
                   check=True)  # byte-compiled, as an installed package is
    from xlcase.api import new_workbook

    with tempfile.TemporaryDirectory(prefix="xlcase-bench-") as tmp:
        tmp_path = Path(tmp)
        example = new_workbook(tmp_path / "example.xlsx", case_file=EXAMPLE)
        folder = tmp_path / "batch"
        folder.mkdir()
        for n in range(args.copies):
            shutil.copyfile(example, folder / f"case-{n:04}.xlsx")

        single = single_workbook(example)
        print(f"xlcase validate, one workbook (whole command, median of {SINGLE_RUNS}): {single:.3f} s wall "
              f"(target <= {TARGET_SINGLE_SECONDS} s: {_verdict(single <= TARGET_SINGLE_SECONDS)})")

        seconds, rate, cpu = batch(folder, args.copies)
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"xlcase validate --jobs 2, {args.copies} workbooks: {seconds:.2f} s, {rate:.1f} workbooks/s, "
              f"{cpu * 1000:.1f} ms CPU per workbook (start-up included), peak memory of a child process {peak:.0f} MB")

        small_cpu, small_wall = in_process(example, IN_PROCESS_RUNS)
        print(f"example workbook in one process (median of {IN_PROCESS_RUNS}): {small_cpu * 1000:.1f} ms CPU, "
              f"{small_wall * 1000:.1f} ms wall (target <= {TARGET_SMALL_CPU_MS:g} ms CPU: "
              f"{_verdict(small_cpu * 1000 <= TARGET_SMALL_CPU_MS)})")
        large, cells = large_workbook(tmp_path)
        large_cpu, large_wall = in_process(large, args.large_runs)
        per_cell = large_cpu / cells * 1e6
        print(f"large case ({LARGE['options']} options, {LARGE['cost_lines']:,} cost lines, {LARGE['years']} years: "
              f"{cells:,} cells, {large.stat().st_size / 1e6:.1f} MB) in one process (median of {args.large_runs}): "
              f"{large_cpu:.2f} s CPU, {per_cell:.2f} µs CPU a cell, {large_wall:.2f} s wall "
              f"(target <= {TARGET_CELL_US:g} µs a cell: {_verdict(per_cell <= TARGET_CELL_US)})")

        sample = sorted(folder.iterdir())[: args.sample]
        lo = libreoffice([*sample, large], tmp_path / "lo")
        if lo is None:
            print("LibreOffice: not available here (apt-get install libreoffice-calc-nogui python3-uno)")
            return
        startup, each, total = lo
        per_book, large_lo = statistics.mean(each[:-1]), each[-1]
        print(f"LibreOffice recalculation in one process (load, recalculate, save): start-up {startup:.2f} s, "
              f"example {per_book * 1000:.0f} ms a workbook (mean of {len(sample)}), large case {large_lo:.2f} s "
              f"({total:.1f} s in all)")
        small_ratio, large_ratio = per_book / small_wall, large_lo / large_wall
        print(f"ratio, example: LibreOffice {per_book * 1000:.0f} ms / xlcase {small_wall * 1000:.1f} ms = "
              f"{small_ratio:.1f}x (target >= {TARGET_SMALL_RATIO:.0f}x: {_verdict(small_ratio >= TARGET_SMALL_RATIO)})")
        print(f"ratio, large case: LibreOffice {large_lo:.2f} s / xlcase {large_wall:.2f} s = {large_ratio:.1f}x "
              f"(target >= {TARGET_LARGE_RATIO:.0f}x: {_verdict(large_ratio >= TARGET_LARGE_RATIO)})")
        print(f"ratio, batch: xlcase validate --jobs 2 {rate:.1f} workbooks/s / LibreOffice {1 / per_book:.1f} "
              f"workbooks/s = {rate * per_book:.1f}x")


if __name__ == "__main__":
    main()
