"""Engine time on a large case, `xlcase recalc` on the example workbook, and LibreOffice on the same workbook.

Run ``python benchmarks/bench_recalc.py`` (LibreOffice and python3-uno needed for the last figure).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "tests"))  # the LibreOffice test tool

from bench_engine import engine_timings  # noqa: E402

import libreoffice  # noqa: E402
from xlcase.api import new_workbook  # noqa: E402

EXAMPLE = ROOT / "examples" / "ward-assistant-practitioners.yaml"
RUNS = 5


def recalc_wall_seconds(workbook: Path, runs: int = RUNS) -> float:
    """Median wall time of the whole `xlcase recalc` command, start-up included."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "xlcase", "recalc", str(workbook), "--format", "json"],
                       check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    engine = engine_timings()
    print(f"engine, 50 options x 5,000 lines x 60 years: appraise(case) median {engine['appraise_ms']:.1f} ms, "
          f"appraise_arrays median {engine['appraise_arrays_ms']:.2f} ms")
    with tempfile.TemporaryDirectory() as folder:
        workbook = Path(folder) / "example.xlsx"
        new_workbook(workbook, case_file=EXAMPLE)
        recalc = recalc_wall_seconds(workbook)
        print(f"xlcase recalc on the example workbook: median {recalc * 1000:.0f} ms wall (whole command, {RUNS} runs)")
        if not libreoffice.available():
            print("LibreOffice: not installed, skipped")
            return
        timed = libreoffice.recalculate_timed([(workbook, Path(folder) / f"lo-{n}.xlsx") for n in range(RUNS)])
        per_book = statistics.median(timed.seconds)
        print(f"LibreOffice open + recalculate + save: median {per_book * 1000:.0f} ms a workbook after "
              f"{timed.startup_seconds:.2f} s start-up; with start-up, one workbook {(timed.startup_seconds + per_book):.2f} s")
        print(f"ratio: LibreOffice (one workbook incl. start-up) / xlcase recalc = "
              f"{(timed.startup_seconds + per_book) / recalc:.1f}x")


if __name__ == "__main__":
    main()
