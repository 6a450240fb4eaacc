"""xlcase: business cases for NHS assistant practitioners as Excel workbooks, with a Green Book engine.

Start with ``xlcase.api`` (new_workbook, export_case, recalc_workbook), ``xlcase.validation``
(validate_workbook, validate_paths) and ``xlcase.appraisal`` (appraise); the README has a tour.

openpyxl writes XML with lxml when lxml is installed (python-docx, which the paper needs, brings it) and
with the standard library otherwise, and the two give different bytes. xlcase asks for the standard
library's (unless OPENPYXL_LXML is set already), so that the same case gives the same workbook whatever
else is installed; this holds when xlcase is imported before openpyxl, as the command line does.
"""

import os

os.environ.setdefault("OPENPYXL_LXML", "False")


def __getattr__(name: str) -> str:
    """``xlcase.__version__``, looked up only when asked for (importing package metadata costs start-up time)."""
    if name != "__version__":
        raise AttributeError(name)
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("xlcase")
    except PackageNotFoundError:  # a source tree that is not installed
        return "0.0.0"
