"""Small text helpers shared by the writer, the reader, the rules and the reports."""

from __future__ import annotations


def financial_year(base_year: int, offset: int = 0) -> str:
    """The NHS financial year label of an appraisal year: financial_year(2027, 3) -> '2030/31'."""
    year = base_year + offset
    return f"{year}/{(year + 1) % 100:02d}"
