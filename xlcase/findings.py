"""A finding: one thing a reviewer should know about a workbook, with its rule code and where it is.

A finding's text is bounded and visible whatever the file held: its message, sheet and cell are
clipped and their control characters written as escapes when the finding is made (the one place
every rule and the reader go through), so every report is linear in the number of findings with a
small constant, and no finding can clear a terminal or print a line of its own.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from xlcase.text import cell_reference, clip, visible

Severity = Literal["error", "warning", "info"]
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
MESSAGE_LIMIT = 2_000  # characters; the longest message a rule writes is a few hundred
PLACE_LIMIT = 100  # characters of a sheet name (Excel allows 31) or a cell reference
VALUE_LIMIT = 200  # characters of the offending value kept in the JSON report


def place_text(text: str | None) -> str | None:
    """A sheet name or cell reference as a finding carries it: clipped, with escapes for what is invisible."""
    return None if text is None else visible(clip(text, PLACE_LIMIT))


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

    def __post_init__(self) -> None:
        set_ = object.__setattr__  # frozen: the bounds are applied once, here
        set_(self, "message", visible(clip(self.message, MESSAGE_LIMIT)))
        set_(self, "sheet", place_text(self.sheet))
        set_(self, "cell", place_text(self.cell))
        if isinstance(self.value, str):
            set_(self, "value", clip(self.value, VALUE_LIMIT))

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        if not isinstance(self.value, (str, int, float, bool, type(None))):
            data["value"] = str(self.value)
        return data

    @property
    def where(self) -> str:
        """'Costs!E12' (as typed into Excel's or Calc's Name Box: "'Engine results'!A1"), 'Costs', or '' when the
        finding is about the whole file."""
        if self.sheet and self.cell:
            return cell_reference(self.sheet, self.cell)
        return self.sheet or ""
