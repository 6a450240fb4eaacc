"""Figures as the workbook shows them, for every view that prints one: reports, rule messages, the paper.

The workbook's number formats (xlcase.writer.styles.NUMBER_FORMATS) are the reference: money in whole
pounds with thousands separators (£1,234 and -£1,234), ratios to 2 places, percentages to 1 place
(rates to 2), dates as 01 Apr 2027. A figure that does not exist is '' here, as the workbook leaves its
cell blank; a view that needs a word for it says so itself.
"""

from __future__ import annotations

import datetime as dt

ResultFormat = str  # a Results column's format in the template: money, ratio, integer, percent, text


def pounds(amount: float | None) -> str:
    """Money as a finance officer writes it: £1,234 and -£1,234 (whole pounds); '' for none."""
    if amount is None:
        return ""
    return f"-£{-amount:,.0f}" if amount < 0 else f"£{amount:,.0f}"


def ratio(value: float | None) -> str:
    """A ratio (BCR) to 2 places: 1.86; '' for none."""
    return "" if value is None else f"{value:.2f}"


def percent(value: float | None) -> str:
    """A fraction as a percentage to 1 place (switching values, optimism bias): 0.463 -> 46.3%; '' for none."""
    return "" if value is None else f"{value:.1%}"


def rate(value: float | None) -> str:
    """A rate to 2 places (discount rates, on-cost rates): 0.035 -> 3.50%; '' for none."""
    return "" if value is None else f"{value:.2%}"


def decimal(value: float | None) -> str:
    """A quantity (WTE, years) as the workbook's #,##0.0# shows it: 14.5, 6.0, 38.25; '' for none."""
    if value is None:
        return ""
    shown = f"{value:,.2f}"
    return shown[:-1] if shown.endswith("0") else shown


def whole(value: float | int | None) -> str:
    """A count or a year as a whole number, as the workbook's format 0 shows it: 4, 2031; '' for none."""
    return "" if value is None else f"{value:.0f}"


def day(value: dt.date | None) -> str:
    """A date as the workbook shows it (dd mmm yyyy): 01 Apr 2027; '' for none."""
    return "" if value is None else value.strftime("%d %b %Y")


def figure(value: object, fmt: ResultFormat) -> str:
    """A figure of the engine in the format its Results column has in the template ('' for none)."""
    if value is None:
        return ""
    if fmt == "money":
        return pounds(float(value))  # type: ignore[arg-type]
    if fmt == "ratio":
        return ratio(float(value))  # type: ignore[arg-type]
    if fmt == "percent":
        return percent(float(value))  # type: ignore[arg-type]
    if fmt == "integer":
        return whole(value)  # type: ignore[arg-type]
    return str(value)
