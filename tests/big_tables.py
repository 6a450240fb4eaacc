"""Workbooks with long tables, built from the generated example so that no binary is committed.

`long_tables_workbook` stretches the Aims, Risks and Evaluation tables of the example workbook to
thousands of rows, filled so that the rules that compare rows with rows do the most work: every risk
has a likelihood the reader cannot read (a reading problem at its cell) and no owner, and half the
aims are named by no evaluation line. `long_sheet_name_workbook` gives a sheet a name of megabytes.
"""

from __future__ import annotations

import io
import random
import string
import zipfile
from pathlib import Path
from xml.sax.saxutils import quoteattr

import openpyxl
from openpyxl.utils.cell import get_column_letter, range_boundaries

def _stretch(book, table_name: str, rows: list[dict[str, object]]) -> None:
    """Write ``rows`` (header -> value) as the table's data rows, growing the table to hold them."""
    sheet = next(ws for ws in book.worksheets if table_name in ws.tables)
    table = sheet.tables[table_name]
    left, top, right, _ = range_boundaries(table.ref)
    headers = [sheet.cell(top, col).value for col in range(left, right + 1)]
    for offset, row in enumerate(rows, start=1):
        for col, header in enumerate(headers, start=left):
            cell = sheet.cell(top + offset, col)
            cell.value = row.get(header, cell.value if offset == 1 else None)
    table.ref = f"{get_column_letter(left)}{top}:{get_column_letter(right)}{top + len(rows)}"
    if table.autoFilter is not None:
        table.autoFilter.ref = table.ref


def long_tables_workbook(example: Path, out: Path, rows: int = 10_000) -> Path:
    """The example workbook with ``rows`` aims, risks and evaluation lines."""
    book = openpyxl.load_workbook(example)
    _stretch(book, "Aims", [{"ID": f"A{n}", "Aim": f"Improve ward staffing outcome number {n} for patients",
                             "Expected benefit": "Better care", "Measure": "Audit"} for n in range(1, rows + 1)])
    _stretch(book, "Risks", [{"ID": f"R{n}", "Risk": f"Risk {n}", "Linked aim": f"A{n}", "Likelihood": "high",
                              "Impact": 3, "Owner": None, "Mitigation": "Plan"} for n in range(1, rows + 1)])
    # lines name the even aims by ID (A2 ... ) inside other words; the odd aims are named by none
    _stretch(book, "Evaluation", [{"What": f"Review of A{2 * n} and staffing", "Measure": f"Survey {n} of staff",
                                   "When": "Yearly", "Method": "Survey", "Owner": "Matron"}
                                  for n in range(1, rows + 1)])
    book.save(out)
    return out


def renamed_sheet_workbook(example: Path, out: Path, name: str, risks: int = 15) -> Path:
    """The example workbook with its Risks sheet renamed to ``name`` (any text: it is written as an XML
    attribute, so a newline stays a newline), and ``risks`` risks that each have no owner and no
    mitigation, so that many findings name that sheet; the first risk's likelihood ("high") cannot be read."""
    book = openpyxl.load_workbook(example)
    _stretch(book, "Risks", [{"ID": f"R{n}", "Risk": f"Risk {n}", "Linked aim": "A1", "Likelihood": 2 if n > 1 else "high",
                              "Impact": 3, "Owner": None, "Mitigation": None} for n in range(1, risks + 1)])
    buffer = io.BytesIO()
    book.save(buffer)
    attribute = quoteattr(name, {"\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}).encode()
    quoted = "'" + name.replace("'", "''") + "'!"
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/workbook.xml":
                data = data.replace(b'name="Risks"', b"name=" + attribute)
                data = data.replace(b"'Risks'!", quoted.replace("&", "&amp;").replace("<", "&lt;").encode())
            target.writestr(info.filename, data)
    return out


LONG_NAME = 12_000_000


def long_sheet_name(length: int = LONG_NAME) -> str:
    """Random letters (a repeated letter would be refused as a zip bomb), the same every time."""
    return "".join(random.Random(9).choices(string.ascii_letters, k=length))


def long_sheet_name_workbook(example: Path, out: Path, length: int = LONG_NAME) -> Path:
    """The example workbook with its Risks sheet renamed to ``length`` random letters and fifteen risks whose
    findings name that sheet."""
    return renamed_sheet_workbook(example, out, long_sheet_name(length))
