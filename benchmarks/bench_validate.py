"""Benchmark `xlcase validate` against LibreOffice recalculating the same workbooks.

Run ``python benchmarks/bench_validate.py [--copies 500] [--sample 20]``. Prints:
- the wall time of the whole `xlcase validate` command on one example workbook (median of 5 runs,
  each a fresh subprocess, start-up included; target < 0.5 s);
- batch throughput (workbooks per second) of `xlcase validate --jobs 2` on N copies, with the peak
  resident memory of the child processes (resource.getrusage(RUSAGE_CHILDREN));
- LibreOffice recalculating a sample of the same workbooks in one headless process
  (tests/libreoffice.py, recalculate_timed), extrapolated per workbook, and the ratio (target >= 30x).
"""

from __future__ import annotations

import argparse
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
TARGET_SINGLE_SECONDS = 0.5
TARGET_RATIO = 30.0


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


def libreoffice(sources: list[Path], out: Path) -> tuple[float, float, float] | None:
    """(start-up seconds, mean seconds per workbook, total seconds), or None if LibreOffice is missing."""
    sys.path.insert(0, str(ROOT / "tests"))  # the LibreOffice test tool
    import libreoffice as lo

    if not lo.available():
        return None
    out.mkdir(exist_ok=True)
    timing = lo.recalculate_timed([(s, out / s.name) for s in sources])
    return timing.startup_seconds, statistics.mean(timing.seconds), timing.total_seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=500)
    parser.add_argument("--sample", type=int, default=20)
    args = parser.parse_args()
    from xlcase.api import new_workbook

    with tempfile.TemporaryDirectory(prefix="xlcase-bench-") as tmp:
        tmp_path = Path(tmp)
        example = new_workbook(tmp_path / "example.xlsx", case_file=EXAMPLE)
        folder = tmp_path / "batch"
        folder.mkdir()
        for n in range(args.copies):
            shutil.copyfile(example, folder / f"case-{n:04}.xlsx")

        single = single_workbook(example)
        print(f"xlcase validate, one workbook (whole command, median of {SINGLE_RUNS}): {single:.3f} s "
              f"(target < {TARGET_SINGLE_SECONDS} s: {'met' if single < TARGET_SINGLE_SECONDS else 'NOT met'})")

        seconds, rate, cpu = batch(folder, args.copies)
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"xlcase validate --jobs 2, {args.copies} workbooks: {seconds:.2f} s, {rate:.1f} workbooks/s, "
              f"{cpu * 1000:.1f} ms CPU per workbook, peak memory of a child process {peak:.0f} MB")

        sample = sorted(folder.iterdir())[: args.sample]
        lo = libreoffice(sample, tmp_path / "lo")
        if lo is None:
            print("LibreOffice: not available here (apt-get install libreoffice-calc-nogui python3-uno)")
            return
        startup, per_book, total = lo
        lo_rate = 1 / per_book
        print(f"LibreOffice recalculation, {len(sample)} workbooks in one process: start-up {startup:.2f} s, "
              f"{per_book * 1000:.0f} ms per workbook ({lo_rate:.1f} workbooks/s, {total:.1f} s in all)")
        ratio = rate / lo_rate
        print(f"ratio: xlcase validate --jobs 2 is {ratio:.1f}x LibreOffice's throughput "
              f"(target >= {TARGET_RATIO:.0f}x: {'met' if ratio >= TARGET_RATIO else 'NOT met'})")


if __name__ == "__main__":
    main()
