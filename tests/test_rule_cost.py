"""Rules and reports whose cost is bounded by the input: long tables, and names of megabytes.

Each case is a workbook the test builds from the generated example and validates with the real
command in a child process, whose wall time and peak memory are checked (run_limited).
"""

from __future__ import annotations

import json
from collections import Counter

import pytest

from big_tables import long_sheet_name_workbook, long_tables_workbook
from test_hardening import MEMORY_LIMIT_KB, sha256, run_limited

ROWS = 10_000
LONG_TABLES_SECONDS = 20  # measured 6.7 s, of which the reader takes 5.5 s; the rules took more than 120 s before
REPORT_BYTES_LIMIT = 1_000_000  # the reports of fifteen risks, whatever the sheet is called


@pytest.fixture(scope="module")
def long_tables(tmp_path_factory, example_workbook):
    return long_tables_workbook(example_workbook, tmp_path_factory.mktemp("long") / "long-tables.xlsx", ROWS)


def test_ten_thousand_risks_aims_and_evaluation_lines_validate_in_seconds(long_tables):
    before = sha256(long_tables)
    done, seconds, peak_kb = run_limited("validate", str(long_tables), "--format", "json")
    assert "Traceback" not in done.stderr, done.stderr
    assert seconds < LONG_TABLES_SECONDS, seconds
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
    for fmt in ("text", "json", "html", "markdown"):
        out = tmp_path / f"report.{fmt}"
        done, seconds, peak_kb = run_limited("validate", str(path), "--format", fmt, "--output", str(out))
        assert "Traceback" not in done.stderr, done.stderr
        assert done.returncode == 1, done.stderr
        assert seconds < 10 and peak_kb < MEMORY_LIMIT_KB, (fmt, seconds, peak_kb)
        size = out.stat().st_size
        assert size < REPORT_BYTES_LIMIT, (fmt, size)
        text = out.read_text(encoding="utf-8")
        assert "(11,999,900 more characters)" in text  # the name is clipped, and says so
        assert text.count("risk R15 has no owner") == 1
