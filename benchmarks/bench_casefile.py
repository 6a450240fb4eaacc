"""Time and memory of `xlcase new` on every hostile case file, and on a large honest one.

Run ``python benchmarks/bench_casefile.py [--timeout 60] [--memory-gb 4] [NAME ...]``. Each case file
of tests/hostile_casefiles.py (and `big_yaml`/`big_json`: the example with 10,000 cost lines) is
given to `xlcase new OUT.xlsx --from FILE` in a fresh subprocess under `/usr/bin/time -v`, with
an address-space cap so that an expansion cannot take the machine. Prints, per file: wall seconds,
peak resident memory, exit status and the first line of stderr.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from hostile_casefiles import EXAMPLE, HOSTILE_CASE_FILES  # noqa: E402

BIG_LINES = 10_000


def big_case(folder: Path, suffix: str) -> Path:
    """The example with 10,000 cost lines of ten years each, as issue 15 measures."""
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    chooser = random.Random(15)
    data["costs"] = [{"option": "O2", "category": "training", "description": f"Line {number}",
                      "amounts": [chooser.randrange(90_000) for _ in range(10)]} for number in range(BIG_LINES)]
    path = folder / f"big{suffix}"
    if suffix == ".json":
        path.write_text(json.dumps(data, default=str, indent=1), encoding="utf-8")
    else:
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def measure(path: Path, out: Path, timeout: int, memory_gb: float) -> tuple[str, str, str, str]:
    """Seconds, peak MB, exit status and first stderr line of `xlcase new out --from path`."""
    cap = int(memory_gb * 1024**3)

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    report = out.with_suffix(".time")
    command = ["/usr/bin/time", "-v", "-o", str(report), "timeout", str(timeout), sys.executable, "-m", "xlcase",
               "new", str(out), "--from", str(path), "--force"]
    done = subprocess.run(command, capture_output=True, text=True, errors="replace", cwd=ROOT, preexec_fn=limit)
    stats = dict(line.strip().split(": ", 1) for line in report.read_text().splitlines() if ": " in line)
    seconds = stats.get("Elapsed (wall clock) time (h:mm:ss or m:ss)", "?")
    peak = f"{int(stats.get('Maximum resident set size (kbytes)', 0)) // 1024}"
    status = "timeout" if done.returncode == 124 else str(done.returncode)
    lines = done.stderr.splitlines() or [""]
    shown = lines[0] if lines[0].startswith("error:") else lines[-1]  # the error, or a traceback's last line
    return seconds, peak, status, f"{shown[:110]} ({len(done.stderr.encode()):,} bytes of stderr)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="only these cases")
    parser.add_argument("--timeout", type=int, default=60)
    parser.add_argument("--memory-gb", type=float, default=4.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="xlcase-bench-casefile-") as temporary:
        folder = Path(temporary)
        builders = {name: case.build for name, case in HOSTILE_CASE_FILES.items()}
        builders["big_yaml"] = lambda where: big_case(where, ".yaml")
        builders["big_json"] = lambda where: big_case(where, ".json")
        print(f"{'case':<20} {'wall':>8} {'peak MB':>8} {'exit':>7}  stderr")
        for name, build in builders.items():
            if args.names and name not in args.names:
                continue
            path = build(folder)
            seconds, peak, status, message = measure(path, folder / "out.xlsx", args.timeout, args.memory_gb)
            print(f"{name:<20} {seconds:>8} {peak:>8} {status:>7}  {message}", flush=True)
            (folder / "out.xlsx").unlink(missing_ok=True)
            path.unlink()


if __name__ == "__main__":
    main()
