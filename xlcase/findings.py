"""A finding: one thing a reviewer should know about a workbook, with its rule code and where it is."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

Severity = Literal["error", "warning", "info"]
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def pounds(amount: float | None) -> str:
    """Money as a finance officer writes it: £1,234 and -£1,234 (whole pounds); '' for none."""
    if amount is None:
        return ""
    return f"-£{-amount:,.0f}" if amount < 0 else f"£{amount:,.0f}"


@dataclass(frozen=True)
class Finding:
    """A small frozen record: rule code, severity, message, and the sheet and cell it refers to."""

    rule: str
    severity: Severity
    message: str
    sheet: str | None = None
    cell: str | None = None
    section: str = "file"
    value: Any = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        if not isinstance(self.value, (str, int, float, bool, type(None))):
            data["value"] = str(self.value)
        return data

    @property
    def where(self) -> str:
        """'Costs!E12', 'Costs', or '' when the finding is about the whole file."""
        if self.sheet and self.cell:
            return f"{self.sheet}!{self.cell}"
        return self.sheet or ""
