"""Whole commands on one workbook, start-up included: `xlcase --help`, `xlcase validate`, `xlcase new`.

Run ``python benchmarks/bench_startup.py [--runs 7]``. Each command runs in a fresh subprocess; prints
the median wall time and the median CPU time (user + system, from the child's resource usage) of the
runs, and the target. xlcase's modules are byte-compiled first, as an installed package's are (a
checkout run with PYTHONDONTWRITEBYTECODE would otherwise compile them on every run).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

EXAMPLE = ROOT / "examples" / "ward-assistant-practitioners.yaml"
TARGETS_MS = {"--help": 80, "validate": 150, "new": 300}


def timed(command: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one run of a command in a fresh process."""
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "xlcase")], stdout=subprocess.DEVNULL,
                   check=True)
    from xlcase.api import new_workbook

    with tempfile.TemporaryDirectory(prefix="xlcase-bench-") as tmp:
        example = new_workbook(Path(tmp) / "example.xlsx", case_file=EXAMPLE)
        xlcase = [sys.executable, "-m", "xlcase"]
        commands = {
            "--help": [*xlcase, "--help"],
            "validate": [*xlcase, "validate", str(example)],
            "new": [*xlcase, "new", str(Path(tmp) / "new.xlsx"), "--from", str(EXAMPLE), "--force"],
        }
        bare = [timed([sys.executable, "-c", "pass"]) for _ in range(args.runs)]
        print(f"python -c pass (the interpreter alone): {statistics.median(w for w, _ in bare) * 1000:.0f} ms wall")
        for name, command in commands.items():
            runs = [timed(command) for _ in range(args.runs)]
            wall = statistics.median(w for w, _ in runs) * 1000
            cpu = statistics.median(c for _, c in runs) * 1000
            target = TARGETS_MS[name]
            print(f"xlcase {name} (whole command, median of {args.runs}): {wall:.0f} ms wall, {cpu:.0f} ms CPU "
                  f"(target <= {target} ms: {'met' if cpu <= target else 'NOT met'} on CPU)")


if __name__ == "__main__":
    main()
