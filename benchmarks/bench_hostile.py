"""Time and memory of `xlcase validate` on each class of costly file (issue 9), built by tests/hostile.py.

Run ``python benchmarks/bench_hostile.py [--code ROOT] [--timeout 60] [NAME ...]``. Each file is
validated in a fresh subprocess under GNU time; the table gives the exit status, CPU and wall
seconds, peak resident memory, the size of the JSON report and its rule codes. ``--code`` runs
another checkout of xlcase (say, the commit before a change) on the same files, for a before and
after; a run past ``--timeout`` seconds is stopped and shown as such.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from functools import partial
from pathlib import Path

os.environ.setdefault("OPENPYXL_LXML", "False")  # as xlcase and the tests set it, before hostile imports openpyxl
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

import hostile  # noqa: E402  (the builders live with the tests that use them)

CLASSES: dict[str, Callable[[Path], Path]] = {
    "number_text_spaces": hostile.number_text_spaces,
    "stretched_table": hostile.stretched_table,
    "stretched_table_duplicates": hostile.stretched_table_duplicate_columns,
    "merges_2000000": hostile.many_merges,
    "merges_900000": partial(hostile.many_merges, count=900_000),
    "long_names": hostile.long_names,
    "year_digits": hostile.year_digits,
    "dense_sheet_64mb": hostile.dense_sheet,
    "dense_sheet_at_limit": partial(hostile.dense_sheet, cells=494_000, name="dense_at_limit.xlsx"),
    "empty_elements": hostile.empty_elements,
    "huge_shared_strings": hostile.huge_shared_strings,
    "many_styles": hostile.many_styles,
    "bracketed_number_format": hostile.bracketed_number_format,
    "repeated_sheet_part": hostile.repeated_sheet_part,
    "table_rows_25000": partial(hostile.many_table_rows, rows=25_000),
    "unread_parts": hostile.unread_parts,
    "astral_escapes": hostile.astral_escapes,
    "error_in_text_list": hostile.error_in_text_list,
    "case_twin_members": hostile.case_twin_members,
    "duplicate_members": hostile.duplicate_members,
    "backslash_members": hostile.backslash_members,
    "bzip2_members": hostile.bzip2_members,
}


def measure(code: Path, path: Path, timeout: int) -> str:
    """One row of the table: `xlcase validate` of `code` on `path`."""
    env = {**os.environ, "PYTHONPATH": str(code)}
    with tempfile.NamedTemporaryFile("r", suffix=".time") as timing:
        command = ["/usr/bin/time", "-f", "%U %S %e %M", "-o", timing.name, "timeout", str(timeout),
                   sys.executable, "-m", "xlcase", "validate", str(path), "--format", "json"]
        # run from the file's folder: `python -m` puts the working directory first on the path
        done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=path.parent, check=False)
        user, system, wall, peak_kb = timing.read().split()[-4:]
    try:
        report = json.loads(done.stdout)
        codes = collections.Counter(f["rule"] for f in report["findings"])
        outcome = f"{len(done.stdout) / 1e6:7.2f} MB  {dict(sorted(codes.items()))}"
    except (json.JSONDecodeError, KeyError):
        outcome = "stopped (timeout)" if done.returncode == 124 else f"no report: {done.stderr[-200:]!r}"
    cpu = float(user) + float(system)
    return f"{path.stem:28} {done.returncode:3} {cpu:7.1f} {float(wall):7.1f} {int(peak_kb) // 1024:7}  {outcome}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help=f"classes to run (default: all): {', '.join(CLASSES)}")
    parser.add_argument("--code", type=Path, default=ROOT, help="the xlcase checkout to run (default: this one)")
    parser.add_argument("--timeout", type=int, default=60)
    args = parser.parse_args()
    names = args.names or list(CLASSES)
    print(f"{'file':28} {'rc':>3} {'cpu s':>7} {'wall s':>7} {'peak MB':>7}  report")
    with tempfile.TemporaryDirectory() as folder:
        for name in names:
            path = CLASSES[name](Path(folder))
            print(measure(args.code.resolve(), path, args.timeout), flush=True)
            path.unlink()


if __name__ == "__main__":
    main()
