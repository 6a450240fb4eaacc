"""Whole commands on one workbook, start-up included: `xlcase --help`, `xlcase validate`, `xlcase new`.

Run ``python benchmarks/bench_startup.py [--runs 9] [--before DIR]``. Each command runs in a fresh
subprocess; prints the median wall time and the median CPU time (user + system, from the child's
resource usage) of the runs, and the target. With ``--before DIR`` (a checkout of other code, such
as ``git archive`` of an older commit unpacked there) the same commands of that code run too,
interleaved with these run by run, so that a machine whose load changes weighs on both alike.
xlcase's modules are byte-compiled first, as an installed package's are (a checkout run with
PYTHONDONTWRITEBYTECODE would otherwise compile them on every run).
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


def timed(command: list[str], tree: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one run of a command of the code in `tree`, in a fresh process."""
    env = {**os.environ, "PYTHONPATH": str(tree) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, cwd=tree, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--before", type=Path, help="another checkout to time beside this one")
    args = parser.parse_args()
    trees = {"now": ROOT, **({"before": args.before.resolve()} if args.before else {})}
    for tree in trees.values():
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(tree / "xlcase")], stdout=subprocess.DEVNULL,
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
        bare = [timed([sys.executable, "-c", "pass"], ROOT) for _ in range(args.runs)]
        print(f"python -c pass (the interpreter alone): {statistics.median(w for w, _ in bare) * 1000:.0f} ms wall")
        for name, command in commands.items():
            runs: dict[str, list[tuple[float, float]]] = {label: [] for label in trees}
            for n in range(args.runs):
                for label in (list(trees) if n % 2 == 0 else list(trees)[::-1]):
                    runs[label].append(timed(command, trees[label]))
            for label, times in runs.items():
                wall = statistics.median(w for w, _ in times) * 1000
                cpu = statistics.median(c for _, c in times) * 1000
                target = TARGETS_MS[name]
                print(f"{label}: xlcase {name} (whole command, median of {args.runs}): {wall:.0f} ms wall, "
                      f"{cpu:.0f} ms CPU (target <= {target} ms: {'met' if cpu <= target else 'NOT met'} on CPU)")


if __name__ == "__main__":
    main()
