"""What rules receive: one business case with, when it came from a workbook, where each value lives.

A review is built from a submitted workbook (`Review.from_submission`) or from a bare Case
(`Review.from_case`, e.g. a case file or the xlwings add-in). Rules never need to know which:
`locate` simply answers None when there is no workbook, and findings then carry no sheet or cell.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xlcase.findings import Finding, place_text
from xlcase.model import Case
from xlcase.reader import locate
from xlcase.template import DEFAULT_TEMPLATE, Template, load_template

if TYPE_CHECKING:
    from xlcase.appraisal import Appraisal
    from xlcase.financial import Affordability
    from xlcase.package import WorkbookPackage
    from xlcase.reader import Location, Submission

KeyPath = tuple[str | int, ...]


@dataclass
class Review:
    """A case under review: the case, its template, value locations, the package and reading problems."""

    case: Case
    template: Template
    locations: dict[KeyPath, Location] = field(default_factory=dict)
    package: WorkbookPackage | None = None
    problems: list[Finding] = field(default_factory=list)
    template_name: str | None = None
    template_version: str | None = None
    path: Path | None = None

    @classmethod
    def from_submission(cls, submission: Submission) -> Review:
        """The review of a workbook as read by `xlcase.reader.read_workbook`."""
        return cls(
            case=submission.case,
            template=submission.template,
            locations=submission.locations,
            package=submission.package,
            problems=list(submission.problems),
            template_name=submission.template_name,
            template_version=submission.template_version,
            path=submission.path,
        )

    @classmethod
    def from_case(cls, case: Case, template: Template | None = None) -> Review:
        """The review of a bare Case: no workbook, so no locations, no package and no reading problems."""
        template = template or load_template(DEFAULT_TEMPLATE)
        return cls(case=case, template=template, template_name=template.name, template_version=template.version)

    @functools.cached_property
    def appraisal(self) -> Appraisal | None:
        """The engine's appraisal of the case, computed once on first use; None if it cannot be computed."""
        from xlcase.appraisal import appraise
        from xlcase.errors import XlcaseError

        try:
            return appraise(self.case)
        except XlcaseError:
            return None

    @functools.cached_property
    def affordability(self) -> Affordability | None:
        """The financial case of the case, computed once on first use; None if it cannot be computed."""
        from xlcase.errors import XlcaseError
        from xlcase.financial import affordability

        try:
            return affordability(self.case)
        except XlcaseError:
            return None

    def locate(self, *path: str | int) -> Location | None:
        """The cell of a case value, or of its nearest enclosing row or table; None without a workbook."""
        return locate(self.locations, path)

    def locate_exact(self, *path: str | int) -> Location | None:
        """The cell of exactly this value (no fallback to its row or table)."""
        return self.locations.get(tuple(path))

    @functools.cached_property
    def _problem_cells(self) -> frozenset[tuple[str | None, str | None]]:
        """(sheet, cell) of every reading problem: an index, so that asking costs the same however many there are."""
        return frozenset((p.sheet, p.cell) for p in self.problems)

    def has_problem_at(self, sheet: str | None, cell: str | None) -> bool:
        """Whether the reader already reported something at this cell (so an empty value is not reported twice)."""
        return sheet is not None and (place_text(sheet), place_text(cell)) in self._problem_cells

    def reported(self, *path: str | int) -> bool:
        """Whether the reader already reported the value at exactly this path (it could not read it)."""
        where = self.locate_exact(*path)
        return where is not None and self.has_problem_at(where.sheet, where.cell)

    def results_cell(self, option_id: str, figure: str, index: int | None = None) -> tuple[str, str] | None:
        """(sheet, cell) of an engine figure ('cost_switching_value') in an option's row of the Results table."""
        words = self.template.results
        return self._option_row_cell(words.table, words.header("id"), option_id, words.header(figure), index)

    def sensitivity_cell(self, option_id: str, index: int | None = None) -> tuple[str, str] | None:
        """(sheet, cell) of an option's base-case figure in the Sensitivity table."""
        words = self.template.results
        return self._option_row_cell(words.sensitivity_table, words.sensitivity_option, option_id,
                                     words.sensitivity_base, index)

    def _option_row_cell(self, table: str, option_header: str, option_id: str, header: str,
                         index: int | None) -> tuple[str, str] | None:
        """(sheet, cell) of the column ``header`` in the row of a calculated table (Results, Sensitivity)
        whose saved option (column ``option_header``) is ``option_id``; failing that (results never
        calculated), the row at ``index`` (the tables hold one row per option, in order); failing that,
        the table's first cell.
        """
        if self.package is None:
            return None
        found = self.package.table(table)
        if found is None:
            return None
        rows = self.package.table_rows(table)
        for row in rows:
            option = row.get(option_header)
            if option is None or option.value is None:
                continue
            value: Any = option.value
            text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
            if text.strip() == option_id:
                target = row.get(header) or option
                return found.sheet, target.ref
        if index is not None and index < len(rows) and rows[index].get(header) is not None:
            return found.sheet, rows[index][header].ref
        return found.sheet, found.ref.split(":")[0]
