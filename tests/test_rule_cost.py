"""Rules and reports whose cost is bounded by the input: long tables, and names of megabytes.

Each workbook case is built from the generated example and validated with the real command in a child
process, whose wall time and peak memory are checked (run_limited). The financial case's rules are run on
a generated Case of ten thousand lines of each kind, timed by the CPU they take.
"""

from __future__ import annotations

import datetime as dt
import json
import resource
import time
from collections import Counter

import pytest

from big_tables import LONG_NAME, long_sheet_name, long_sheet_name_workbook, long_tables_workbook
from test_hardening import MEMORY_LIMIT_KB, sha256, run_limited
from xlcase.model import Apprenticeship, Assumptions, BenefitLine, Case, CostLine, Option, Post
from xlcase.review import Review
from xlcase.rules import run_rules

ROWS = 10_000
FINANCIAL_RULES = ("XC606", "XC607", "XC704", "XC805", "XC806", "XC807", "XC808", "XC809", "XC810")
FINANCIAL_RULES_CPU_SECONDS = 20  # measured 1.7 s for the case below; comparing every line with every other takes minutes
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


def _large_financial_case(rows: int, options: int) -> Case:
    """Every line of a kind the financial case's rules read, each one a finding: do nothing's agency lines and the
    options' cash-releasing agency benefits (XC607, XC606), banded pay lines far below the reference (XC805), posts
    at a point band 3 does not have that end before they start with off-the-job hours (XC809, XC810), co-invested
    apprenticeships above their funding band with no dates (XC808, XC809), options with uplifts out of bounds (XC704)."""
    ids = [f"O{1 + n % options}" for n in range(rows)]
    return Case(
        assumptions=Assumptions(optimism_bias=0.6, price_base_year=2030),
        options=[Option(id="O0", name="Do nothing", do_nothing=True)]
        + [Option(id=f"O{k}", name=f"Option {k}", optimism_bias=0.9 if k % 2 else None) for k in range(1, options + 1)],
        costs=[CostLine(option="O0", category="external_staff", description=f"Agency and bank shifts {n}",
                        amounts=[1000.0] * 10) for n in range(rows // 2)]
        + [CostLine(option=ids[n], category="pay", description=f"Band 4 line {n}", band="4", wte=1,
                    amounts=[20000.0] * 10) for n in range(rows // 2)],
        benefits=[BenefitLine(option=ids[n], category="cash_releasing", description=f"Agency and bank shifts avoided {n}",
                              amounts=[100.0] * 10) for n in range(rows)],
        posts=[Post(option=ids[n], role=f"Post {n}", band="3", point="intermediate", wte=1, start=dt.date(2028, 1, 1),
                    end=dt.date(2027, 1, 1), off_the_job_hours=3) for n in range(rows)],
        apprenticeships=[Apprenticeship(option=ids[n], standard="ST0215", learners=2, funding_band=15000, price=16000,
                                        levy_funded=False) for n in range(rows)],
    )


def test_the_financial_case_rules_on_ten_thousand_lines_of_each_kind_are_linear():
    case = _large_financial_case(ROWS, options=1_000)
    cpu = time.process_time()
    findings = run_rules(Review.from_case(case), select=FINANCIAL_RULES)
    cpu = time.process_time() - cpu
    assert cpu < FINANCIAL_RULES_CPU_SECONDS, cpu
    counts = Counter(f.rule for f in findings)
    assert counts == {"XC606": ROWS, "XC607": ROWS, "XC805": ROWS // 2, "XC808": 2 * ROWS, "XC809": 4 * ROWS,
                      "XC810": ROWS, "XC704": 501, "XC806": 1, "XC807": 1}
