"""Benchmark `xlcase validate` on a workbook with long Aims, Risks and Evaluation tables.

Run ``python benchmarks/bench_long_tables.py [--rows 10000]``. Builds the workbook the tests use
(tests/big_tables.py: every risk with an unreadable likelihood and no owner, half the aims named by no
evaluation line), then prints the wall time and peak resident memory of the whole command in a child
process, and, in this process, how the time splits between reading the workbook and the rules with the
report. Rules that compared every row with every other took more than 120 s at 10,000 rows.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from big_tables import long_tables_workbook  # noqa: E402

from xlcase.api import new_workbook  # noqa: E402
from xlcase.reader import read_workbook  # noqa: E402
from xlcase.report import render_validation  # noqa: E402
from xlcase.review import Review  # noqa: E402
from xlcase.validation import review_report  # noqa: E402

EXAMPLE = ROOT / "examples" / "ward-assistant-practitioners.yaml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    rows = parser.parse_args().rows
    with tempfile.TemporaryDirectory() as folder:
        example = new_workbook(Path(folder) / "example.xlsx", case_file=EXAMPLE)
        path = long_tables_workbook(example, Path(folder) / "long.xlsx", rows)
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "xlcase", "validate", str(path), "--format", "json"], cwd=ROOT,
                       stdout=subprocess.DEVNULL, check=False)
        seconds = time.perf_counter() - start
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"xlcase validate, {rows:,} aims, risks and evaluation lines ({path.stat().st_size / 1e6:.2f} MB): "
              f"{seconds:.2f} s, peak {peak_mb:.0f} MB")
        start = time.perf_counter()
        submission = read_workbook(path)
        read = time.perf_counter() - start
        start = time.perf_counter()
        report = review_report(Review.from_submission(submission))
        rules = time.perf_counter() - start
        start = time.perf_counter()
        size = len(render_validation([report], "json"))
        rendered = time.perf_counter() - start
        print(f"in process: reading {read:.2f} s, rules and appraisal {rules:.2f} s ({len(report.findings):,} findings), "
              f"JSON report {rendered:.2f} s ({size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
