"""xlcase inside Excel: ``XLCASE_...`` functions and the Validate / Recalculate scripts, through xlwings.

Every function is a thin wrapper over one library function (``discount_factors``,
``present_value``, ``appraise_arrays``, the reader and the rule registry). One module each:

- ``convert``: the boundary, arguments in (matrices, scalars, numbers, error cells) and Excel
  errors or short messages out, never a traceback;
- ``functions``: the ``XLCASE_...`` functions;
- ``tables``: one table's range or the open workbook as the reader's data (``table_findings``,
  ``book_package``), so they are judged exactly as a submitted file is;
- ``scripts``: "Validate workbook" (``validate_book_script``) and "Recalculate with xlcase"
  (``recalc_book_script``), which write their results to a sheet.

Runtimes: the classic add-in (``UDF Modules = xlcase.excel``, Import Python UDFs), xlwings
Lite (``from xlcase.excel import *`` in main.py) and xlwings Server (``xlcase serve``, see
``xlcase.server``): each finds the decorated functions and scripts in this package's namespace.
The core library never imports this package, so xlwings stays optional.
"""

from __future__ import annotations

from xlcase.excel.convert import MAX_LISTED_FINDINGS, MAX_MESSAGE
from xlcase.excel.functions import (
    FINDING_HEADERS,
    FUNCTIONS,
    xlcase_bcr,
    xlcase_discount_factors,
    xlcase_npv,
    xlcase_payback,
    xlcase_pv,
    xlcase_switching_values,
    xlcase_validate,
)
from xlcase.excel.scripts import (
    BOOK_FINDING_HEADERS,
    RESULTS_SHEET,
    SCRIPTS,
    VALIDATION_SHEET,
    recalc_book_script,
    validate_book_script,
)
from xlcase.excel.tables import CROSS_TABLE_RULES, book_findings, book_package, book_submission, table_findings

__all__ = [f.__name__ for f in (*FUNCTIONS, *SCRIPTS)]
