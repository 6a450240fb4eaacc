"""Rules and reports whose cost is bounded by the input: long tables, and names of megabytes.

Each case is a workbook the test builds from the generated example and validates with the real
command in a child process, whose wall time and peak memory are checked (run_limited).
"""

from __future__ import annotations

import json
import resource
from collections import Counter

import pytest

from big_tables import LONG_NAME, long_sheet_name, long_sheet_name_workbook, long_tables_workbook
from test_hardening import MEMORY_LIMIT_KB, sha256, run_limited

ROWS = 10_000
# measured 6.7 s (7.2 s of CPU), of which the reader takes 5.5 s; the rules alone took more than 120 s before.
# The wall time is generous because these machines are shared; the CPU time is what the input costs.
LONG_TABLES_SECONDS = 45
LONG_TABLES_CPU_SECONDS = 15
LONG_NAME_SECONDS, LONG_NAME_CPU_SECONDS = 30, 10  # measured 3.4 s; the HTML report took 24 s and 1.5 GB before
REPORT_BYTES_LIMIT = 1_000_000  # the reports of fifteen risks, whatever the sheet is called


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@pytest.fixture(scope="module")
def long_tables(tmp_path_factory, example_workbook):
    return long_tables_workbook(example_workbook, tmp_path_factory.mktemp("long") / "long-tables.xlsx", ROWS)


def test_ten_thousand_risks_aims_and_evaluation_lines_validate_in_seconds(long_tables):
    before = sha256(long_tables)
    cpu = _children_cpu()
    done, seconds, peak_kb = run_limited("validate", str(long_tables), "--format", "json")
    cpu = _children_cpu() - cpu
    assert "Traceback" not in done.stderr, done.stderr
    assert seconds < LONG_TABLES_SECONDS and cpu < LONG_TABLES_CPU_SECONDS, (seconds, cpu)
    assert peak_kb < MEMORY_LIMIT_KB, peak_kb
    assert sha256(long_tables) == before
    report = json.loads(done.stdout)
    counts = Counter(f["rule"] for f in report["findings"])
    # each risk: its likelihood "high" cannot be read (XC102, at its cell, and so not XC402 again), no owner (XC402)
    assert counts["XC102"] == ROWS and counts["XC402"] == ROWS
    assert all(f["message"].endswith("has no owner") for f in report["findings"] if f["rule"] == "XC402")
    # the lines name the even aims (A2, A4, ...) inside other words; the odd ones are named by none
    uncovered = [f["value"] for f in report["findings"] if f["rule"] == "XC901"]
    assert uncovered == [f"A{n}" for n in range(1, ROWS + 1, 2)]
    assert "XC000" not in counts and "XC401" not in counts


def test_a_sheet_name_of_twelve_megabytes_is_not_repeated_in_the_reports(tmp_path, example_workbook):
    path = long_sheet_name_workbook(example_workbook, tmp_path / "long-sheet-name.xlsx")
    name = long_sheet_name(LONG_NAME)
    for fmt in ("text", "json", "html", "markdown"):
        out = tmp_path / f"report.{fmt}"
        cpu = _children_cpu()
        done, seconds, peak_kb = run_limited("validate", str(path), "--format", fmt, "--output", str(out))
        cpu = _children_cpu() - cpu
        assert "Traceback" not in done.stderr, done.stderr
        assert done.returncode == 1, done.stderr
        assert seconds < LONG_NAME_SECONDS and cpu < LONG_NAME_CPU_SECONDS, (fmt, seconds, cpu)
        assert peak_kb < MEMORY_LIMIT_KB, (fmt, peak_kb)
        size = out.stat().st_size
        assert size < REPORT_BYTES_LIMIT, (fmt, size)
        text = out.read_text(encoding="utf-8")
        assert name[31:131] not in text, fmt  # the name is read clipped to Excel's 31 characters
        assert text.count("risk R15 has no owner") == 1
